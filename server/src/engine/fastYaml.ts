// A fast reader for the plain subset of YAML that real manifests use: block mappings and sequences,
// plain (also multi-line), quoted one-line and block scalars, one-line flow collections, comments.
// It produces the same nodes, values and spans as the `yaml` path (documents.ts), and gives up on a
// document (returns undefined) at the first thing it does not fully understand: anchors, aliases,
// tags, multi-line quoted or flow values, complex keys, tabs, odd indentation, duplicate keys. The
// caller then reads that document with `yaml`. A differential test holds the two paths equal.
import type { MapNode, Scalar_, ScalarNode, SeqNode, Span, YNode } from './documents';

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

/** Plain scalars resolved as the `yaml` package's core schema does (with intAsBigInt). */
export function resolvePlain(s: string): Scalar_ {
  const c = s.charCodeAt(0);
  // Fast exit for the common case: a string that cannot be null, bool or number.
  if (s.length > 0 && !((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || c === 126 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70)) {
    return s;
  }
  if (/^(?:~|[Nn]ull|NULL)?$/.test(s)) return null;
  if (/^(?:[Tt]rue|TRUE)$/.test(s)) return true;
  if (/^(?:[Ff]alse|FALSE)$/.test(s)) return false;
  if (/^0o[0-7]+$/.test(s) || /^[-+]?[0-9]+$/.test(s) || /^0x[0-9a-fA-F]+$/.test(s)) {
    try {
      return BigInt(s);
    } catch {
      return giveUp();
    }
  }
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s)) {
    return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s) || /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) {
    return parseFloat(s);
  }
  return s;
}

interface Line {
  /** Offset of the line's first character. */
  readonly start: number;
  /** Offset of its end, before the line break. */
  readonly end: number;
  /** Spaces before the first other character; -1 for a blank or comment-only line. */
  readonly indent: number;
}

const escapes: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\',
  N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};

/**
 * What a skimming read keeps: values under `all` keys are kept whole, `some` keys are walked into,
 * and every other value is read (so errors are found as before) but not kept.
 */
export interface Skim {
  readonly some: ReadonlySet<string>;
  readonly all: ReadonlySet<string>;
}

/** Shared by the maps of skimmed documents. */
const noKeySpans: ReadonlyMap<string, Span> = new Map();

/** 0: read and dropped; 1: kept, children chosen by key; 2: kept whole. */
type Keep = 0 | 1 | 2;

/** Stands for a value a skimming read did not keep. Nothing reads it. */
export const skipped: ScalarNode = Object.freeze({ kind: 'scalar', value: null, span: Object.freeze({ start: 0, end: 0 }), style: 'plain' }) as ScalarNode;

export class FastDocumentReader {
  private lines: Line[] = [];
  private i = 0;
  private nodes = 0;
  private keep: Keep = 2;
  /** A skimmed document (not a policy object): nothing asks where its keys are. */
  private skimmedDocument = false;

  constructor(
    private readonly text: string,
    private readonly maxNodes: number,
    private readonly skim?: Skim,
  ) {}

  private childKeep(key: string): Keep {
    if (this.keep !== 1) return this.keep;
    return this.skim!.all.has(key) ? 2 : this.skim!.some.has(key) ? 1 : 0;
  }

  /**
   * Reads the document whose lines are [from, to) of the text (after its `---` line, if any).
   * Returns the root, null for an empty document, or undefined to hand the document to `yaml`.
   */
  read(lineStarts: readonly number[], lineEnds: readonly number[], from: number, to: number, keepAll = true): YNode | null | undefined {
    this.lines = [];
    this.keep = this.skim && !keepAll ? 1 : 2;
    this.skimmedDocument = this.keep === 1;
    // Tabs separate and end values in ways this reader does not model: yaml reads such documents.
    if (to > from) {
      const tab = this.text.indexOf('\t', lineStarts[from]!);
      if (tab >= 0 && tab < lineEnds[to - 1]!) return undefined;
    }
    for (let k = from; k < to; k++) {
      const start = lineStarts[k]!;
      const end = lineEnds[k]!;
      let p = start;
      while (p < end && this.text.charCodeAt(p) === 32) p++;
      const c = this.text.charCodeAt(p);
      const blank = p === end || c === 35; /* # */
      this.lines.push({ start, end, indent: blank ? -1 : p - start });
    }
    this.i = 0;
    this.nodes = 0;
    try {
      this.skipBlank();
      if (this.i >= this.lines.length) return null;
      const first = this.lines[this.i]!;
      if (first.indent !== 0) return undefined;
      const root = this.blockNode(first.start + first.indent, -1);
      this.skipBlank();
      if (this.i < this.lines.length) return undefined; // something left that we did not place
      return root;
    } catch (e) {
      // Deep nesting overflows the stack here before it does in yaml: let yaml report it.
      if (e instanceof GiveUp || e instanceof RangeError) return undefined;
      throw e;
    }
  }

