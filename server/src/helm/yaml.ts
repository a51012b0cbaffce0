// YAML in and out as Helm does it. In: sigs.k8s.io/yaml (YAML 1.1 scalars through JSON, so numbers
// are float64 and `yes`/`on` are booleans), each string remembering where it is written. Out: toYaml
// is json.Marshal then go-yaml v2's emitter (sorted keys, unindented sequences, literal blocks for
// multi-line strings, quoting chosen by go-yaml's scalar analysis, plain scalars folded at 80 columns).
import { ParseLimits, YNode, parseYaml } from '../yaml/documents';
import { GoString, Src, Text, TextBuilder, plain, sliceOf } from '../go/template/text';
import { GoMap, GoStruct, Value, deepCopy, isString, maxValueNodes, str, tooLarge } from '../go/template/value';
import { jsonNumber } from './json';

const yaml11True = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']);
const yaml11False = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']);

export interface ReadOptions {
  /** The file the text is, for provenance (absent: strings are sliced from `source` when it is a Text). */
  readonly file?: string;
  /** The text as a Text (a template's output read back by fromYaml), to keep its provenance. */
  readonly source?: GoString;
  /** Prefix for `what` of values (`values `). */
  readonly what?: string;
  readonly limits?: ParseLimits;
  /** YAML 1.1 booleans (yes/no/on/off) as values read them; Chart.yaml's typed fields keep them strings. */
  readonly bool11?: boolean;
}

export interface ReadResult {
  readonly docs: Value[];
  readonly error?: { offset: number; message: string; index: number };
}

const memo = new Map<string, ReadResult>();
/** Characters of text the memo holds at most (the values it keeps are a few times that). */
const memoMaxChars = 4_000_000;
let memoChars = 0;

/**
 * readYaml of a file, remembered by path and text (a chart is rendered again after every edit, and
 * its values.yaml rarely changed): the caller gets its own copy of the maps and lists.
 */
export function readYamlFile(text: string, options: ReadOptions & { file: string }): ReadResult {
  const key = `${options.file}\0${options.what ?? ''}\0${options.bool11 === false ? 0 : 1}\0${text}`;
  let r = memo.get(key);
  if (!r) {
    r = readYaml(text, options);
    if (memoChars + key.length > memoMaxChars) {
      memo.clear();
      memoChars = 0;
    }
    if (key.length <= memoMaxChars) {
      memo.set(key, r);
      memoChars += key.length;
    }
  }
  return { docs: r.docs.map((d) => deepCopy(d)), ...(r.error ? { error: r.error } : {}) };
}

/** Reads every document of a YAML text into template values. */
export function readYaml(text: string, options: ReadOptions = {}): ReadResult {
  const parsed = parseYaml(text, options.limits, { fast: true });
  const docs = parsed.documents.map((d) => (d.root ? convert(d.root, text, options, '') : null));
  const e = parsed.errors[0];
  return e ? { docs, error: { offset: e.offset, message: e.message, index: e.index } } : { docs };
}

function convert(n: YNode, text: string, o: ReadOptions, path: string): Value {
  switch (n.kind) {
    case 'map': {
      const m: GoMap = new Map();
      for (const [k, v] of n.entries) {
        const key = o.bool11 === false ? k : yaml11Key(k, n.keySpans.get(k), text);
        m.set(key, convert(v, text, o, path ? `${path}.${key}` : key));
      }
      return m;
    }
    case 'seq':
      return n.items.map((v, i) => convert(v, text, o, `${path}[${i}]`));
    case 'scalar': {
      const v = n.value;
      if (v === null) return null;
      if (typeof v === 'bigint' || typeof v === 'number') {
        // YAML 1.1 (go-yaml v2) reads 0755 as octal; the YAML 1.2 reader as decimal.
        const raw = text.slice(n.span.start, n.span.end);
        if (n.style === 'plain' && /^[-+]?0[0-7]+$/.test(raw)) return (raw.startsWith('-') ? -1 : 1) * parseInt(raw.replace(/^[-+]?0/, ''), 8);
        return Number(v);
      }
      if (typeof v === 'boolean') return v;
      if (n.style === 'plain' && o.bool11 !== false) {
        if (yaml11True.has(v)) return true;
        if (yaml11False.has(v)) return false;
        // YAML 1.1 numbers with digit separators (1_000).
        if (v.includes('_') && /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?)$/.test(v)) {
          const t = v.replace(/_/g, '');
          const neg = t.startsWith('-');
          const body = t.replace(/^[-+]/, '');
          const num = /^0[bx]/.test(body) ? Number(body) : /^0[0-7]+$/.test(body) ? parseInt(body, 8) : Number(body);
          if (!Number.isNaN(num)) return neg ? -num : num;
        }
      }
      return sourcedScalar(v, n.span, n.style, text, o, path);
    }
  }
}

