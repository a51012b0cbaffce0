// The verdicts: every reviewed object (and what expansion generates from it) against every image
// constraint, as Gatekeeper's admission review would decide them.
import type { AnyConstraint, Constraint, PolicyRef, PolicySet } from './policy';
import { admissionDecisions, mayDecide, type AdmissionDecision } from './admissionPolicies';
import { RObject, toJS as regoToJS } from '../rego/value';
import { ContentMemo, memoOf } from './contentMemo';
import { variantFor } from './policySet';
import { Action, Severity, severityOf } from './enforcement';
import { impliedMessage, autorejectMessage } from './messages';
import { CheckOptions, defaultCheckOptions } from './options';
import { matchableOf } from './scope';
import { Span } from '../yaml/documents';
import { evaluateConstraint } from './regoCheck';
import { evaluateCelConstraint } from './celCheck';
import { emptyData } from './inventory';
import { locate } from './locate';
import type { Value } from '../rego/value';
import { ExpansionTemplate, ObjectRef, Review, reviewsOf } from './expansion';
import { ImageUse } from './images';
import { Matchable, matches, MatchResult } from './match';
import { K8sObject } from './objects';
import { Skim } from '../yaml/fastYaml';
import { containerFields, PolicyRule, PolicyVariant, policyMessage, violates } from './policies';

export interface Violation {
  readonly constraint: PolicyRef;
  readonly action: Action;
  readonly severity: Severity;
  readonly message: string;
  readonly object: ObjectRef;
  /** The image use that produced it; undefined for a match error, which is about the whole object. */
  readonly use: ImageUse | undefined;
  /** Where a Rego policy's message points (the field it quotes, the container it names). */
  readonly at?: Span;
  /** The template could not be evaluated for this object: the message says why. */
  readonly notEvaluated?: boolean;
}

/** Where a violation is shown in its file. */
export function violationSpan(v: Violation): Span {
  return v.use ? v.use.imageNode.span : v.at ?? v.object.kindSpan;
}

export function expansionsFor(policy: PolicySet, options: CheckOptions): readonly ExpansionTemplate[] {
  if (policy.workspaceExpansions || options.checkPodTemplates) return policy.expansions;
  return [];
}

/**
 * What the checks read of an object that is not a policy object, for a skimming parse: its
 * apiVersion, kind, metadata and List items whole, the container lists whole, and the way to them
 * through spec and every expansion's templateSource.
 */
export function skimFor(templates: readonly ExpansionTemplate[]): Skim {
  const some = new Set(['spec']);
  for (const t of templates) for (const k of t.templateSource) some.add(k);
  return { some, all: new Set(['apiVersion', 'kind', 'metadata', 'items', ...containerFields]) };
}

export interface RuleOutcome {
  readonly use: ImageUse;
  readonly rule: PolicyRule;
  /** undefined: the Rego leaves it undefined (no name, no list), so it cannot be violated. */
  readonly violated: boolean | undefined;
  readonly message: string | undefined;
}

/** Evaluates one constraint's policy on one review: every container rule, before merging messages. */
export function evaluatePolicy(c: Constraint, variant: PolicyVariant, review: Review): RuleOutcome[] {
  if (variant.podsOnly && !(review.gvk.kind === 'Pod' && review.gvk.group === '')) return [];
  const out: RuleOutcome[] = [];
  for (const rule of variant.rules) {
    const usesName = rule.args.includes('name');
    for (const use of review.uses) {
      if (use.field !== rule.field) continue;
      let violated = violates(c.kind, use.image, c.list);
      if (usesName && use.name === undefined) violated = undefined;
      const message = violated ? policyMessage(rule, use.name, use.image, c.list) : undefined;
      out.push({ use, rule, violated, message });
    }
  }
  return out;
}

/**
 * The action a constraint takes on a review it matches; undefined when it does not apply (not enforced
 * at admission, not matched, or a match error, which is pushed as Gatekeeper's own result).
 */
