// Sprig v3's functions as Helm exposes them (sprig.TxtFuncMap minus env/expandenv), over template
// values. Text copied as it is (default, coalesce, trim*, quote, indent, replace around the copied
// parts...) keeps its provenance; computed text is tied to its input as not verbatim.
import type { FuncDef } from '../go/template/exec';
import { sprintf } from '../go/template/printf';
import { GoString, TextBuilder, computed, concatText, plain, replaceAllText, sliceOf, splitText, trimSpaceText } from '../go/template/text';
import { FuncError, GoMap, GoStruct, Value, deepCopy, deepEqual, formatV, isString, kindOf, maxValueChars, str, typeName } from '../go/template/value';
import { compileRe2, Re2SyntaxError } from '../re2';
import { adler32, b32enc, b64dec, b64enc, pemBlock, randomFrom, sha1Hex, sha256Hex, sha512Hex } from '../go/digest';
import { parseConstraint, parseVersion, satisfies } from './semver';

type Fn = FuncDef['fn'];
const table = new Map<string, FuncDef>();
function fn(name: string, n: number, f: Fn, variadic = false): void {
  table.set(name, { n, fn: f, variadic });
}

/** Sprig's strval: strings as they are, the rest as %v prints them. */
export function strval(v: Value): GoString {
  if (isString(v)) return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return formatV(v === undefined ? null : v, false);
}

/** A string parameter: Go would refuse a non-string; charts that render never pass one, so convert. */
function s(v: Value): GoString {
  if (v === undefined || v === null) return '';
  return strval(v);
}

function p(v: Value): string {
  return plain(s(v));
}

/** Sprig's empty. */
export function empty(v: Value): boolean {
  if (v === undefined || v === null) return true;
  if (isString(v)) return str(v).length === 0;
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'bigint') return v === 0n;
  if (typeof v === 'number') return v === 0;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  return false;
}

/** cast.ToInt64 as Sprig uses it: strings parsed (base prefixes, "5.0"), floats truncated, junk 0. */
export function toInt64(v: Value): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (isString(v)) {
    let t = str(v).trim();
    t = t.replace(/^([+-]?\d+)\.0*$/, '$1');
    if (/^[+-]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|\d+)$/.test(t)) {
      const neg = t.startsWith('-');
      const body = t.replace(/^[+-]/, '');
      let r: bigint;
      if (/^0[0-7]+$/.test(body)) r = BigInt('0o' + body.slice(1));
      else if (/^0[oO]/.test(body)) r = BigInt('0o' + body.slice(2));
      else r = BigInt(body);
      return neg ? -r : r;
    }
    return 0n;
  }
  return 0n;
}

export function toFloat64(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isString(v)) {
    const t = str(v).trim();
    const f = Number(t);
    return t !== '' && !Number.isNaN(f) ? f : 0;
  }
  return 0;
}

function list(v: Value, what: string): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return Array.from(v, (x) => BigInt(x));
  throw new FuncError(`Cannot ${what} on type ${kindOf(v)}`);
}

function dictOf(v: Value): GoMap {
  if (v instanceof Map) return v;
  if (v === undefined || v === null) return new Map();
  throw new FuncError(`wrong type for value; expected map[string]interface {}; got ${typeName(v)}`);
}