  private count(): void {
    if (++this.nodes > this.maxNodes) giveUp();
  }

  private skipBlank(): void {
    while (this.i < this.lines.length && this.lines[this.i]!.indent < 0) this.i++;
  }

  /** A block node starting at offset `at` on the current line; its parent's indentation is `parent`. */
  private blockNode(at: number, parent: number): YNode {
    const line = this.lines[this.i]!;
    const col = at - line.start;
    if (col <= parent) giveUp();
    if (this.isDash(at, line.end)) return this.blockSeq(at);
    if (this.keyEnd(at, line.end) >= 0) return this.blockMap(at);
    // A scalar or flow value standing alone (a document that is just a value).
    return this.inlineValue(at, line, parent);
  }

  /**
   * Where the key starting at `at` ends (the offset of its `:`), or -1 when the line holds no
   * `key:` there. Keys are plain or quoted, on one line.
   */
  private keyEnd(at: number, end: number): number {
    const t = this.text;
    const c = t[at];
    if (c === '"' || c === "'") {
      const close = this.quoteEnd(at, end);
      if (close < 0) return -1;
      let p = close;
      while (p < end && t[p] === ' ') p++;
      return t[p] === ':' && (p + 1 === end || t[p + 1] === ' ') ? p : -1;
    }
    if (!this.plainCanStart(at, end)) return -1;
    for (let p = at; p < end; p++) {
      const ch = t.charCodeAt(p);
      if (ch === 58 /* : */ && (p + 1 === end || t.charCodeAt(p + 1) === 32)) return p;
      if (ch === 35 /* # */ && t.charCodeAt(p - 1) === 32) return -1;
    }
    return -1;
  }

  /** A block sequence's `-` at `at`: followed by a space or the end of the line. */
  private isDash(at: number, end: number): boolean {
    return this.text.charCodeAt(at) === 45 && (at + 1 === end || this.text.charCodeAt(at + 1) === 32);
  }

  /** Whether a plain scalar may start at `at`: not with an indicator, nor `- `, `? `, `: `. */
  private plainCanStart(at: number, end: number): boolean {
    const t = this.text;
    const c = t[at]!;
    if (',[]{}#&*!|>\'"%@`'.includes(c)) return false;
    if (c === '-' || c === '?' || c === ':') return at + 1 < end && t[at + 1] !== ' ';
    return true;
  }

  /** Offset just after the closing quote of a one-line quoted scalar, or -1. */
  private quoteEnd(at: number, end: number): number {
    const t = this.text;
    const q = t[at];
    for (let p = at + 1; p < end; p++) {
      if (q === "'" && t[p] === "'") {
        if (t[p + 1] === "'") {
          p++;
          continue;
        }
        return p + 1;
      }
      if (q === '"') {
        if (t[p] === '\\') {
          p++;
          continue;
        }
        if (t[p] === '"') return p + 1;
      }
    }
    return -1;
  }

