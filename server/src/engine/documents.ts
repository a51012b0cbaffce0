// YAML text -> documents of plain nodes that remember where each value is written.
// Every later step (objects, constraints, policies, rewrites) reads these nodes, never the
// `yaml` package's own tree, so a faster scanner can produce the same nodes later.
import { Alias, Document, isAlias, isMap, isScalar, isSeq, Node as YamlNode, parseAllDocuments, Scalar } from 'yaml';

/** Offsets into the document text, end exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export type Scalar_ = string | number | bigint | boolean | null;

export interface ScalarNode {
  readonly kind: 'scalar';
  readonly value: Scalar_;
  /** Where the value is written here: the quote, the block indicator, or the `*alias`. */
  readonly span: Span;
  /** For a value reached through an alias: where the anchored value itself is written. */
  readonly anchor?: Span;
  /** How the scalar is written: plain, quoted, block. */
  readonly style: 'plain' | 'single' | 'double' | 'block';
}

export interface MapNode {
  readonly kind: 'map';
  readonly entries: ReadonlyMap<string, YNode>;
  readonly span: Span;
  /** Span of each key, for diagnostics that point at a field name. */
  readonly keySpans: ReadonlyMap<string, Span>;
}

export interface SeqNode {
  readonly kind: 'seq';
  readonly items: readonly YNode[];
  readonly span: Span;
}

export type YNode = ScalarNode | MapNode | SeqNode;

export interface ParsedDocument {
  /** Index of the document in its file, from 0. */
  readonly index: number;
  readonly span: Span;
  /** null for an empty document. */
  readonly root: YNode | null;
}

export interface DocumentError {
  readonly index: number;
  readonly offset: number;
  readonly message: string;
}

export interface ParsedFile {
  readonly documents: readonly ParsedDocument[];
  readonly errors: readonly DocumentError[];
}

export interface ParseLimits {
  /** Nodes one document may expand to through aliases and merge keys (alias bombs). */
  readonly maxNodesPerDocument: number;
  /** Nesting depth of collections. */
  readonly maxDepth: number;
}

export const defaultParseLimits: ParseLimits = { maxNodesPerDocument: 200_000, maxDepth: 1_000 };

class LimitExceeded extends Error {}

/** Parses every document of a YAML stream. A broken document is reported and the others are kept. */
export function parseYaml(text: string, limits: ParseLimits = defaultParseLimits): ParsedFile {
  const documents: ParsedDocument[] = [];
  const errors: DocumentError[] = [];
  let yamlDocs: Document.Parsed[];
  try {
    yamlDocs = parseAllDocuments(text, { intAsBigInt: true, prettyErrors: false, strict: false }) as Document.Parsed[];
  } catch (e) {
    return { documents, errors: [{ index: 0, offset: 0, message: clearParserMessage(messageOf(e)) }] };
  }
  if (!Array.isArray(yamlDocs)) yamlDocs = [yamlDocs as unknown as Document.Parsed];
  yamlDocs.forEach((doc, index) => {
    const span = { start: doc.range[0], end: doc.range[2] };
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      // An error at the end of the text (an unclosed bracket) is shown on the last line that has text.
      const offset = Math.max(0, Math.min(e.pos[0], text.trimEnd().length - 1));
      errors.push({ index, offset, message: clearParserMessage(firstLine(e.message)) });
      return;
    }
    try {
      const converter = new Converter(doc, limits);
      const root = doc.contents ? converter.convert(doc.contents as YamlNode, 0) : null;
      documents.push({ index, span, root });
    } catch (e) {
      if (e instanceof LimitExceeded) {
        errors.push({ index, offset: span.start, message: e.message });
      } else if (e instanceof RangeError) {
        errors.push({ index, offset: span.start, message: tooDeep });
      } else {
        throw e;
      }
    }
  });
  return { documents, errors };
}