/** Sprig's strslice: a list of strings from a list of anything (nil items dropped). */
function strslice(v: Value): GoString[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

// ---- defaults and flow
fn('default', 1, (a) => (a.length < 2 || empty(a[1]) ? a[0] : a[1]), true);
fn('empty', 1, (a) => empty(a[0]));
fn('coalesce', 0, (a) => a.find((x) => !empty(x)) ?? null, true);
fn('all', 0, (a) => a.every((x) => !empty(x)), true);
fn('any', 0, (a) => a.some((x) => !empty(x)), true);
fn('ternary', 3, (a) => {
  if (typeof a[2] !== 'boolean') throw new FuncError(`wrong type for value; expected bool; got ${typeName(a[2])}`);
  return a[2] ? a[0] : a[1];
});
fn('fail', 1, (a) => {
  throw new FuncError(p(a[0]), true);
});
fn('deepEqual', 2, (a) => deepEqual(a[0], a[1]));
fn('typeOf', 1, (a) => typeName(a[0]));
fn('typeIs', 2, (a) => p(a[0]) === typeName(a[1]));
fn('typeIsLike', 2, (a) => {
  const t = typeName(a[1]);
  return p(a[0]) === t || '*' + p(a[0]) === t;
});
fn('kindOf', 1, (a) => kindOf(a[0]));
fn('kindIs', 2, (a) => p(a[0]) === kindOf(a[1]));

// ---- strings
fn('toString', 1, (a) => strval(a[0]));
fn('quote', 0, (a) => {
  const b = new TextBuilder();
  a.filter((x) => x !== null && x !== undefined).forEach((x, i) => {
    if (i) b.add(' ');
    const v = strval(x);
    const q = JSON.stringify(plain(v));
    if (q.length === plain(v).length + 2 && !/[\u007f-\uffff]/.test(plain(v))) {
      b.add('"');
      b.add(v);
      b.add('"');
    } else b.add(computed(goQuoteStr(plain(v)), v));
  });
  return b.build();
}, true);
fn('squote', 0, (a) => {
  const b = new TextBuilder();
  a.filter((x) => x !== null && x !== undefined).forEach((x, i) => {
    if (i) b.add(' ');
    b.add("'");
    b.add(strval(x));
    b.add("'");
  });
  return b.build();
}, true);
fn('cat', 0, (a) => {
  const b = new TextBuilder();
  a.filter((x) => x !== null && x !== undefined).forEach((x, i) => {
    if (i) b.add(' ');
    b.add(strval(x));
  });
  return b.build();
}, true);
fn('trim', 1, (a) => trimSpaceText(s(a[0])));
fn('trimAll', 2, (a) => trimCut(s(a[1]), p(a[0]), true, true));
fn('trimSuffix', 2, (a) => {
  const v = s(a[1]);
  const suf = p(a[0]);
  return suf && plain(v).endsWith(suf) ? sliceOf(v, 0, plain(v).length - suf.length) : v;
});
fn('trimPrefix', 2, (a) => {
  const v = s(a[1]);
  const pre = p(a[0]);
  return pre && plain(v).startsWith(pre) ? sliceOf(v, pre.length) : v;
});
fn('upper', 1, (a) => computed(p(a[0]).toUpperCase(), a[0]));
fn('lower', 1, (a) => computed(p(a[0]).toLowerCase(), a[0]));
fn('title', 1, (a) => computed(p(a[0]).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, x: string, y: string) => x + y.toUpperCase()), a[0]));
fn('untitle', 1, (a) => computed(p(a[0]).replace(/(^|\s)(\p{L})/gu, (_m, x: string, y: string) => x + y.toLowerCase()), a[0]));
fn('repeat', 2, (a) => {
  const n = Number(toInt64(a[0]));
  if (n < 0) throw new FuncError('strings: negative Repeat count');
  const v = p(a[1]);
  if (v.length * n > 10_000_000) throw new FuncError('repeat: output larger than 10000000 characters (limit maxOutput)');
  return computed(v.repeat(n), a[1]);
});
fn('substr', 3, (a) => {
  // Sprig slices without guarding, so Go's slice panics are Helm's errors.
  const v = s(a[2]);
  const len = plain(v).length;
  const start = Number(toInt64(a[0]));
  const end = Number(toInt64(a[1]));
  if (start < 0) {
    if (end > len) throw new FuncError(`runtime error: slice bounds out of range [:${end}] with length ${len}`);
    if (end < 0) throw new FuncError(`runtime error: slice bounds out of range [:${end}]`);
    return sliceOf(v, 0, end);
  }
  if (end < 0 || end > len) {
    if (start > len) throw new FuncError(`runtime error: slice bounds out of range [${start}:${len}]`);
    return sliceOf(v, start);
  }
  if (start > end) throw new FuncError(`runtime error: slice bounds out of range [${start}:${end}]`);
  return sliceOf(v, start, end);
});
fn('trunc', 2, (a) => {
  const c = Number(toInt64(a[0]));
  const v = s(a[1]);
  const len = plain(v).length;
  if (c < 0 && len + c > 0) return sliceOf(v, len + c);
  if (c >= 0 && len > c) return sliceOf(v, 0, c);
  return v;
});
fn('abbrev', 2, (a) => {
  const w = Number(toInt64(a[0]));
  const v = p(a[1]);
  if (w < 4 || v.length <= w) return s(a[1]);
  return computed(v.slice(0, w - 3) + '...', a[1]);
});
fn('nospace', 1, (a) => computed(p(a[0]).replace(/\s+/g, ''), a[0]));
fn('initials', 1, (a) => computed(p(a[0]).split(/\s+/).filter(Boolean).map((w) => [...w][0]).join(''), a[0]));
fn('contains', 2, (a) => p(a[1]).includes(p(a[0])));
fn('hasPrefix', 2, (a) => p(a[1]).startsWith(p(a[0])));
fn('hasSuffix', 2, (a) => p(a[1]).endsWith(p(a[0])));
fn('replace', 3, (a) => {
  const from = p(a[0]);
  const v = s(a[2]);
  // strings.Replace with an empty old string inserts the new one at every rune boundary, ends included.
  if (from === '') return computed(p(a[1]) + [...plain(v)].join(p(a[1])) + (plain(v).length ? p(a[1]) : ''), v);
  return replaceAllText(v, from, s(a[1]));
});
fn('plural', 3, (a) => (toInt64(a[2]) === 1n ? a[0] : a[1]));
fn('snakecase', 1, (a) => computed(p(a[0]).replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[\s-]+/g, '_').toLowerCase(), a[0]));
fn('camelcase', 1, (a) => computed(p(a[0]).split(/[_\s-]+/).map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : '')).join(''), a[0]));
fn('kebabcase', 1, (a) => computed(p(a[0]).replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/[\s_]+/g, '-').toLowerCase(), a[0]));
fn('swapcase', 1, (a) => computed([...p(a[0])].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''), a[0]));
fn('shuffle', 1, (a) => computed([...p(a[0])].sort(() => Math.random() - 0.5).join(''), a[0]));
fn('wrap', 2, (a) => computed(wrapText(p(a[1]), Number(toInt64(a[0])), '\n'), a[1]));
fn('wrapWith', 3, (a) => computed(wrapText(p(a[2]), Number(toInt64(a[0])), p(a[1])), a[2]));
fn('indent', 2, (a) => indent(Number(toInt64(a[0])), s(a[1])));
fn('nindent', 2, (a) => concatText('\n', indent(Number(toInt64(a[0])), s(a[1]))));
fn('split', 2, (a) => {
  const m: GoMap = new Map();
  splitText(s(a[1]), p(a[0])).forEach((x, i) => m.set('_' + i, x));
  return m;
});
fn('splitList', 2, (a) => splitText(s(a[1]), p(a[0])));
fn('splitn', 3, (a) => {
  const m: GoMap = new Map();
  splitText(s(a[2]), p(a[0]), Number(toInt64(a[1]))).forEach((x, i) => m.set('_' + i, x));
  return m;
});
fn('join', 2, (a) => {
  const b = new TextBuilder();
  strslice(a[1]).forEach((x, i) => {
    if (i) b.add(s(a[0]));
    b.add(x);
  });
  return b.build();
});
fn('sortAlpha', 1, (a) => {
  const l = strslice(a[0]);
  return l.sort((x, y) => (plain(x) < plain(y) ? -1 : plain(x) > plain(y) ? 1 : 0));
});
fn('toStrings', 1, (a) => strslice(a[0]));
fn('printf', 1, (a) => sprintf(s(a[0]), a.slice(1)), true);

