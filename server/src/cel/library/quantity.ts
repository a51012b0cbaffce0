// Kubernetes' quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go) over resource.Quantity's
// grammar: `quantity("1.5Gi")`, isQuantity, sign, isGreaterThan/isLessThan/compareTo, add/sub (quantity
// or int), mul, div (rounded to 4 places, or to the given 0..10), divInt, asInteger/isInteger,
// asApproximateFloat. Values are kept exact as a fraction of bigints; equality is by value
// (quantity("200M") == quantity("0.2G")).
import { celRuntimeError, type Environment } from '../celjs';
import type { Ordered } from './compare';
import { define } from './define';

const pattern = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const patternText = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const binary: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const decimal: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export class Quantity implements Ordered {
  readonly num: bigint;
  readonly den: bigint;
  constructor(num: bigint, den: bigint = 1n) {
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const g = gcd(num, den) || 1n;
    this.num = num / g;
    this.den = den / g;
  }
  cmp(o: Quantity): number {
    const a = this.num * o.den;
    const b = o.num * this.den;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  compareWith(other: unknown): number | undefined {
    return other instanceof Quantity ? this.cmp(other) : undefined;
  }
  toString(): string {
    return this.den === 1n ? String(this.num) : String(Number(this.num) / Number(this.den));
  }
}

/** resource.ParseQuantity; throws with Kubernetes' messages. */
export function parseQuantity(s: string): Quantity {
  const m = pattern.exec(s.trim() === s ? s : '');
  if (s.length === 0 || m === null) throw celRuntimeError(`quantities must match the regular expression '${patternText}'`);
  const [, numText, suffix] = m as unknown as [string, string, string];
  if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/.test(numText)) throw celRuntimeError(`quantities must match the regular expression '${patternText}'`);
  const negative = numText.startsWith('-');
  const digits = numText.replace(/^[+-]/, '');
  const [whole, frac = ''] = digits.split('.');
  let num = BigInt((whole || '0') + frac);
  let den = 10n ** BigInt(frac.length);
  if (negative) num = -num;
  if (suffix in binary) num *= binary[suffix]!;
  else if (suffix in decimal) {
    const e = decimal[suffix]!;
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    const e = Number(suffix.slice(1));
    if (Math.abs(e) > 1000) throw celRuntimeError("unable to parse quantity's suffix");
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  } else throw celRuntimeError("unable to parse quantity's suffix");
  // Quantities keep at most nano precision: anything finer rounds up (away from zero).
  const scaled = num * 1_000_000_000n;
  if (scaled % den !== 0n) {
    const q = scaled / den;
    return new Quantity(q + (num < 0n ? -1n : 1n), 1_000_000_000n);
  }
  return new Quantity(num, den);
}

function roundTo(q: Quantity, places: number): Quantity {
  const scale = 10n ** BigInt(places);
  const n = q.num * scale;
  let r = n / q.den;
  const rem = abs(n % q.den) * 2n;
  if (rem >= q.den) r += n < 0n ? -1n : 1n;
  return new Quantity(r, scale);
}

const int64 = (v: bigint): boolean => v >= -(2n ** 63n) && v < 2n ** 63n;

export function registerQuantity(env: Environment): void {
  env.registerType('kubernetes.Quantity', Quantity);
  const Q = 'kubernetes.Quantity';
  define(env, 'quantity', undefined, ['string'], Q, (s: string) => parseQuantity(s));
  define(env, 'isQuantity', undefined, ['string'], 'bool', (s: string) => {
    try {
      parseQuantity(s);
      return true;
    } catch {
      return false;
    }
  });
  define(env, 'sign', Q, [], 'int', (q: Quantity) => BigInt(Math.sign(Number(q.num))));
  define(env, 'isGreaterThan', Q, [Q], 'bool', (a: Quantity, b: Quantity) => a.cmp(b) > 0);
  define(env, 'isLessThan', Q, [Q], 'bool', (a: Quantity, b: Quantity) => a.cmp(b) < 0);
  define(env, 'compareTo', Q, [Q], 'int', (a: Quantity, b: Quantity) => BigInt(a.cmp(b)));
  define(env, 'add', Q, [Q], Q, (a: Quantity, b: Quantity) => new Quantity(a.num * b.den + b.num * a.den, a.den * b.den));
  define(env, 'add', Q, ['int'], Q, (a: Quantity, b: bigint) => new Quantity(a.num + b * a.den, a.den));
  define(env, 'sub', Q, [Q], Q, (a: Quantity, b: Quantity) => new Quantity(a.num * b.den - b.num * a.den, a.den * b.den));
  define(env, 'sub', Q, ['int'], Q, (a: Quantity, b: bigint) => new Quantity(a.num - b * a.den, a.den));
  define(env, 'mul', Q, ['int'], Q, (a: Quantity, b: bigint) => new Quantity(a.num * b, a.den));
  const div = (a: Quantity, d: bigint, places: bigint): Quantity => {
    if (d === 0n) throw celRuntimeError('division by zero error');
    if (places < 0n || places > 10n) throw celRuntimeError(`the valid range for roundVal is 0 to 10 but ${places} was passed`);
    return roundTo(new Quantity(a.num, a.den * d), Number(places));
  };
  define(env, 'div', Q, ['int'], Q, (a: Quantity, d: bigint) => div(a, d, 4n));
  define(env, 'div', Q, ['int', 'int'], Q, (a: Quantity, d: bigint, r: bigint) => div(a, d, r));
  define(env, 'divInt', Q, ['int'], Q, (a: Quantity, d: bigint) => {
    if (d === 0n) throw celRuntimeError('division by zero error');
    return new Quantity(a.num / (a.den * d));
  });
  define(env, 'isInteger', Q, [], 'bool', (q: Quantity) => q.den === 1n && int64(q.num));
  define(env, 'asInteger', Q, [], 'int', (q: Quantity) => {
    if (q.den !== 1n || !int64(q.num)) throw celRuntimeError('cannot convert value to integer');
    return q.num;
  });
  define(env, 'asApproximateFloat', Q, [], 'double', (q: Quantity) => Number(q.num) / Number(q.den));
  env.registerOperator(`${Q} == ${Q}`, ((a: Quantity, b: Quantity) => a.cmp(b) === 0) as (...a: unknown[]) => unknown);
}
