// The AdmissionRequest Gatekeeper builds for an object (input.review), as a Rego value: what policies
// read. Built once per syntax node and shared by every constraint evaluated on it.
import { MapNode, stringAt, YNode } from '../yaml/documents';
import { RObject, Value } from '../rego/value';
import { fieldIndex, FieldIndex } from './locate';

/** What names a review: its kind, name and namespace. */
export interface ReviewedAs {
  readonly gvk: { readonly group: string; readonly version: string; readonly kind: string };
  readonly name: string;
  readonly namespace: string | undefined;
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

/**
 * The subject of a review, kept per syntax node: while typing, the documents an edit did not touch keep
 * their nodes, hence their subjects (and the outcomes evaluated on them).
 */
export function cachedSubject(r: ReviewedAs, node: MapNode, object: () => RObject): RegoSubject {
  const key = `${r.gvk.group}/${r.gvk.version}/${r.gvk.kind}\0${r.name}\0${r.namespace ?? '\0'}`;
  const hit = subjects.get(node);
  if (hit && hit.key === key) return hit.subject;
  const subject = subjectOf(r, node, object());
  subjects.set(node, { key, subject });
  return subject;
}

const subjects = new WeakMap<MapNode, { key: string; subject: RegoSubject }>();

/** The review Gatekeeper builds from an object (an AdmissionRequest, as a Rego value). */
function subjectOf(r: ReviewedAs, node: MapNode, object: RObject): RegoSubject {
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
export function reviewValue(subject: RegoSubject, namespace: string | undefined): Value {
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
export function objectInNamespace(object: RObject, namespace: string): RObject {
  const metadata = object.get('metadata');
  return object.with('metadata', (metadata instanceof RObject ? metadata : new RObject()).with('namespace', namespace));
}

const withNamespace = new WeakMap<RegoSubject, Map<string, Value>>();
