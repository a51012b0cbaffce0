// What the Rego evaluation of a review needs, and what it gives: the admission review Gatekeeper
// builds (input.review), data.inventory from the workspace's objects, and where a message points.
import type { CheckOptions } from './check';
import type { RegoConstraint } from './constraints';
import { getPath, MapNode, Span, stringAt, YNode } from '../yaml/documents';
import type { Review } from './expansion';
import { containerFields } from './policies';
import { dataDocument, evaluateRego, EvalLimits, fromJS, RegoResult } from '../rego';
import { RObject, Value } from '../rego/value';

/** Keys of the reviewed object with where they are written: enough to point a message at a field. */
export interface FieldIndex {
  readonly keys: readonly string[];
  /** Per key: its start and end, then its value's start and end. */
  readonly spans: Int32Array;
  readonly containers: ReadonlyArray<{ readonly name: string; readonly start: number; readonly end: number; readonly nameSpan: Span; readonly image?: string; readonly imageSpan?: Span }>;
  readonly nameSpan: Span | undefined;
}

export interface RegoSubject {
  /** input.review without the namespace the context gives (added at evaluation). */
  readonly review: RObject;
  /** The object reviewed (review.object), for the inventory. */
  readonly object: RObject | undefined;
  /** An AdmissionReview's request: reviewed as it is. */
  readonly admission: boolean;
  readonly fields: FieldIndex;
}

/**
 * A YAML value as a Rego value (as JSON would carry it: integers as numbers). Its strings are copies:
 * V8 keeps a substring as a window on its whole source text, and a file's objects outlive its text
 * (data.inventory, the analyses kept for closed files).
 */
export function toValue(node: YNode | null | undefined): Value {
  if (!node) return null;
  switch (node.kind) {
    case 'scalar': {
      const v = node.value;
      return typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? ownString(v) : (v as Value);
    }
    case 'seq':
      return node.items.map(toValue);
    case 'map': {
      const out = new RObject();
      for (const [k, v] of node.entries) out.set(ownString(k), toValue(v));
      return out;
    }
  }
}

/** A string that does not keep its source text alive (V8 slices strings of 13 characters or more). */
export function ownString(s: string): string {
  return s.length > 12 ? (' ' + s).slice(1) : s;
}

const maxIndexedKeys = 4000;

export function fieldIndex(node: MapNode): FieldIndex {
  const keys: string[] = [];
  const spans: number[] = [];
  const walk = (n: YNode, depth: number): void => {
    if (keys.length >= maxIndexedKeys || depth > 40) return;
    if (n.kind === 'map') {
      for (const [k, v] of n.entries) {
        const ks = n.keySpans.get(k);
        if (ks) {
          keys.push(k);
          spans.push(ks.start, ks.end, v.span.start, v.span.end);
        }
        walk(v, depth + 1);
      }
    } else if (n.kind === 'seq') {
      for (const v of n.items) walk(v, depth + 1);
    }
  };
  walk(node, 0);
  const containers: Array<{ name: string; start: number; end: number; nameSpan: Span; image?: string; imageSpan?: Span }> = [];
  for (const field of containerFields) {
    const list = getPath(node, 'spec', field);
    const items = list?.kind === 'seq' ? list.items : list?.kind === 'map' ? [...list.entries.values()] : [];
    for (const c of items) {
      const nameNode = c.kind === 'map' ? c.entries.get('name') : undefined;
      const imageNode = c.kind === 'map' ? c.entries.get('image') : undefined;
      const image = imageNode?.kind === 'scalar' && typeof imageNode.value === 'string' && imageNode.value.length >= 3 ? { image: imageNode.value, imageSpan: imageNode.span } : {};
      if (nameNode?.kind === 'scalar' && typeof nameNode.value === 'string' && nameNode.value !== '') {
        containers.push({ name: nameNode.value, start: c.span.start, end: c.span.end, nameSpan: nameNode.span, ...image });
      } else if (image.image) {
        containers.push({ name: '', start: c.span.start, end: c.span.end, nameSpan: image.imageSpan!, ...image });
      }
    }
  }
  return { keys, spans: Int32Array.from(spans), containers, nameSpan: getPath(node, 'metadata', 'name')?.span };
}

/**
 * The subject of a review, kept per syntax node: while typing, the documents an edit did not touch keep
 * their nodes, hence their subjects (and the outcomes evaluated on them).
 */
export function cachedSubject(r: Pick<Review, 'gvk' | 'name' | 'namespace'>, node: MapNode, object: () => RObject): RegoSubject {
  const key = `${r.gvk.group}/${r.gvk.version}/${r.gvk.kind}\0${r.name}\0${r.namespace ?? '\0'}`;
  const hit = subjects.get(node);
  if (hit && hit.key === key) return hit.subject;
  const subject = subjectOf(r, node, object());
  subjects.set(node, { key, subject });
  return subject;
}

const subjects = new WeakMap<MapNode, { key: string; subject: RegoSubject }>();

