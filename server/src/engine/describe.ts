// What a constraint or an image verdict says in words (Markdown), for hovers and, later, a verbose CLI.
// Facts in, text out: counts and places are given by the caller; no protocol here.
import type { Violation } from './check';
import type { Review } from './expansion';
import type { ConstraintVerdict, ImageExplanation, VerdictStatus } from './explain';
import { matches } from './match';
import type { CheckOptions } from './options';
import type { AdmissionPolicyRef, AnyConstraint, CelConstraint, Constraint, PolicyRef, PolicySet, RegoConstraint } from './policy';
import type { RewriteResult } from './rewrite';
import { matchableOf } from './scope';
import { opaString } from '../go/fmt';
import { toJS as regoToJS } from '../rego/value';
import { podFromTemplate, podOnlyBindings } from '../vap';
import { admissionDecisions } from './admissionPolicies';

export const statusText: Record<VerdictStatus, string> = {
  refused: 'REFUSED',
  allowed: 'allowed',
  'not-matched': 'not applied',
  'match-error': 'cannot match',
  'not-enforced': 'not enforced',
  'not-evaluated': 'nothing to check',
};

/** Escapes Markdown's active characters. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_[\]<>]/g, '\\$&');
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A constraint's violations across the workspace. */
export interface ConstraintCounts {
  readonly violations: number;
  readonly files: number;
}

function actionsOf(c: AnyConstraint): string {
  return c.actions.join(', ') || `${c.enforcementAction}, not enforced at admission`;
}

/** A template's policy language, as its constraints are evaluated. */
function languageOf(c: RegoConstraint | CelConstraint): string {
  return c.engine === 'cel' ? 'CEL' : 'Rego';
}

/** The sentence on a constraint's name: what it does to the workspace. */
export function describeConstraint(c: AnyConstraint, counts: ConstraintCounts): string {
  const head = `**${c.kind} ${escapeMarkdown(c.name)}** (${actionsOf(c)}): ${plural(counts.violations, 'violation')} in ${plural(counts.files, 'file')} of the workspace`;
  if (c.engine !== 'builtin') return `${head}, from the ${languageOf(c)} of ConstraintTemplate ${escapeMarkdown(c.template.name)}.`;
  const param = c.kind === 'K8sAllowedReposv2' ? 'allowedImages' : 'repos';
  return head + (c.list ? `, ${c.list.length} ${param} entr${c.list.length === 1 ? 'y' : 'ies'}.` : `, no ${param}.`);
}

/** What one entry of an image constraint's list admits (or refuses) across the workspace. */
export interface EntryCounts {
  readonly images: number;
  readonly files: number;
  /** Images no other entry of the list admits. */
  readonly onlyThis: readonly string[];
}

export function describeEntry(c: Constraint, entry: string, s: EntryCounts): string {
  const verb = c.kind === 'K8sDisallowedRepos' ? 'refuses' : 'admits';
  const lines = [`**${escapeMarkdown(entry)}** in ${c.kind} ${escapeMarkdown(c.name)} ${verb} ${plural(s.images, 'image')} in ${plural(s.files, 'file')} of the workspace.`];
  if (c.kind !== 'K8sDisallowedRepos') {
    lines.push(
      '',
      s.onlyThis.length === 0
        ? 'No image depends on this entry alone: every one it admits is admitted by another entry too.'
        : `The only entry that admits ${s.onlyThis.length}: ${s.onlyThis.slice(0, 8).map(code).join(', ')}${s.onlyThis.length > 8 ? ', …' : ''}.`,
    );
  }
  return lines.join('\n');
}

/** A Rego or CEL constraint's (or an admission policy's) verdict on the object that holds an image. */
export interface PolicyVerdict {
  readonly constraint: RegoConstraint | CelConstraint | AdmissionPolicyRef;
  /** The action it takes (deny, warn...). */
  readonly action: string;
  readonly status: VerdictStatus;
  readonly detail: string;
  /** Its messages for this object, when refused (or why it could not be evaluated). */
  readonly messages: readonly string[];
}