// ---- encodings and digests
fn('b64enc', 1, (a) => computed(b64enc(p(a[0])), a[0]));
fn('b64dec', 1, (a) => computed(b64dec(p(a[0])), a[0]));
fn('b32enc', 1, (a) => computed(b32enc(p(a[0])), a[0]));
fn('sha256sum', 1, (a) => sha256Hex(p(a[0])));
fn('sha1sum', 1, (a) => sha1Hex(p(a[0])));
fn('sha512sum', 1, (a) => sha512Hex(p(a[0])));
fn('adler32sum', 1, (a) => String(adler32(p(a[0]))));

// ---- numbers
const int64Max = (1n << 63n) - 1n;
function wrap64(n: bigint): bigint {
  return BigInt.asIntN(64, n);
}
fn('int', 1, (a) => toInt64(a[0]));
fn('int64', 1, (a) => toInt64(a[0]));
fn('float64', 1, (a) => toFloat64(a[0]));
fn('atoi', 1, (a) => {
  const t = p(a[0]);
  return /^[+-]?\d+$/.test(t) ? BigInt(t) : 0n;
});
fn('toDecimal', 1, (a) => {
  const t = p(a[0]);
  return /^[+-]?[0-7]+$/.test(t) ? BigInt('0o' + t.replace(/^[+-]/, '')) * (t.startsWith('-') ? -1n : 1n) : 0n;
});
fn('add1', 1, (a) => wrap64(toInt64(a[0]) + 1n));
fn('add', 0, (a) => wrap64(a.reduce<bigint>((x, y) => x + toInt64(y), 0n)), true);
fn('sub', 2, (a) => wrap64(toInt64(a[0]) - toInt64(a[1])));
fn('mul', 1, (a) => wrap64(a.reduce<bigint>((x, y) => x * toInt64(y), 1n)), true);
fn('div', 2, (a) => {
  const d = toInt64(a[1]);
  if (d === 0n) throw new FuncError('runtime error: integer divide by zero');
  return toInt64(a[0]) / d;
});
fn('mod', 2, (a) => {
  const d = toInt64(a[1]);
  if (d === 0n) throw new FuncError('runtime error: integer divide by zero');
  return toInt64(a[0]) % d;
});
fn('max', 1, (a) => a.map(toInt64).reduce((x, y) => (y > x ? y : x)), true);
fn('min', 1, (a) => a.map(toInt64).reduce((x, y) => (y < x ? y : x)), true);
fn('addf', 0, (a) => a.reduce<number>((x, y) => x + toFloat64(y), 0), true);
fn('add1f', 1, (a) => toFloat64(a[0]) + 1);
fn('subf', 1, (a) => a.slice(1).reduce<number>((x, y) => x - toFloat64(y), toFloat64(a[0])), true);
fn('mulf', 1, (a) => a.reduce<number>((x, y) => x * toFloat64(y), 1), true);
fn('divf', 1, (a) => a.slice(1).reduce<number>((x, y) => x / toFloat64(y), toFloat64(a[0])), true);
fn('maxf', 1, (a) => Math.max(...a.map(toFloat64)), true);
fn('minf', 1, (a) => Math.min(...a.map(toFloat64)), true);
fn('floor', 1, (a) => Math.floor(toFloat64(a[0])));
fn('ceil', 1, (a) => Math.ceil(toFloat64(a[0])));
fn('round', 2, (a) => {
  const f = toFloat64(a[0]);
  const d = Number(toInt64(a[1]));
  const m = 10 ** d;
  return Math.round(f * m) / m;
}, true);
function until(start: bigint, stop: bigint, step: bigint): Value[] {
  const out: Value[] = [];
  if (step === 0n) return out;
  const count = step > 0n ? (stop - start + step - 1n) / step : (start - stop - step - 1n) / -step;
  if (count > 1_000_000n) throw new FuncError(`until: ${count} items is more than 1000000 (limit maxOutput)`);
  for (let i = start; step > 0n ? i < stop : i > stop; i += step) out.push(i);
  return out;
}
fn('until', 1, (a) => until(0n, toInt64(a[0]), toInt64(a[0]) >= 0n ? 1n : -1n));
fn('untilStep', 3, (a) => until(toInt64(a[0]), toInt64(a[1]), toInt64(a[2])));
fn('seq', 0, (a) => {
  const n = a.map(toInt64);
  let r: Value[] = [];
  if (n.length === 1) r = n[0]! >= 1n ? until(1n, n[0]! + 1n, 1n) : until(1n, n[0]! - 1n, -1n);
  else if (n.length === 2) r = n[0]! <= n[1]! ? until(n[0]!, n[1]! + 1n, 1n) : until(n[0]!, n[1]! - 1n, -1n);
  else if (n.length === 3) r = until(n[0]!, n[2]! + (n[1]! > 0n ? 1n : -1n), n[1]!);
  return r.map((x) => String(x)).join(' ');
}, true);
void int64Max;

