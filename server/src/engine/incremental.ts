// A keystroke in an editor document -> the file's analysis again, re-reading only the YAML document
// (`---`-separated) the edit touched: the documents before it are kept as they were, those after it
// moved by the edit's length. The result equals analyzeText of the new text; whenever that is not
// certain (the edit reaches a `---` line, a policy object, a broken document...), reanalyze says so
// (undefined) and the caller reads the whole file.
import { FileAnalysis, ReviewOptions } from './analyze';
import { collectPolicyObjects, noPolicyObjects, PolicyObjects } from './constraints';
import { ExpansionTemplate, Review, reviewsOf, templatesKey } from './expansion';
import { K8sObject, objectsOf } from './objects';
import { FastDocumentReader } from '../yaml/fastYaml';
import { defaultParseLimits, LineIndex, ParsedDocument, ParsedFile, parseYaml, Span, YNode } from '../yaml/documents';

/**
 * One edit of a text, or several merged: the new text equals the old one before `start`, and from
 * `newEnd` on it equals the old text from `oldEnd` on.
 */
export interface TextChange {
  readonly start: number;
  readonly oldEnd: number;
  readonly newEnd: number;
}

/** Merges a change made after `first` (in the coordinates of the text `first` produced) into one change. */
export function mergeChanges(first: TextChange | undefined, next: TextChange): TextChange {
  if (!first) return next;
  const start = Math.min(first.start, next.start);
  // The end of what differs, in the text before `next`, then in the original text and the newest one.
  const end = Math.max(first.newEnd, next.oldEnd);
  const oldEnd = first.oldEnd + (end - first.newEnd);
  const newEnd = end + (next.newEnd - next.oldEnd);
  return { start, oldEnd, newEnd };
}

/** Line starts given as they are (see LineIndex): an edit's lines are found again, the others moved. */
class MovedLineIndex extends LineIndex {
  constructor(starts: Uint32Array) {
    super('');
    (this as unknown as { starts: Uint32Array }).starts = starts;
  }
}

function startsOf(lines: LineIndex): Uint32Array {
  return (lines as unknown as { starts: Uint32Array }).starts;
}

/** What the last whole-file check of a text learnt that an edit only has to check again in its own lines. */
interface TextFacts {
  /** `[` and `{` in the text: past the depth limit analyzeText walks the whole file (flowTooDeep). */
  readonly brackets: number;
}

const facts = new WeakMap<FileAnalysis, TextFacts>();

/**
 * Whether the analysis's file reads, document by document, as this module re-reads one: by the fast
 * reader, no line that makes parseYaml hand the whole stream to `yaml` (`%`, `...`), no CR, no errors
 * or warnings, no policy objects but Namespaces and admission params (their places move with an edit).
 */
function factsOf(a: FileAnalysis): TextFacts | undefined {
  const known = facts.get(a);
  if (known) return known;
  if (a.skipped !== undefined || a.parsed.errors.length > 0 || a.parsed.warnings) return undefined;
  const p = a.policy;
  if (p !== noPolicyObjects && p.constraints.length + p.templates.length + p.expansions.length + p.problems.length + p.others.length + p.admission.length > 0) return undefined;
  const t = a.text;
  if (t.includes('\r') || t.includes('\0') || t.includes('\u2028') || t.includes('\u2029')) return undefined;
  if (t.startsWith('%') || t.startsWith('...') || t.includes('\n%') || t.includes('\n...')) return undefined;
  const f = { brackets: count(t, '[', 0, t.length) + count(t, '{', 0, t.length) };
  facts.set(a, f);
  return f;
}

function count(t: string, c: string, from: number, to: number): number {
  let n = 0;
  for (let i = t.indexOf(c, from); i >= 0 && i < to; i = t.indexOf(c, i + 1)) n++;
  return n;
}

/** Whether a line of the region starts with one of the prefixes (the region starts at a line start). */
function lineStartsWith(region: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (region.startsWith(p) || region.includes('\n' + p)) return true;
  return false;
}

/** As parseFast's isMarker: `---` alone, or followed by a space or a tab. */
function isMarkerAt(text: string, p: number): boolean {
  if (!text.startsWith('---', p)) return false;
  const c = text.charCodeAt(p + 3);
  return p + 3 === text.length || c === 10 || c === 32 || c === 9;
}