  private blockMap(at: number): MapNode {
    const first = this.lines[this.i]!;
    const indent = at - first.start;
    const mine = this.keep;
    const entries = new Map<string, YNode>();
    const keySpans = this.skimmedDocument ? noKeySpans : new Map<string, Span>();
    const seen = mine === 0 ? new Set<string>() : undefined;
    let keyAt = at;
    this.count();
    for (;;) {
      const line = this.lines[this.i]!;
      const colon = this.keyEnd(keyAt, line.end);
      if (colon < 0) giveUp();
      const key = this.keyScalar(keyAt, colon);
      if (key.value === '<<' || entries.has(key.text) || seen?.has(key.text)) giveUp(); // merge keys and duplicates: yaml decides
      let p = colon + 1;
      while (p < line.end && this.text[p] === ' ') p++;
      let value: YNode;
      this.keep = this.childKeep(key.text);
      if (p === line.end || this.text[p] === '#') {
        this.i++;
        value = this.nestedValue(indent, p, true);
      } else {
        value = this.inlineValue(p, line, indent);
      }
      this.keep = mine;
      if (seen) seen.add(key.text);
      else {
        entries.set(key.text, value);
        if (keySpans !== noKeySpans) (keySpans as Map<string, Span>).set(key.text, key.span);
      }
      this.skipBlank();
      if (this.i >= this.lines.length) break;
      const next = this.lines[this.i]!;
      if (next.indent < indent) break;
      if (next.indent > indent) giveUp();
      keyAt = next.start + next.indent;
      if (this.isDash(keyAt, next.end)) break; // a sequence at this indent ends the map
    }
    if (seen) return skipped as unknown as MapNode;
    return { kind: 'map', entries, keySpans, span: { start: at, end: this.endOfPrevious() } };
  }

  private endOfPrevious(): number {
    let k = this.i - 1;
    while (k > 0 && this.lines[k]!.indent < 0) k--;
    const l = this.lines[Math.max(0, k)]!;
    return l.end;
  }

  private keyScalar(at: number, colon: number): { text: string; value: Scalar_; span: Span } {
    const t = this.text;
    const c = t[at];
    if (c === '"' || c === "'") {
      const close = this.quoteEnd(at, colon);
      const s = this.quoted(at, close);
      return { text: s, value: s, span: { start: at, end: close } };
    }
    let end = colon;
    while (end > at && t[end - 1] === ' ') end--;
    const raw = t.slice(at, end);
    const value = resolvePlain(raw);
    return { text: value === null ? 'null' : String(value), value, span: { start: at, end } };
  }

  /** The value of `key:` or `-` with nothing after it on the line: a nested block, or null. */
  private nestedValue(indent: number, nullAt: number, allowSameIndentSeq: boolean): YNode {
    this.skipBlank();
    if (this.i < this.lines.length) {
      const next = this.lines[this.i]!;
      const at = next.start + next.indent;
      if (next.indent > indent) return this.blockNode(at, indent);
      if (allowSameIndentSeq && next.indent === indent && this.isDash(at, next.end)) {
        return this.blockSeq(at);
      }
    }
    this.count();
    return { kind: 'scalar', value: null, span: { start: nullAt, end: nullAt }, style: 'plain' };
  }

  private blockSeq(at: number): SeqNode {
    const indent = at - this.lines[this.i]!.start;
    const items: YNode[] = [];
    let dash = at;
    this.count();
    for (;;) {
      const line = this.lines[this.i]!;
      let p = dash + 1;
      while (p < line.end && this.text[p] === ' ') p++;
      if (p === line.end || this.text[p] === '#') {
        this.i++;
        items.push(this.nestedValue(indent, p, false));
      } else if (this.isDash(p, line.end)) {
        items.push(this.blockSeq(p)); // `- - x`: a sequence in a sequence, at the inner dash's column
      } else if (this.keyEnd(p, line.end) >= 0) {
        items.push(this.blockMap(p));
      } else {
        items.push(this.inlineValue(p, line, indent));
      }
      this.skipBlank();
      if (this.i >= this.lines.length) break;
      const next = this.lines[this.i]!;
      if (next.indent < indent) break;
      if (next.indent > indent) giveUp();
      dash = next.start + next.indent;
      if (!this.isDash(dash, next.end)) break;
    }
    if (this.keep === 0) return skipped as unknown as SeqNode;
    return { kind: 'seq', items, span: { start: at, end: this.endOfPrevious() } };
  }