// ---- lists
fn('list', 0, (a) => a.slice(), true);
fn('tuple', 0, (a) => a.slice(), true);
for (const name of ['append', 'push', 'mustAppend', 'mustPush']) fn(name, 2, (a) => [...list(a[0], 'push'), a[1]]);
for (const name of ['prepend', 'mustPrepend']) fn(name, 2, (a) => [a[1], ...list(a[0], 'prepend')]);
fn('concat', 0, (a) => a.flatMap((x) => (x === null || x === undefined ? [] : list(x, 'concat'))), true);
for (const name of ['first', 'mustFirst']) fn(name, 1, (a) => (a[0] === null || a[0] === undefined ? null : list(a[0], 'find first').length ? list(a[0], 'find first')[0]! : null));
for (const name of ['last', 'mustLast']) fn(name, 1, (a) => {
  const l = a[0] === null || a[0] === undefined ? [] : list(a[0], 'find last');
  return l.length ? l[l.length - 1]! : null;
});
for (const name of ['rest', 'mustRest']) fn(name, 1, (a) => list(a[0], 'find rest').slice(1));
for (const name of ['initial', 'mustInitial']) fn(name, 1, (a) => list(a[0], 'find initial').slice(0, -1));
for (const name of ['reverse', 'mustReverse']) fn(name, 1, (a) => list(a[0], 'find reverse').slice().reverse());
for (const name of ['uniq', 'mustUniq']) fn(name, 1, (a) => {
  const out: Value[] = [];
  for (const x of list(a[0], 'find uniq')) if (!out.some((y) => deepEqual(x, y))) out.push(x);
  return out;
});
for (const name of ['compact', 'mustCompact']) fn(name, 1, (a) => list(a[0], 'compact').filter((x) => !empty(x)));
for (const name of ['without', 'mustWithout']) fn(name, 1, (a) => list(a[0], 'find without').filter((x) => !a.slice(1).some((y) => deepEqual(x, y))), true);
for (const name of ['has', 'mustHas']) fn(name, 2, (a) => (a[1] === null || a[1] === undefined ? false : list(a[1], 'find has').some((x) => deepEqual(x, a[0]))));
for (const name of ['slice', 'mustSlice']) fn(name, 1, (a) => {
  if (!Array.isArray(a[0])) throw new FuncError(`list should be type of slice or array but ${kindOf(a[0])}`);
  const l = a[0];
  const start = a.length > 1 ? Number(toInt64(a[1])) : 0;
  const end = a.length > 2 ? Number(toInt64(a[2])) : l.length;
  return l.slice(start, end);
}, true);
fn('chunk', 2, (a) => {
  const n = Number(toInt64(a[0]));
  const l = list(a[1], 'chunk');
  const out: Value[] = [];
  for (let i = 0; i < l.length; i += n) out.push(l.slice(i, i + n));
  return out;
});