function applies(c: AnyConstraint, review: Review, matchable: Matchable, out: Violation[]): Action | undefined {
  if (c.actions.length === 0) return undefined;
  const action = review.actionOverride ?? c.actions[0]!;
  const m: MatchResult = matches(c.match, matchable);
  if (m.matched === false) return undefined;
  if (m.matched === 'error') {
    out.push({ constraint: c, action, severity: severityOf[action], message: autorejectMessage(review.name, m.error), object: review.origin, use: undefined });
    return undefined;
  }
  return action;
}

/** The Rego constraints on one review: match, evaluate, a violation per distinct message. */
function checkRego(review: Review, matchable: Matchable, policy: PolicySet, data: Value, out: Violation[]): void {
  const subject = review.rego!;
  for (const c of policy.regoConstraints) {
    const action = applies(c, review, matchable, out);
    if (action === undefined) continue;
    const object = review.origin;
    const result = evaluateConstraint(c, subject, matchable.namespace, data, policy);
    if (!result.ok) {
      out.push({ constraint: c, action, severity: 'warning', message: result.error, object, use: undefined, at: subject.fields.nameSpan, notEvaluated: true });
      continue;
    }
    const seen = new Set<string>();
    for (const r of result.results) {
      const message = impliedMessage(review, r.msg);
      if (seen.has(message)) continue;
      seen.add(message);
      out.push({ constraint: c, action, severity: severityOf[action], message, object, use: undefined, at: locate(subject.fields, r.msg) });
    }
  }
}

/**
 * The CEL constraints on one review: match, evaluate, a violation per failing validation. CEL results
 * are not merged (gator prints the same message twice when two validations give it).
 */
function checkCel(review: Review, matchable: Matchable, policy: PolicySet, out: Violation[]): void {
  const subject = review.rego!;
  const namespaceObject = matchable.namespace === undefined ? undefined : policy.namespaces.get(matchable.namespace);
  for (const c of policy.celConstraints) {
    const action = applies(c, review, matchable, out);
    if (action === undefined) continue;
    const object = review.origin;
    const result = evaluateCelConstraint(c, subject, matchable.namespace, namespaceObject, policy);
    if (!result.ok) {
      out.push({ constraint: c, action, severity: 'warning', message: result.error, object, use: undefined, at: subject.fields.nameSpan, notEvaluated: true });
      continue;
    }
    for (const m of result.messages) {
      const message = impliedMessage(review, m);
      out.push({ constraint: c, action, severity: severityOf[action], message, object, use: undefined, at: locate(subject.fields, m) });
    }
  }
}

/** Whether reviews must carry the object itself (the AdmissionRequest that Rego and CEL read). */
export function needsObjects(policy: PolicySet): boolean {
  return policy.regoConstraints.length + policy.celConstraints.length > 0 || policy.admission !== undefined;
}

/** Objects as JSON for the admission policies, per reviewed object (shared by VAP and Kyverno). */
const objectJson = new WeakMap<object, unknown>();

/**
 * Decisions per admission policy set and object content: an object that appears again (another file,
 * keys in another order) is decided once. Decisions with a part not evaluated (a bound may depend on
 * the machine's speed) are not kept.
 */
const decided = new WeakMap<object, ContentMemo<string | undefined, readonly AdmissionDecision[]>>();

function decisionsOn(admission: NonNullable<PolicySet['admission']>, object: Value & object, defaultNamespace: string | undefined): readonly AdmissionDecision[] {
  // An object of a resource no policy's rules name is not built as JSON (see mayDecide).
  if (object instanceof RObject) {
    const apiVersion = object.get('apiVersion');
    const kind = object.get('kind');
    if (typeof apiVersion === 'string' && typeof kind === 'string' && !mayDecide(admission, apiVersion, kind)) return [];
  }
  const memo = memoOf(decided, admission);
  const hit = memo.get(object, defaultNamespace);
  if (hit) return hit;
  let json = objectJson.get(object);
  if (json === undefined) objectJson.set(object, (json = regoToJS(object)));
  const decisions = admissionDecisions(admission, json, defaultNamespace);
  if (!decisions.some((d) => d.notEvaluated)) memo.set(object, defaultNamespace, decisions);
  return decisions;
}

