// YAML text -> documents of plain nodes that remember where each value is written.
// Every later step (objects, constraints, policies, rewrites) reads these nodes, never the
// `yaml` package's own tree, so a faster scanner can produce the same nodes later.
import { FastDocumentReader, Skim } from './fastYaml';
import { QuotedFix, repairQuoted } from './quotedRepair';
import type * as Yaml from 'yaml';
import type { Alias, Document, Node as YamlNode, Scalar } from 'yaml';

let yamlModule: typeof Yaml | undefined;
/**
 * The `yaml` package, loaded when a document first needs it: most streams are read by the fast
 * reader alone, and loading the package is a few milliseconds of every cold check.
 */
function yamlLib(): typeof Yaml {
  return (yamlModule ??= require('yaml') as typeof Yaml);
}

import type { MapNode, Scalar_, ScalarNode, Span, YNode } from './nodes';
export type { MapNode, Scalar_, ScalarNode, SeqNode, Span, YNode } from './nodes';

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

/** Something read, but not as written: a mapping that repeats a key (the last value is read). */
export interface DocumentWarning {
  readonly index: number;
  /** Where the warning goes: the repeated key. */
  readonly offset: number;
  readonly span: Span;
  readonly message: string;
  /** The earlier key the warning refers to. */
  readonly related?: Span;
}

export interface ParsedFile {
  readonly documents: readonly ParsedDocument[];
  readonly errors: readonly DocumentError[];
  /** Left out when there are none (most files). */
  readonly warnings?: readonly DocumentWarning[];
}

export interface ParseLimits {
  /** Nodes one document may expand to through aliases and merge keys (alias bombs). */
  readonly maxNodesPerDocument: number;
  /** Nesting depth of collections. */
  readonly maxDepth: number;
}

export const defaultParseLimits: ParseLimits = { maxNodesPerDocument: 200_000, maxDepth: 1_000 };

class LimitExceeded extends Error {}

/**
 * Parses every document of a YAML stream. A broken document is reported and the others are kept.
 * Documents in the plain subset of YAML that manifests use are read by the fast reader; the rest,
 * and every document it is unsure of, by the `yaml` package. Both give the same nodes.
 */
export function parseYaml(text: string, limits: ParseLimits = defaultParseLimits, options: { fast?: boolean; cache?: YamlCache; skim?: Skim } = {}): ParsedFile {
  if (options.fast !== false) {
    const fast = parseFast(text, limits, options.cache, options.skim);
    if (fast) return fast;
  }
  options.cache?.entries.clear();
  return parseWithLibrary(text, limits, 0, 0, contentEndOf(text));
}

// Kubernetes (sigs.k8s.io/yaml, as kubectl and Gatekeeper read files) lets a mapping repeat a key and
// keeps the last value; so does this reader, with a warning at the repeated key (see Converter).
const yamlOptions = { intAsBigInt: true, prettyErrors: false, strict: false, uniqueKeys: false } as const;

