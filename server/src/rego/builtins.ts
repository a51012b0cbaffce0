// OPA's built-in functions that ConstraintTemplates call, with OPA's semantics. A type error makes the
// call undefined (OPA's default, non-strict mode); a function Trusted Images does not evaluate is a
// compile-time error, so the template is reported as not evaluated instead of guessed.
import { goQuote } from '../go/fmt';
import { compare, equal, isArray, isObject, isSet, numberString, opaString, RObject, RSet, typeName, Value, visit } from './value';
import { compileRe2, estimateProgramSize, isCompiled, Re2, Re2SyntaxError } from '../re2';
import { globToRe2Pattern } from './glob';
import { BuiltinError, LimitError, UnsupportedError } from './errors';
import { BuiltinContext, characters, elements, overLength, unmetered } from './limits';

export { BuiltinError };
export type { BuiltinContext } from './limits';

/** A builtin: OPA's answer, undefined, a BuiltinError (undefined in non-strict mode) or a LimitError. */
export type Builtin = (args: readonly Value[], ctx: BuiltinContext) => Value | undefined;

export interface BuiltinDef {
  readonly arity: number;
  readonly fn: Builtin;
}

/** Builtins that reach outside the evaluation (network, clock, randomness, the OPA runtime). */
export const unsupportedBuiltins = new Set([
  'http.send', 'net.lookup_ip_addr', 'net.cidr_contains', 'net.cidr_intersects', 'net.cidr_merge', 'net.cidr_expand',
  'net.cidr_contains_matches', 'net.cidr_is_valid', 'opa.runtime', 'time.now_ns', 'rand.intn', 'uuid.rfc4122', 'trace',
  'io.jwt.decode_verify', 'crypto.x509.parse_certificates', 'crypto.x509.parse_and_verify_certificates', 'rego.parse_module',
  'providers.aws.sign_req',
]);

function str(v: Value, name: string, i: number): string {
  if (typeof v !== 'string') throw new BuiltinError(`${name}: operand ${i} must be string but got ${typeName(v)}`);
  return v;
}
function num(v: Value, name: string, i: number): number {
  if (typeof v !== 'number') throw new BuiltinError(`${name}: operand ${i} must be number but got ${typeName(v)}`);
  return v;
}
function int(v: Value, name: string, i: number): number {
  const n = num(v, name, i);
  if (!Number.isInteger(n)) throw new BuiltinError(`${name}: operand ${i} must be integer number but got floating-point number`);
  return n;
}
function set(v: Value, name: string, i: number): RSet {
  if (!isSet(v)) throw new BuiltinError(`${name}: operand ${i} must be set but got ${typeName(v)}`);
  return v;
}
/** Strings of an array or a set (sets in sorted order). */
function strings(v: Value, name: string, i: number): string[] {
  const items = isArray(v) ? v : isSet(v) ? v.sorted() : undefined;
  if (items === undefined) throw new BuiltinError(`${name}: operand ${i} must be one of {array, set} but got ${typeName(v)}`);
  return items.map((x) => {
    if (typeof x !== 'string') throw new BuiltinError(`${name}: operand ${i} must be array of strings but got ${typeName(x)}`);
    return x;
  });
}
/** Code points, as OPA counts and slices strings. */
function codePoints(s: string): string[] {
  return Array.from(s);
}
function isAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s);
}

const builtins = new Map<string, BuiltinDef>();
function def(name: string, arity: number, fn: Builtin): void {
  builtins.set(name, { arity, fn });
}

export function builtin(name: string): BuiltinDef | undefined {
  return builtins.get(name);
}

// ---- comparison
def('equal', 2, ([a, b]) => equal(a!, b!));
def('neq', 2, ([a, b]) => !equal(a!, b!));
def('lt', 2, ([a, b]) => compare(a!, b!) < 0);
def('lte', 2, ([a, b]) => compare(a!, b!) <= 0);
def('gt', 2, ([a, b]) => compare(a!, b!) > 0);
def('gte', 2, ([a, b]) => compare(a!, b!) >= 0);