function moveSpan(s: Span, d: number): Span {
  return { start: s.start + d, end: s.end + d };
}

/**
 * A copy of the nodes, every offset moved by d (as the YAML cache moves a document). Literal objects
 * of the nodes' own shapes, not spreads: every node after an edit is copied on every keystroke.
 */
function moveNode(n: YNode, d: number): YNode {
  switch (n.kind) {
    case 'scalar': {
      const span = { start: n.span.start + d, end: n.span.end + d };
      return n.anchor
        ? { kind: 'scalar', value: n.value, span, anchor: { start: n.anchor.start + d, end: n.anchor.end + d }, style: n.style }
        : { kind: 'scalar', value: n.value, span, style: n.style };
    }
    case 'seq': {
      const items: YNode[] = new Array(n.items.length);
      for (let i = 0; i < items.length; i++) items[i] = moveNode(n.items[i]!, d);
      return { kind: 'seq', items, span: { start: n.span.start + d, end: n.span.end + d } };
    }
    case 'map': {
      const entries = new Map<string, YNode>();
      const keySpans = new Map<string, Span>();
      for (const [k, v] of n.entries) entries.set(k, moveNode(v, d));
      for (const [k, v] of n.keySpans) keySpans.set(k, { start: v.start + d, end: v.end + d });
      return { kind: 'map', entries, keySpans, span: { start: n.span.start + d, end: n.span.end + d } };
    }
  }
}

/** An analysis made from the one before an edit; it answers as analyzeText's would. */
class EditedAnalysis implements FileAnalysis {
  private readonly memo = new Map<string, Review[]>();
  constructor(
    readonly file: string,
    readonly text: string,
    readonly parsed: ParsedFile,
    readonly objects: readonly K8sObject[],
    readonly policy: PolicyObjects,
    readonly lines: LineIndex,
  ) {}
  get skipped(): undefined {
    return undefined;
  }
  reviews(templates: readonly ExpansionTemplate[], options: ReviewOptions = {}): readonly Review[] {
    const withObjects = options.objects ?? false;
    const key = templatesKey(templates) + (withObjects ? '|objects' : '');
    let r = this.memo.get(key);
    if (!r) {
      // An object's reviews depend on it alone: those of the objects the edit left as they were are
      // the ones made before (the same reviews, which lets the check keep their violations too).
      r = [];
      for (const o of this.objects) {
        const hit = objectReviews.get(o);
        let made = hit?.key === key ? hit.reviews : undefined;
        if (!made) objectReviews.set(o, { key, reviews: (made = reviewsOf([o], templates, withObjects)) });
        for (const x of made) r.push(x);
      }
      this.memo.set(key, r);
    }
    return r;
  }
}

/** Per object of an edited document's analysis: its reviews under the templates last asked for. */
const objectReviews = new WeakMap<K8sObject, { key: string; reviews: Review[] }>();

/**
 * The analysis of `text`, made from `before` (the analysis of the text the change was made to) by
 * re-reading only the document the change falls in; undefined when the change may do more than
 * change that document (the caller then reads the whole text with analyzeText).
 */
