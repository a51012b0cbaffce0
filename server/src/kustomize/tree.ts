// The values a build works on: plain, mutable YAML trees (kustomize edits objects in place) whose
// scalars remember where they were written and, for images, which lines decided each part.
import type { Scalar_, YNode } from '../yaml/nodes';
import type { SourceLocation } from '../sources/origin';

/** Where one piece of an image reference came from. */
export interface ImagePart {
  readonly from: SourceLocation;
  readonly verbatim: boolean;
  readonly what: string;
}

/**
 * How an image value was decided: the pieces (name, tag, digest) and the lines of kustomize's
 * squiggle rules (an `images` entry's newName, else the name line of the last entry that rewrote
 * the tag or digest, else the line that supplied the name).
 */
export interface ImageHistory {
  readonly name: ImagePart;
  readonly tags: readonly ImagePart[];
  readonly digest?: ImagePart;
  readonly newName?: SourceLocation;
  readonly rewrittenBy?: SourceLocation;
  readonly related: ReadonlyArray<{ readonly from: SourceLocation; readonly message: string }>;
}

/** Where a scalar's value came from. */
export interface Prov {
  readonly loc: SourceLocation;
  /** The value is the text at `loc` as written (so an edit there is an edit of the value). */
  readonly verbatim: boolean;
  readonly what: string;
  /** Parts of a value composed from several places (a prefixed name: prefix, then the name). */
  readonly parts?: ReadonlyArray<{ readonly start: number; readonly end: number; readonly from: SourceLocation; readonly verbatim: boolean; readonly what: string }>;
  readonly image?: ImageHistory;
}

export interface KScalar {
  readonly kind: 'scalar';
  value: Scalar_;
  /** The source text of a plain, one-line scalar: printed as written, so 1.0 stays 1.0. */
  text?: string;
  prov?: Prov;
}
export interface KMap {
  readonly kind: 'map';
  readonly entries: Map<string, KNode>;
}
export interface KSeq {
  readonly kind: 'seq';
  items: KNode[];
}
export type KNode = KScalar | KMap | KSeq;

export function kmap(entries?: Iterable<[string, KNode]>): KMap {
  return { kind: 'map', entries: new Map(entries) };
}
export function kseq(items: KNode[] = []): KSeq {
  return { kind: 'seq', items };
}
export function kstr(value: string, prov?: Prov): KScalar {
  return prov ? { kind: 'scalar', value, prov } : { kind: 'scalar', value };
}

/** A YAML node of `file` (whose text is `text`) as a tree whose scalars know their spans. */
export function fromYNode(node: YNode | null, file: string, text: string): KNode {
  if (node === null) return { kind: 'scalar', value: null };
  switch (node.kind) {
    case 'scalar': {
      const loc = { file, start: node.anchor?.start ?? node.span.start, end: node.anchor?.end ?? node.span.end };
      const s: KScalar = { kind: 'scalar', value: clipAtEnd(node.style, node.value, node.span.start, node.span.end, text), prov: { loc, verbatim: isVerbatim(node.style, node.value, text, loc), what: 'resource' } };
      if (node.style === 'plain' && !node.anchor) {
        const raw = text.slice(node.span.start, node.span.end);
        if (!raw.includes('\n') && !raw.startsWith('*')) s.text = raw;
      }
      return s;
    }
    case 'map': {
      const m = kmap();
      for (const [k, v] of node.entries) m.entries.set(k, fromYNode(v, file, text));
      return m;
    }
    case 'seq':
      return kseq(node.items.map((i) => fromYNode(i, file, text)));
  }
}

/**
 * A clipped block scalar (`|`, `>`) that ends the text without a final line break has no trailing
 * line break in Go's YAML; inline patches (`patch: |-`) end that way.
 */
function clipAtEnd(style: string, value: Scalar_, start: number, end: number, text: string): Scalar_ {
  if (style !== 'block' || typeof value !== 'string' || !value.endsWith('\n') || text.endsWith('\n')) return value;
  const header = /^[|>][1-9]?([+-]?)/.exec(text.slice(start, start + 3));
  if (!header || header[1] !== '') return value;
  if (end < text.trimEnd().length) return value;
  return value.slice(0, -1);
}