// ---- dicts
fn('dict', 0, (a) => {
  const m: GoMap = new Map();
  for (let i = 0; i < a.length; i += 2) m.set(plain(strval(a[i])), i + 1 < a.length ? a[i + 1] : '');
  return m;
}, true);
fn('get', 2, (a) => {
  const m = dictOf(a[0]);
  const k = p(a[1]);
  return m.has(k) ? (m.get(k) ?? null) : '';
});
fn('set', 3, (a) => {
  const m = dictOf(a[0]);
  m.set(p(a[1]), a[2]);
  return m;
});
fn('unset', 2, (a) => {
  const m = dictOf(a[0]);
  m.delete(p(a[1]));
  return m;
});
fn('hasKey', 2, (a) => dictOf(a[0]).has(p(a[1])));
fn('pluck', 1, (a) => a.slice(1).flatMap((d) => (dictOf(d).has(p(a[0])) ? [dictOf(d).get(p(a[0])) ?? null] : [])), true);
fn('keys', 0, (a) => a.flatMap((d) => [...dictOf(d).keys()].sort()), true);
fn('values', 1, (a) => [...dictOf(a[0]).entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map((e) => e[1] ?? null));
fn('pick', 1, (a) => {
  const m = dictOf(a[0]);
  const out: GoMap = new Map();
  for (const k of a.slice(1).map(p)) if (m.has(k)) out.set(k, m.get(k));
  return out;
}, true);
fn('omit', 1, (a) => {
  const m = dictOf(a[0]);
  const drop = new Set(a.slice(1).map(p));
  const out: GoMap = new Map();
  for (const [k, v] of m) if (!drop.has(k)) out.set(k, v);
  return out;
}, true);
fn('dig', 2, (a) => {
  const m = a[a.length - 1];
  const def = a[a.length - 2];
  let cur: Value = m;
  for (const k of a.slice(0, -2)) {
    if (!(cur instanceof Map) || !cur.has(p(k))) return def;
    cur = cur.get(p(k));
  }
  return cur;
}, true);
for (const name of ['deepCopy', 'mustDeepCopy']) fn(name, 1, (a) => deepCopy(a[0]));
for (const name of ['merge', 'mustMerge']) fn(name, 1, (a) => {
  const dst = dictOf(a[0]);
  for (const src of a.slice(1)) mergeInto(dst, dictOf(src), false);
  return dst;
}, true);
for (const name of ['mergeOverwrite', 'mustMergeOverwrite']) fn(name, 1, (a) => {
  const dst = dictOf(a[0]);
  for (const src of a.slice(1)) mergeInto(dst, dictOf(src), true);
  return dst;
}, true);

/** mergo.Merge into a map (WithOverride when overwrite): maps merged deep, in place. */
function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean, depth = 0): void {
  if (depth > 1000) throw new FuncError('merge: maps nested too deeply (limit maxDepth)');
  for (const [k, sv] of src) {
    const dv = dst.get(k);
    if (sv === null || sv === undefined) {
      if (overwrite) dst.set(k, null);
      continue;
    }
    if (sv instanceof Map) {
      if (dv instanceof Map) {
        mergeInto(dv, sv, overwrite, depth + 1);
        continue;
      }
      if (dv !== undefined && !empty(dv) && !overwrite) continue;
      if (dv !== undefined && !empty(dv)) {
        dst.set(k, sv);
        continue;
      }
      dst.set(k, sv);
      continue;
    }
    if (Array.isArray(sv)) {
      if (dv !== undefined && !empty(dv) && !overwrite) continue;
      dst.set(k, sv);
      continue;
    }
    if (overwrite || dv === undefined || empty(dv)) dst.set(k, sv);
  }
}

// ---- regular expressions (Go RE2)
function re(pattern: Value): ReturnType<typeof compileRe2> {
  try {
    return compileRe2(p(pattern));
  } catch (e) {
    if (e instanceof Re2SyntaxError) throw new FuncError(e.message);
    throw e;
  }
}
for (const m of ['', 'must']) {
  const name = (n: string): string => (m ? 'must' + n[0]!.toUpperCase() + n.slice(1) : n);
  fn(name('regexMatch'), 2, (a) => re(a[0]).test(p(a[1])));
  fn(name('regexFind'), 2, (a) => {
    const v = s(a[1]);
    const ix = re(a[0]).findIndex(plain(v));
    return ix ? sliceOf(v, ix[0], ix[1]) : '';
  });
  fn(name('regexFindAll'), 3, (a) => re(a[0]).findAll(p(a[1]), Number(toInt64(a[2]))));
  fn(name('regexReplaceAll'), 3, (a) => computed(re(a[0]).replaceAll(p(a[1]), p(a[2])), a[1]));
  fn(name('regexReplaceAllLiteral'), 3, (a) => computed(re(a[0]).replaceAllLiteral(p(a[1]), p(a[2])), a[1]));
  fn(name('regexSplit'), 3, (a) => re(a[0]).split(p(a[1]), Number(toInt64(a[2]))));
}
fn('regexQuoteMeta', 1, (a) => p(a[0]).replace(/[\\.+*?()|[\]{}^$]/g, '\\$&'));