export function reanalyze(before: FileAnalysis, text: string, change: TextChange): FileAnalysis | undefined {
  const known = factsOf(before);
  if (!known) return undefined;
  const old = before.text;
  const { start, oldEnd, newEnd } = change;
  const delta = newEnd - oldEnd;
  if (text.length - old.length !== delta || start < 0 || start > oldEnd || oldEnd > old.length || newEnd > text.length) return undefined;
  if (text.charCodeAt(0) === 0xfeff) return undefined;
  // The lines the change touched, whole: in the new text, and what they were.
  const lineStart = start === 0 ? 0 : text.lastIndexOf('\n', start - 1) + 1;
  const newLineEnd = text.indexOf('\n', newEnd) < 0 ? text.length : text.indexOf('\n', newEnd);
  const oldLineEnd = old.indexOf('\n', oldEnd) < 0 ? old.length : old.indexOf('\n', oldEnd);
  const now = text.slice(lineStart, newLineEnd);
  const was = old.slice(lineStart, oldLineEnd);
  // A document starts or ends, the stream goes to `yaml` whole, or analyzeText stops early.
  if (lineStartsWith(now, ['---', '...', '%']) || lineStartsWith(was, ['---'])) return undefined;
  if (/[\r\0\u2028\u2029]/.test(now) || now.includes('<<<<<<<') || now.includes('>>>>>>>')) return undefined;
  const removed = old.slice(start, oldEnd);
  const added = text.slice(start, newEnd);
  const brackets = known.brackets - count(removed, '[', 0, removed.length) - count(removed, '{', 0, removed.length) + count(added, '[', 0, added.length) + count(added, '{', 0, added.length);
  if (brackets > defaultParseLimits.maxDepth) return undefined;

  // The document around the change: from its `---` line (or the start) to the next one (or the end).
  let sliceStart = 0;
  for (let i = lineStart === 0 ? -1 : text.lastIndexOf('\n---', lineStart - 1); i >= 0; i = i === 0 ? -1 : text.lastIndexOf('\n---', i - 1)) {
    if (isMarkerAt(text, i + 1)) {
      sliceStart = i + 1;
      break;
    }
  }
  let sliceEnd = text.length;
  for (let i = text.indexOf('\n---', newLineEnd); i >= 0; i = text.indexOf('\n---', i + 1)) {
    if (isMarkerAt(text, i + 1)) {
      sliceEnd = i + 1;
      break;
    }
  }
  const docs = before.parsed.documents;
  const k = documentAt(docs, sliceStart);
  const target = k < 0 ? undefined : docs[k]!;
  if (!target || target.span.end !== sliceEnd - delta) return undefined;

  // The document read again: by the fast reader in place (as parseFast reads it), else alone, then moved.
  let edited: ParsedDocument | undefined;
  const root = readInPlace(text, sliceStart, sliceEnd);
  if (root !== undefined) edited = { index: target.index, span: { start: sliceStart, end: sliceEnd }, root };
  else {
    const part = parseYaml(text.slice(sliceStart, sliceEnd), defaultParseLimits);
    if (part.documents.length !== 1 || part.errors.length > 0 || part.warnings) return undefined;
    const read = part.documents[0]!;
    edited = { index: target.index, span: moveSpan(read.span, sliceStart), root: read.root && moveNode(read.root, sliceStart) };
  }
  const editedObjects = objectsOf(edited);
  // A policy object (or what may become an admission policy's params) changes more than this file's objects.
  const oldObjects = before.objects;
  let first = 0;
  while (first < oldObjects.length && oldObjects[first]!.documentIndex < target.index) first++;
  let after = first;
  while (after < oldObjects.length && oldObjects[after]!.documentIndex === target.index) after++;
  if (collectPolicyObjects(before.file, editedObjects, text) !== noPolicyObjects) return undefined;
  if (collectPolicyObjects(before.file, oldObjects.slice(first, after), old) !== noPolicyObjects) return undefined;

  const documents: ParsedDocument[] = docs.slice(0, k);
  documents.push(edited);
  const objects: K8sObject[] = oldObjects.slice(0, first);
  for (const o of editedObjects) objects.push(o);
  const movedObjects: K8sObject[] = [];
  if (delta === 0) {
    for (let j = k + 1; j < docs.length; j++) documents.push(docs[j]!);
    for (let j = after; j < oldObjects.length; j++) movedObjects.push(oldObjects[j]!);
  } else {
    for (let j = k + 1; j < docs.length; j++) {
      const d = docs[j]!;
      const moved: ParsedDocument = { index: d.index, span: moveSpan(d.span, delta), root: d.root && moveNode(d.root, delta) };
      documents.push(moved);
      for (const o of objectsOf(moved)) movedObjects.push(o);
    }
  }
  for (const o of movedObjects) objects.push(o);

  let policy = before.policy;
  if (policy !== noPolicyObjects && delta !== 0) {
    // Namespaces and params: those before the change as they were, those after it read again.
    const later = collectPolicyObjects(before.file, movedObjects, text);
    policy = {
      constraints: [],
      templates: [],
      expansions: [],
      namespaces: [...policy.namespaces.filter((n) => n.span.start < sliceStart), ...later.namespaces],
      problems: [],
      others: [],
      admission: [],
      paramCandidates: [...policy.paramCandidates.filter((p) => p.node.span.start < sliceStart), ...later.paramCandidates],
    };
  }

  const parsed: ParsedFile = { documents, errors: [] };
  const result = new EditedAnalysis(before.file, text, parsed, objects, policy, new MovedLineIndex(movedLines(startsOf(before.lines), text, start, oldEnd, newEnd)));
  facts.set(result, { brackets });
  return result;
}