/**
 * ValidatingAdmissionPolicies and Kyverno ValidatingPolicies on one review: the object as itself
 * (not what Gatekeeper's expansion generates), a violation per decision.
 */
function checkAdmission(review: Review, options: CheckOptions, policy: PolicySet, out: Violation[]): void {
  const admission = policy.admission;
  const subject = review.rego;
  if (!admission || !subject || review.source !== 'Original') return;
  const object = subject.review.get('object');
  if (!object || typeof object !== 'object') return;
  const defaultNamespace = options.namespace === '*' ? undefined : options.namespace;
  for (const d of decisionsOn(admission, object, defaultNamespace)) {
    const severity = d.notEvaluated ? 'warning' : severityOf[d.action];
    out.push({ constraint: d.ref, action: d.action, severity, message: d.message, object: review.origin, use: undefined, at: locate(subject.fields, d.message), ...(d.notEvaluated ? { notEvaluated: true } : {}) });
  }
}

/** Whether an image constraint has a namespaceSelector, the only matcher that can fail with an error. */
function canFailMatch(policy: PolicySet): boolean {
  let v = selectorCache.get(policy);
  if (v === undefined) selectorCache.set(policy, (v = policy.constraints.some((c) => c.match.namespaceSelector !== undefined)));
  return v;
}

const selectorCache = new WeakMap<PolicySet, boolean>();

/** Whether any constraint is evaluated: with none, nothing can be refused. */
export function hasConstraints(policy: PolicySet): boolean {
  return policy.constraints.length + policy.regoConstraints.length + policy.celConstraints.length > 0 || policy.admission !== undefined;
}

/** All violations of one file's objects (data: data.inventory for Rego templates that read it). */
export function checkObjects(objects: readonly K8sObject[], policy: PolicySet, options: CheckOptions = defaultCheckOptions, data: Value = emptyData): Violation[] {
  if (!hasConstraints(policy)) return [];
  return checkReviews(reviewsOf(objects, expansionsFor(policy, options), needsObjects(policy)), policy, options, data);
}

/**
 * All violations of reviews (a file's objects, expanded with expansionsFor(policy, options), with
 * objects when the policy has Rego constraints).
 */
export function checkReviews(reviews: readonly Review[], policy: PolicySet, options: CheckOptions = defaultCheckOptions, data: Value = emptyData): Violation[] {
  const out: Violation[] = [];
  if (!hasConstraints(policy)) return out;
  const matchErrors = canFailMatch(policy);
  for (const review of reviews) {
    // A review that runs no image can fail an image constraint only by a match error (a
    // namespaceSelector); without Rego constraints and such selectors there is nothing to do.
    if (!review.rego && review.uses.length === 0 && !matchErrors) continue;
    const matchable = matchableOf(review, policy, options);
    if (review.rego) {
      checkRego(review, matchable, policy, data, out);
      checkCel(review, matchable, policy, out);
      checkAdmission(review, options, policy, out);
    }
    for (const c of policy.constraints) {
      const action = applies(c, review, matchable, out);
      if (action === undefined) continue;
      const object = review.origin;
      const seen = new Set<string>();
      for (const r of evaluatePolicy(c, variantFor(policy, c.kind), review)) {
        if (!r.message) continue;
        const message = impliedMessage(review, r.message);
        if (seen.has(message)) continue; // a Rego set: identical messages are one result
        seen.add(message);
        out.push({ constraint: c, action, severity: severityOf[action], message, object, use: r.use });
      }
    }
  }
  return out;
}