/**
 * Every Rego and CEL constraint's verdict on one object, and the admission policies (VAP, Kyverno)
 * that refused it: `reviews` are the object's own and those of
 * what it generates (a Deployment's Pod), `violations` the file's (the check already evaluated them;
 * nothing is evaluated here).
 */
export function policyVerdicts(reviews: readonly Review[], policy: PolicySet, options: CheckOptions, violations: readonly Violation[]): PolicyVerdict[] {
  const origin = reviews[0]?.origin;
  if (!origin) return [];
  const matchables = reviews.map((r) => matchableOf(r, policy, options));
  const mine = violations.filter((v) => v.object === origin);
  const out: PolicyVerdict[] = [];
  for (const c of [...policy.regoConstraints, ...policy.celConstraints]) {
    const language = languageOf(c);
    const found = mine.filter((v) => v.constraint === c);
    const notEvaluated = found.filter((v) => v.notEvaluated);
    if (notEvaluated.length > 0) {
      out.push({ constraint: c, action: c.actions[0] ?? c.enforcementAction, status: 'not-evaluated', detail: `its ${language} could not be evaluated for this object`, messages: notEvaluated.map((v) => v.message) });
      continue;
    }
    if (found.length > 0) {
      out.push({ constraint: c, action: c.actions[0] ?? c.enforcementAction, status: 'refused', detail: `refused by the ${language} of ConstraintTemplate ${c.template.name}`, messages: found.map((v) => v.message) });
      continue;
    }
    if (c.actions.length === 0) {
      out.push({ constraint: c, action: c.actions[0] ?? c.enforcementAction, status: 'not-enforced', detail: 'no enforcement action applies at admission', messages: [] });
      continue;
    }
    const results = matchables.map((m) => matches(c.match, m));
    const error = results.find((m) => m.matched === 'error');
    if (results.some((m) => m.matched === true)) {
      out.push({ constraint: c, action: c.actions[0] ?? c.enforcementAction, status: 'allowed', detail: `its ${language} reports nothing for this object`, messages: [] });
    } else if (error && error.matched === 'error') {
      out.push({ constraint: c, action: c.actions[0] ?? c.enforcementAction, status: 'match-error', detail: `Gatekeeper cannot match it: ${error.error}`, messages: [] });
    } else {
      const first = results[0];
      out.push({ constraint: c, action: c.actions[0] ?? c.enforcementAction, status: 'not-matched', detail: `does not apply: ${first && first.matched === false ? first.reason : 'no match'}`, messages: [] });
    }
  }
  // ValidatingAdmissionPolicies and Kyverno policies match in their own terms: those that decided on
  // the object are named, with their messages.
  const admission = new Map<AdmissionPolicyRef, Violation[]>();
  for (const v of mine) {
    const c = v.constraint;
    if (c.engine !== 'vap' && c.engine !== 'kyverno') continue;
    admission.set(c, [...(admission.get(c) ?? []), v]);
  }
  for (const [c, vs] of admission) {
    const notEvaluated = vs.some((v) => v.notEvaluated);
    const what = c.engine === 'vap' ? `ValidatingAdmissionPolicy ${c.name} (binding ${c.binding})` : `${c.kind} ${c.name}`;
    out.push({
      constraint: c,
      action: vs[0]!.action,
      status: notEvaluated ? 'not-evaluated' : 'refused',
      detail: notEvaluated ? 'could not be evaluated for this object' : `refused by ${what}`,
      messages: vs.map((v) => v.message),
    });
  }
  out.push(...podOnlyVerdicts(reviews, policy, options));
  return out;
}

/**
 * A workload is admitted as itself: a ValidatingAdmissionPolicy on `pods` does not see it, only the
 * Pods its controller creates later (refused then, in the controller's events, not at apply). Said on
 * the workload's hover, with what the policy would say of those Pods.
 */