/** A plain key that YAML 1.1 reads as a boolean (`y:`, `on:`) becomes "true" or "false" through JSON. */
function yaml11Key(k: string, span: { start: number; end: number } | undefined, text: string): string {
  if (!yaml11True.has(k) && !yaml11False.has(k)) return k;
  if (span && (text[span.start] === '"' || text[span.start] === "'")) return k;
  return yaml11True.has(k) ? 'true' : 'false';
}

function sourcedScalar(v: string, span: { start: number; end: number }, style: string, text: string, o: ReadOptions, path: string): GoString {
  if (!v.length) return v;
  let at = -1;
  if (style === 'plain' && text.slice(span.start, span.start + v.length) === v) at = span.start;
  else if ((style === 'single' || style === 'double') && text.slice(span.start + 1, span.start + 1 + v.length) === v) at = span.start + 1;
  if (o.file !== undefined) {
    const what = (o.what ?? 'values ') + path;
    const src: Src = at >= 0 ? { file: o.file, start: at, end: at + v.length, verbatim: true, what } : { file: o.file, start: span.start, end: span.end, verbatim: false, what };
    return new Text(v, [{ start: 0, end: v.length, src }]);
  }
  if (o.source instanceof Text) {
    if (at >= 0) {
      const t = sliceOf(o.source, at, at + v.length);
      return typeof t === 'string' ? t : new Text(v, t.segs);
    }
    const t = sliceOf(o.source, span.start, span.end);
    if (typeof t !== 'string' && t.segs[0]) return new Text(v, [{ start: 0, end: v.length, src: { ...t.segs[0].src, verbatim: false } }]);
  }
  return v;
}

/** What json.Marshal makes of a value, before go-yaml reads it back: numbers normalised, structs as maps. */
type J = null | boolean | string | Text | { num: string } | J[] | Map<string, J>;

function toJ(v: Value, depth = 0, budget: { left: number; tick?: () => void } = { left: maxValueNodes }): J {
  if (depth > 10_000) throw new RangeError('value nested too deeply');
  if (--budget.left < 0) throw tooLarge('value converted to YAML');
  if ((budget.left & 0xfff) === 0) budget.tick?.();
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return { num: v.toString() };
  if (typeof v === 'number') return { num: jsonNumber(v) };
  if (isString(v)) return v;
  if (v instanceof Uint8Array) return btoaBytes(v);
  if (Array.isArray(v)) return v.map((x) => toJ(x, depth + 1, budget));
  if (v instanceof Map) {
    const m = new Map<string, J>();
    for (const [k, x] of v) m.set(k, toJ(x, depth + 1, budget));
    return m;
  }
  if (v instanceof GoStruct) {
    const m = new Map<string, J>();
    for (const [k, x] of v.fields) m.set(k, toJ(x, depth + 1, budget));
    return m;
  }
  return null;
}

function btoaBytes(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

/** go-yaml v2's sort of map keys (keyList.Less): digit runs compare as numbers, non-letters first. */
export function yamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]!);
    const bl = isLetter(br[i]!);
    if (al && bl) return ar[i]! < br[i]!;
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]!); ai++) an = an * 10 + (ar[ai]!.charCodeAt(0) - 48);
    for (; bi < br.length && isDigit(br[bi]!); bi++) bn = bn * 10 + (br[bi]!.charCodeAt(0) - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i]! < br[i]!;
  }
  return ar.length < br.length;
}

function isLetter(c: string): boolean {
  return /\p{L}/u.test(c);
}
function isDigit(c: string): boolean {
  return /\p{Nd}/u.test(c);
}

function sortKeys(keys: string[]): string[] {
  return keys.sort((x, y) => (yamlKeyLess(x, y) ? -1 : yamlKeyLess(y, x) ? 1 : 0));
}

/**
 * Helm's toYaml: the YAML go-yaml v2 writes for the value, without the final line feed. `tick` is the
 * render's clock (a value that doubles by sharing can take long to write out, within the size bound).
 */
export function toYaml(v: Value, tick?: () => void): GoString {
  const out = new TextBuilder();
  const j = toJ(v, 0, { left: maxValueNodes, ...(tick ? { tick } : {}) });
  emitTop(j, out, tick);
  const t = out.build();
  const s = plain(t);
  return s.endsWith('\n') ? sliceOf(t, 0, s.length - 1) : t;
}

const width = 80;

class Emitter {
  col = 0;
  private writes = 0;
  /** `tick` looks at the render's clock now and then (it throws when the time is up). */
  constructor(
    readonly out: TextBuilder,
    private readonly tick?: () => void,
  ) {}
  write(s: GoString): void {
    if ((++this.writes & 0xfff) === 0) this.tick?.();
    this.out.add(s);
    const p = plain(s);
    const nl = p.lastIndexOf('\n');
    this.col = nl < 0 ? this.col + p.length : p.length - nl - 1;
  }
}