// ---- arithmetic and sets
def('plus', 2, ([a, b]) => num(a!, 'plus', 1) + num(b!, 'plus', 2));
def('minus', 2, ([a, b]) => {
  if (isSet(a) && isSet(b)) {
    const out = new RSet();
    for (const x of a.sorted()) if (!b.has(x)) out.add(x);
    return out;
  }
  if (isSet(a) || isSet(b)) throw new BuiltinError(`minus: operand 2 must be set but got ${typeName(isSet(a) ? b! : a!)}`);
  return num(a!, 'minus', 1) - num(b!, 'minus', 2);
});
def('mul', 2, ([a, b]) => num(a!, 'mul', 1) * num(b!, 'mul', 2));
def('div', 2, ([a, b]) => {
  const d = num(b!, 'div', 2);
  if (d === 0) throw new BuiltinError('div: divide by zero');
  return num(a!, 'div', 1) / d;
});
def('rem', 2, ([a, b]) => {
  const x = num(a!, 'rem', 1);
  const y = num(b!, 'rem', 2);
  if (!Number.isInteger(x) || !Number.isInteger(y)) throw new BuiltinError('rem: modulo on floating-point number');
  if (y === 0) throw new BuiltinError('rem: modulo by zero');
  const r = x % y;
  return r === 0 ? 0 : r;
});
def('abs', 1, ([a]) => Math.abs(num(a!, 'abs', 1)));
def('round', 1, ([a]) => {
  const n = num(a!, 'round', 1);
  return n < 0 ? -Math.round(-n) : Math.round(n);
});
def('ceil', 1, ([a]) => Math.ceil(num(a!, 'ceil', 1)));
def('floor', 1, ([a]) => Math.floor(num(a!, 'floor', 1)));
def('numbers.range', 2, ([a, b], ctx) => {
  const x = int(a!, 'numbers.range', 1);
  const y = int(b!, 'numbers.range', 2);
  elements(ctx, 'numbers.range', Math.abs(y - x) + 1);
  const out: number[] = [];
  if (x <= y) for (let i = x; i <= y; i++) out.push(i);
  else for (let i = x; i >= y; i--) out.push(i);
  return out;
});
def('numbers.range_step', 3, ([a, b, c], ctx) => {
  const x = int(a!, 'numbers.range_step', 1);
  const y = int(b!, 'numbers.range_step', 2);
  const step = int(c!, 'numbers.range_step', 3);
  if (step <= 0) throw new BuiltinError('numbers.range_step: step must be a positive number above zero');
  elements(ctx, 'numbers.range_step', Math.floor(Math.abs(y - x) / step) + 1);
  const out: number[] = [];
  if (x <= y) for (let i = x; i <= y; i += step) out.push(i);
  else for (let i = x; i >= y; i -= step) out.push(i);
  return out;
});
def('or', 2, ([a, b], ctx) => {
  elements(ctx, 'or', set(a!, 'or', 1).size + set(b!, 'or', 2).size);
  const out = RSet.of(set(a!, 'or', 1).sorted());
  for (const x of set(b!, 'or', 2).sorted()) out.add(x);
  return out;
});
def('and', 2, ([a, b]) => {
  const y = set(b!, 'and', 2);
  return RSet.of(set(a!, 'and', 1).sorted().filter((x) => y.has(x)));
});
def('union', 1, ([a], ctx) => {
  const sets = set(a!, 'union', 1).sorted().map((s) => set(s, 'union', 1));
  elements(ctx, 'union', sets.reduce((n, s) => n + s.size, 0));
  const out = new RSet();
  for (const s of sets) for (const x of s.sorted()) out.add(x);
  return out;
});
def('intersection', 1, ([a], ctx) => {
  const sets = set(a!, 'intersection', 1).sorted().map((s) => set(s, 'intersection', 1));
  if (sets.length === 0) return new RSet();
  ctx.charge(sets[0]!.size * sets.length);
  return RSet.of(sets[0]!.sorted().filter((x) => sets.every((s) => s.has(x))));
});

