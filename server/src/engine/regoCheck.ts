// Rego constraints on a review: each template's compiled policy evaluated on the AdmissionRequest, within a
// budget, with outcomes kept per review while typing.
import type { RegoConstraint } from './policy';
import { evaluateRego, EvalLimits, fromJS, RegoResult } from '../rego';
import { RObject, Value } from '../rego/value';
import { ContentMemo, memoOf } from './contentMemo';
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
 * document), so it is evaluated once.
 */
const byInput = new WeakMap<object, ContentMemo<Value | undefined, RegoOutcome>>();

function evaluateShared(c: RegoConstraint, subject: RegoSubject, namespace: string | undefined, data: Value, scope: object, limits: EvalLimits): RegoOutcome {
  // A template that has run over its budget is not evaluated again: that answer comes first.
  if ((failures.get(scope)?.get(c.template) ?? 0) >= maxBudgetFailures) return evaluateUncached(c, subject, namespace, data, scope, limits);
  const review = reviewValue(subject, namespace);
  const dataKey = c.template.rego.policy.usesInventory ? data : undefined;
  const memo = memoOf(byInput, c);
  const hit = memo.get(review, dataKey);
  if (hit) return hit;
  const outcome = evaluateUncached(c, subject, namespace, data, scope, limits);
  if (outcome.ok || !/budget/.test(outcome.error)) memo.set(review, dataKey, outcome);
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