function emitTop(j: J, out: TextBuilder, tick?: () => void): void {
  const e = new Emitter(out, tick);
  if (j instanceof Map) {
    if (j.size === 0) e.write('{}\n');
    else emitMap(e, j, 0);
  } else if (Array.isArray(j)) {
    if (j.length === 0) e.write('[]\n');
    else emitSeq(e, j, 0);
  } else {
    // go-yaml indents a document's root scalar (its block content, its folded lines) by best_indent.
    emitScalar(e, j, 2, false);
    e.write('\n');
  }
}

function emitMap(e: Emitter, m: Map<string, J>, indent: number): void {
  let first = true;
  for (const k of sortKeys([...m.keys()])) {
    if (!first) e.write(' '.repeat(indent));
    first = false;
    emitScalar(e, k, indent, true);
    e.write(':');
    emitValue(e, m.get(k)!, indent, false);
  }
}

/** A value after `key:` or `- `. */
function emitValue(e: Emitter, v: J, indent: number, inSeq: boolean): void {
  if (v instanceof Map) {
    if (v.size === 0) return e.write(' {}\n');
    if (inSeq) {
      e.write(' ');
      return emitMap(e, v, indent + 2);
    }
    e.write('\n' + ' '.repeat(indent + 2));
    return emitMap(e, v, indent + 2);
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return e.write(' []\n');
    if (inSeq) {
      e.write(' ');
      return emitSeq(e, v, indent + 2);
    }
    // go-yaml v2 does not indent a sequence under a mapping key.
    e.write('\n' + ' '.repeat(indent));
    return emitSeq(e, v, indent);
  }
  e.write(' ');
  emitScalar(e, v, inSeq ? indent + 2 : indent + 2, false);
  e.write('\n');
}

function emitSeq(e: Emitter, s: J[], indent: number): void {
  let first = true;
  for (const v of s) {
    if (!first) e.write(' '.repeat(indent));
    first = false;
    e.write('-');
    emitValue(e, v, indent, true);
  }
}

function emitScalar(e: Emitter, v: J, indent: number, key: boolean): void {
  if (v === null) return e.write('null');
  if (typeof v === 'boolean') return e.write(v ? 'true' : 'false');
  if (typeof v === 'object' && 'num' in v && !(v instanceof Text)) return e.write(yamlNumber(v.num));
  const s = str(v as GoString);
  const text = v as GoString;
  const style = chooseStyle(s, key);
  switch (style) {
    case 'plain':
      return writeFolded(e, text, indent, false);
    case 'single':
      return writeFolded(e, text, indent, true);
    case 'double':
      return e.write(doubleQuoted(s));
    case 'literal':
      return writeLiteral(e, text, indent);
  }
}

/** go-yaml reads the JSON number back: integers stay as written, floats print with 'g' shortest. */
function yamlNumber(n: string): string {
  if (/^-?\d+$/.test(n)) return n;
  const f = Number(n);
  if (Number.isInteger(f) && Math.abs(f) < 1e21 && !/[eE]/.test(n)) return String(f);
  // go-yaml v2 formats float64 with strconv 'g', -1 (exponent when exp < -4 || exp >= 21).
  const abs = Math.abs(f);
  const exp = abs === 0 ? 0 : Math.floor(Math.log10(abs));
  if (exp < -4 || exp >= 21) {
    const [m, x] = f.toExponential().split('e');
    const ex = Number(x);
    return `${m}e${ex < 0 ? '-' : '+'}${String(Math.abs(ex)).padStart(2, '0')}`;
  }
  return String(f);
}

/** Would go-yaml v2 resolve this plain scalar to something other than a string? */
function resolvesNonString(s: string): boolean {
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return true;
  if (yaml11True.has(s) || yaml11False.has(s)) return true;
  if (/^[-+]?(\.inf|\.Inf|\.INF)$/.test(s) || /^(\.nan|\.NaN|\.NAN)$/.test(s)) return true;
  if (/^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]*|[1-9][0-9_]*)$/.test(s)) return true;
  if (/^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return true;
  if (/^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(s)) return true; // base 60
  if (/^\d{4}-\d\d?-\d\d?([Tt ]|$)/.test(s) && isTimestamp(s)) return true;
  if (s === '<<') return true;
  return false;
}

function isTimestamp(s: string): boolean {
  return /^\d{4}-\d\d?-\d\d?$/.test(s) || /^\d{4}-\d\d?-\d\d?([Tt]|\s+)\d\d?:\d\d:\d\d(\.\d*)?(\s*(Z|[-+]\d\d?(:\d\d)?))?$/.test(s);
}