/** The review Gatekeeper builds from an object (an AdmissionRequest, as a Rego value). */
function subjectOf(r: Pick<Review, 'gvk' | 'name' | 'namespace'>, node: MapNode, object: RObject): RegoSubject {
  const review = RObject.fromEntries(reviewDefaults);
  review.set('kind', RObject.fromEntries([['group', ownString(r.gvk.group)], ['version', ownString(r.gvk.version)], ['kind', ownString(r.gvk.kind)]]));
  review.set('operation', 'CREATE');
  review.set('object', object);
  if (r.name) review.set('name', ownString(r.name));
  if (r.namespace !== undefined) review.set('namespace', ownString(r.namespace));
  return { review, object, admission: false, fields: fieldIndex(node) };
}

/** What every AdmissionRequest has (empty as gator leaves it), before the request's own fields. */
const reviewDefaults: ReadonlyArray<readonly [string, Value]> = [
  ['uid', ''],
  ['resource', RObject.fromEntries([['group', ''], ['version', ''], ['resource', '']])],
  ['userInfo', new RObject()],
  ['oldObject', null],
  ['options', null],
];

/** An AdmissionReview file: its request is the review, as gator reviews it. */
export function admissionSubject(request: MapNode, objectNode: MapNode): RegoSubject {
  const req = toValue(request) as RObject;
  const review = RObject.fromEntries([...reviewDefaults, ...req.sortedEntries()]);
  const object = review.get('object');
  return { review, object: object instanceof RObject ? object : undefined, admission: true, fields: fieldIndex(objectNode) };
}

export function isAdmissionReview(gvk: { group: string; kind: string }): boolean {
  return gvk.group === 'admission.k8s.io' && gvk.kind === 'AdmissionReview';
}

/** The request's kind, from request.kind (else the object's apiVersion and kind). */
export function admissionGvk(request: MapNode): { group: string; version: string; kind: string } {
  const group = stringAt(request, 'kind', 'group');
  const version = stringAt(request, 'kind', 'version');
  const kind = stringAt(request, 'kind', 'kind');
  if (kind !== undefined) return { group: group ?? '', version: version ?? '', kind };
  const av = stringAt(request, 'object', 'apiVersion') ?? '';
  const i = av.lastIndexOf('/');
  return { group: i < 0 ? '' : av.slice(0, i), version: i < 0 ? av : av.slice(i + 1), kind: stringAt(request, 'object', 'kind') ?? '' };
}

/** The review as input, with the namespace the context gives an object that names none. */
function reviewValue(subject: RegoSubject, namespace: string | undefined): Value {
  if (subject.admission || namespace === undefined || subject.review.has('namespace')) return subject.review;
  // One copy per review and namespace, shared by every constraint evaluated on it; the copies are
  // shallow: only the review, the object and its metadata are new.
  let byNs = withNamespace.get(subject);
  if (!byNs) withNamespace.set(subject, (byNs = new Map()));
  let v = byNs.get(namespace);
  if (v === undefined) {
    v = subject.review.with('namespace', namespace).with('object', objectInNamespace(subject.object ?? new RObject(), namespace));
    byNs.set(namespace, v);
  }
  return v;
}

/** The object as the API server stores it in a namespace: metadata.namespace filled. */
function objectInNamespace(object: RObject, namespace: string): RObject {
  const metadata = object.get('metadata');
  return object.with('metadata', (metadata instanceof RObject ? metadata : new RObject()).with('namespace', namespace));
}

const withNamespace = new WeakMap<RegoSubject, Map<string, Value>>();

const values = new WeakMap<object, Value>();
function cachedValue(o: object): Value {
  let v = values.get(o);
  if (v === undefined) values.set(o, (v = fromJS(o)));
  return v;
}

/** Per-evaluation budget in the editor and the CLI: a runaway template costs at most this per object. */
export const regoLimits: EvalLimits = { maxSteps: 200_000, maxMillis: 250 };

/** After this many objects over budget, a template is not evaluated again in the same policy. */
const maxBudgetFailures = 3;
const failures = new WeakMap<object, Map<RegoConstraint['template'], number>>();

export type RegoOutcome = { readonly ok: true; readonly results: readonly RegoResult[] } | { readonly ok: false; readonly error: string };

/** Outcomes per review and constraint: a keystroke re-evaluates only the documents it changed. */
const outcomes = new WeakMap<RegoSubject, Map<RegoConstraint, { namespace: string | undefined; data: Value | undefined; outcome: RegoOutcome }>>();

export function evaluateConstraint(c: RegoConstraint, subject: RegoSubject, namespace: string | undefined, data: Value, scope: object, limits: EvalLimits = regoLimits): RegoOutcome {
  const usesData = c.template.rego.policy.usesInventory;
  let bySubject = outcomes.get(subject);
  const hit = bySubject?.get(c);
  if (hit && hit.namespace === namespace && hit.data === (usesData ? data : undefined)) return hit.outcome;
  const outcome = evaluateUncached(c, subject, namespace, data, scope, limits);
  // Over-budget outcomes depend on the machine's speed: they are tried again.
  if (outcome.ok || !/budget/.test(outcome.error)) {
    if (!bySubject) outcomes.set(subject, (bySubject = new Map()));
    else if (bySubject.size > 512) bySubject.clear(); // outcomes for constraints of earlier policies
    bySubject.set(c, { namespace, data: usesData ? data : undefined, outcome });
  }
  return outcome;
}

