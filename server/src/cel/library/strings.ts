// cel-go's strings extension as Kubernetes enables it (ext.Strings, version 2 and the later
// reverse), with cel-go's semantics: indexes count code points, lowerAscii/upperAscii touch only
// ASCII letters, trim removes what Go's unicode.IsSpace calls space. The library's own indexOf,
// lastIndexOf, substring, lowerAscii, upperAscii and trim count UTF-16 units or fold every letter, so
// calls to those names are rewritten to ours (see rewriteCalls).
import { celRuntimeError, type Environment } from '../celjs';
import { chargeBuilt } from '../budget';
import { registerNamespace } from './namespace';
import { define } from './define';

const cps = (s: string): string[] => Array.from(s);
const int = (n: number): bigint => BigInt(n);

function indexOf(s: string, sub: string, from: bigint): bigint {
  const a = cps(s);
  const b = cps(sub);
  const start = Number(from);
  if (start < 0 || start > a.length) throw celRuntimeError(`index out of range: ${from}`);
  outer: for (let i = start; i + b.length <= a.length; i++) {
    for (let j = 0; j < b.length; j++) if (a[i + j] !== b[j]) continue outer;
    return int(i);
  }
  return -1n;
}

function lastIndexOf(s: string, sub: string, from?: bigint): bigint {
  const a = cps(s);
  const b = cps(sub);
  let start = from === undefined ? a.length - b.length : Number(from);
  if (from !== undefined && (start < 0 || start > a.length)) throw celRuntimeError(`index out of range: ${from}`);
  if (start > a.length - b.length) start = a.length - b.length;
  outer: for (let i = start; i >= 0; i--) {
    for (let j = 0; j < b.length; j++) if (a[i + j] !== b[j]) continue outer;
    return int(i);
  }
  return -1n;
}

function substring(s: string, start: bigint, end?: bigint): string {
  const a = cps(s);
  const e = end === undefined ? a.length : Number(end);
  const b = Number(start);
  if (b < 0 || b > a.length) throw celRuntimeError(`index out of range: ${start}`);
  if (e < 0 || e > a.length) throw celRuntimeError(`index out of range: ${end}`);
  if (b > e) throw celRuntimeError(`invalid substring range. start: ${start}, end: ${end}`);
  return a.slice(b, e).join('');
}

// Go's unicode.IsSpace.
const goSpace = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

function replace(s: string, from: string, to: string, n: bigint): string {
  if (n === 0n) return s;
  const limit = n < 0n ? Infinity : Number(n);
  let out = '';
  let count = 0;
  if (from === '') {
    // Go's strings.Replace with an empty old string inserts `to` before each code point and at the end.
    const a = cps(s);
    for (let i = 0; i <= a.length; i++) {
      if (count < limit) {
        out += to;
        count++;
      }
      if (i < a.length) out += a[i];
    }
  } else {
    let i = 0;
    for (;;) {
      const j = count < limit ? s.indexOf(from, i) : -1;
      if (j < 0) break;
      out += s.slice(i, j) + to;
      i = j + from.length;
      count++;
    }
    out += s.slice(i);
  }
  chargeBuilt(out);
  return out;
}

function split(s: string, sep: string, n: bigint): string[] {
  if (n === 0n) return [];
  const limit = n < 0n ? Infinity : Number(n);
  let parts: string[];
  if (sep === '') parts = cps(s);
  else parts = s.split(sep);
  if (parts.length > limit) parts = [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(sep)];
  return parts;
}

/** strconv.Quote as strings.quote prints it. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
const asciiUpper = (s: string): string => s.replace(/[a-z]+/g, (m) => m.toUpperCase());

/** Names whose library versions differ from cel-go's: calls to them go to `<name>~k8s`. */
export const stringOverrides = ['indexOf', 'lastIndexOf', 'substring', 'lowerAscii', 'upperAscii', 'trim', 'split', 'join'];


export function registerStrings(env: Environment): void {
  define(env, 'charAt', 'string', ['int'], 'string', (s: string, i: bigint) => {
    const a = cps(s);
    if (i < 0n || i > BigInt(a.length)) throw celRuntimeError(`index out of range: ${i}`);
    return a[Number(i)] ?? '';
  });
  define(env, 'indexOf~k8s', 'string', ['string'], 'int', (s: string, sub: string) => indexOf(s, sub, 0n));
  define(env, 'indexOf~k8s', 'string', ['string', 'int'], 'int', (s: string, sub: string, from: bigint) => indexOf(s, sub, from));
  define(env, 'lastIndexOf~k8s', 'string', ['string'], 'int', (s: string, sub: string) => lastIndexOf(s, sub));
  define(env, 'lastIndexOf~k8s', 'string', ['string', 'int'], 'int', (s: string, sub: string, from: bigint) => lastIndexOf(s, sub, from));
  define(env, 'substring~k8s', 'string', ['int'], 'string', (s: string, b: bigint) => substring(s, b));
  define(env, 'substring~k8s', 'string', ['int', 'int'], 'string', (s: string, b: bigint, e: bigint) => substring(s, b, e));
  define(env, 'lowerAscii~k8s', 'string', [], 'string', asciiLower);
  define(env, 'upperAscii~k8s', 'string', [], 'string', asciiUpper);
  define(env, 'trim~k8s', 'string', [], 'string', (s: string) => s.replace(goSpace, ''));
  define(env, 'replace', 'string', ['string', 'string'], 'string', (s: string, a: string, b: string) => replace(s, a, b, -1n));
  define(env, 'replace', 'string', ['string', 'string', 'int'], 'string', (s: string, a: string, b: string, n: bigint) => replace(s, a, b, n));
  define(env, 'split~k8s', 'string', ['string'], 'list<string>', (s: string, sep: string) => split(s, sep, -1n));
  define(env, 'split~k8s', 'string', ['string', 'int'], 'list<string>', (s: string, sep: string, n: bigint) => split(s, sep, n));
  const join = (l: unknown[], sep: string): string => {
    for (const x of l) if (typeof x !== 'string') throw celRuntimeError('join: list must contain only strings');
    const out = (l as string[]).join(sep);
    chargeBuilt(out);
    return out;
  };
  define(env, 'join~k8s', 'list<string>', [], 'string', (l: unknown[]) => join(l, ''));
  define(env, 'join~k8s', 'list<string>', ['string'], 'string', (l: unknown[], sep: string) => join(l, sep));
  define(env, 'reverse', 'string', [], 'string', (s: string) => cps(s).reverse().join(''));
  registerNamespace(env, 'strings', 'StringsNamespace');
  define(env, 'quote', 'StringsNamespace', ['string'], 'string', (_ns: unknown, s: string) => goQuote(s));
}