// ---- aggregates
def('count', 1, ([a]) => {
  if (typeof a === 'string') return isAscii(a) ? a.length : codePoints(a).length;
  if (isArray(a)) return a.length;
  if (isObject(a) || isSet(a)) return a.size;
  throw new BuiltinError(`count: operand 1 must be one of {array, object, set, string} but got ${typeName(a!)}`);
});
function numbersOf(v: Value, name: string): number[] {
  const items = isArray(v) ? v : isSet(v) ? v.sorted() : undefined;
  if (items === undefined) throw new BuiltinError(`${name}: operand 1 must be one of {array, set} but got ${typeName(v)}`);
  return items.map((x) => num(x, name, 1));
}
def('sum', 1, ([a]) => numbersOf(a!, 'sum').reduce((x, y) => x + y, 0));
def('product', 1, ([a]) => numbersOf(a!, 'product').reduce((x, y) => x * y, 1));
def('max', 1, ([a]) => {
  const items = isArray(a) ? a : isSet(a) ? a.sorted() : undefined;
  if (items === undefined) throw new BuiltinError(`max: operand 1 must be one of {array, set} but got ${typeName(a!)}`);
  if (items.length === 0) return undefined;
  return items.reduce((x, y) => (compare(x, y) >= 0 ? x : y));
});
def('min', 1, ([a]) => {
  const items = isArray(a) ? a : isSet(a) ? a.sorted() : undefined;
  if (items === undefined) throw new BuiltinError(`min: operand 1 must be one of {array, set} but got ${typeName(a!)}`);
  if (items.length === 0) return undefined;
  return items.reduce((x, y) => (compare(x, y) <= 0 ? x : y));
});
def('sort', 1, ([a], ctx) => {
  if (isArray(a)) {
    ctx.charge(a.length * Math.max(1, Math.log2(a.length)));
    return [...a].sort(compare);
  }
  if (isSet(a)) return a.sorted();
  throw new BuiltinError(`sort: operand 1 must be one of {array, set} but got ${typeName(a!)}`);
});
// Deprecated, still accepted by Gatekeeper's OPA.
def('any', 1, ([a]) => {
  const items = isArray(a) ? a : isSet(a) ? a.sorted() : undefined;
  if (items === undefined) throw new BuiltinError(`any: operand 1 must be one of {array, set} but got ${typeName(a!)}`);
  return items.some((x) => x === true);
});
def('all', 1, ([a]) => {
  const items = isArray(a) ? a : isSet(a) ? a.sorted() : undefined;
  if (items === undefined) throw new BuiltinError(`all: operand 1 must be one of {array, set} but got ${typeName(a!)}`);
  return items.every((x) => x === true);
});