function parseWithLibrary(text: string, limits: ParseLimits, base: number, indexBase: number, contentEnd: number): ParsedFile {
  const documents: ParsedDocument[] = [];
  const errors: DocumentError[] = [];
  const warnings: DocumentWarning[] = [];
  let yamlDocs: Document.Parsed[];
  const fixes: QuotedFix[] = [];
  const { parseAllDocuments } = yamlLib();
  try {
    yamlDocs = parseAllDocuments(text, yamlOptions) as Document.Parsed[];
    if (!Array.isArray(yamlDocs)) yamlDocs = [yamlDocs as unknown as Document.Parsed];
    // Quoted scalars Go reads and `yaml` refuses (lines indented no deeper than their key): repaired
    // in a same-length copy, a few at most.
    for (let tries = 0; tries < 20; tries++) {
      const err = yamlDocs.flatMap((d) => d.errors).find((e) => e.code === 'MISSING_CHAR' && /quote/.test(e.message));
      if (!err) break;
      const repaired = repairQuoted(text, err.pos[0]);
      if (!repaired) break;
      const again = parseAllDocuments(repaired.text, yamlOptions) as Document.Parsed[];
      if (!Array.isArray(again)) break;
      text = repaired.text;
      yamlDocs = again;
      fixes.push(repaired.fix);
    }
  } catch (e) {
    return { documents, errors: [{ index: indexBase, offset: base, message: clearParserMessage(messageOf(e)) }] };
  }
  yamlDocs.forEach((doc, i) => {
    const index = indexBase + i;
    const span = { start: base + doc.range[0], end: base + doc.range[2] };
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      // An error at the end of the text (an unclosed bracket) is shown on the last line that has text.
      const offset = Math.max(0, Math.min(base + e.pos[0], contentEnd - 1));
      errors.push({ index, offset, message: clearParserMessage(firstLine(e.message)) });
      return;
    }
    try {
      const converter = new Converter(doc, limits, base);
      const root = doc.contents ? converter.convert(doc.contents as YamlNode, 0) : null;
      for (const fix of fixes) setQuotedValue(root, base + fix.start, fix.value);
      documents.push({ index, span, root });
      for (const d of converter.duplicates) warnings.push({ index, offset: d.key.start, span: d.key, related: d.first, message: duplicateKeyMessage(d.name) });
      if (converter.moreDuplicates > 0) {
        const last = converter.duplicates[converter.duplicates.length - 1]!;
        warnings.push({ index, offset: last.key.start, span: last.key, message: `and ${converter.moreDuplicates} more repeated keys in this document, not listed (limit ${maxDuplicateWarnings} per document)` });
      }
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
  return warnings.length > 0 ? { documents, errors, warnings } : { documents, errors };
}

/** Warnings for repeated keys listed per document: a file of 100,000 `a: 1` lines is one mistake. */
const maxDuplicateWarnings = 100;

function duplicateKeyMessage(key: string): string {
  return `the mapping repeats the key ${JSON.stringify(key)}: its last value is read, as kubectl and Gatekeeper read it, and the earlier one is ignored`;
}

/** Gives the quoted scalar written at `start` the value Go reads (see quotedRepair). */
function setQuotedValue(node: YNode | null, start: number, value: string): void {
  if (node === null) return;
  if (node.kind === 'scalar') {
    if (node.span.start === start && (node.style === 'double' || node.style === 'single')) (node as { value: Scalar_ }).value = value;
    return;
  }
  if (node.span.start > start || node.span.end <= start) return;
  if (node.kind === 'map') for (const v of node.entries.values()) setQuotedValue(v, start, value);
  else for (const v of node.items) setQuotedValue(v, start, value);
}

/** Whether the line [start, end) starts with a `---` marker: `---` then a space, a tab or the line's end. */
function isMarker(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(start) !== 45 || text.charCodeAt(start + 1) !== 45 || text.charCodeAt(start + 2) !== 45 || start + 3 > end) return false;
  const c = text.charCodeAt(start + 3);
  return start + 3 === end || c === 32 || c === 9;
}

/**
 * `%` or `...` after U+2028 or U+2029 (the line loop in parseFast finds them after a line feed). yaml
 * does not break lines there, but these texts were always handed to it.
 */
function lineSeparatorDirective(text: string): boolean {
  return (text.includes('\u2028') || text.includes('\u2029')) && /^(?:%|\.\.\.)/m.test(text);
}

/**
 * Line starts and ends of the text parseFast reads, shared by all calls (parsing never interleaves):
 * arrays per file, grown line by line, were a noticeable share of a cold check's parse.
 */
const sharedLines: { starts: Int32Array; ends: Int32Array } = { starts: new Int32Array(4096), ends: new Int32Array(4096) };

/** Twice the room, keeping the lines so far; shared unless it grows past 64k lines. */
function moreLines(starts: Int32Array, ends: Int32Array): typeof sharedLines {
  const bigger = { starts: new Int32Array(starts.length * 2), ends: new Int32Array(ends.length * 2) };
  bigger.starts.set(starts);
  bigger.ends.set(ends);
  if (bigger.starts.length <= 65536) {
    sharedLines.starts = bigger.starts;
    sharedLines.ends = bigger.ends;
  }
  return bigger;
}

/**
 * The text parseFast last split into lines whole, and its line starts (in `splitStarts` until the
 * next call): a LineIndex of that text, asked for right after the parse (a checked file's report),
 * copies them instead of finding every line break again.
 */
let splitText: string | undefined;
let splitStarts: Int32Array = sharedLines.starts;
let splitLines = 0;

/**
 * The fast path: splits the stream at `---` lines and reads each document with the fast reader,
 * handing the ones it gives up on to `yaml`. Undefined for streams it leaves wholly to `yaml`
 * (CR line ends, directives, `...` markers).
 */
function parseFast(text: string, limits: ParseLimits, cache: YamlCache | undefined, skim: Skim | undefined): ParsedFile | undefined {
  splitText = undefined;
  if (text.includes('\r') || lineSeparatorDirective(text)) return undefined;
  let starts = sharedLines.starts;
  let ends = sharedLines.ends;
  let lines = 0;
  // Segments: [marker line or -1, first content line, end line).
  const segments: Array<{ marker: number; from: number; to: number }> = [];
  let current = { marker: -1, from: 0, to: 0 };
  for (let p = 0; p <= text.length; ) {
    // A line that starts with `%` (a directive) or `...` (a document end): yaml reads the file.
    const c = text.charCodeAt(p);
    if (c === 37 /* % */ || (c === 46 /* . */ && text.startsWith('...', p))) return undefined;
    const nl = text.indexOf('\n', p);
    const e = nl < 0 ? text.length : nl;
    if (!(nl < 0 && p === text.length && p > 0)) {
      if (lines === starts.length) ({ starts, ends } = moreLines(starts, ends));
      if (c === 45 /* - */ && isMarker(text, p, e)) {
        current.to = lines;
        segments.push(current);
        current = { marker: lines, from: lines + 1, to: 0 };
      }
      starts[lines] = p;
      ends[lines] = e;
      lines++;
    }
    if (nl < 0) break;
    p = nl + 1;
  }
  current.to = lines;
  segments.push(current);
  splitText = text;
  splitStarts = starts;
  splitLines = lines;

  const reader = new FastDocumentReader(text, limits.maxNodesPerDocument, skim, limits.maxDepth);
  if (cache && cache.skim !== skim) {
    cache.entries.clear();
    cache.skim = skim;
  }
  const next = cache ? new Map<string, { start: number; root: YNode }>() : undefined;
  const documents: ParsedDocument[] = [];
  const errors: DocumentError[] = [];
  const warnings: DocumentWarning[] = [];
  const contentEnd = contentEndOf(text);
  let index = 0;
  for (let g = 0; g < segments.length; g++) {
    const seg = segments[g]!;
    let hasContent = false;
    for (let k = seg.from; k < seg.to && !hasContent; k++) {
      let p = starts[k]!;
      const e = ends[k]!;
      while (p < e && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
      hasContent = p < e && text.charCodeAt(p) !== 35; /* # */
    }
    if (seg.marker < 0 && !hasContent) continue; // comments before the first `---` make no document
    const markerRest = seg.marker >= 0 ? text.slice(starts[seg.marker]! + 3, ends[seg.marker]!).trim() : '';
    const sliceStart = seg.marker >= 0 ? starts[seg.marker]! : 0;
    const sliceEnd = seg.to < lines ? starts[seg.to]! : text.length;
    let root: YNode | null | undefined;
    const key = cache ? text.slice(sliceStart, sliceEnd) : '';
    const hit = cache?.entries.get(key);
    if (hit) {
      // The same document text as on the last keystroke: its nodes, moved to where it now starts.
      root = hit.start === sliceStart ? hit.root : shiftNode(hit.root, sliceStart - hit.start);
      next?.set(key, { start: sliceStart, root });
      documents.push({ index, span: { start: sliceStart, end: sliceEnd }, root });
      index++;
      continue;
    }
    if (markerRest !== '' && markerRest[0] !== '#') root = undefined;
    else if (!hasContent) {
      const at = starts[seg.marker]! + 3;
      root = { kind: 'scalar', value: null, span: { start: at, end: at }, style: 'plain' };
    } else {
      // A skimming read keeps only what the checks read of objects; a policy object (known by its
      // apiVersion and kind, which every read keeps exactly) is read again, whole.
      root = reader.read(starts, ends, seg.from, seg.to, !skim);
      if (skim && root && mayBePolicyObject(root)) root = reader.read(starts, ends, seg.from, seg.to, true);
    }
    if (root !== undefined && root !== null) {
      next?.set(key, { start: sliceStart, root });
      documents.push({ index, span: { start: sliceStart, end: sliceEnd }, root });
      index++;
      continue;
    }
    // Hand this document to yaml, as a stream of its own.
    const part = parseWithLibrary(text.slice(sliceStart, sliceEnd), limits, sliceStart, index, contentEnd);
    const count = new Set([...part.documents.map((d) => d.index), ...part.errors.map((e) => e.index)]).size;
    // A broken document can swallow the `---` after it (an unclosed quote): then only the whole
    // stream read by yaml says where documents end. Errors are rare; read it all with yaml, unless
    // this document is the whole stream: yaml has just read it exactly so (broken files are read once).
    if (count !== 1 || part.errors.length > 0) {
      if (sliceStart !== 0 || sliceEnd !== text.length || index !== 0 || documents.length > 0 || errors.length > 0) return undefined;
      cache?.entries.clear();
      return part;
    }
    // A document with warnings is read again on the next keystroke: the cache keeps nodes only.
    if (part.documents[0]?.root && !part.warnings) next?.set(key, { start: sliceStart, root: part.documents[0].root });
    documents.push(...part.documents);
    errors.push(...part.errors);
    if (part.warnings) warnings.push(...part.warnings);
    index++;
  }
  if (cache && next) cache.entries = next;
  return warnings.length > 0 ? { documents, errors, warnings } : { documents, errors };
}

/**
 * Whether a document's root may be one of the objects constraints.isPolicyObject takes (constraints,
 * templates, ExpansionTemplates, Namespaces), which are read whole. The items of a List are kept whole
 * by every skim.
 */
function mayBePolicyObject(root: YNode): boolean {
  if (root.kind !== 'map') return false;
  const apiVersion = root.entries.get('apiVersion');
  const kind = root.entries.get('kind');
  const av = apiVersion?.kind === 'scalar' && typeof apiVersion.value === 'string' ? apiVersion.value : '';
  const k = kind?.kind === 'scalar' ? kind.value : undefined;
  // Policy objects, and what admission policies read as params (ConfigMaps, custom resources).
  return av.includes('gatekeeper.sh') || av.includes('admissionregistration.k8s.io') || av.includes('policies.kyverno.io') || k === 'Namespace' || k === 'ConfigMap' || isCustomGroup(av);
}

/** Built-in API groups (and the core group): objects of any other group are custom resources. */
export const builtInApiGroups: ReadonlySet<string> = new Set(['', 'apps', 'batch', 'extensions', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io', 'storage.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'certificates.k8s.io', 'apiregistration.k8s.io', 'events.k8s.io', 'flowcontrol.apiserver.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'resource.k8s.io']);

function isCustomGroup(apiVersion: string): boolean {
  const slash = apiVersion.lastIndexOf('/');
  return slash > 0 && !builtInApiGroups.has(apiVersion.slice(0, slash));
}

/** The end of the text without its trailing white space (no copy). */
function contentEndOf(text: string): number {
  let e = text.length;
  while (e > 0 && /\s/.test(text[e - 1]!)) e--;
  return e;
}

/**
 * What an editor document's last parse learnt, per document text: a keystroke re-reads only the
 * document it changed, and the others are re-used (moved when text before them grew or shrank).
 */
export class YamlCache {
  entries = new Map<string, { start: number; root: YNode }>();
  /** What the cached nodes were read for: another skim reads everything anew. */
  skim: Skim | undefined;
}

function shiftSpan(s: Span, d: number): Span {
  return { start: s.start + d, end: s.end + d };
}

function shiftNode(n: YNode, d: number): YNode {
  switch (n.kind) {
    case 'scalar':
      return { ...n, span: shiftSpan(n.span, d), ...(n.anchor ? { anchor: shiftSpan(n.anchor, d) } : {}) };
    case 'seq':
      return { kind: 'seq', items: n.items.map((i) => shiftNode(i, d)), span: shiftSpan(n.span, d) };
    case 'map': {
      const entries = new Map<string, YNode>();
      const keySpans = new Map<string, Span>();
      for (const [k, v] of n.entries) entries.set(k, shiftNode(v, d));
      for (const [k, v] of n.keySpans) keySpans.set(k, shiftSpan(v, d));
      return { kind: 'map', entries, keySpans, span: shiftSpan(n.span, d) };
    }
  }
}

class Converter {
  private nodes = 0;
  /** Keys a mapping repeats, in the order met, once each (an anchored mapping is converted again per alias). */
  readonly duplicates: Array<{ name: string; key: Span; first: Span }> = [];
  private readonly duplicateAt = new Set<number>();
  /** Repeated keys past maxDuplicateWarnings: counted, not listed. */
  moreDuplicates = 0;
  private readonly resolving = new Set<YamlNode>();
  private readonly lib = yamlLib();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly limits: ParseLimits,
    private readonly base: number,
  ) {}

  private spanOf(node: YamlNode): Span {
    const r = node.range;
    return r ? { start: this.base + r[0], end: this.base + r[1] } : { start: this.base, end: this.base };
  }

  convert(node: YamlNode, depth: number, via?: Span): YNode {
    if (++this.nodes > this.limits.maxNodesPerDocument) {
      throw new LimitExceeded(
        `document expands to more than ${this.limits.maxNodesPerDocument} nodes (aliases or merge keys); not checked (limit maxNodesPerDocument)`,
      );
    }
    if (depth > this.limits.maxDepth) {
      throw new LimitExceeded(`document nested deeper than ${this.limits.maxDepth} levels; not checked (limit maxDepth)`);
    }
    if (this.lib.isAlias(node)) return this.alias(node, depth, via);
    const span = via ?? this.spanOf(node);
    if (this.lib.isScalar(node)) {
      const scalar: ScalarNode = {
        kind: 'scalar',
        value: scalarValue(node),
        span,
        style: styleOf(node),
        ...(via ? { anchor: this.spanOf(node) } : {}),
      };
      return scalar;
    }
    if (this.lib.isSeq(node)) {
      const items: YNode[] = [];
      for (const item of node.items) items.push(this.convert(item as YamlNode, depth + 1));
      return { kind: 'seq', items, span };
    }
    if (this.lib.isMap(node)) {
      const entries = new Map<string, YNode>();
      const keySpans = new Map<string, Span>();
      const merged: MapNode[] = [];
      for (const pair of node.items) {
        const keyNode = pair.key as YamlNode | null;
        const key = keyNode && this.lib.isScalar(keyNode) ? keyString(keyNode.value) : undefined;
        if (key === undefined) continue; // complex keys never occur in Kubernetes objects
        const value = pair.value === null ? nullAt(keyNode, this.base) : this.convert(pair.value as YamlNode, depth + 1);
        if (key === '<<' && this.lib.isScalar(keyNode) && keyNode.source === '<<' && keyNode.type === 'PLAIN') {
          collectMerge(value, merged);
          continue;
        }
        const keySpan = this.spanOf(keyNode!);
        const first = keySpans.get(key);
        // Kubernetes keeps the last value; the key is then pointed at where that value is written.
        if (first && !this.duplicateAt.has(keySpan.start)) {
          this.duplicateAt.add(keySpan.start);
          if (this.duplicates.length < maxDuplicateWarnings) this.duplicates.push({ name: key, key: keySpan, first });
          else this.moreDuplicates++;
        }
        entries.set(key, value);
        keySpans.set(key, keySpan);
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

  /** Alias -> anchored node, found in one walk (yaml's own resolve walks the document each time). */
  private targets: Map<Alias, YamlNode> | undefined;
  /** Converted collections reached through aliases, shared, with the node count they stand for. */
  private readonly shared = new Map<YamlNode, { node: YNode; size: number }>();

  private targetOf(alias: Alias): YamlNode | undefined {
    if (!this.targets) {
      const targets = new Map<Alias, YamlNode>();
      const anchors = new Map<string, YamlNode>();
      this.lib.visit(this.doc, {
        Node: (_key, n) => {
          if (this.lib.isAlias(n)) {
            const t = anchors.get(n.source);
            if (t) targets.set(n, t);
          } else if ((n as { anchor?: string }).anchor) anchors.set((n as { anchor: string }).anchor, n as YamlNode);
        },
      });
      this.targets = targets;
    }
    return this.targets.get(alias);
  }

  private alias(node: Alias, depth: number, via?: Span): YNode {
    const target = this.targetOf(node);
    const here = via ?? this.spanOf(node);
    if (!target) throw new LimitExceeded(`unknown alias *${node.source}`);
    if (this.resolving.has(target)) throw new LimitExceeded(`alias *${node.source} refers to itself`);
    // The alias stands where it is written; scalars also remember their anchor.
    if (this.lib.isScalar(target)) return this.convert(target, depth, here);
    const memo = this.shared.get(target);
    if (memo) {
      // Shared, but counted as the copies it stands for: alias bombs still hit the limit.
      this.nodes += memo.size;
      if (this.nodes > this.limits.maxNodesPerDocument) this.convert(target, depth); // throws the limit's message
      return memo.node;
    }
    this.resolving.add(target);
    try {
      const before = this.nodes;
      const out = this.convert(target, depth);
      this.shared.set(target, { node: out, size: this.nodes - before });
      return out;
    } finally {
      this.resolving.delete(target);
    }
  }
}

function collectMerge(value: YNode, into: MapNode[]): void {
  if (value.kind === 'map') into.push(value);
  else if (value.kind === 'seq') for (const item of value.items) if (item.kind === 'map') into.push(item);
}

function nullAt(keyNode: YamlNode | null, base: number): ScalarNode {
  const end = base + (keyNode?.range ? keyNode.range[1] : 0);
  return { kind: 'scalar', value: null, span: { start: end, end }, style: 'plain' };
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
  return pathIn(node, keys);
}

/** getPath with the keys as an array. An indexed loop: these run for every object, often before they are optimised. */
function pathIn(node: YNode | null | undefined, keys: readonly string[]): YNode | undefined {
  let cur: YNode | null | undefined = node;
  for (let i = 0; i < keys.length; i++) {
    if (!cur || cur.kind !== 'map') return undefined;
    cur = cur.entries.get(keys[i]!);
  }
  return cur ?? undefined;
}

export function stringAt(node: YNode | null | undefined, ...keys: string[]): string | undefined {
  const n = pathIn(node, keys);
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

/**
 * The line starts of the text parseFast split last, as LineIndex counts them: parseFast leaves out the
 * empty line after a final line feed, LineIndex does not.
 */
function lineStartsOfSplit(text: string): Uint32Array {
  const extra = text.length > 0 && text.charCodeAt(text.length - 1) === 10 /* \n */ ? 1 : 0;
  const starts = new Uint32Array(splitLines + extra);
  starts.set(splitStarts.subarray(0, splitLines));
  if (extra) starts[splitLines] = text.length;
  return starts;
}

/** Converts offsets to 0-based line and UTF-16 column, as LSP and SARIF count them. */
export class LineIndex {
  private readonly starts: Uint32Array;
  constructor(text: string) {
    const starts = [0];
    if (text === splitText) {
      this.starts = lineStartsOfSplit(text);
      return;
    }
    if (!text.includes('\r')) {
      // indexOf finds line breaks many times faster than a loop over every character.
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    } else {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10) starts.push(i + 1);
        else if (c === 13) {
          if (text.charCodeAt(i + 1) === 10) i++;
          starts.push(i + 1);
        }
      }
    }
    // Kept for every closed file with something to show: 4 bytes a line.
    this.starts = Uint32Array.from(starts);
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