function podOnlyVerdicts(reviews: readonly Review[], policy: PolicySet, options: CheckOptions): PolicyVerdict[] {
  const admission = policy.admission;
  const original = reviews.find((r) => r.source === 'Original');
  const object = original?.rego?.review.get('object');
  if (!admission || !original || !object || typeof object !== 'object' || original.gvk.kind === 'Pod') return [];
  const json = regoToJS(object);
  const defaultNamespace = options.namespace === '*' ? undefined : options.namespace;
  const pods = podOnlyBindings(admission.vap, json, defaultNamespace !== undefined ? { defaultNamespace } : {});
  if (pods.length === 0) return [];
  const pod = podFromTemplate(json);
  const onPods = pod ? admissionDecisions(admission, pod, defaultNamespace) : [];
  const out: PolicyVerdict[] = [];
  for (const p of pods) {
    const ref = [...admission.refs.values()].find((r) => r.engine === 'vap' && r.name === p.policy && r.binding === p.binding);
    if (!ref) continue;
    const refused = onPods.filter((d) => d.ref === ref && !d.notEvaluated);
    out.push({
      constraint: ref,
      action: refused[0]?.action ?? 'deny',
      status: 'not-matched',
      detail: `it checks Pods, not ${original.gvk.kind}s: it does not see this ${original.gvk.kind} when it is applied; ${refused.length > 0 ? 'the Pods its controller creates will be refused' : 'the Pods its controller creates pass it'}`,
      messages: refused.map((d) => d.message),
    });
  }
  return out;
}

/** Where a constraint is written, for a link. */
export interface Place {
  readonly uri: string;
  /** 0-based. */
  readonly line: number;
}

export interface ImageDescription {
  readonly explanation: ImageExplanation;
  /** The Rego and CEL constraints' verdicts on the image's object. */
  readonly policyVerdicts: readonly PolicyVerdict[];
  /** The trusted rewrites, when an image check refuses the image. */
  readonly fixes: RewriteResult | undefined;
  readonly placeOf: (c: PolicyRef) => Place;
}

function verdictLine(c: PolicyRef, action: string, status: VerdictStatus, detail: string, messages: readonly string[], placeOf: (c: PolicyRef) => Place): string[] {
  const where = placeOf(c);
  const file = where.uri.slice(where.uri.lastIndexOf('/') + 1);
  return [
    `- ${statusText[status]}: **${c.kind} ${escapeMarkdown(c.name)}** (${action}), ${escapeMarkdown(detail)}. ` +
      `[${escapeMarkdown(file)}:${where.line + 1}](${where.uri}#L${where.line + 1})` +
      (messages.length > 0 ? '  ' : ''), // a hard line break before Gatekeeper's message
    ...messages.map((m) => `  ${code(m)}`),
  ];
}

/** The hover on an image: every constraint's verdict on it (image checks, Rego, CEL), and the rewrites. */
export function describeImage(d: ImageDescription): string {
  const ex = d.explanation;
  const image = typeof ex.use.image === 'string' ? ex.use.image : opaString(ex.use.image);
  const lines: string[] = [`**Trusted Images**: ${code(image)}`, ''];
  const all: Array<Pick<ConstraintVerdict, 'status'>> = [...ex.verdicts, ...d.policyVerdicts];
  if (all.length === 0) lines.push('No Gatekeeper constraint was found in the workspace, so no constraint applies.');
  for (const v of ex.verdicts) {
    lines.push(...verdictLine(v.constraint, v.constraint.actions[0] ?? v.constraint.enforcementAction, v.status, v.detail, v.message ? [v.message] : [], d.placeOf));
  }
  for (const v of d.policyVerdicts) lines.push(...verdictLine(v.constraint, v.action, v.status, v.detail, v.messages, d.placeOf));
  if (all.length > 0 && all.every((v) => v.status !== 'refused' && v.status !== 'allowed')) lines.push('', 'No constraint applies to this image.');
  if (d.fixes) {
    lines.push(
      '',
      d.fixes.candidates.length > 0 ? `Quick fix: ${d.fixes.candidates.map((c) => code(c.image)).join(', ')}` : `No trusted rewrite: ${escapeMarkdown(d.fixes.reason ?? '')}.`,
    );
  }
  return lines.join('\n');
}