function isPrintable(c: number): boolean {
  return c === 0x0a || (c >= 0x20 && c <= 0x7e) || c === 0x85 || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) || c >= 0x10000;
}

type Style = 'plain' | 'single' | 'double' | 'literal';

function chooseStyle(s: string, key: boolean): Style {
  let style: Style = s.includes('\n') ? 'literal' : resolvesNonString(s) ? 'double' : 'plain';
  const a = analyze(s);
  if (style === 'plain' && !a.blockPlain) style = 'single';
  if (style === 'plain' && s.length === 0 && key) style = 'single';
  if (style === 'single' && !a.singleQuoted) style = 'double';
  if (style === 'literal' && (!a.block || key)) style = 'double';
  return style;
}

function analyze(s: string): { blockPlain: boolean; singleQuoted: boolean; block: boolean } {
  if (s.length === 0) return { blockPlain: true, singleQuoted: true, block: false };
  let blockIndicators = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let lineBreaks = false;
  let special = false;
  if (s.startsWith('---') || s.startsWith('...')) blockIndicators = true;
  let precededByWs = true;
  const chars = [...s];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const cp = c.codePointAt(0)!;
    const next = chars[i + 1];
    const followedByWs = next === undefined || next === ' ' || next === '\t' || next === '\n' || next === '\r' || next === '\x85' || next === '\u2028' || next === '\u2029';
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) blockIndicators = true;
      if ((c === '?' || c === ':') && followedByWs) blockIndicators = true;
      if (c === '-' && followedByWs) blockIndicators = true;
    } else {
      if (c === ':' && followedByWs) blockIndicators = true;
      if (c === '#' && precededByWs) blockIndicators = true;
    }
    if (!isPrintable(cp)) special = true;
    const isBreak = c === '\n' || c === '\r' || c === '\x85' || c === '\u2028' || c === '\u2029';
    if (isBreak) lineBreaks = true;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWs = c === ' ' || c === '\t' || isBreak;
  }
  let blockPlain = true;
  let singleQuoted = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) blockPlain = singleQuoted = false;
  if (spaceBreak || special) blockPlain = singleQuoted = block = false;
  if (lineBreaks) blockPlain = false;
  if (blockIndicators) blockPlain = false;
  return { blockPlain, singleQuoted, block };
}

/** Plain or single-quoted, broken at a space once the line passes 80 columns (go-yaml's best_width). */
function writeFolded(e: Emitter, v: GoString, indent: number, quoted: boolean): void {
  const s = plain(v);
  if (quoted) e.write("'");
  let spaces = false;
  let from = 0;
  // The column as emitted (a quote doubled inside single quotes takes two).
  let col = e.col;
  const flushTo = (i: number): void => {
    if (i > from) {
      const piece = sliceOf(v, from, i);
      e.write(quoted ? replaceQuotes(piece) : piece);
    }
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ' ') {
      const nextIsSpace = s[i + 1] === ' ';
      const okPos = !quoted || (i > 0 && i < s.length - 1);
      if (!spaces && col > width && !nextIsSpace && okPos) {
        flushTo(i);
        e.write('\n' + ' '.repeat(indent));
        col = indent;
        from = i + 1;
      } else col++;
      spaces = true;
    } else {
      col += quoted && c === "'" ? 2 : 1;
      spaces = false;
    }
  }
  flushTo(s.length);
  if (quoted) e.write("'");
}

function replaceQuotes(v: GoString): GoString {
  const s = plain(v);
  if (!s.includes("'")) return v;
  return s.replace(/'/g, "''");
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '\0':
        out += '\\0';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\v':
        out += '\\v';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\x1b':
        out += '\\e';
        continue;
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x85':
        out += '\\N';
        continue;
      case '\xa0':
        out += '\\_';
        continue;
      case '\u2028':
        out += '\\L';
        continue;
      case '\u2029':
        out += '\\P';
        continue;
    }
    if (!isPrintable(c) || c === 0xfeff) {
      if (c <= 0xff) out += '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
      else if (c <= 0xffff) out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
      else out += '\\U' + c.toString(16).toUpperCase().padStart(8, '0');
    } else out += ch;
  }
  return out + '"';
}

function writeLiteral(e: Emitter, v: GoString, indent: number): void {
  const s = plain(v);
  let hints = '';
  if (s[0] === ' ' || s[0] === '\n') hints += '2';
  if (!s.endsWith('\n')) hints += '-';
  else if (s.length === 1 || s.endsWith('\n\n')) hints += '+';
  e.write('|' + hints);
  const lines = s.split('\n');
  if (s.endsWith('\n')) lines.pop();
  let at = 0;
  const pad = ' '.repeat(indent);
  for (const line of lines) {
    e.write('\n');
    if (line.length) {
      e.write(pad);
      e.write(sliceOf(v, at, at + line.length));
    }
    at += line.length + 1;
  }
}
