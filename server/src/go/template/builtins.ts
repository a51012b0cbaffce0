// text/template's predefined functions (funcs.go), with Go's comparison rules: eq with several
// arguments, ints and floats never compared with each other, nil equal to nothing.
import type { FuncDef } from './func';
import { sprint, sprintf, sprintln } from './printf';
import { GoString, computed, sliceOf } from './text';
import { FuncError, Value, goLen, isString, str, truth, typeName } from './value';

type Kind = 'bool' | 'int' | 'float' | 'string' | 'complex' | 'invalid' | 'other';

function basicKind(v: Value): Kind {
  if (v === undefined || v === null) return 'invalid';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (isString(v)) return 'string';
  return 'other';
}

const badComparison = 'incompatible types for comparison';
const badComparisonType = 'invalid type for comparison';

function eqOne(a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 !== k2) {
    if (k1 !== 'invalid' && k2 !== 'invalid') throw new FuncError(`${badComparison}: ${typeName(a)} and ${typeName(b)}`);
    return false;
  }
  switch (k1) {
    case 'bool':
    case 'int':
    case 'float':
      return a === b;
    case 'string':
      return str(a) === str(b);
    case 'invalid':
      return true;
    default:
      if (Array.isArray(a) || a instanceof Map || Array.isArray(b) || b instanceof Map) {
        throw new FuncError(`non-comparable type ${typeName(a)}: ${badComparisonType}`);
      }
      return a === b;
  }
}

function eq(args: Value[]): Value {
  const [a, ...rest] = args;
  if (!rest.length) throw new FuncError('missing argument for comparison');
  for (const b of rest) if (eqOne(a, b)) return true;
  return false;
}

function lessThan(a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k1 === 'other' || k1 === 'bool' || k2 === 'invalid' || k2 === 'other' || k2 === 'bool') throw new FuncError(badComparisonType);
  if (k1 !== k2) throw new FuncError(`${badComparison}: ${typeName(a)} and ${typeName(b)}`);
  if (k1 === 'string') return str(a) < str(b);
  return (a as number) < (b as number);
}

function index(args: Value[]): Value {
  let item = args[0];
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  for (const ix of args.slice(1)) {
    if (item === undefined || item === null) throw new FuncError('index of nil pointer');
    if (Array.isArray(item) || isString(item) || item instanceof Uint8Array) {
      if (typeof ix !== 'bigint') throw new FuncError(`cannot index slice/array with type ${typeName(ix)}`);
      const len = isString(item) ? str(item).length : item.length;
      if (ix < 0n || ix >= BigInt(len)) throw new FuncError(`index out of range: ${ix}`);
      if (isString(item)) item = BigInt(new TextEncoder().encode(str(item))[Number(ix)]!);
      else if (item instanceof Uint8Array) item = BigInt(item[Number(ix)]!);
      else item = item[Number(ix)];
    } else if (item instanceof Map) {
      if (!isString(ix)) {
        if (ix === undefined || ix === null) throw new FuncError('value is nil; should be of type string');
        throw new FuncError(`value has type ${typeName(ix)}; should be string`);
      }
      const v = item.get(str(ix));
      item = v === undefined ? null : v;
    } else throw new FuncError(`can't index item of type ${typeName(item)}`);
  }
  return item;
}

function slice(args: Value[]): Value {
  const item = args[0];
  if (item === undefined || item === null) throw new FuncError('slice of untyped nil');
  const idx = args.slice(1).map((x) => {
    if (typeof x !== 'bigint') throw new FuncError(`cannot index slice/array with type ${typeName(x)}`);
    return Number(x);
  });
  if (idx.length > 3) throw new FuncError(`too many slice indexes: ${idx.length}`);
  if (isString(item)) {
    if (idx.length === 3) throw new FuncError('cannot 3-index slice a string');
    const len = str(item).length;
    const a = idx[0] ?? 0;
    const b = idx[1] ?? len;
    if (a < 0 || b > len || a > b) throw new FuncError(`index out of range: ${b > len ? b : a}`);
    return sliceOf(item as GoString, a, b);
  }
  if (Array.isArray(item)) {
    const a = idx[0] ?? 0;
    const b = idx[1] ?? item.length;
    if (a < 0 || b > item.length || a > b) throw new FuncError(`index out of range: ${b > item.length ? b : a}`);
    return item.slice(a, b);
  }
  throw new FuncError(`can't slice item of type ${typeName(item)}`);
}

function htmlEscape(s: string): string {
  return s.replace(/[<>&'"\0]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD' })[c]!);
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (c < 0x20) out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
    else out += ch;
  }
  return out;
}

function evalArgs(args: Value[]): string {
  if (args.length === 1 && isString(args[0])) return str(args[0]);
  return str(sprint(args));
}

function def(n: number, fn: FuncDef['fn'], variadic = false): FuncDef {
  return { n, fn, variadic };
}

export const builtins: ReadonlyMap<string, FuncDef> = new Map<string, FuncDef>([
  ['and', def(1, () => undefined, true)],
  ['or', def(1, () => undefined, true)],
  ['not', def(1, (a) => !truth(a[0]))],
  ['len', def(1, (a) => {
    const v = a[0];
    if (v === undefined || v === null) throw new FuncError('len of nil pointer');
    const n = goLen(v);
    if (n === undefined) throw new FuncError(`len of type ${typeName(v)}`);
    return BigInt(n);
  })],
  ['index', def(1, index, true)],
  ['slice', def(1, slice, true)],
  ['print', def(0, (a) => sprint(a), true)],
  ['println', def(0, (a) => sprintln(a), true)],
  ['printf', def(1, (a) => {
    const f = a[0];
    if (!isString(f)) throw new FuncError(`wrong type for value; expected string; got ${typeName(f)}`);
    return sprintf(f, a.slice(1));
  }, true)],
  ['eq', def(1, eq, true)],
  ['ne', def(2, (a) => !eq(a))],
  ['lt', def(2, (a) => lessThan(a[0], a[1]))],
  ['le', def(2, (a) => lessThan(a[0], a[1]) || eqOne(a[0], a[1]))],
  ['gt', def(2, (a) => !lessThan(a[0], a[1]) && !eqOne(a[0], a[1]))],
  ['ge', def(2, (a) => !lessThan(a[0], a[1]))],
  ['html', def(0, (a) => computed(htmlEscape(evalArgs(a)), ...a), true)],
  ['js', def(0, (a) => computed(jsEscape(evalArgs(a)), ...a), true)],
  ['urlquery', def(0, (a) => computed(encodeURIComponent(evalArgs(a)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()), ...a), true)],
  ['call', def(1, () => {
    throw new FuncError('call of a non-function');
  }, true)],
]);