  /** A value that starts on the current line at `at`; advances past every line it takes. */
  private inlineValue(at: number, line: Line, parent: number): YNode {
    const t = this.text;
    const c = t[at];
    if (c === '&' || c === '*' || c === '!' || c === '%' || c === '@' || c === '`' || c === '?') giveUp();
    if (c === '|' || c === '>') return this.blockScalar(at, line, parent);
    if (c === '[' || c === '{') {
      const r = this.flow(at, line.end);
      this.endOfValue(r.end, line);
      return r.node;
    }
    if (c === '"' || c === "'") {
      const close = this.quoteEnd(at, line.end);
      if (close < 0) return this.multiLineQuoted(at, line, parent);
      this.endOfValue(close, line);
      this.count();
      return { kind: 'scalar', value: this.quoted(at, close), span: { start: at, end: close }, style: c === '"' ? 'double' : 'single' };
    }
    if (!this.plainCanStart(at, line.end)) giveUp();
    return this.plain(at, line, parent);
  }

  /**
   * A quoted scalar over several lines, folded as YAML folds flow scalars: a line break is a space,
   * each empty line a newline; in double quotes a `\` at the end of a line joins without a space.
   */
  private multiLineQuoted(at: number, first: Line, parent: number): ScalarNode {
    const t = this.text;
    const q = t[at]!;
    const double = q === '"';
    const unescape = (piece: string) => (double ? this.unescapeDouble(piece) : piece.replace(/''/g, "'"));
    // Where the closing quote is in [from, end), or -1.
    const closing = (from: number, end: number): number => {
      for (let p = from; p < end; p++) {
        if (double) {
          if (t[p] === '\\') p++;
          else if (t[p] === '"') return p;
        } else if (t[p] === "'") {
          if (t[p + 1] === "'") p++;
          else return p;
        }
      }
      return -1;
    };
    const escapedBreak = (piece: string) => double && /(^|[^\\])(\\\\)*\\$/.test(piece);
    let raw = t.slice(at + 1, first.end);
    let joinNext: string | undefined;
    let value: string;
    if (escapedBreak(raw)) {
      value = unescape(raw.slice(0, -1));
      joinNext = '';
    } else value = unescape(raw.replace(/ +$/, ''));
    let empties = 0;
    for (let k = this.i + 1; k < this.lines.length; k++) {
      const l = this.lines[k]!;
      raw = t.slice(l.start, l.end);
      const s = raw.length - raw.trimStart().length;
      if (s === raw.length) {
        if (joinNext === '') giveUp();
        empties++;
        continue;
      }
      if (s <= parent) giveUp(); // not indented enough: yaml reports it
      const from = l.start + s;
      const close = closing(from, l.end);
      const piece = close < 0 ? t.slice(from, l.end) : t.slice(from, close);
      const sep = empties > 0 ? '\n'.repeat(empties) : (joinNext ?? ' ');
      empties = 0;
      if (close >= 0) {
        value += sep + unescape(piece);
        this.i = k;
        this.endOfValue(close + 1, l);
        this.count();
        return { kind: 'scalar', value, span: { start: at, end: close + 1 }, style: double ? 'double' : 'single' };
      }
      if (escapedBreak(piece)) {
        value += sep + unescape(piece.slice(0, -1));
        joinNext = '';
      } else {
        value += sep + unescape(piece.replace(/ +$/, ''));
        joinNext = undefined;
      }
    }
    return giveUp();
  }

  /** After a one-line value: only spaces and a comment may follow. Moves to the next line. */
  private endOfValue(p: number, line: Line): void {
    while (p < line.end && this.text[p] === ' ') p++;
    if (p < line.end && this.text[p] !== '#') giveUp();
    this.i++;
  }

  private quoted(at: number, close: number): string {
    const t = this.text;
    const body = t.slice(at + 1, close - 1);
    if (t[at] === "'") return body.includes("''") ? body.replace(/''/g, "'") : body;
    return this.unescapeDouble(body);
  }