// ---- strings
def('concat', 2, ([d, a], ctx) => {
  const sep = str(d!, 'concat', 1);
  const parts = strings(a!, 'concat', 2);
  characters(ctx, 'concat', parts.reduce((n, p) => n + p.length, 0) + sep.length * Math.max(0, parts.length - 1));
  return parts.join(sep);
});
def('contains', 2, ([a, b]) => str(a!, 'contains', 1).includes(str(b!, 'contains', 2)));
def('startswith', 2, ([a, b]) => str(a!, 'startswith', 1).startsWith(str(b!, 'startswith', 2)));
def('endswith', 2, ([a, b]) => str(a!, 'endswith', 1).endsWith(str(b!, 'endswith', 2)));
def('lower', 1, ([a]) => str(a!, 'lower', 1).toLowerCase());
def('upper', 1, ([a]) => str(a!, 'upper', 1).toUpperCase());
def('split', 2, ([a, b]) => {
  const s = str(a!, 'split', 1);
  const d = str(b!, 'split', 2);
  return d === '' ? codePoints(s) : s.split(d);
});
/** Go's strings.Replace(s, old, neu, -1), its output measured before it is built. */
function replaceAll(name: string, s: string, old: string, neu: string, ctx: BuiltinContext): string {
  if (old === '') {
    const cps = codePoints(s);
    characters(ctx, name, s.length + (cps.length + 1) * neu.length);
    return cps.map((ch) => neu + ch).join('') + neu;
  }
  const parts = s.split(old);
  characters(ctx, name, s.length + (parts.length - 1) * (neu.length - old.length));
  return parts.join(neu);
}
def('replace', 3, ([a, b, c], ctx) => replaceAll('replace', str(a!, 'replace', 1), str(b!, 'replace', 2), str(c!, 'replace', 3), ctx));
def('strings.replace_n', 2, ([p, s], ctx) => {
  if (!isObject(p)) throw new BuiltinError(`strings.replace_n: operand 1 must be object but got ${typeName(p!)}`);
  let out = str(s!, 'strings.replace_n', 2);
  for (const [k, v] of p.sortedEntries()) out = replaceAll('strings.replace_n', out, str(k, 'strings.replace_n', 1), str(v, 'strings.replace_n', 1), ctx);
  return out;
});
def('substring', 3, ([a, b, c]) => {
  const s = str(a!, 'substring', 1);
  const start = int(b!, 'substring', 2);
  const len = int(c!, 'substring', 3);
  if (start < 0) throw new BuiltinError('substring: negative offset');
  const cps = isAscii(s) ? undefined : codePoints(s);
  const n = cps ? cps.length : s.length;
  if (start >= n) return '';
  const end = len < 0 ? n : Math.min(n, start + len);
  return cps ? cps.slice(start, end).join('') : s.slice(start, end);
});
def('indexof', 2, ([a, b]) => {
  const s = str(a!, 'indexof', 1);
  const i = s.indexOf(str(b!, 'indexof', 2));
  return i < 0 ? -1 : isAscii(s) ? i : codePoints(s.slice(0, i)).length;
});
function cutset(s: string, cut: string, left: boolean, right: boolean): string {
  const chars = new Set(codePoints(cut));
  const cps = codePoints(s);
  let i = 0;
  let j = cps.length;
  if (left) while (i < j && chars.has(cps[i]!)) i++;
  if (right) while (j > i && chars.has(cps[j - 1]!)) j--;
  return cps.slice(i, j).join('');
}
def('trim', 2, ([a, b]) => cutset(str(a!, 'trim', 1), str(b!, 'trim', 2), true, true));
def('trim_left', 2, ([a, b]) => cutset(str(a!, 'trim_left', 1), str(b!, 'trim_left', 2), true, false));
def('trim_right', 2, ([a, b]) => cutset(str(a!, 'trim_right', 1), str(b!, 'trim_right', 2), false, true));
def('trim_prefix', 2, ([a, b]) => {
  const s = str(a!, 'trim_prefix', 1);
  const p = str(b!, 'trim_prefix', 2);
  return s.startsWith(p) ? s.slice(p.length) : s;
});
def('trim_suffix', 2, ([a, b]) => {
  const s = str(a!, 'trim_suffix', 1);
  const p = str(b!, 'trim_suffix', 2);
  return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
});
// Go's unicode.IsSpace.
// A scan, not /\s+$/: a backtracking search for trailing space is quadratic in a run of inner spaces.
const goSpace = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;
def('trim_space', 1, ([a]) => {
  const s = str(a!, 'trim_space', 1);
  let i = 0;
  let j = s.length;
  while (i < j && goSpace.test(s[i]!)) i++;
  while (j > i && goSpace.test(s[j - 1]!)) j--;
  return s.slice(i, j);
});
// Every string against every prefix: the product is charged (two ranges of a million are 10^12).
def('strings.any_prefix_match', 2, ([a, b], ctx) => {
  const ss = typeof a === 'string' ? [a] : strings(a!, 'strings.any_prefix_match', 1);
  const ps = typeof b === 'string' ? [b] : strings(b!, 'strings.any_prefix_match', 2);
  ctx.charge(ss.length * ps.length);
  return ss.some((s) => ps.some((p) => s.startsWith(p)));
});
def('strings.any_suffix_match', 2, ([a, b], ctx) => {
  const ss = typeof a === 'string' ? [a] : strings(a!, 'strings.any_suffix_match', 1);
  const ps = typeof b === 'string' ? [b] : strings(b!, 'strings.any_suffix_match', 2);
  ctx.charge(ss.length * ps.length);
  return ss.some((s) => ps.some((p) => s.endsWith(p)));
});
def('strings.count', 2, ([a, b]) => {
  const s = str(a!, 'strings.count', 1);
  const sub = str(b!, 'strings.count', 2);
  if (sub === '') return codePoints(s).length + 1;
  return s.split(sub).length - 1;
});
def('format_int', 2, ([a, b]) => {
  const n = num(a!, 'format_int', 1);
  const base = int(b!, 'format_int', 2);
  if (![2, 8, 10, 16].includes(base)) throw new BuiltinError('format_int: operand 2 must be one of {2, 8, 10, 16}');
  return Math.trunc(n).toString(base);
});
def('sprintf', 2, ([f, a], ctx) => {
  const format = str(f!, 'sprintf', 1);
  if (!isArray(a)) throw new BuiltinError(`sprintf: operand 2 must be array but got ${typeName(a!)}`);
  return goSprintf(format, a, ctx);
});

// ---- types
def('is_string', 1, ([a]) => typeof a === 'string');
def('is_number', 1, ([a]) => typeof a === 'number');
def('is_boolean', 1, ([a]) => typeof a === 'boolean');
def('is_null', 1, ([a]) => a === null);
def('is_array', 1, ([a]) => isArray(a));
def('is_set', 1, ([a]) => isSet(a));
def('is_object', 1, ([a]) => isObject(a));
def('type_name', 1, ([a]) => typeName(a!));
def('to_number', 1, ([a]) => {
  if (a === null) return 0;
  if (typeof a === 'boolean') return a ? 1 : 0;
  if (typeof a === 'number') return a;
  if (typeof a === 'string') {
    // Go's json.Number validity, plus what strconv.ParseFloat accepts that OPA lets through.
    if (!/^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(a)) throw new BuiltinError(`to_number: invalid syntax: ${goQuote(a)}`);
    return Number(a);
  }
  throw new BuiltinError(`to_number: operand 1 must be one of {boolean, null, number, string} but got ${typeName(a!)}`);
});