class Converter {
  private nodes = 0;
  private readonly resolving = new Set<YamlNode>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly limits: ParseLimits,
  ) {}

  convert(node: YamlNode, depth: number, via?: Span): YNode {
    if (++this.nodes > this.limits.maxNodesPerDocument) {
      throw new LimitExceeded(
        `document expands to more than ${this.limits.maxNodesPerDocument} nodes (aliases or merge keys); not checked (limit maxNodesPerDocument)`,
      );
    }
    if (depth > this.limits.maxDepth) {
      throw new LimitExceeded(`document nested deeper than ${this.limits.maxDepth} levels; not checked (limit maxDepth)`);
    }
    if (isAlias(node)) return this.alias(node, depth, via);
    const span = via ?? spanOf(node);
    if (isScalar(node)) {
      const scalar: ScalarNode = {
        kind: 'scalar',
        value: scalarValue(node),
        span,
        style: styleOf(node),
        ...(via ? { anchor: spanOf(node) } : {}),
      };
      return scalar;
    }
    if (isSeq(node)) {
      const items: YNode[] = [];
      for (const item of node.items) items.push(this.convert(item as YamlNode, depth + 1));
      return { kind: 'seq', items, span };
    }
    if (isMap(node)) {
      const entries = new Map<string, YNode>();
      const keySpans = new Map<string, Span>();
      const merged: MapNode[] = [];
      for (const pair of node.items) {
        const keyNode = pair.key as YamlNode | null;
        const key = keyNode && isScalar(keyNode) ? keyString(keyNode.value) : undefined;
        if (key === undefined) continue; // complex keys never occur in Kubernetes objects
        const value = pair.value === null ? nullAt(keyNode) : this.convert(pair.value as YamlNode, depth + 1);
        if (key === '<<' && isScalar(keyNode) && keyNode.source === '<<' && keyNode.type === 'PLAIN') {
          collectMerge(value, merged);
          continue;
        }
        entries.set(key, value);
        keySpans.set(key, spanOf(keyNode!));
      }
      // Merge keys (YAML 1.1, as Kubernetes reads them): explicit keys win, then earlier sources.
      for (const source of merged) {
        for (const [k, v] of source.entries) {
          if (!entries.has(k)) {
            entries.set(k, v);
            const ks = source.keySpans.get(k);
            if (ks) keySpans.set(k, ks);
          }
        }
      }
      return { kind: 'map', entries, keySpans, span };
    }
    // A bare Pair or an unknown node type: treat as null where it stands.
    return { kind: 'scalar', value: null, span, style: 'plain' };
  }

  private alias(node: Alias, depth: number, via?: Span): YNode {
    const target = node.resolve(this.doc) as YamlNode | undefined;
    const here = via ?? spanOf(node);
    if (!target) throw new LimitExceeded(`unknown alias *${node.source}`);
    if (this.resolving.has(target)) throw new LimitExceeded(`alias *${node.source} refers to itself`);
    this.resolving.add(target);
    try {
      // The alias stands where it is written; scalars also remember their anchor.
      return this.convert(target, depth, isScalar(target) ? here : undefined);
    } finally {
      this.resolving.delete(target);
    }
  }
}

function collectMerge(value: YNode, into: MapNode[]): void {
  if (value.kind === 'map') into.push(value);
  else if (value.kind === 'seq') for (const item of value.items) if (item.kind === 'map') into.push(item);
}

function nullAt(keyNode: YamlNode | null): ScalarNode {
  const end = keyNode?.range ? keyNode.range[1] : 0;
  return { kind: 'scalar', value: null, span: { start: end, end }, style: 'plain' };
}

function spanOf(node: YamlNode): Span {
  const r = node.range;
  return r ? { start: r[0], end: r[1] } : { start: 0, end: 0 };
}

function scalarValue(node: Scalar): Scalar_ {
  const v = node.value;
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return v;
    default:
      return String(v);
  }
}

function styleOf(node: Scalar): ScalarNode['style'] {
  switch (node.type) {
    case 'QUOTE_SINGLE':
      return 'single';
    case 'QUOTE_DOUBLE':
      return 'double';
    case 'BLOCK_FOLDED':
    case 'BLOCK_LITERAL':
      return 'block';
    default:
      return 'plain';
  }
}

/** Map keys as JSON sees them after Kubernetes' YAML-to-JSON conversion. */
function keyString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  return String(v);
}

const tooDeep = 'document nested too deeply to read (limit maxDepth)';

function clearParserMessage(m: string): string {
  return /call stack/i.test(m) ? tooDeep : m;
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  const line = (i < 0 ? s : s.slice(0, i)).trim();
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Looks up a path of map keys. */
export function getPath(node: YNode | null | undefined, ...keys: string[]): YNode | undefined {
  let cur: YNode | null | undefined = node;
  for (const k of keys) {
    if (!cur || cur.kind !== 'map') return undefined;
    cur = cur.entries.get(k);
  }
  return cur ?? undefined;
}

export function stringAt(node: YNode | null | undefined, ...keys: string[]): string | undefined {
  const n = getPath(node, ...keys);
  return n && n.kind === 'scalar' && typeof n.value === 'string' ? n.value : undefined;
}

/** The plain JSON-like value of a node, as the admission request would carry it. */
export function toJS(node: YNode | null | undefined): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toJS);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) out[k] = toJS(v);
      return out;
    }
  }
}

/** Converts offsets to 0-based line and UTF-16 column, as LSP and SARIF count them. */
export class LineIndex {
  private readonly starts: number[];
  constructor(text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }
  position(offset: number): { line: number; character: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo]! };
  }
  offset(line: number, character: number): number {
    const start = this.starts[Math.max(0, Math.min(line, this.starts.length - 1))]!;
    return start + Math.max(0, character);
  }
  get lineCount(): number {
    return this.starts.length;
  }
}