  private unescapeDouble(body: string): string {
    if (!body.includes('\\')) return body;
    let out = '';
    for (let k = 0; k < body.length; k++) {
      const ch = body[k]!;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const e = body[++k]!;
      if (e in escapes) out += escapes[e];
      else if (e === 'x' || e === 'u' || e === 'U') {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = body.slice(k + 1, k + 1 + n);
        if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) giveUp();
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) giveUp();
        out += String.fromCodePoint(cp);
        k += n;
      } else giveUp();
    }
    return out;
  }

  /** A plain scalar, possibly continued on more-indented lines (folded as YAML folds them). */
  private plain(at: number, line: Line, parent: number): ScalarNode {
    const t = this.text;
    let end = this.plainEnd(at, line.end);
    let value = t.slice(at, end);
    const commentAfter = this.hasComment(end, line.end);
    this.i++;
    let breaks = 0;
    while (!commentAfter && this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      if (l.start === l.end || /^ *$/.test(t.slice(l.start, l.end))) {
        breaks++;
        this.i++;
        continue;
      }
      if (l.indent < 0) break; // a comment line ends the scalar
      if (l.indent <= parent) break;
      const s = l.start + l.indent;
      const e = this.plainEnd(s, l.end);
      const c = t[s];
      if (c === '#') giveUp();
      if (e !== this.trimmedEnd(l)) giveUp(); // `: ` or ` #` inside a continuation: yaml decides
      value += breaks === 0 ? ' ' : '\n'.repeat(breaks);
      value += t.slice(s, e);
      end = e;
      breaks = 0;
      this.i++;
    }
    // Blank lines taken past the scalar belong to what follows.
    while (breaks > 0 && this.i > 0 && this.lines[this.i - 1]!.indent < 0) {
      this.i--;
      breaks--;
    }
    this.count();
    return { kind: 'scalar', value: resolvePlain(value), span: { start: at, end }, style: 'plain' };
  }

  private trimmedEnd(l: Line): number {
    let e = l.end;
    while (e > l.start && this.text[e - 1] === ' ') e--;
    return e;
  }

  private hasComment(p: number, end: number): boolean {
    while (p < end && this.text[p] === ' ') p++;
    return p < end && this.text[p] === '#';
  }

  /** End of a plain scalar on one line: before ` #`, `: ` or the line's trailing spaces. */
  private plainEnd(at: number, end: number): number {
    const t = this.text;
    let p = at;
    for (; p < end; p++) {
      const ch = t.charCodeAt(p);
      if (ch === 35 /* # */ && t.charCodeAt(p - 1) === 32) break;
      if (ch === 58 /* : */ && (p + 1 === end || t.charCodeAt(p + 1) === 32)) giveUp();
    }
    while (p > at && t.charCodeAt(p - 1) === 32) p--;
    return p;
  }

  private blockScalar(at: number, line: Line, parent: number): ScalarNode {
    const t = this.text;
    const folded = t[at] === '>';
    let p = at + 1;
    let chomp: 'clip' | 'strip' | 'keep' = 'clip';
    if (t[p] === '-') {
      chomp = 'strip';
      p++;
    } else if (t[p] === '+') {
      giveUp();
    }
    if (p < line.end && t[p] !== ' ' && t[p] !== '#') giveUp(); // indentation indicators and the rest
    while (p < line.end && t[p] === ' ') p++;
    if (p < line.end && t[p] !== '#') giveUp();
    this.i++;
    // Content lines: blank ones, and those indented at least as the first content line.
    let contentIndent = -1;
    const body: string[] = [];
    let lastContentLine = -1;
    let k = this.i;
    for (; k < this.lines.length; k++) {
      const l = this.lines[k]!;
      const raw = t.slice(l.start, l.end);
      const spaces = raw.length - raw.trimStart().length;
      const blank = spaces === raw.length;
      if (blank) {
        if (contentIndent < 0 ? false : spaces > contentIndent) giveUp();
        if (contentIndent < 0 && spaces > parent + 1) giveUp();
        body.push('');
        continue;
      }
      if (contentIndent < 0) {
        if (spaces <= parent) break;
        contentIndent = spaces;
      }
      if (spaces < contentIndent) break;
      if (folded && spaces > contentIndent) giveUp(); // more-indented lines fold differently
      if (raw[spaces] === '\t') giveUp();
      body.push(raw.slice(contentIndent));
      lastContentLine = k;
    }
    if (contentIndent < 0) giveUp(); // empty block scalars: rare, leave to yaml
    // Trailing blank lines are not part of the value's span (clip and strip).
    const taken = lastContentLine - this.i + 1;
    const lines = body.slice(0, taken);
    this.i = lastContentLine + 1;
    let value: string;
    if (folded) {
      value = '';
      let pendingBreaks = 0;
      let started = false;
      for (const s of lines) {
        if (s === '') {
          pendingBreaks++;
          continue;
        }
        if (started) value += pendingBreaks > 0 ? '\n'.repeat(pendingBreaks) : ' ';
        else if (pendingBreaks > 0) value += '\n'.repeat(pendingBreaks);
        value += s;
        started = true;
        pendingBreaks = 0;
      }
    } else value = lines.join('\n');
    if (chomp === 'clip') value += '\n';
    const endLine = this.lines[lastContentLine]!;
    const end = endLine.end < t.length ? endLine.end + (t[endLine.end] === '\r' ? 2 : 1) : endLine.end;
    this.count();
    return { kind: 'scalar', value, span: { start: at, end: Math.min(end, t.length) }, style: 'block' };
  }

  /** A flow collection on one line: `[a, "b", {c: d}]`. */
  private flow(at: number, end: number): { node: YNode; end: number } {
    const t = this.text;
    const open = t[at]!;
    const close = open === '[' ? ']' : '}';
    let p = at + 1;
    const items: YNode[] = [];
    const entries = new Map<string, YNode>();
    const keySpans = new Map<string, Span>();
    this.count();
    const skip = () => {
      while (p < end && t[p] === ' ') p++;
    };
    const scalar = (): YNode => {
      skip();
      const c = t[p];
      if (c === '[' || c === '{') {
        const r = this.flow(p, end);
        p = r.end;
        return r.node;
      }
      if (c === '"' || c === "'") {
        const q = this.quoteEnd(p, end);
        if (q < 0) giveUp();
        const node: ScalarNode = { kind: 'scalar', value: this.quoted(p, q), span: { start: p, end: q }, style: c === '"' ? 'double' : 'single' };
        p = q;
        this.count();
        return node;
      }
      if (c === undefined || c === ',' || c === ']' || c === '}' || c === '&' || c === '*' || c === '!' || c === '#' || c === '?' || c === '|' || c === '>' || c === '-' && (t[p + 1] === ' ' || t[p + 1] === ',')) {
        giveUp();
      }
      const s = p;
      while (p < end) {
        const ch = t[p]!;
        if (ch === ',' || ch === ']' || ch === '}' || ch === '[' || ch === '{') break;
        if (ch === ':' && (t[p + 1] === ' ' || t[p + 1] === ',' || t[p + 1] === ']' || t[p + 1] === '}')) break;
        if (ch === '#' && t[p - 1] === ' ') giveUp();
        p++;
      }
      let e = p;
      while (e > s && t[e - 1] === ' ') e--;
      if (e === s) giveUp();
      if (t[p] === '[' || t[p] === '{') giveUp();
      this.count();
      return { kind: 'scalar', value: resolvePlain(t.slice(s, e)), span: { start: s, end: e }, style: 'plain' };
    };
    skip();
    if (t[p] === close) return { node: open === '[' ? { kind: 'seq', items, span: { start: at, end: p + 1 } } : { kind: 'map', entries, keySpans, span: { start: at, end: p + 1 } }, end: p + 1 };
    for (;;) {
      if (open === '[') {
        const v = scalar();
        skip();
        if (t[p] === ':') giveUp(); // single-pair mappings in a flow sequence
        items.push(v);
      } else {
        const k = scalar();
        if (k.kind !== 'scalar') giveUp();
        skip();
        if (t[p] !== ':') giveUp();
        p++;
        const v = scalar();
        const kk = k as ScalarNode;
        const key = kk.value === null ? 'null' : String(kk.value);
        if (key === '<<' || entries.has(key)) giveUp();
        entries.set(key, v);
        keySpans.set(key, kk.span);
      }
      skip();
      if (t[p] === ',') {
        p++;
        skip();
        if (t[p] === close) giveUp(); // trailing comma: yaml's rules
        continue;
      }
      if (t[p] === close) {
        p++;
        break;
      }
      giveUp();
    }
    return { node: open === '[' ? { kind: 'seq', items, span: { start: at, end: p } } : { kind: 'map', entries, keySpans, span: { start: at, end: p } }, end: p };
  }
}