// ---- objects and arrays
def('object.get', 3, ([o, k, d]) => {
  if (!isObject(o)) throw new BuiltinError(`object.get: operand 1 must be object but got ${typeName(o!)}`);
  if (isArray(k)) {
    let cur: Value = o;
    for (const step of k) {
      if (isObject(cur)) {
        const next = cur.get(step);
        if (next === undefined) return d!;
        cur = next;
      } else if (isArray(cur)) {
        if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step >= cur.length) return d!;
        cur = cur[step]!;
      } else if (isSet(cur)) {
        if (!cur.has(step)) return d!;
        cur = step;
      } else {
        return d!;
      }
    }
    return cur;
  }
  const v = o.get(k!);
  return v === undefined ? d! : v;
});
def('object.keys', 1, ([o]) => {
  if (!isObject(o)) throw new BuiltinError(`object.keys: operand 1 must be object but got ${typeName(o!)}`);
  return RSet.of(o.keys());
});
def('object.remove', 2, ([o, ks]) => {
  if (!isObject(o)) throw new BuiltinError(`object.remove: operand 1 must be object but got ${typeName(o!)}`);
  const drop = isSet(ks) ? ks : isArray(ks) ? RSet.of(ks) : isObject(ks) ? RSet.of(ks.keys()) : undefined;
  if (drop === undefined) throw new BuiltinError(`object.remove: operand 2 must be one of {array, object, set} but got ${typeName(ks!)}`);
  return RObject.fromEntries(o.sortedEntries().filter(([k]) => !drop.has(k)));
});
def('object.filter', 2, ([o, ks]) => {
  if (!isObject(o)) throw new BuiltinError(`object.filter: operand 1 must be object but got ${typeName(o!)}`);
  const keep = isSet(ks) ? ks : isArray(ks) ? RSet.of(ks) : isObject(ks) ? RSet.of(ks.keys()) : undefined;
  if (keep === undefined) throw new BuiltinError(`object.filter: operand 2 must be one of {array, object, set} but got ${typeName(ks!)}`);
  return RObject.fromEntries(o.sortedEntries().filter(([k]) => keep.has(k)));
});
function mergeObjects(a: RObject, b: RObject): RObject {
  visit(a.size + b.size);
  const out = RObject.fromEntries(a.sortedEntries());
  for (const [k, v] of b.sortedEntries()) {
    const prev = out.get(k);
    out.set(k, isObject(prev) && isObject(v) ? mergeObjects(prev, v) : v);
  }
  return out;
}
def('object.union', 2, ([a, b]) => {
  if (!isObject(a)) throw new BuiltinError(`object.union: operand 1 must be object but got ${typeName(a!)}`);
  if (!isObject(b)) throw new BuiltinError(`object.union: operand 2 must be object but got ${typeName(b!)}`);
  return mergeObjects(a, b);
});
def('array.concat', 2, ([a, b], ctx) => {
  if (!isArray(a)) throw new BuiltinError(`array.concat: operand 1 must be array but got ${typeName(a!)}`);
  if (!isArray(b)) throw new BuiltinError(`array.concat: operand 2 must be array but got ${typeName(b!)}`);
  elements(ctx, 'array.concat', a.length + b.length);
  return [...a, ...b];
});
def('array.slice', 3, ([a, b, c]) => {
  if (!isArray(a)) throw new BuiltinError(`array.slice: operand 1 must be array but got ${typeName(a!)}`);
  let start = int(b!, 'array.slice', 2);
  let stop = int(c!, 'array.slice', 3);
  if (start < 0) start = 0;
  if (stop > a.length) stop = a.length;
  return start >= stop ? [] : a.slice(start, stop);
});
def('array.reverse', 1, ([a]) => {
  if (!isArray(a)) throw new BuiltinError(`array.reverse: operand 1 must be array but got ${typeName(a!)}`);
  return [...a].reverse();
});

