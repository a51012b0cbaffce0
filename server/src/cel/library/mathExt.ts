// cel-go's math extension, which the API server's base environment enables (ext.Math()):
// math.greatest/least (any count of numbers, or one list), ceil, floor, round (ties away from zero),
// trunc, abs, sign, isInf, isNaN, isFinite, sqrt, and the bitwise functions on int and uint.
import { celRuntimeError, type Environment } from '../celjs';
import { define, isUint, makeUint, uintValue, type Handler } from './define';
import { celCompare } from './compare';
import { registerNamespace } from './namespace';

/** A function of the `math` namespace: a method of its namespace constant whose receiver is dropped. */
const fn = (env: Environment, name: string, params: string[], returnType: string, handler: Handler): void =>
  define(env, name, 'MathNamespace', params, returnType, (_ns: unknown, ...a: never[]) => handler(...a));

const isNumber = (v: unknown): boolean => typeof v === 'bigint' || typeof v === 'number' || isUint(v);
const uintOf = uintValue;
const MIN_INT = -(2n ** 63n);
const MAX_U64 = 2n ** 64n - 1n;


function extreme(name: string, sign: number, args: unknown[]): unknown {
  const values = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  if (values.length === 0) throw celRuntimeError(`math.@${name === 'greatest' ? 'max' : 'min'}(list) argument must not be empty`);
  let best = values[0];
  for (const v of values) {
    if (!isNumber(v)) throw celRuntimeError(`no such overload: math.${name}`);
    if (celCompare(v, best) * sign > 0) best = v;
  }
  if (!isNumber(best)) throw celRuntimeError(`no such overload: math.${name}`);
  return best;
}

function toInt64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

export function registerMathExt(env: Environment): void {
  registerNamespace(env, 'math', 'MathNamespace');
  for (const [name, sign] of [['greatest', 1], ['least', -1]] as const) {
    for (let n = 1; n <= 8; n++) fn(env, name, new Array<string>(n).fill('dyn'), 'dyn', (...a: unknown[]) => extreme(name, sign, a));
  }
  fn(env, 'ceil', ['double'], 'double', (d: number) => Math.ceil(d));
  fn(env, 'floor', ['double'], 'double', (d: number) => Math.floor(d));
  fn(env, 'round', ['double'], 'double', (d: number) => (Number.isFinite(d) ? Math.sign(d) * Math.round(Math.abs(d)) : d));
  fn(env, 'trunc', ['double'], 'double', (d: number) => Math.trunc(d));
  fn(env, 'isInf', ['double'], 'bool', (d: number) => d === Infinity || d === -Infinity);
  fn(env, 'isNaN', ['double'], 'bool', (d: number) => Number.isNaN(d));
  fn(env, 'isFinite', ['double'], 'bool', (d: number) => Number.isFinite(d));
  fn(env, 'abs', ['double'], 'double', (d: number) => Math.abs(d));
  fn(env, 'abs', ['int'], 'int', (i: bigint) => {
    if (i === MIN_INT) throw celRuntimeError('integer overflow');
    return i < 0n ? -i : i;
  });
  fn(env, 'abs', ['uint'], 'uint', (u: unknown) => u);
  fn(env, 'sign', ['double'], 'double', (d: number) => (Number.isNaN(d) ? d : d > 0 ? 1 : d < 0 ? -1 : 0));
  fn(env, 'sign', ['int'], 'int', (i: bigint) => (i > 0n ? 1n : i < 0n ? -1n : 0n));
  fn(env, 'sign', ['uint'], 'uint', (u: unknown) => makeUint(uintOf(u) > 0n ? 1n : 0n));
  for (const t of ['int', 'uint', 'double']) {
    fn(env, 'sqrt', [t], 'double', (v: unknown) => Math.sqrt(typeof v === 'number' ? v : Number(typeof v === 'bigint' ? v : uintOf(v))));
  }
  const bit = (name: string, op: (a: bigint, b: bigint) => bigint): void => {
    fn(env, name, ['int', 'int'], 'int', (a: bigint, b: bigint) => toInt64(op(a, b)));
    fn(env, name, ['uint', 'uint'], 'uint', (a: unknown, b: unknown) => makeUint(BigInt.asUintN(64, op(uintOf(a), uintOf(b)))));
  };
  bit('bitAnd', (a, b) => a & b);
  bit('bitOr', (a, b) => a | b);
  bit('bitXor', (a, b) => a ^ b);
  fn(env, 'bitNot', ['int'], 'int', (a: bigint) => ~a);
  fn(env, 'bitNot', ['uint'], 'uint', (a: unknown) => makeUint(MAX_U64 ^ uintOf(a)));
  const shift = (name: string, left: boolean): void => {
    const check = (n: bigint): void => {
      if (n < 0n) throw celRuntimeError(`math.${name}() negative offset: ${n}`);
    };
    fn(env, name, ['int', 'int'], 'int', (a: bigint, n: bigint) => {
      check(n);
      if (n >= 64n) return 0n;
      return left ? toInt64(a << n) : toInt64(BigInt.asUintN(64, a) >> n);
    });
    fn(env, name, ['uint', 'int'], 'uint', (a: unknown, n: bigint) => {
      check(n);
      if (n >= 64n) return makeUint(0n);
      return makeUint(left ? BigInt.asUintN(64, uintOf(a) << n) : uintOf(a) >> n);
    });
  };
  shift('bitShiftLeft', true);
  shift('bitShiftRight', false);
}
