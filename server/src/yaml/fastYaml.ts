// A fast reader for the subset of YAML that real manifests use: block mappings and sequences, plain,
// quoted and block scalars, flow collections (also over several lines), anchors and aliases, comments.
// It produces the same nodes, values and spans as the `yaml` path (documents.ts), and gives up on a
// document (returns undefined) at the first thing it does not fully understand: tags, merge keys,
// anchors on keys, complex keys, tabs, odd indentation, duplicate keys. The caller then reads that
// document with `yaml` (duplicate keys: the last value, with a warning, as Kubernetes reads them; rare
// enough that one reader for them is best). A differential test holds the two paths equal.
import type { MapNode, Scalar_, ScalarNode, SeqNode, Span, YNode } from './nodes';

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

/**
 * Plain scalars resolved as the `yaml` package's core schema does (with intAsBigInt): null, booleans,
 * integers (decimal, 0o, 0x) as bigint, floats, .inf and .nan. Scanned by hand: regular expressions
 * run interpreted for a while in a cold process, and most plain scalars are numbers or names.
 */
export function resolvePlain(s: string): Scalar_ {
  const n = s.length;
  if (n === 0) return null;
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 /* + */ || c === 45 /* - */ || c === 46 /* . */) return resolveNumber(s, c);
  switch (c) {
    case 126: // ~
      return n === 1 ? null : s;
    case 110: // n
    case 78: // N
      return s === 'null' || s === 'Null' || s === 'NULL' ? null : s;
    case 116: // t
    case 84: // T
      return s === 'true' || s === 'True' || s === 'TRUE' ? true : s;
    case 102: // f
    case 70: // F
      return s === 'false' || s === 'False' || s === 'FALSE' ? false : s;
  }
  return s;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** s without its trailing spaces: / +$/ backtracks over every run of spaces, quadratic in a long one. */
function withoutTrailingSpaces(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 32) e--;
  return e === s.length ? s : s.slice(0, e);
}

/** The digits of s from `p`: where they stop. */
function digitsEnd(s: string, p: number): number {
  while (p < s.length && isDigit(s.charCodeAt(p))) p++;
  return p;
}

/**
 * A plain scalar starting with a digit, a sign or a dot (`c`): what the core schema's patterns make
 * of it. Integers /[-+]?[0-9]+/, /0o[0-7]+/, /0x[0-9a-fA-F]+/; floats
 * /[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)[eE][-+]?[0-9]+/ and /[-+]?(\.[0-9]+|[0-9]+\.[0-9]*)/;
 * /[-+]?\.(inf|Inf|INF)/ and /\.(nan|NaN|NAN)/. Anything else stays a string.
 */
function resolveNumber(s: string, c: number): Scalar_ {
  const n = s.length;
  if (c === 48 /* 0 */ && n > 2) {
    const radix = s.charCodeAt(1);
    if (radix === 111 /* o */ || radix === 120 /* x */) {
      let p = 2;
      while (p < n && (radix === 111 ? isOctal(s.charCodeAt(p)) : isHex(s.charCodeAt(p)))) p++;
      return p === n ? BigInt(s) : s;
    }
  }
  const sign = c === 43 || c === 45 ? 1 : 0;
  let p = digitsEnd(s, sign);
  const whole = p - sign;
  if (p === n) return whole > 0 ? BigInt(s) : s;
  let fraction = 0;
  if (s.charCodeAt(p) === 46 /* . */) {
    if (whole === 0 && p + 4 === n && !isDigit(s.charCodeAt(p + 1))) return infOrNaN(s, sign, p + 1);
    const q = digitsEnd(s, p + 1);
    fraction = q - p - 1;
    p = q;
    if (whole === 0 && fraction === 0) return s;
    if (p === n) return parseFloat(s);
  } else if (whole === 0) return s;
  const e = s.charCodeAt(p);
  if (e !== 101 /* e */ && e !== 69 /* E */) return s;
  p++;
  if (p < n && (s.charCodeAt(p) === 43 || s.charCodeAt(p) === 45)) p++;
  const q = digitsEnd(s, p);
  return q > p && q === n ? parseFloat(s) : s;
}