/** A scalar read as written: plain on one line, or quoted without escapes. */
function isVerbatim(style: string, value: Scalar_, text: string, loc: SourceLocation): boolean {
  const raw = text.slice(loc.start, loc.end);
  if (style === 'plain') return !raw.includes('\n') && raw === String(value);
  if (style === 'single' || style === 'double') return raw.slice(1, -1) === String(value);
  return false;
}

export function clone<T extends KNode>(n: T): T {
  switch (n.kind) {
    case 'scalar':
      return { ...n } as T;
    case 'map': {
      const m = kmap();
      for (const [k, v] of n.entries) m.entries.set(k, clone(v));
      return m as T;
    }
    case 'seq':
      return kseq(n.items.map(clone)) as T;
  }
}

export function isMap(n: KNode | undefined): n is KMap {
  return n?.kind === 'map';
}
export function isSeq(n: KNode | undefined): n is KSeq {
  return n?.kind === 'seq';
}
export function isScalar(n: KNode | undefined): n is KScalar {
  return n?.kind === 'scalar';
}

/** The node at a path of map keys, or undefined. */
export function get(n: KNode | undefined, ...keys: string[]): KNode | undefined {
  let cur = n;
  for (const k of keys) {
    if (!isMap(cur)) return undefined;
    cur = cur.entries.get(k);
  }
  return cur;
}

/** The string at a path (numbers and booleans as Go's yaml would read them into a string field). */
export function str(n: KNode | undefined, ...keys: string[]): string | undefined {
  const v = get(n, ...keys);
  if (!isScalar(v) || v.value === null) return undefined;
  return scalarString(v);
}

export function scalarString(s: KScalar): string {
  if (s.text !== undefined && typeof s.value !== 'string') return s.text;
  return s.value === null ? '' : String(s.value);
}

/** The map at a path, created (as kustomize's LookupCreate does) when missing or null. */
export function ensureMap(n: KMap, ...keys: string[]): KMap {
  let cur = n;
  for (const k of keys) {
    let next = cur.entries.get(k);
    if (!isMap(next)) {
      next = kmap();
      cur.entries.set(k, next);
    }
    cur = next;
  }
  return cur;
}

/** Plain JavaScript of a tree (for hashing and comparisons). */
export function toPlain(n: KNode): unknown {
  switch (n.kind) {
    case 'scalar':
      return typeof n.value === 'bigint' ? Number(n.value) : n.value;
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of n.entries) o[k] = toPlain(v);
      return o;
    }
    case 'seq':
      return n.items.map(toPlain);
  }
}

/** A tree of plain JavaScript, every scalar given `prov`. */
export function fromPlain(v: unknown, prov?: Prov): KNode {
  if (Array.isArray(v)) return kseq(v.map((x) => fromPlain(x, prov)));
  if (v !== null && typeof v === 'object') {
    const m = kmap();
    for (const [k, x] of Object.entries(v)) m.entries.set(k, fromPlain(x, prov));
    return m;
  }
  const value = v === undefined ? null : (v as Scalar_);
  return prov ? { kind: 'scalar', value, prov } : { kind: 'scalar', value };
}

/** Counts the nodes of a tree, stopping past `limit` (size bounds). */
export function sizeOf(n: KNode, limit: number): number {
  let count = 0;
  const stack: KNode[] = [n];
  while (stack.length > 0 && count <= limit) {
    const x = stack.pop()!;
    count++;
    if (x.kind === 'map') for (const v of x.entries.values()) stack.push(v);
    else if (x.kind === 'seq') for (const v of x.items) stack.push(v);
  }
  return count;
}

/**
 * Whether kustomize reads the scalar as a Go string when it fills a kustomization's typed fields:
 * it decodes kustomization files as YAML 1.1, where plain yes/no/on/off/y/n are booleans.
 */
export function isGoString(s: KScalar): boolean {
  if (typeof s.value !== 'string') return false;
  return s.text === undefined || !/^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/.test(s.text);
}
