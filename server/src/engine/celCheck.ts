// Gatekeeper's CEL constraints on a review: the template's K8sNativeValidation evaluated on the same
// AdmissionRequest the Rego reads (object, oldObject, request), with the constraint as `params` and the
// object's Namespace as `namespaceObject`, within a cost and time budget.
import { celValue } from '../cel';
import { evaluateGatekeeperCel } from '../cel/gatekeeper';
import { opaString, RObject, RSet, Value } from '../rego/value';
import { ContentMemo, memoOf } from './contentMemo';
import { RegoSubject, reviewValue } from './admission';
import type { CelConstraint, NamespaceObject } from './policy';

export type CelOutcome = { readonly ok: true; readonly messages: readonly string[] } | { readonly ok: false; readonly error: string };

/** After this many objects over budget, a template is not evaluated again in the same policy. */
const maxBudgetFailures = 3;
const failures = new WeakMap<object, Map<CelConstraint['template'], number>>();

/** The request as CEL values, per review value (shared by every CEL constraint evaluated on it). */
const inputs = new WeakMap<object, { request: unknown; object: unknown; oldObject: unknown }>();
/** Outcomes per review and constraint: a keystroke re-evaluates only the documents it changed. */
const outcomes = new WeakMap<object, Map<CelConstraint, { namespaceObject: NamespaceObject | undefined; outcome: CelOutcome }>>();

/** Outcomes per constraint and request content (see regoCheck's byInput). */
const byInput = new WeakMap<object, ContentMemo<NamespaceObject | undefined, CelOutcome>>();

function celInput(review: Value): { request: unknown; object: unknown; oldObject: unknown } {
  const key = review as object;
  let v = inputs.get(key);
  if (!v) {
    const request = celOfRego(review) as Record<string, unknown>;
    v = { request, object: request['object'] ?? null, oldObject: request['oldObject'] ?? null };
    inputs.set(key, v);
  }
  return v;
}

/**
 * A Rego value as a CEL value: celValue(toJS(v)) in one pass (integers as bigints, objects as maps
 * without a prototype, in toJS's key order; a `__proto__` key, which toJS's object literal takes as
 * its prototype, is left out as celValue leaves it out).
 */
export function celOfRego(v: Value): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return (v as Value[]).map(celOfRego);
  if (v instanceof RSet) return v.sorted().map(celOfRego);
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, x] of (v as RObject).sortedEntries()) {
    const key = typeof k === 'string' ? k : opaString(k);
    if (key === '__proto__') continue;
    out[key] = celOfRego(x);
  }
  return out;
}

/** The constraint and Namespace objects as CEL values, per object (shared by every evaluation). */
const celObjects = new WeakMap<object, unknown>();
function constraintValue(object: unknown): unknown {
  if (object === null || typeof object !== 'object') return celValue(object);
  let v = celObjects.get(object);
  if (v === undefined) celObjects.set(object, (v = celValue(object)));
  return v;
}

/** The Namespace as the API server stores it: name and labels (the only fields the workspace knows for certain). */
function namespaceValue(ns: NamespaceObject | undefined): unknown {
  if (!ns) return null;
  let v = celObjects.get(ns);
  if (v === undefined) celObjects.set(ns, (v = celValue({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: ns.labels } })));
  return v;
}

export function evaluateCelConstraint(c: CelConstraint, subject: RegoSubject, namespace: string | undefined, namespaceObject: NamespaceObject | undefined, scope: object): CelOutcome {
  const review = reviewValue(subject, namespace);
  let byReview = outcomes.get(review as object);
  const hit = byReview?.get(c);
  if (hit && hit.namespaceObject === namespaceObject) return hit.outcome;
  let perScope = failures.get(scope);
  if (!perScope) failures.set(scope, (perScope = new Map()));
  const failed = perScope.get(c.template) ?? 0;
  if (failed >= maxBudgetFailures) return { ok: false, error: `ConstraintTemplate ${c.template.name} is not evaluated: its CEL ran over its budget on ${failed} objects` };
  // The same request (an object in several files) with the same Namespace: evaluated once.
  const memo = memoOf(byInput, c);
  const shared = memo.get(review, namespaceObject);
  if (shared) {
    if (!byReview) outcomes.set(review as object, (byReview = new Map()));
    byReview.set(c, { namespaceObject, outcome: shared });
    return shared;
  }
  const input = celInput(review instanceof RObject ? review : new RObject());
  const result = evaluateGatekeeperCel(c.template.cel.policy, { ...input, constraint: constraintValue(c.object), namespaceObject: namespaceValue(namespaceObject) });
  let outcome: CelOutcome;
  if (result.ok) {
    outcome = { ok: true, messages: result.messages };
    memo.set(review, namespaceObject, outcome);
  } else {
    perScope.set(c.template, failed + 1);
    // Over-budget outcomes depend on the machine's speed: they are not kept.
    return { ok: false, error: `ConstraintTemplate ${c.template.name} is not evaluated for this object: its CEL hit the ${result.bound} bound (${result.error})` };
  }
  if (!byReview) outcomes.set(review as object, (byReview = new Map()));
  byReview.set(c, { namespaceObject, outcome });
  return outcome;
}