/**
 * The document [sliceStart, sliceEnd) of the text read by the fast reader where it is, as parseFast
 * reads a document: undefined when parseFast would hand it to `yaml` (or make no document of it).
 */
function readInPlace(text: string, sliceStart: number, sliceEnd: number): YNode | undefined {
  // Int32Arrays, as parseFast gives the reader: its code stays optimised for them.
  let starts = lineArrays.starts;
  let ends = lineArrays.ends;
  let count = 0;
  for (let p = sliceStart; p < sliceEnd; ) {
    const nl = text.indexOf('\n', p);
    const e = nl < 0 ? text.length : nl;
    if (count === starts.length) {
      const more = { starts: new Int32Array(count * 2), ends: new Int32Array(count * 2) };
      more.starts.set(starts);
      more.ends.set(ends);
      lineArrays = more;
      ({ starts, ends } = more);
    }
    starts[count] = p;
    ends[count] = e;
    count++;
    if (nl < 0) break;
    p = nl + 1;
  }
  const marker = isMarkerAt(text, sliceStart);
  const from = marker ? 1 : 0;
  let hasContent = false;
  for (let k = from; k < count && !hasContent; k++) {
    let p = starts[k]!;
    const e = ends[k]!;
    while (p < e && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    hasContent = p < e && text.charCodeAt(p) !== 35; /* # */
  }
  if (marker) {
    const rest = text.slice(sliceStart + 3, ends[0]).trim();
    if (rest !== '' && rest[0] !== '#') return undefined;
    if (!hasContent) return { kind: 'scalar', value: null, span: { start: sliceStart + 3, end: sliceStart + 3 }, style: 'plain' };
  } else if (!hasContent) return undefined;
  const reader = new FastDocumentReader(text, defaultParseLimits.maxNodesPerDocument, undefined, defaultParseLimits.maxDepth);
  return reader.read(starts, ends, from, count, true) ?? undefined;
}

/** The line starts and ends readInPlace hands the reader, kept between keystrokes. */
let lineArrays = { starts: new Int32Array(1024), ends: new Int32Array(1024) };

/** The document that starts at offset `at`, by binary search; -1 if none does. */
function documentAt(docs: readonly ParsedDocument[], at: number): number {
  let lo = 0;
  let hi = docs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = docs[mid]!.span.start;
    if (s === at) return mid;
    if (s < at) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Line starts after the change: those up to its start kept, its own found, those after it moved. */
function movedLines(starts: Uint32Array, text: string, start: number, oldEnd: number, newEnd: number): Uint32Array {
  // Starts s <= start stay; starts with s - 1 in [start, oldEnd) went with the removed text.
  let keep = 0;
  let hi = starts.length;
  while (keep < hi) {
    const mid = (keep + hi) >> 1;
    if (starts[mid]! <= start) keep = mid + 1;
    else hi = mid;
  }
  let from = keep;
  while (from < starts.length && starts[from]! <= oldEnd) from++;
  const added: number[] = [];
  for (let i = text.indexOf('\n', start); i >= 0 && i < newEnd; i = text.indexOf('\n', i + 1)) added.push(i + 1);
  const out = new Uint32Array(keep + added.length + (starts.length - from));
  out.set(starts.subarray(0, keep), 0);
  for (let j = 0; j < added.length; j++) out[keep + j] = added[j]!;
  const delta = newEnd - oldEnd;
  let o = keep + added.length;
  for (let j = from; j < starts.length; j++) out[o++] = starts[j]! + delta;
  return out;
}
