// Rego constraints on a review: each template's compiled policy evaluated on the AdmissionRequest, within a
// budget, with outcomes kept per review while typing.
import type { RegoConstraint } from './policy';
import { evaluateRego, EvalLimits, fromJS, RegoResult } from '../rego';
import { hashValue, RObject, sameValue, Value } from '../rego/value';
import { RegoSubject, reviewValue } from './admission';
// analyze.ts reads these from here.
export { ownString, type RegoSubject } from './admission';

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
  const outcome = evaluateShared(c, subject, namespace, data, scope, limits);
  // Over-budget outcomes depend on the machine's speed: they are tried again.
  if (outcome.ok || !/budget/.test(outcome.error)) {
    if (!bySubject) outcomes.set(subject, (bySubject = new Map()));
    else if (bySubject.size > 512) bySubject.clear(); // outcomes for constraints of earlier policies
    bySubject.set(c, { namespace, data: usesData ? data : undefined, outcome });
  }
  return outcome;
}

/**
 * Outcomes per constraint and input: an object that appears in several files (or twice in one) is
 * reviewed the same way each time (input.review and parameters the same, data.inventory the same
 * document), so it is evaluated once. Kept by a hash of input.review, checked with sameValue.
 */
const byInput = new WeakMap<RegoConstraint, Map<number, Array<{ review: Value; data: Value | undefined; outcome: RegoOutcome }>>>();
/** Hashes of review values (shared by every constraint evaluated on a review). */
const hashes = new WeakMap<object, number>();
const maxInputs = 4096;
const maxPerHash = 4;

export function reviewHash(review: Value): number {
  if (review === null || typeof review !== 'object') return hashValue(review);
  let h = hashes.get(review);
  // A bounded look: a review of a big object (a CRD) costs its first values, not all of them.
  if (h === undefined) hashes.set(review, (h = hashValue(review, 256)));
  return h;
}

function evaluateShared(c: RegoConstraint, subject: RegoSubject, namespace: string | undefined, data: Value, scope: object, limits: EvalLimits): RegoOutcome {
  // A template that has run over its budget is not evaluated again: that answer comes first.
  if ((failures.get(scope)?.get(c.template) ?? 0) >= maxBudgetFailures) return evaluateUncached(c, subject, namespace, data, scope, limits);
  const review = reviewValue(subject, namespace);
  const dataKey = c.template.rego.policy.usesInventory ? data : undefined;
  let memo = byInput.get(c);
  if (!memo) byInput.set(c, (memo = new Map()));
  const h = reviewHash(review);
  let seen = memo.get(h);
  if (seen) for (const e of seen) if (e.data === dataKey && sameValue(e.review, review)) return e.outcome;
  const outcome = evaluateUncached(c, subject, namespace, data, scope, limits);
  if (outcome.ok || !/budget/.test(outcome.error)) {
    if (!seen) {
      if (memo.size >= maxInputs) memo.clear();
      memo.set(h, (seen = []));
    }
    if (seen.length < maxPerHash) seen.push({ review, data: dataKey, outcome });
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