// ---- membership (`x in xs`)
def('internal.member_2', 2, ([x, c]) => {
  if (isSet(c)) return c.has(x!);
  if (isArray(c)) return c.some((y) => equal(x!, y));
  if (isObject(c)) return c.sortedEntries().some(([, y]) => equal(x!, y));
  return false;
});
def('internal.member_3', 3, ([k, v, c]) => {
  if (isArray(c)) return typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < c.length && equal(c[k]!, v!);
  if (isObject(c)) {
    const x = c.get(k!);
    return x !== undefined && equal(x, v!);
  }
  return false;
});

// ---- regular expressions (Go's regexp, on RE2: linear in the input, whatever the pattern) and globs
/**
 * The pattern compiled by RE2; what RE2 refuses is a builtin error, as OPA's regexp.Compile error is.
 * Compiling is charged (a step per instruction, about what re2js takes) and bounded before it runs:
 * `[a-z]{1000}` a thousand times over is 11 kB of pattern and a second of compiling.
 */
function re2(pattern: string, name: string, ctx: BuiltinContext): Re2 {
  if (!isCompiled(pattern)) {
    const size = estimateProgramSize(pattern);
    const max = ctx.limits.maxRegexProgram;
    if (size > max) throw new LimitError(`${name}: the pattern compiles to about ${size} instructions, over the limit of ${max}`, 'maxRegexProgram');
    ctx.charge(size * compileUnits);
  }
  try {
    return compileRe2(pattern);
  } catch (e) {
    if (e instanceof Re2SyntaxError) throw new BuiltinError(`${name}: ${e.message}`);
    throw e;
  }
}
/**
 * A subject string, charged for the search before it runs: RE2 steps through the program once per
 * character at worst, some 25 ns per instruction and character (re2js), where a step of the budget
 * stands for about a microsecond. Linear, but `(?:[a-z]{1,50}){20}[0-9]` on 100 kB takes seconds.
 */
function subject(re: Re2, v: Value, name: string, i: number, ctx: BuiltinContext): string {
  const s = str(v, name, i);
  ctx.charge(s.length * re.programSize * searchUnits);
  return s;
}
/** Budget units (see BuiltinContext.charge) per character and instruction of a search. */
const searchUnits = 8;
/** Budget units per instruction compiled. */
const compileUnits = 256;
const regexMatch: Builtin = ([p, v], ctx) => {
  const re = re2(str(p!, 'regex.match', 1), 'regex.match', ctx);
  return re.test(subject(re, v!, 'regex.match', 2, ctx));
};
def('regex.match', 2, regexMatch);
def('re_match', 2, regexMatch);
def('regex.is_valid', 1, ([p], ctx) => {
  if (typeof p !== 'string') return false;
  try {
    re2(p, 'regex.is_valid', ctx);
    return true;
  } catch (e) {
    if (e instanceof BuiltinError) return false;
    throw e;
  }
});
def('regex.find_n', 3, ([p, v, n], ctx) => {
  const re = re2(str(p!, 'regex.find_n', 1), 'regex.find_n', ctx);
  return re.findAll(subject(re, v!, 'regex.find_n', 2, ctx), int(n!, 'regex.find_n', 3));
});
// Go's FindAllStringSubmatch gives "" for a group that did not take part.
def('regex.find_all_string_submatch_n', 3, ([p, v, n], ctx) => {
  const name = 'regex.find_all_string_submatch_n';
  const re = re2(str(p!, name, 1), name, ctx);
  return re.findAllSubmatch(subject(re, v!, name, 2, ctx), int(n!, name, 3)).map((groups) => groups.map((g) => g ?? ''));
});
def('regex.split', 2, ([p, v], ctx) => {
  const re = re2(str(p!, 'regex.split', 1), 'regex.split', ctx);
  return re.split(subject(re, v!, 'regex.split', 2, ctx), -1);
});
// regex.replace(s, pattern, value): Go's ReplaceAllString, `$1` and `${name}` expanded; stopped at
// the string bound (an empty-matching pattern puts a copy of value at every position of s).
def('regex.replace', 3, ([a, p, r], ctx) => {
  const re = re2(str(p!, 'regex.replace', 2), 'regex.replace', ctx);
  const s = subject(re, a!, 'regex.replace', 1, ctx);
  const max = ctx.limits.maxStringLength;
  const out = re.replaceAllWithin(s, str(r!, 'regex.replace', 3), max);
  if (out === undefined) overLength(ctx, 'regex.replace');
  ctx.charge(out.length);
  return out;
});
const globCache = new Map<string, string>();
def('glob.match', 3, ([p, d, v], ctx) => {
  const pattern = str(p!, 'glob.match', 1);
  let delimiters: string[];
  if (d === null) delimiters = [];
  else {
    if (!isArray(d)) throw new BuiltinError(`glob.match: operand 2 must be one of {array, null} but got ${typeName(d!)}`);
    delimiters = d.map((x) => str(x, 'glob.match', 2));
    if (delimiters.length === 0) delimiters = ['.'];
  }
  const key = pattern + '\0' + delimiters.join('\0');
  let source = globCache.get(key);
  if (source === undefined) {
    source = globToRe2Pattern(pattern, delimiters);
    if (globCache.size > 1000) globCache.clear();
    globCache.set(key, source);
  }
  // A class RE2 refuses (a reversed range such as [z-a]) is refused by gobwas/glob too: undefined.
  const re = re2(source, 'glob.match', ctx);
  return re.test(subject(re, v!, 'glob.match', 3, ctx));
});
def('glob.quote_meta', 1, ([p]) => str(p!, 'glob.quote_meta', 1).replace(/[*?\\[\]{}]/g, (c) => '\\' + c));