// ---- semver
fn('semverCompare', 2, (a) => {
  const c = parseConstraint(p(a[0]));
  if (!c) throw new FuncError(`improper constraint: ${p(a[0])}`);
  const v = parseVersion(p(a[1]));
  if (!v) throw new FuncError('Invalid Semantic Version');
  return satisfies(c, v);
});
fn('semver', 1, (a) => {
  const v = parseVersion(p(a[0]));
  if (!v) throw new FuncError('Invalid Semantic Version');
  const fields = new Map<string, Value>([
    ['Major', BigInt(v.major)],
    ['Minor', BigInt(v.minor)],
    ['Patch', BigInt(v.patch)],
    ['Prerelease', v.pre],
    ['Metadata', v.meta],
    ['Original', v.original],
  ]);
  const methods = {
    Major: () => BigInt(v.major),
    Minor: () => BigInt(v.minor),
    Patch: () => BigInt(v.patch),
    Prerelease: () => v.pre,
    Metadata: () => v.meta,
    Original: () => v.original,
    String: () => `${v.major}.${v.minor}.${v.patch}${v.pre ? '-' + v.pre : ''}${v.meta ? '+' + v.meta : ''}`,
  };
  return new GoStruct('*semver.Version', fields, methods, methods.String);
});

// ---- random (the shape of the real thing: documents with these are compared by their images)
const alpha = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const digits = '0123456789';
function randLen(v: Value): number {
  const n = Number(toInt64(v));
  if (n > 1_000_000) throw new FuncError(`random string of ${n} characters is more than 1000000 (limit maxOutput)`);
  return Math.max(0, n);
}
fn('randAlphaNum', 1, (a) => randomFrom(alpha + digits, randLen(a[0])));
fn('randAlpha', 1, (a) => randomFrom(alpha, randLen(a[0])));
fn('randNumeric', 1, (a) => randomFrom(digits, randLen(a[0])));
fn('randAscii', 1, (a) => randomFrom(Array.from({ length: 94 }, (_x, i) => String.fromCharCode(33 + i)).join(''), randLen(a[0])));
fn('randInt', 2, (a) => {
  const lo = Number(toInt64(a[0]));
  const hi = Number(toInt64(a[1]));
  return BigInt(lo + Math.floor(Math.random() * Math.max(1, hi - lo)));
});
fn('uuidv4', 0, () => {
  const h = randomFrom('0123456789abcdef', 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(Math.random() * 4)]}${h.slice(17, 20)}-${h.slice(20)}`;
});
function certificate(): GoStruct {
  return new GoStruct('sprig.certificate', new Map<string, Value>([
    ['Cert', pemBlock('CERTIFICATE', 800)],
    ['Key', pemBlock('RSA PRIVATE KEY', 1190)],
  ]));
}
fn('genCA', 2, () => certificate());
fn('genCAWithKey', 3, () => certificate());
fn('genSelfSignedCert', 4, () => certificate());
fn('genSelfSignedCertWithKey', 5, () => certificate());
fn('genSignedCert', 5, () => certificate());
fn('genSignedCertWithKey', 6, () => certificate());
fn('genPrivateKey', 1, () => pemBlock('RSA PRIVATE KEY', 1190));
fn('derivePassword', 5, (a) => computed(randomFrom(alpha + digits, 20), a[0]));
fn('htpasswd', 2, (a) => `${p(a[0])}:$2a$10$${randomFrom(alpha + digits + './', 53)}`);
fn('encryptAES', 2, (a) => computed(b64enc(randomFrom(alpha, 16 + p(a[1]).length)), a[1]));
fn('decryptAES', 2, () => '');
fn('getHostByName', 1, () => '');

// ---- dates (now is the render's time; documents with dates are not compared byte for byte)
function goDate(fmt: string, d: Date, utc: boolean): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const Y = utc ? d.getUTCFullYear() : d.getFullYear();
  const M = (utc ? d.getUTCMonth() : d.getMonth()) + 1;
  const D = utc ? d.getUTCDate() : d.getDate();
  const h = utc ? d.getUTCHours() : d.getHours();
  const m = utc ? d.getUTCMinutes() : d.getMinutes();
  const sec = utc ? d.getUTCSeconds() : d.getSeconds();
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const wd = utc ? d.getUTCDay() : d.getDay();
  return fmt.replace(/2006|January|Jan|Monday|Mon|MST|Z07:00|-0700|15|01|02|03|04|05|06|1|2|3|4|5|PM|pm/g, (t) => {
    switch (t) {
      case '2006': return String(Y);
      case '06': return pad(Y % 100);
      case 'January': return months[M - 1]!;
      case 'Jan': return months[M - 1]!.slice(0, 3);
      case 'Monday': return days[wd]!;
      case 'Mon': return days[wd]!.slice(0, 3);
      case '01': return pad(M);
      case '1': return String(M);
      case '02': return pad(D);
      case '2': return String(D);
      case '15': return pad(h);
      case '03': return pad(h % 12 || 12);
      case '3': return String(h % 12 || 12);
      case '04': return pad(m);
      case '4': return String(m);
      case '05': return pad(sec);
      case '5': return String(sec);
      case 'PM': return h >= 12 ? 'PM' : 'AM';
      case 'pm': return h >= 12 ? 'pm' : 'am';
      case 'MST': return 'UTC';
      case 'Z07:00': return 'Z';
      case '-0700': return '+0000';
    }
    return t;
  });
}
function dateOf(v: Value): Date {
  if (v instanceof GoStruct && v.type === 'time.Time') return new Date(Number(v.fields.get('unix')) * 1000);
  if (typeof v === 'bigint') return new Date(Number(v) * 1000);
  if (typeof v === 'number') return new Date(v * 1000);
  return new Date();
}
/** Go's time.Time{}: 0001-01-01 00:00:00 UTC. */
function zeroTime(): Date {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  return d;
}

function timeValue(d: Date): GoStruct {
  const iso = d.toISOString();
  return new GoStruct('time.Time', new Map<string, Value>([['unix', BigInt(Math.floor(d.getTime() / 1000))]]), {
    Unix: () => BigInt(Math.floor(d.getTime() / 1000)),
    Format: (a) => goDate(p(a[0]), d, true),
    UTC: () => timeValue(d),
    Year: () => BigInt(d.getUTCFullYear()),
  }, () => iso.replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC'));
}
fn('now', 0, () => timeValue(new Date()));
fn('date', 2, (a) => goDate(p(a[0]), dateOf(a[1]), true));
fn('dateInZone', 3, (a) => goDate(p(a[0]), dateOf(a[1]), true));
fn('htmlDate', 1, (a) => goDate('2006-01-02', dateOf(a[0]), true));
fn('htmlDateInZone', 2, (a) => goDate('2006-01-02', dateOf(a[0]), true));
fn('unixEpoch', 1, (a) => String(Math.floor(dateOf(a[0]).getTime() / 1000)));
fn('dateModify', 2, (a) => timeValue(dateOf(a[1])));
// A date that does not parse: Sprig's toDate gives Go's zero time; mustToDate, Go's parse error.
fn('toDate', 2, (a) => {
  const d = new Date(p(a[1]));
  return timeValue(Number.isNaN(d.getTime()) ? zeroTime() : d);
});
fn('mustToDate', 2, (a) => {
  const d = new Date(p(a[1]));
  if (Number.isNaN(d.getTime())) throw new FuncError(`parsing time ${JSON.stringify(p(a[1]))} as ${JSON.stringify(p(a[0]))}: cannot parse ${JSON.stringify(p(a[1]))} as ${JSON.stringify(p(a[0]))}`);
  return timeValue(d);
});
fn('ago', 1, () => '0s');
fn('duration', 1, (a) => `${toInt64(a[0])}s`);

// ---- paths and misc
fn('base', 1, (a) => computed(p(a[0]).replace(/\/+$/, '').split('/').pop() || (p(a[0]).startsWith('/') ? '/' : '.'), a[0]));
fn('dir', 1, (a) => {
  const t = p(a[0]);
  const i = t.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : t.slice(0, i);
});
fn('ext', 1, (a) => {
  const b = p(a[0]).split('/').pop() ?? '';
  const i = b.lastIndexOf('.');
  return i < 0 ? '' : b.slice(i);
});
fn('clean', 1, (a) => p(a[0]).replace(/\/+/g, '/').replace(/\/\.(?=\/|$)/g, '').replace(/(.)\/$/, '$1') || '.');
fn('isAbs', 1, (a) => p(a[0]).startsWith('/'));
fn('osBase', 1, (a) => p(a[0]).split('/').pop() ?? '');
fn('urlParse', 1, (a) => {
  const m: GoMap = new Map();
  try {
    const u = new URL(p(a[0]));
    m.set('scheme', u.protocol.replace(/:$/, ''));
    m.set('host', u.host);
    m.set('hostname', u.hostname);
    m.set('path', u.pathname);
    m.set('query', u.search.replace(/^\?/, ''));
    m.set('fragment', u.hash.replace(/^#/, ''));
    m.set('userinfo', u.username ? u.username + (u.password ? ':' + u.password : '') : '');
    m.set('opaque', '');
  } catch {
    throw new FuncError(`unable to parse url: ${p(a[0])}`);
  }
  return m;
});
fn('urlJoin', 1, (a) => {
  const m = dictOf(a[0]);
  const g = (k: string): string => p(m.get(k) ?? '');
  return `${g('scheme') ? g('scheme') + '://' : ''}${g('userinfo') ? g('userinfo') + '@' : ''}${g('host')}${g('path')}${g('query') ? '?' + g('query') : ''}${g('fragment') ? '#' + g('fragment') : ''}`;
});

function indent(n: number, v: GoString): GoString {
  if (n > 1_000_000 || (n > 0 && plain(v).split('\n').length * n > maxValueChars)) throw new FuncError(`indent of ${n} larger than the bound (limit maxOutput)`);
  const pad = ' '.repeat(Math.max(0, n));
  return concatText(pad, replaceAllText(v, '\n', '\n' + pad));
}

function trimCut(v: GoString, cut: string, left: boolean, right: boolean): GoString {
  const t = plain(v);
  let a = 0;
  let b = t.length;
  if (left) while (a < b && cut.includes(t[a]!)) a++;
  if (right) while (b > a && cut.includes(t[b - 1]!)) b--;
  return sliceOf(v, a, b);
}

function wrapText(t: string, width: number, nl: string): string {
  const words = t.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? cur + ' ' + w : w;
  }
  if (cur) lines.push(cur);
  return lines.join(nl);
}

/** Go's %q of a string. */
function goQuoteStr(t: string): string {
  return plain(sprintf('%q', [t]));
}

fn('hello', 0, () => 'Hello!');
fn('abbrevboth', 3, (a) => {
  const left = Number(toInt64(a[0]));
  const width = Number(toInt64(a[1]));
  const v = p(a[2]);
  if (width < 7 || v.length <= width) return s(a[2]);
  const off = Math.max(0, Math.min(left, v.length));
  if (off <= 4) return computed(v.slice(0, width - 3) + '...', a[2]);
  if (off + width - 3 < v.length) return computed('...' + v.slice(off, off + width - 6) + '...', a[2]);
  return computed('...' + v.slice(v.length - (width - 3)), a[2]);
});
fn('b32dec', 1, (a) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of p(a[0]).replace(/=+$/, '')) {
    const i = alphabet.indexOf(c);
    if (i < 0) return 'illegal base32 data at input byte 0';
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return new TextDecoder().decode(new Uint8Array(out));
});
fn('randBytes', 1, (a) => b64enc(randomFrom(alpha + digits, randLen(a[0]))));
fn('bcrypt', 1, () => `$2a$10$${randomFrom(alpha + digits + './', 53)}`);
fn('buildCustomCert', 2, (a) => new GoStruct('sprig.certificate', new Map<string, Value>([
  ['Cert', b64dec(p(a[0]))],
  ['Key', b64dec(p(a[1]))],
])));
fn('durationRound', 1, (a) => {
  // Sprig's rough duration: a string is a Go duration ("90m"), anything else (an int is not its int64) is 0.
  const ns = isString(a[0]) ? (parseGoDuration(p(a[0])) ?? 0) : 0;
  const u = Math.abs(ns);
  const units: Array<[string, number]> = [['y', 31536000e9], ['mo', 2592000e9], ['d', 86400e9], ['h', 3600e9], ['m', 60e9], ['s', 1e9]];
  for (const [unit, n] of units) if (u > n) return `${Math.floor(u / n)}${unit}`;
  return '0s';
});

/** time.ParseDuration, in nanoseconds. */
function parseGoDuration(text: string): number | undefined {
  const unitNs: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const m = /^([-+]?)((?:[0-9]*(?:\.[0-9]*)?(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!m) return text === '0' ? 0 : undefined;
  let total = 0;
  for (const part of m[2]!.matchAll(/([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/g)) {
    if (part[1] === '' || part[1] === '.') return undefined;
    total += Number(part[1]) * unitNs[part[2]!]!;
  }
  return m[1] === '-' ? -total : total;
}

// Sprig's other names for the same functions.
for (const [alias, name] of [
  ['biggest', 'max'],
  ['trimall', 'trimAll'],
  ['mustDateModify', 'dateModify'],
  ['mustChunk', 'chunk'],
  ['date_in_zone', 'dateInZone'],
  ['date_modify', 'dateModify'],
  ['must_date_modify', 'dateModify'],
  ['osClean', 'clean'],
  ['osDir', 'dir'],
  ['osExt', 'ext'],
  ['osIsAbs', 'isAbs'],
] as const) {
  const d = table.get(name);
  if (d) table.set(alias, d);
}

/** Sprig's functions, keyed by name. */
export const sprigFunctions: ReadonlyMap<string, FuncDef> = table;