const isOctal = (c: number): boolean => c >= 48 && c <= 55;
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/** `.inf` (signed or not) and `.nan` (unsigned) after the dot at `at - 1`; anything else is a string. */
function infOrNaN(s: string, sign: number, at: number): Scalar_ {
  const w = s.slice(at);
  if (w === 'inf' || w === 'Inf' || w === 'INF') return s.charCodeAt(0) === 45 ? -Infinity : Infinity;
  if (sign === 0 && (w === 'nan' || w === 'NaN' || w === 'NAN')) return NaN;
  return s;
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

/**
 * Indentation of each line, shared by all readers: a reader fills it for a document's lines when it
 * starts reading that document, and reads are never interleaved. One typed array per file was a
 * noticeable share of a cold check's allocations.
 */
let sharedIndents: Int32Array = new Int32Array(4096);

/**
 * An anchor (`&name`) seen so far in the document: its node once read (undefined while it is read:
 * an alias to it refers to itself), the nodes it counts for and how deep it nests (both as the
 * `yaml` path counts them, or more), and the node aliases to a collection share (the `yaml` path
 * converts the target again at its first alias and shares that copy).
 */
interface Anchor {
  node: YNode | undefined;
  size: number;
  height: number;
  copy: YNode | undefined;
}

export class FastDocumentReader {
  /** Line starts and ends of the whole text, and spaces before each line's first character (-1: blank or comment). */
  private starts: ArrayLike<number> = [];
  private ends: ArrayLike<number> = [];
  private indents: Int32Array = sharedIndents;
  /** The current line, and the document's first and one-past-last lines (indices into the text's lines). */
  private i = 0;
  private from = 0;
  private to = 0;
  private nodes = 0;
  /** Collections open around the node being read (its depth), and the deepest node so far (aliases expanded). */
  private open = 0;
  private deepest = 0;
  /** Anchors by name (the latest one wins), and the copies aliases to collections stand for. */
  private anchors: Map<string, Anchor> | undefined;
  private aliasCopies: Set<YNode> | undefined;
  private keep: Keep = 2;
  /** A skimmed document (not a policy object): nothing asks where its keys are. */
  private skimmedDocument = false;
  /** The last key read by keyScalar: its text (as JSON sees it), whether it is `<<`, and where it is. */
  private keyText = '';
  private keyMerge = false;
  private keyStart = 0;
  private keyEnd_ = 0;

  constructor(
    private readonly text: string,
    private readonly maxNodes: number,
    private readonly skim?: Skim,
    private readonly maxDepth = 1000,
  ) {}

  private childKeep(key: string): Keep {
    if (this.keep !== 1) return this.keep;
    return this.skim!.all.has(key) ? 2 : this.skim!.some.has(key) ? 1 : 0;
  }

  /**
   * Reads the document whose lines are [from, to) of the text (after its `---` line, if any).
   * Returns the root, null for an empty document, or undefined to hand the document to `yaml`.
   */
  read(lineStarts: ArrayLike<number>, lineEnds: ArrayLike<number>, from: number, to: number, keepAll = true): YNode | null | undefined {
    this.keep = this.skim && !keepAll ? 1 : 2;
    this.skimmedDocument = this.keep === 1;
    // Tabs separate and end values in ways this reader does not model: yaml reads such documents.
    if (to > from) {
      const tab = this.text.indexOf('\t', lineStarts[from]!);
      if (tab >= 0 && tab < lineEnds[to - 1]!) return undefined;
    }
    this.starts = lineStarts;
    this.ends = lineEnds;
    // Shared up to 64k lines, as the line arrays are (documents.ts): a huge file does not keep its size.
    let indents = this.indents.length >= to ? this.indents : sharedIndents;
    if (indents.length < to) {
      indents = new Int32Array(Math.max(to, lineStarts.length));
      if (indents.length <= 65536) sharedIndents = indents;
    }
    this.indents = indents;
    const t = this.text;
    for (let k = from; k < to; k++) {
      const start = lineStarts[k]!;
      const end = lineEnds[k]!;
      let p = start;
      while (p < end && t.charCodeAt(p) === 32) p++;
      indents[k] = p === end || t.charCodeAt(p) === 35 /* # */ ? -1 : p - start;
    }
    this.i = from;
    this.from = from;
    this.to = to;
    this.nodes = 0;
    this.open = 0;
    this.deepest = 0;
    this.anchors = undefined;
    this.aliasCopies = undefined;
    try {
      this.skipBlank();
      if (this.i >= to) return null;
      if (indents[this.i] !== 0) return undefined;
      const root = this.blockNode(lineStarts[this.i]!, -1);
      this.skipBlank();
      if (this.i < to) return undefined; // something left that we did not place
      return root;
    } catch (e) {
      // Deep nesting overflows the stack here before it does in yaml: let yaml report it.
      if (e instanceof GiveUp || e instanceof RangeError) return undefined;
      throw e;
    }
  }

  /** One more node, at the depth of the collections open around it: over either limit, yaml decides. */
  private count(): void {
    if (++this.nodes > this.maxNodes) giveUp();
    if (this.open > this.deepest) {
      this.deepest = this.open;
      if (this.open > this.maxDepth) giveUp();
    }
  }

  private skipBlank(): void {
    while (this.i < this.to && this.indents[this.i]! < 0) this.i++;
  }

  /** A block node starting at offset `at` on the current line; its parent's indentation is `parent`. */
  private blockNode(at: number, parent: number): YNode {
    const end = this.ends[this.i]!;
    const col = at - this.starts[this.i]!;
    if (col <= parent) giveUp();
    if (this.isDash(at, end)) return this.blockSeq(at);
    const colon = this.keyEnd(at, end);
    if (colon >= 0) return this.blockMap(at, colon);
    // A scalar or flow value standing alone (a document that is just a value).
    return this.inlineValue(at, end, parent);
  }

  /**
   * Where the key starting at `at` ends (the offset of its `:`), or -1 when the line holds no
   * `key:` there. Keys are plain or quoted, on one line.
   */
  private keyEnd(at: number, end: number): number {
    const t = this.text;
    const c = t.charCodeAt(at);
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const close = this.quoteEnd(at, end);
      if (close < 0) return -1;
      let p = close;
      while (p < end && t.charCodeAt(p) === 32) p++;
      return p < end && t.charCodeAt(p) === 58 && (p + 1 === end || t.charCodeAt(p + 1) === 32) ? p : -1;
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
    const c = t.charCodeAt(at);
    if (at >= end) return true; // as before: the empty string is not an indicator
    switch (c) {
      case 44: // ,
      case 91: // [
      case 93: // ]
      case 123: // {
      case 125: // }
      case 35: // #
      case 38: // &
      case 42: // *
      case 33: // !
      case 124: // |
      case 62: // >
      case 39: // '
      case 34: // "
      case 37: // %
      case 64: // @
      case 96: // `
        return false;
      case 45: // -
      case 63: // ?
      case 58: // :
        return at + 1 < end && t.charCodeAt(at + 1) !== 32;
      default:
        return true;
    }
  }

  /** Offset just after the closing quote of a one-line quoted scalar, or -1. */
  private quoteEnd(at: number, end: number): number {
    const t = this.text;
    if (t.charCodeAt(at) === 39 /* ' */) {
      for (let p = at + 1; p < end; p++) {
        if (t.charCodeAt(p) === 39) {
          if (p + 1 < end && t.charCodeAt(p + 1) === 39) {
            p++;
            continue;
          }
          return p + 1;
        }
      }
      return -1;
    }
    for (let p = at + 1; p < end; p++) {
      const ch = t.charCodeAt(p);
      if (ch === 92 /* \ */) {
        p++;
        continue;
      }
      if (ch === 34) return p + 1;
    }
    return -1;
  }

  /** A block mapping whose first key starts at `at` and ends at `colon` on the current line. */
  private blockMap(at: number, colon: number): MapNode {
    const first = this.i;
    const indent = at - this.starts[first]!;
    const mine = this.keep;
    const t = this.text;
    const entries = mine === 0 ? undefined : new Map<string, YNode>();
    const keySpans = this.skimmedDocument ? noKeySpans : new Map<string, Span>();
    const seen = mine === 0 ? new Set<string>() : undefined;
    let keyAt = at;
    this.count();
    this.open++;
    for (;;) {
      const end = this.ends[this.i]!;
      if (keyAt !== at) colon = this.keyEnd(keyAt, end);
      if (colon < 0) giveUp();
      this.keyScalar(keyAt, colon);
      const key = this.keyText;
      if (this.keyMerge) giveUp(); // merge keys: yaml decides
      const keyStart = this.keyStart;
      const keyEnd = this.keyEnd_;
      let p = colon + 1;
      while (p < end && t.charCodeAt(p) === 32) p++;
      let value: YNode;
      this.keep = mine === 1 ? this.childKeep(key) : mine;
      if (p === end || t.charCodeAt(p) === 35 /* # */) {
        this.i++;
        value = this.nestedValue(indent, p, true);
      } else {
        value = this.inlineValue(p, end, indent, true);
      }
      this.keep = mine;
      // A key seen before leaves the size as it was: yaml decides about duplicates.
      if (entries) {
        const size = entries.size;
        if (entries.set(key, value).size === size) giveUp();
        if (keySpans !== noKeySpans) (keySpans as Map<string, Span>).set(key, { start: keyStart, end: keyEnd });
      } else {
        const size = seen!.size;
        if (seen!.add(key).size === size) giveUp();
      }
      this.skipBlank();
      if (this.i >= this.to) break;
      const next = this.indents[this.i]!;
      if (next < indent) break;
      if (next > indent) giveUp();
      keyAt = this.starts[this.i]! + next;
      if (this.isDash(keyAt, this.ends[this.i]!)) break; // a sequence at this indent ends the map
    }
    this.open--;
    if (!entries) return skipped as unknown as MapNode;
    return { kind: 'map', entries, keySpans, span: { start: at, end: this.endOfPrevious() } };
  }

  private endOfPrevious(): number {
    let k = this.i - 1;
    while (k > this.from && this.indents[k]! < 0) k--;
    return this.ends[Math.max(this.from, k)]!;
  }

  /** Reads the key in [at, colon) into keyText, keyMerge, keyStart and keyEnd_. */
  private keyScalar(at: number, colon: number): void {
    const t = this.text;
    const c = t.charCodeAt(at);
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const close = this.quoteEnd(at, colon);
      const s = this.quoted(at, close);
      this.keyText = s;
      this.keyMerge = s === '<<';
      this.keyStart = at;
      this.keyEnd_ = close;
      return;
    }
    let end = colon;
    while (end > at && t.charCodeAt(end - 1) === 32) end--;
    const value = resolvePlain(t.slice(at, end));
    this.keyText = typeof value === 'string' ? value : value === null ? 'null' : String(value);
    this.keyMerge = value === '<<';
    this.keyStart = at;
    this.keyEnd_ = end;
  }

  /** The value of `key:` or `-` with nothing after it on the line: a nested block, or null. */
  private nestedValue(indent: number, nullAt: number, allowSameIndentSeq: boolean): YNode {
    this.skipBlank();
    if (this.i < this.to) {
      const next = this.indents[this.i]!;
      const at = this.starts[this.i]! + next;
      if (next > indent) return this.blockNode(at, indent);
      if (allowSameIndentSeq && next === indent && this.isDash(at, this.ends[this.i]!)) {
        return this.blockSeq(at);
      }
    }
    this.count();
    if (this.keep === 0) return skipped;
    return { kind: 'scalar', value: null, span: { start: nullAt, end: nullAt }, style: 'plain' };
  }

  private blockSeq(at: number): SeqNode {
    const indent = at - this.starts[this.i]!;
    const t = this.text;
    const items: YNode[] | undefined = this.keep === 0 ? undefined : [];
    let dash = at;
    this.count();
    this.open++;
    for (;;) {
      const end = this.ends[this.i]!;
      let p = dash + 1;
      while (p < end && t.charCodeAt(p) === 32) p++;
      let item: YNode;
      let colon: number;
      if (p === end || t.charCodeAt(p) === 35 /* # */) {
        this.i++;
        item = this.nestedValue(indent, p, false);
      } else if (this.isDash(p, end)) {
        item = this.blockSeq(p); // `- - x`: a sequence in a sequence, at the inner dash's column
      } else if ((colon = this.keyEnd(p, end)) >= 0) {
        item = this.blockMap(p, colon);
      } else {
        item = this.inlineValue(p, end, indent, false);
      }
      items?.push(item);
      this.skipBlank();
      if (this.i >= this.to) break;
      const next = this.indents[this.i]!;
      if (next < indent) break;
      if (next > indent) giveUp();
      dash = this.starts[this.i]! + next;
      if (!this.isDash(dash, this.ends[this.i]!)) break;
    }
    this.open--;
    if (!items) return skipped as unknown as SeqNode;
    return { kind: 'seq', items, span: { start: at, end: this.endOfPrevious() } };
  }

  /**
   * A value that starts on the current line (which ends at `end`) at `at`; advances past every line it
   * takes. `sameIndentSeq`: the value of a `key:` (true: a block sequence may start at the key's
   * indentation on the next line) or of a `- ` (false); undefined for a value alone at a line's start.
   */
  private inlineValue(at: number, end: number, parent: number, sameIndentSeq?: boolean): YNode {
    const t = this.text;
    const c = t.charCodeAt(at);
    switch (c) {
      case 38: // &
        return this.anchored(at, end, parent, sameIndentSeq);
      case 42: {
        // *
        const nameEnd = this.nameEnd(at + 1, end, false);
        const node = this.alias(at, nameEnd);
        this.endOfValue(nameEnd, end);
        return node;
      }
      case 33: // !
      case 37: // %
      case 64: // @
      case 96: // `
      case 63: // ?
        return giveUp();
      case 124: // |
      case 62: // >
        return this.blockScalar(at, end, parent);
      case 91: // [
      case 123: {
        // {
        this.flowIndent = parent + 1;
        const node = this.flow(at, 0);
        this.endOfValue(this.fp, this.ends[this.i]!);
        return node;
      }
      case 34: // "
      case 39: {
        // '
        const close = this.quoteEnd(at, end);
        if (close < 0) return this.multiLineQuoted(at, end, parent);
        this.endOfValue(close, end);
        this.count();
        if (this.keep === 0) {
          if (c === 34) this.quoted(at, close); // its escapes must be valid
          return skipped;
        }
        return { kind: 'scalar', value: this.quoted(at, close), span: { start: at, end: close }, style: c === 34 ? 'double' : 'single' };
      }
    }
    if (!this.plainCanStart(at, end)) giveUp();
    return this.plain(at, end, parent);
  }

  /**
   * Where the anchor or alias name starting at `p` ends: letters, digits, `_`, `-` and `.` (yaml
   * takes more; anything else is left to it), then a space or the line's end, or in a flow
   * collection also `,`, `]` or `}`.
   */
  private nameEnd(p: number, end: number, inFlow: boolean): number {
    const t = this.text;
    const from = p;
    for (; p < end; p++) {
      const ch = t.charCodeAt(p);
      if (!((ch >= 97 && ch <= 122) || (ch >= 65 && ch <= 90) || (ch >= 48 && ch <= 57) || ch === 95 || ch === 45 || ch === 46)) break;
    }
    if (p === from) giveUp();
    if (p < end) {
      const ch = t.charCodeAt(p);
      if (ch !== 32 && !(inFlow && (ch === 44 || ch === 93 || ch === 125))) giveUp();
    }
    return p;
  }

  /**
   * `&name` at `at` and the value it anchors: after it on the line, or (after `key:` or `- `) on the
   * next lines or a null. The value is read whole whatever the skim (an alias may need it later);
   * its span is the value's own, as yaml's.
   */
  private anchored(at: number, end: number, parent: number, sameIndentSeq: boolean | undefined): YNode {
    const t = this.text;
    const nameEnd = this.nameEnd(at + 1, end, false);
    const p = this.skipSpaces(nameEnd, end);
    const alone = p === end || t.charCodeAt(p) === 35; /* # */
    if (alone && sameIndentSeq === undefined) giveUp(); // an anchor alone at a line's start: yaml decides
    return this.readAnchored(t.slice(at + 1, nameEnd), () => {
      if (alone) {
        this.i++;
        return this.nestedValue(parent, p, sameIndentSeq!);
      }
      const c = t.charCodeAt(p);
      if (c === 38 /* & */ || c === 42 /* * */) giveUp();
      return this.inlineValue(p, end, parent, sameIndentSeq);
    });
  }

  /**
   * Registers an anchor (a later one of the same name wins) and reads its value with `read`, whole
   * whatever the skim: its node, the nodes it counts and its height, for the aliases to it.
   */
  private readAnchored(name: string, read: () => YNode): YNode {
    const entry: Anchor = { node: undefined, size: 0, height: 0, copy: undefined };
    (this.anchors ??= new Map()).set(name, entry);
    const keep = this.keep;
    const deepest = this.deepest;
    const before = this.nodes;
    this.keep = 2;
    this.deepest = this.open;
    const node = read();
    entry.node = node;
    entry.size = this.nodes - before;
    entry.height = this.deepest - this.open;
    if (deepest > this.deepest) this.deepest = deepest;
    this.keep = keep;
    return node;
  }

  /**
   * The alias `*name` in [at, nameEnd), as the yaml path converts it: to a scalar, a scalar where the
   * alias is written that remembers its anchor's span (two nodes counted); to a collection, a copy of
   * it made at the first alias and shared by the later ones, counted as the nodes it stands for.
   * Unknown aliases and aliases to a value being read (itself): yaml decides.
   */
  private alias(at: number, nameEnd: number): YNode {
    const entry = this.anchors?.get(this.text.slice(at + 1, nameEnd));
    const target = entry?.node;
    if (!target) return giveUp();
    this.count();
    if (target.kind === 'scalar') {
      this.count();
      if (this.keep === 0) return skipped;
      return { kind: 'scalar', value: target.value, span: { start: at, end: nameEnd }, style: target.style, anchor: target.span };
    }
    const depth = this.open + entry!.height;
    if (depth > this.deepest) {
      this.deepest = depth;
      if (depth > this.maxDepth) giveUp();
    }
    this.nodes += entry!.size;
    if (this.nodes > this.maxNodes) giveUp();
    if (this.keep === 0) return skipped;
    if (!entry!.copy) {
      entry!.copy = this.copyOf(target);
      (this.aliasCopies ??= new Set()).add(entry!.copy);
    }
    return entry!.copy;
  }

  /** A fresh copy of a node, as yaml converts a collection again; the copies aliases share stay shared. */
  private copyOf(n: YNode): YNode {
    if (this.aliasCopies?.has(n)) return n;
    switch (n.kind) {
      case 'scalar':
        return { ...n };
      case 'seq':
        return { kind: 'seq', items: n.items.map((item) => this.copyOf(item)), span: n.span };
      case 'map': {
        const entries = new Map<string, YNode>();
        for (const [k, v] of n.entries) entries.set(k, this.copyOf(v));
        const keySpans = n.keySpans === noKeySpans ? noKeySpans : new Map(n.keySpans);
        return { kind: 'map', entries, keySpans, span: n.span };
      }
    }
  }

  /** A quoted scalar over several lines in a block: only spaces and a comment may follow it. */
  private multiLineQuoted(at: number, firstEnd: number, parent: number): ScalarNode {
    const value = this.quotedOverLines(at, firstEnd, parent);
    const close = this.fp;
    this.endOfValue(close, this.ends[this.i]!);
    this.count();
    if (this.keep === 0) return skipped;
    return { kind: 'scalar', value, span: { start: at, end: close }, style: this.text.charCodeAt(at) === 34 ? 'double' : 'single' };
  }

  /**
   * The value of a quoted scalar over several lines, folded as YAML folds flow scalars: a line break
   * is a space, each empty line a newline; in double quotes a `\` at the end of a line joins without a
   * space. Its lines must be indented more than `parent`. Sets this.i to the line of the closing
   * quote and this.fp to just after it.
   */
  private quotedOverLines(at: number, firstEnd: number, parent: number): string {
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
    // An odd number of backslashes at the end: counted, not matched (a regular expression here is
    // quadratic in a long run).
    const escapedBreak = (piece: string) => {
      if (!double) return false;
      let n = 0;
      while (n < piece.length && piece.charCodeAt(piece.length - 1 - n) === 92 /* \\ */) n++;
      return n % 2 === 1;
    };
    let raw = t.slice(at + 1, firstEnd);
    let joinNext: string | undefined;
    let value: string;
    if (escapedBreak(raw)) {
      value = unescape(raw.slice(0, -1));
      joinNext = '';
    } else value = unescape(withoutTrailingSpaces(raw));
    let empties = 0;
    for (let k = this.i + 1; k < this.to; k++) {
      const lStart = this.starts[k]!;
      const lEnd = this.ends[k]!;
      raw = t.slice(lStart, lEnd);
      const s = raw.length - raw.trimStart().length;
      if (s === raw.length) {
        if (joinNext === '') giveUp();
        empties++;
        continue;
      }
      if (s <= parent) giveUp(); // not indented enough: yaml reports it
      const from = lStart + s;
      const close = closing(from, lEnd);
      const piece = close < 0 ? t.slice(from, lEnd) : t.slice(from, close);
      const sep = empties > 0 ? '\n'.repeat(empties) : (joinNext ?? ' ');
      empties = 0;
      if (close >= 0) {
        value += sep + unescape(piece);
        this.i = k;
        this.fp = close + 1;
        return value;
      }
      if (escapedBreak(piece)) {
        value += sep + unescape(piece.slice(0, -1));
        joinNext = '';
      } else {
        value += sep + unescape(withoutTrailingSpaces(piece));
        joinNext = undefined;
      }
    }
    return giveUp();
  }

  /** After a one-line value ending at `p` on the current line (which ends at `end`): only spaces and a comment may follow. Moves to the next line. */
  private endOfValue(p: number, end: number): void {
    const t = this.text;
    while (p < end && t.charCodeAt(p) === 32) p++;
    if (p < end && t.charCodeAt(p) !== 35 /* # */) giveUp();
    this.i++;
  }

  private quoted(at: number, close: number): string {
    const t = this.text;
    const body = t.slice(at + 1, close - 1);
    if (t.charCodeAt(at) === 39 /* ' */) return body.includes("''") ? body.replace(/''/g, "'") : body;
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
  private plain(at: number, lineEnd: number, parent: number): ScalarNode {
    const t = this.text;
    const keep = this.keep !== 0;
    let end = this.plainEnd(at, lineEnd);
    let value = keep ? t.slice(at, end) : '';
    const commentAfter = this.hasComment(end, lineEnd);
    this.i++;
    let breaks = 0;
    while (!commentAfter && this.i < this.to) {
      const k = this.i;
      const lStart = this.starts[k]!;
      const lEnd = this.ends[k]!;
      const indent = this.indents[k]!;
      if (indent < 0 && this.onlySpaces(lStart, lEnd)) {
        breaks++;
        this.i++;
        continue;
      }
      if (indent < 0) break; // a comment line ends the scalar
      if (indent <= parent) break;
      const s = lStart + indent;
      const e = this.plainEnd(s, lEnd);
      if (t.charCodeAt(s) === 35 /* # */) giveUp();
      if (e !== this.trimmedEnd(lStart, lEnd)) giveUp(); // `: ` or ` #` inside a continuation: yaml decides
      if (keep) {
        value += breaks === 0 ? ' ' : '\n'.repeat(breaks);
        value += t.slice(s, e);
      }
      end = e;
      breaks = 0;
      this.i++;
    }
    // Blank lines taken past the scalar belong to what follows.
    while (breaks > 0 && this.i > this.from && this.indents[this.i - 1]! < 0) {
      this.i--;
      breaks--;
    }
    this.count();
    if (!keep) return skipped;
    return { kind: 'scalar', value: resolvePlain(value), span: { start: at, end }, style: 'plain' };
  }

  /** Whether [start, end) holds only spaces (or nothing). */
  private onlySpaces(start: number, end: number): boolean {
    for (let p = start; p < end; p++) if (this.text.charCodeAt(p) !== 32) return false;
    return true;
  }

  private trimmedEnd(start: number, end: number): number {
    let e = end;
    while (e > start && this.text.charCodeAt(e - 1) === 32) e--;
    return e;
  }

  private hasComment(p: number, end: number): boolean {
    while (p < end && this.text.charCodeAt(p) === 32) p++;
    return p < end && this.text.charCodeAt(p) === 35;
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

  private blockScalar(at: number, lineEnd: number, parent: number): ScalarNode {
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
    if (p < lineEnd && t[p] !== ' ' && t[p] !== '#') giveUp(); // indentation indicators and the rest
    while (p < lineEnd && t[p] === ' ') p++;
    if (p < lineEnd && t[p] !== '#') giveUp();
    this.i++;
    const keep = this.keep !== 0;
    // Content lines: blank ones, and those indented at least as the first content line.
    let contentIndent = -1;
    const body: string[] = [];
    let lastContentLine = -1;
    let k = this.i;
    for (; k < this.to; k++) {
      const raw = t.slice(this.starts[k]!, this.ends[k]!);
      const spaces = raw.length - raw.trimStart().length;
      const blank = spaces === raw.length;
      if (blank) {
        if (contentIndent < 0 ? false : spaces > contentIndent) giveUp();
        if (contentIndent < 0 && spaces > parent + 1) giveUp();
        if (keep) body.push('');
        continue;
      }
      if (contentIndent < 0) {
        if (spaces <= parent) break;
        contentIndent = spaces;
      }
      if (spaces < contentIndent) break;
      if (folded && spaces > contentIndent) giveUp(); // more-indented lines fold differently
      if (raw[spaces] === '\t') giveUp();
      if (keep) body.push(raw.slice(contentIndent));
      lastContentLine = k;
    }
    if (contentIndent < 0) giveUp(); // empty block scalars: rare, leave to yaml
    // Trailing blank lines are not part of the value's span (clip and strip).
    const taken = lastContentLine - this.i + 1;
    this.i = lastContentLine + 1;
    this.count();
    if (!keep) return skipped;
    const lines = body.slice(0, taken);
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
    const endLineEnd = this.ends[lastContentLine]!;
    const end = endLineEnd < t.length ? endLineEnd + (t[endLineEnd] === '\r' ? 2 : 1) : endLineEnd;
    return { kind: 'scalar', value, span: { start: at, end: Math.min(end, t.length) }, style: 'block' };
  }

  /** Where a flow value or collection read by flow/flowValue/flowKey ends (on line this.i). */
  private fp = 0;
  /**
   * The column every line of the flow collection being read must reach: one more than the enclosing
   * block's indentation (0 at the root). yaml reports a less indented line as an error.
   */
  private flowIndent = 0;

  private skipSpaces(p: number, end: number): number {
    while (p < end && this.text.charCodeAt(p) === 32) p++;
    return p;
  }

  /**
   * Skips spaces, comments, line ends, blank and comment lines in a flow collection from `p` on the
   * current line; returns where the next token starts, with this.i its line. A `#` starts a comment
   * only after white space (yaml reports `[#`, `,#`, `]#`). A line indented less than flowIndent
   * is an error, except the outermost collection's closing bracket (`lowClose`) one column less,
   * which yaml allows. After a value (`afterValue`), yaml reports a comment at the very start of the
   * next line (the line break went to the value): that gives up.
   */
  private flowSkip(p: number, lowClose: number, afterValue = false): number {
    const t = this.text;
    for (;;) {
      const end = this.ends[this.i]!;
      p = this.skipSpaces(p, end);
      if (p < end) {
        if (t.charCodeAt(p) !== 35 /* # */) return p;
        if (p === this.starts[this.i] || t.charCodeAt(p - 1) !== 32) giveUp();
      }
      // The rest of the line is a comment or nothing: on to the next line with something on it.
      if (++this.i >= this.to) giveUp(); // never closed: yaml reports it
      if (afterValue && t.charCodeAt(this.starts[this.i]!) === 35 /* # */) giveUp();
      afterValue = false;
      while (this.indents[this.i]! < 0) {
        if (++this.i >= this.to) giveUp();
      }
      const indent = this.indents[this.i]!;
      p = this.starts[this.i]! + indent;
      if (indent < this.flowIndent && !(indent === this.flowIndent - 1 && t.charCodeAt(p) === lowClose)) giveUp();
    }
  }

  /**
   * A flow collection, `[a, "b", {c: d}]`, from `at` (its bracket), over one line or several;
   * this.fp is set to just after its closing bracket and this.i to that bracket's line. `depth` is 0
   * for the outermost collection. A dropped value is read (its checks run) but builds nothing.
   */
  private flow(at: number, depth: number): YNode {
    const t = this.text;
    const isSeq = t.charCodeAt(at) === 91; /* [ */
    const close = isSeq ? 93 /* ] */ : 125; /* } */
    const lowClose = depth === 0 ? close : -1;
    const build = this.keep !== 0;
    const items: YNode[] | undefined = build && isSeq ? [] : undefined;
    const entries = build && !isSeq ? new Map<string, YNode>() : undefined;
    const keySpans = build && !isSeq ? (this.skimmedDocument ? noKeySpans : new Map<string, Span>()) : undefined;
    const keys = !build && !isSeq ? new Set<string>() : undefined;
    this.count();
    this.open++;
    let p = this.flowSkip(at + 1, lowClose);
    while (t.charCodeAt(p) !== close) {
      if (isSeq) {
        const v = this.flowValue(p, depth);
        p = this.flowSkip(this.fp, lowClose, true);
        if (t.charCodeAt(p) === 58 /* : */) giveUp(); // single-pair mappings in a flow sequence
        items?.push(v);
      } else if (t.charCodeAt(p) === 91 /* [ */ || t.charCodeAt(p) === 123 /* { */) {
        p = this.droppedPair(p, depth, lowClose);
      } else {
        const key = this.flowKey(p);
        const keyStart = this.keyStart;
        const keyEnd = this.keyEnd_;
        // The `:` on the key's line: implicit keys do not span lines.
        p = this.skipSpaces(this.fp, this.ends[this.i]!);
        let v: YNode;
        if (t.charCodeAt(p) === 58 /* : */) {
          v = this.flowValue(this.flowSkip(p + 1, lowClose), depth);
          p = this.flowSkip(this.fp, lowClose, true);
        } else {
          // `{a, b: 1}`: a key alone is null, where the key ends; then `,` or `}` on its line.
          const c = t.charCodeAt(p);
          if (c !== 44 /* , */ && c !== close) giveUp();
          this.count();
          v = this.keep === 0 ? skipped : { kind: 'scalar', value: null, span: { start: keyEnd, end: keyEnd }, style: 'plain' };
        }
        if (key === '<<' || (entries ? entries.has(key) : keys!.has(key))) giveUp();
        if (entries) {
          entries.set(key, v);
          if (keySpans !== noKeySpans) (keySpans as Map<string, Span>).set(key, { start: keyStart, end: keyEnd });
        } else keys!.add(key);
      }
      const c = t.charCodeAt(p);
      if (c === 44 /* , */) {
        // One comma may also end the entries (YAML 1.2: `[a, b,]`); a second one yaml reports.
        p = this.flowSkip(p + 1, lowClose);
        continue;
      }
      if (c !== close) giveUp();
    }
    p++;
    this.fp = p;
    this.open--;
    if (!build) return skipped;
    return items ? { kind: 'seq', items, span: { start: at, end: p } } : { kind: 'map', entries: entries!, keySpans: keySpans!, span: { start: at, end: p } };
  }

  /**
   * A pair of a flow mapping whose key is a collection at `p`, as templates write `{{name}}`: yaml
   * reads it and the documents drop it (only scalar keys reach JSON), so key and value are read as
   * dropped values. The key stays on one line. Returns where the next token starts.
   */
  private droppedPair(p: number, depth: number, lowClose: number): number {
    const t = this.text;
    const keep = this.keep;
    const line = this.i;
    this.keep = 0;
    this.flow(p, depth + 1);
    if (this.i !== line) giveUp();
    p = this.skipSpaces(this.fp, this.ends[this.i]!);
    if (t.charCodeAt(p) === 58 /* : */) {
      this.flowValue(this.flowSkip(p + 1, lowClose), depth);
      p = this.fp;
    }
    this.keep = keep;
    return this.flowSkip(p, lowClose, true);
  }

  /** A value in a flow collection at `p`; this.fp and this.i are set to where it ends. */
  private flowValue(p: number, depth: number): YNode {
    const t = this.text;
    const c = t.charCodeAt(p);
    if (c === 91 /* [ */ || c === 123 /* { */) return this.flow(p, depth + 1);
    if (c === 42 /* * */) {
      const nameEnd = this.nameEnd(p + 1, this.ends[this.i]!, true);
      const node = this.alias(p, nameEnd);
      this.fp = nameEnd;
      return node;
    }
    if (c === 38 /* & */) return this.flowAnchored(p, depth);
    if (c === 34 /* " */ || c === 39 /* ' */) {
      let q = this.quoteEnd(p, this.ends[this.i]!);
      let value: string;
      if (q >= 0) {
        value = this.keep !== 0 || c === 34 ? this.quoted(p, q) : ''; // escapes must be valid
      } else {
        value = this.quotedOverLines(p, this.ends[this.i]!, this.flowIndent - 1);
        q = this.fp;
      }
      this.fp = q;
      this.count();
      if (this.keep === 0) return skipped;
      return { kind: 'scalar', value, span: { start: p, end: q }, style: c === 34 ? 'double' : 'single' };
    }
    return this.flowPlain(p);
  }

  /** `&name` at `p` in a flow collection and the value after it on the same line (see anchored). */
  private flowAnchored(p: number, depth: number): YNode {
    const t = this.text;
    const end = this.ends[this.i]!;
    const nameEnd = this.nameEnd(p + 1, end, true);
    const q = this.skipSpaces(nameEnd, end);
    if (q === end) giveUp();
    const c = t.charCodeAt(q);
    if (c === 35 /* # */ || c === 44 /* , */ || c === 93 /* ] */ || c === 125 /* } */ || c === 38 /* & */ || c === 42 /* * */) giveUp();
    return this.readAnchored(t.slice(p + 1, nameEnd), () => this.flowValue(q, depth));
  }

  /**
   * A key in a flow mapping at `p`, on one line: its text as JSON sees it; keyStart and keyEnd_ are
   * set to where it is, this.fp to where it ends. (Collections as keys are read by droppedPair.)
   */
  private flowKey(p: number): string {
    const t = this.text;
    const end = this.ends[this.i]!;
    const c = t.charCodeAt(p);
    if (c === 91 /* [ */ || c === 123 /* { */) giveUp();
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const q = this.quoteEnd(p, end);
      if (q < 0) giveUp();
      const text = this.quoted(p, q);
      this.keyStart = p;
      this.keyEnd_ = q;
      this.fp = q;
      this.count();
      return text;
    }
    this.flowPlainStart(p, end);
    const e = this.flowPlainEnd(p, end);
    if (e === p) giveUp(); // `: ` where the key should be
    this.count();
    const value = resolvePlain(t.slice(p, e));
    this.keyStart = p;
    this.keyEnd_ = e;
    return value === null ? 'null' : String(value);
  }

  /**
   * A plain scalar in a flow collection from `s`, continued on later lines indented at least
   * flowIndent and folded as YAML folds them (a line break is a space, each blank line a newline).
   * A comment, an indicator or a less indented line ends it; this.fp and this.i are set to where
   * it ends.
   */
  private flowPlain(s: number): ScalarNode {
    const t = this.text;
    const keep = this.keep !== 0;
    this.flowPlainStart(s, this.ends[this.i]!);
    let e = this.flowPlainEnd(s, this.ends[this.i]!);
    if (e === s) giveUp(); // `: ` where the value should be
    let value = keep ? t.slice(s, e) : '';
    let breaks = 0;
    // Only a scalar that runs to the end of its line may go on.
    for (let k = this.i + 1; this.fp === this.ends[this.i] && k < this.to; k++) {
      const indent = this.indents[k]!;
      if (indent < 0) {
        if (!this.onlySpaces(this.starts[k]!, this.ends[k]!)) break; // a comment line ends it
        breaks++;
        continue;
      }
      if (indent < this.flowIndent) break;
      const from = this.starts[k]! + indent;
      const stop = this.flowPlainEnd(from, this.ends[k]!);
      if (stop === from) {
        // The line starts with `,`, a bracket or `: `: the scalar ended on the line before.
        this.fp = this.ends[this.i]!;
        break;
      }
      if (keep) value += (breaks === 0 ? ' ' : '\n'.repeat(breaks)) + t.slice(from, stop);
      breaks = 0;
      e = stop;
      this.i = k;
    }
    this.count();
    if (!keep) return skipped;
    return { kind: 'scalar', value: resolvePlain(value), span: { start: s, end: e }, style: 'plain' };
  }

  /** Gives up where a plain scalar in a flow collection may not start: indicators, `- `, `-]` and the like. */
  private flowPlainStart(s: number, end: number): void {
    const t = this.text;
    if (s >= end) giveUp();
    switch (t.charCodeAt(s)) {
      case 44: // ,
      case 91: // [
      case 93: // ]
      case 123: // {
      case 125: // }
      case 38: // &
      case 42: // *
      case 33: // !
      case 35: // #
      case 63: // ?
      case 124: // |
      case 62: // >
        giveUp();
        break;
      case 45: // -: a block sequence indicator when white space or a flow indicator follows
        if (s + 1 === end || this.endsPlainInFlow(t.charCodeAt(s + 1))) giveUp();
    }
  }

  /** Space, `,`, `[`, `]`, `{`, `}`: what ends a plain scalar in a flow collection after `:`. */
  private endsPlainInFlow(c: number): boolean {
    return c === 32 || c === 44 || c === 91 || c === 93 || c === 123 || c === 125;
  }

  /**
   * Where a plain scalar in a flow collection starting at `s` ends on its line, trailing spaces
   * excluded; this.fp is set to where the scan stopped (a flow indicator, `: `, ` #` or the line's
   * end). An opening bracket right after it gives up.
   */
  private flowPlainEnd(s: number, end: number): number {
    const t = this.text;
    let p = s;
    while (p < end) {
      const ch = t.charCodeAt(p);
      if (ch === 44 || ch === 93 || ch === 125 || ch === 91 || ch === 123) break;
      if (ch === 58 /* : */ && (p + 1 === end || this.endsPlainInFlow(t.charCodeAt(p + 1)))) break;
      if (ch === 35 /* # */ && p > s && t.charCodeAt(p - 1) === 32) break;
      p++;
    }
    let e = p;
    while (e > s && t.charCodeAt(e - 1) === 32) e--;
    const after = t.charCodeAt(p);
    if (p < end && (after === 91 || after === 123)) giveUp();
    this.fp = p;
    return e;
  }
}