function evaluateUncached(c: RegoConstraint, subject: RegoSubject, namespace: string | undefined, data: Value, scope: object, limits: EvalLimits): RegoOutcome {
  let perScope = failures.get(scope);
  if (!perScope) failures.set(scope, (perScope = new Map()));
  const failed = perScope.get(c.template) ?? 0;
  if (failed >= maxBudgetFailures) return { ok: false, error: `ConstraintTemplate ${c.template.name} is not evaluated: it ran over its budget on ${failed} objects` };
  const input = RObject.fromEntries([
    ['review', reviewValue(subject, namespace)],
    ['parameters', cachedValue(c.parameters as object)],
  ]);
  const out = evaluateRego(c.template.rego.policy, input, data, limits);
  if (out.ok) return { ok: true, results: out.results };
  if (/budget/.test(out.error)) perScope.set(c.template, failed + 1);
  // A conflict is an error Gatekeeper's OPA raises too: the admission request fails with it.
  if (out.error.startsWith('eval_conflict_error')) return { ok: false, error: `ConstraintTemplate ${c.template.name} fails on this object, as it would in Gatekeeper: ${out.error}` };
  return { ok: false, error: `ConstraintTemplate ${c.template.name} is not evaluated for this object: ${out.error}` };
}

function isWordChar(c: string | undefined, extra: string): boolean {
  return c !== undefined && (/[A-Za-z0-9_]/.test(c) || extra.includes(c));
}

/** Whether `word` is written in `message` as a whole word. */
function mentions(message: string, word: string, extra: string): boolean {
  let i = message.indexOf(word);
  while (i >= 0) {
    if (!isWordChar(message[i - 1], extra) && !isWordChar(message[i + word.length], extra)) return true;
    i = message.indexOf(word, i + 1);
  }
  return false;
}

/** Keys too common to be what a message is about. */
const genericKeys = new Set(['name', 'spec', 'metadata', 'kind', 'apiVersion', 'containers', 'template', 'items', 'status', 'type', 'value', 'key']);

/**
 * Where a message points: the field it quotes (inside the container it names, if it names one; an
 * image on its value), else
 * that container's name, else the object's metadata.name; undefined: the object's kind.
 */
export function locate(fields: FieldIndex, message: string): Span | undefined {
  let container: FieldIndex['containers'][number] | undefined;
  for (const c of fields.containers) {
    if (c.name !== '' && mentions(message, c.name, '.-') && (!container || c.name.length > container.name.length)) container = c;
  }
  let best = -1;
  for (let i = 0; i < fields.keys.length; i++) {
    const k = fields.keys[i]!;
    if (k.length < 3 || genericKeys.has(k)) continue;
    const start = fields.spans[4 * i]!;
    if (container && (start < container.start || start >= container.end)) continue;
    if (!mentions(message, k, '')) continue;
    if (best < 0 || k.length > fields.keys[best]!.length) best = i;
  }
  // An image is shown on its value, as the built-in image checks show it; other fields on their key.
  if (best >= 0) return fields.keys[best] === 'image' ? { start: fields.spans[4 * best + 2]!, end: fields.spans[4 * best + 3]! } : { start: fields.spans[4 * best]!, end: fields.spans[4 * best + 1]! };
  // The image it quotes.
  for (const c of container ? [container] : fields.containers) if (c.image && mentions(message, c.image, '/.:@-')) return c.imageSpan;
  if (container) return container.nameSpan;
  return fields.nameSpan;
}

/** Whether a review's object lives outside namespaces (the inventory's cluster/namespace split). */
export type ScopeOf = (r: Review) => boolean;

/**
 * data.inventory from reviewed objects (originals only, not what expansion generates):
 * namespace[ns][apiVersion][kind][name] and cluster[apiVersion][kind][name], as Gatekeeper syncs them.
 */
export function inventoryOf(reviews: Iterable<Review>, options: CheckOptions, clusterScoped: ScopeOf): Value {
  const root = new RObject();
  const put = (path: string[], v: Value): void => {
    let cur = root;
    for (const p of path.slice(0, -1)) {
      let next = cur.get(p);
      if (!(next instanceof RObject)) cur.set(p, (next = new RObject()));
      cur = next as RObject;
    }
    cur.set(path[path.length - 1]!, v);
  };
  for (const r of reviews) {
    const s = r.rego;
    if (!s || s.admission || r.source !== 'Original' || !s.object) continue;
    const apiVersion = r.origin.apiVersion;
    const name = r.name;
    if (clusterScoped(r)) {
      put(['cluster', apiVersion, r.gvk.kind, name], s.object);
    } else {
      const ns = r.namespace ?? (options.namespace === '*' ? 'default' : options.namespace);
      put(['namespace', ns, apiVersion, r.gvk.kind, name], r.namespace !== undefined ? s.object : objectInNamespace(s.object, ns));
    }
  }
  return dataDocument(root);
}

export const emptyData: Value = dataDocument(undefined);