// ---- units
const byteUnits: Record<string, number> = {
  '': 1, k: 1e3, kb: 1e3, ki: 1024, kib: 1024, m: 1e6, mb: 1e6, mi: 1024 ** 2, mib: 1024 ** 2, g: 1e9, gb: 1e9, gi: 1024 ** 3,
  gib: 1024 ** 3, t: 1e12, tb: 1e12, ti: 1024 ** 4, tib: 1024 ** 4, p: 1e15, pb: 1e15, pi: 1024 ** 5, pib: 1024 ** 5, e: 1e18,
  eb: 1e18, ei: 1024 ** 6, eib: 1024 ** 6,
};
def('units.parse_bytes', 1, ([a]) => {
  const s = str(a!, 'units.parse_bytes', 1).replace(/"/g, '');
  const m = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([a-zA-Z]*)$/.exec(s);
  const mult = m ? byteUnits[m[2]!.toLowerCase()] : undefined;
  if (!m || mult === undefined) throw new BuiltinError(`units.parse_bytes: could not parse byte amount: ${s}`);
  return Math.round(Number(m[1]) * mult);
});
const siUnits: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3,
  Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};
def('units.parse', 1, ([a]) => {
  const s = str(a!, 'units.parse', 1).replace(/"/g, '');
  const m = /^((?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)$/.exec(s);
  const mult = m ? siUnits[m[2]!] : undefined;
  if (mult === undefined) throw new BuiltinError(`units.parse: could not parse amount: ${s}`);
  return Number(m![1]) * mult;
});

// ---- encoding
// Written piece by piece with the length counted: a value that shares one array many times over (a
// comprehension's output) is small in memory and can be huge as text.
def('json.marshal', 1, ([a], ctx) => {
  const parts: string[] = [];
  let length = 0;
  const put = (t: string): void => {
    parts.push(t);
    length += t.length;
    if (length > ctx.limits.maxStringLength) overLength(ctx, 'json.marshal');
  };
  const write = (v: Value): void => {
    if (v === null || typeof v !== 'object') return put(typeof v === 'number' ? numberString(v) : JSON.stringify(v));
    const items = isArray(v) ? v : isSet(v) ? v.sorted() : undefined;
    if (items !== undefined) {
      put('[');
      items.forEach((x, i) => (i > 0 && put(','), write(x)));
      return put(']');
    }
    put('{');
    (v as RObject).sortedEntries().forEach(([k, x], i) => {
      put((i > 0 ? ',' : '') + JSON.stringify(typeof k === 'string' ? k : opaString(k)) + ':');
      write(x);
    });
    put('}');
  };
  write(a!);
  ctx.charge(length);
  return parts.join('');
});

/** Go's fmt.Sprintf as OPA calls it: numbers as int or float64, strings raw, the rest as OPA prints it. */
export function goSprintf(format: string, args: readonly Value[], ctx: BuiltinContext = unmetered): string {
  const max = ctx.limits.maxStringLength;
  type GoArg = { kind: 'string'; s: string } | { kind: 'int'; n: number } | { kind: 'float64'; n: number };
  const goArgs: GoArg[] = args.map((a) =>
    typeof a === 'string' ? { kind: 'string', s: a } : typeof a === 'number' ? (Number.isInteger(a) ? { kind: 'int', n: a } : { kind: 'float64', n: a }) : { kind: 'string', s: opaString(a) },
  );
  const plain = (a: GoArg): string => (a.kind === 'string' ? a.s : a.kind === 'int' ? numberString(a.n) : goFloat(a.n));
  const bad = (verb: string, a: GoArg): string => `%!${verb}(${a.kind}=${plain(a)})`;
  let out = '';
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    // flags, width, precision
    let j = i + 1;
    let flags = '';
    while (j < format.length && '+-# 0'.includes(format[j]!)) flags += format[j++];
    let width = '';
    while (j < format.length && format[j]! >= '0' && format[j]! <= '9') width += format[j++];
    let prec: string | undefined;
    if (format[j] === '.') {
      j++;
      prec = '';
      while (j < format.length && format[j]! >= '0' && format[j]! <= '9') prec += format[j++];
    }
    const verb = format[j];
    i = j;
    // Go pads to any width and prints any precision: %0999999999d asks for a billion characters.
    if (Number(width || '0') > max) throw new LimitError(`sprintf: width ${width} is over the limit of ${max} characters`, 'maxStringLength');
    if (Number(prec ?? '0') > max) throw new LimitError(`sprintf: precision ${prec} is over the limit of ${max} characters`, 'maxStringLength');
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= goArgs.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = goArgs[argi++]!;
    let s: string;
    switch (verb) {
      case 'v':
        s = plain(a);
        if (prec !== undefined && a.kind === 'float64') s = fixed(a.n, Number(prec || '0'));
        break;
      case 's':
        s = a.kind === 'string' ? (prec !== undefined ? Array.from(a.s).slice(0, Number(prec || '0')).join('') : a.s) : bad('s', a);
        break;
      case 'd':
        s = a.kind === 'int' ? (flags.includes('+') && a.n >= 0 ? '+' : '') + numberString(a.n) : bad('d', a);
        break;
      case 'q':
        s = a.kind === 'string' ? goQuote(a.s) : a.kind === 'int' ? goQuoteRune(a.n) : bad('q', a);
        break;
      case 'f':
      case 'F':
        s = a.kind === 'float64' ? fixed(a.n, prec === undefined ? 6 : Number(prec || '0')) : bad(verb, a);
        break;
      case 'x':
      case 'X': {
        let h = a.kind === 'int' ? a.n.toString(16) : a.kind === 'string' ? Buffer.from(a.s, 'utf8').toString('hex') : bad(verb, a);
        if (verb === 'X') h = h.toUpperCase();
        s = h;
        break;
      }
      case 't':
        s = bad('t', a);
        break;
      default:
        s = bad(verb, a);
    }
    if (width !== '' && !s.startsWith('%!')) {
      const w = Number(width);
      const len = Array.from(s).length;
      if (len < w) characters(ctx, 'sprintf', out.length + w);
      if (len < w) s = flags.includes('-') ? s + ' '.repeat(w - len) : (flags.includes('0') && verb !== 's' ? '0' : ' ').repeat(w - len) + s;
    }
    out += s;
    if (out.length > max) overLength(ctx, 'sprintf');
  }
  ctx.charge(out.length);
  if (argi < goArgs.length) {
    out += '%!(EXTRA ' + goArgs.slice(argi).map((a) => `${a.kind}=${plain(a)}`).join(', ') + ')';
  }
  return out;
}

/** Go's strconv.QuoteRune, as %q prints an integer: a number that is no code point prints U+FFFD. */
function goQuoteRune(n: number): string {
  const valid = n >= 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff);
  const ch = valid ? String.fromCodePoint(n) : '\ufffd';
  if (ch === '"') return `'"'`;
  if (ch === "'") return "'\\''";
  return "'" + goQuote(ch).slice(1, -1) + "'";
}

/** Go's %.Nf; JavaScript prints at most 100 digits after the point, and Go's further digits are not guessed. */
function fixed(n: number, digits: number): string {
  if (digits > 100) throw new UnsupportedError(`sprintf: a precision of ${digits} digits is not evaluated (JavaScript prints at most 100)`);
  return n.toFixed(digits);
}

/** Go's %v of a float64: the shortest form, with an exponent below 1e-4 and from 1e21. */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m, e] = n.toExponential().split('e') as [string, string];
    const sign = e[0] === '-' ? '-' : '+';
    const digits = e.replace(/^[+-]/, '');
    return `${m}e${sign}${digits.padStart(2, '0')}`;
  }
  return String(n);
}
