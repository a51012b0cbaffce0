// All files' policy objects merged into what a check reads: one constraint per kind and name, each bound
// to its template's engine, and the problems the merge finds.
import { toJS } from '../yaml/documents';
import type { ExpansionTemplate } from './expansion';
import { libraryVariants, PolicyKind, PolicyVariant } from './policies';
import type { AdmissionObject, CelConstraint, Constraint, EnginePreference, NamespaceObject, OtherConstraint, PolicyObjects, PolicyProblem, PolicySet, RegoConstraint, Template } from './policy';
import { validateSchema } from './policyLint';
import { paramKindOf, paramKinds, readAdmissionPolicies } from './admissionPolicies';

/**
 * The code that decides a template's constraints: CEL when the template has it (Gatekeeper 3.18+ prefers
 * it, with no fallback to the Rego), the built-in check for an image policy whose Rego it knows, else
 * the Rego; or why none can. Under `rego` (a cluster that runs Gatekeeper with CEL disabled) the Rego
 * decides wherever there is Rego.
 */
function codeOf(t: Template, preference: EnginePreference): 'cel' | 'builtin' | 'rego' | { notEvaluated: string; leftOut?: boolean } {
  const hasRego = t.rego.policy !== undefined || t.rego.source !== '';
  if (t.cel && (preference === 'auto' || !hasRego)) {
    if (preference === 'rego') return { notEvaluated: `ConstraintTemplate ${t.name} has only CEL, and the engine is set to rego (Gatekeeper without CEL cannot run it)` };
    return t.cel.policy ? 'cel' : { notEvaluated: t.cel.notEvaluated };
  }
  if (t.builtIn) return 'builtin';
  if (t.rego.policy) return 'rego';
  return { notEvaluated: t.rego.notEvaluated, leftOut: t.rego.leftOut };
}

export interface PolicySetOptions {
  /** Which code decides a template that has both CEL and Rego (default: auto, Gatekeeper's choice). */
  readonly engine?: EnginePreference;
  /** Objects a ValidatingAdmissionPolicyBinding's paramRef may name (of the kinds policies' paramKind names). */
  readonly params?: readonly AdmissionObject[];
}

export function buildPolicySet(parts: readonly PolicyObjects[], defaultExpansions: readonly ExpansionTemplate[], options: PolicySetOptions = {}): PolicySet {
  const preference = options.engine ?? 'auto';
  const constraints: Constraint[] = [];
  const expansions: ExpansionTemplate[] = [];
  const namespaces = new Map<string, NamespaceObject>();
  const templates: Template[] = [];
  const problems: PolicyProblem[] = [];
  const seen = new Map<string, Constraint>();
  const seenOther = new Map<string, string>();
  for (const p of parts) {
    problems.push(...p.problems);
    templates.push(...p.templates);
    expansions.push(...p.expansions);
    for (const ns of p.namespaces) if (!namespaces.has(ns.name)) namespaces.set(ns.name, ns);
    for (const c of p.constraints) {
      const key = `${c.kind}/${c.name}`;
      const first = seen.get(key);
      if (first) {
        problems.push({
          file: c.file,
          span: c.span,
          severity: 'warning',
          message: `${c.kind} ${c.name} is defined twice (also in ${first.file}); the cluster keeps only the last one applied, so this one is not checked`,
        });
        continue;
      }
      seen.set(key, c);
      constraints.push(c);
    }
  }
  const variants = new Map<PolicyKind, PolicyVariant>();
  const templateOf = new Map<string, Template>();
  for (const t of templates) {
    if (t.variant && !variants.has(t.variant.kind)) variants.set(t.variant.kind, t.variant);
    if (!templateOf.has(t.kind)) templateOf.set(t.kind, t);
  }
  // Parameters against the workspace template's schema; kinds no template defines.
  for (const c of constraints) {
    const t = templateOf.get(c.kind);
    if (t?.schema) problems.push(...validateSchema(c.parametersNode, t.schema, 'spec.parameters', c.file));
  }
  // An image policy whose workspace template the built-in check does not know (or that has CEL): the
  // template's own code decides. Without a template, or with Rego that does not compile, the library's.
  const regoConstraints: RegoConstraint[] = [];
  const celConstraints: CelConstraint[] = [];
  const bind = (o: OtherConstraint, t: Template, code: 'cel' | 'rego', front: boolean): void => {
    if (code === 'cel') (front ? celConstraints.unshift : celConstraints.push).call(celConstraints, { ...o, engine: 'cel', template: t as CelConstraint['template'] });
    else (front ? regoConstraints.unshift : regoConstraints.push).call(regoConstraints, { ...o, engine: 'rego', template: t as RegoConstraint['template'] });
  };
  for (let i = constraints.length - 1; i >= 0; i--) {
    const c = constraints[i]!;
    const t = templateOf.get(c.kind);
    if (!t) continue;
    const code = codeOf(t, preference);
    if (code === 'builtin') continue;
    if (typeof code === 'object') {
      if (!t.cel || preference === 'rego') continue;
      constraints.splice(i, 1);
      problems.push({ file: c.file, span: c.span, severity: 'warning', message: `${c.kind} ${c.name} is not evaluated: ${code.notEvaluated}` });
      continue;
    }
    constraints.splice(i, 1);
    const parameters = c.parametersNode && c.parametersNode.kind === 'map' ? toJS(c.parametersNode) : {};
    bind({ ...c, list: undefined, listNode: undefined, parameters }, t, code, true);
  }
  for (const p of parts) {
    for (const o of p.others) {
      const t = templateOf.get(o.kind);
      if (!t) {
        problems.push({ file: o.file, span: o.span, severity: 'info', message: `${o.kind} ${o.name}: no ConstraintTemplate in the workspace defines the kind ${o.kind}, so it is not evaluated` });
        continue;
      }
      const key = `${o.kind}/${o.name}`;
      if (seenOther.has(key)) {
        problems.push({ file: o.file, span: o.span, severity: 'warning', message: `${o.kind} ${o.name} is defined twice (also in ${seenOther.get(key)}); the cluster keeps only the last one applied, so this one is not checked` });
        continue;
      }
      seenOther.set(key, o.file);
      if (t.schema) problems.push(...validateSchema(o.parametersNode, t.schema, 'spec.parameters', o.file));
      const code = codeOf(t, preference);
      if (code === 'cel' || code === 'rego') bind(o, t, code, false);
      else if (code === 'builtin') bind(o, t, 'rego', false);
      else if (!code.leftOut) problems.push({ file: o.file, span: o.span, severity: 'warning', message: `${o.kind} ${o.name} is not evaluated: ${code.notEvaluated}` });
    }
  }
  const admissionObjects = parts.flatMap((p) => p.admission);
  const kinds = admissionObjects.length > 0 ? paramKinds(admissionObjects) : new Set<string>();
  // Params: those given (the CLI reads them from every file), else the candidates the files hold.
  const params = options.params ?? parts.flatMap((p) => p.paramCandidates).filter((o) => kinds.has(paramKindOf(o)));
  const admission = readAdmissionPolicies(admissionObjects, params, namespaces.values());
  if (admission) problems.push(...admission.problems);
  const workspaceExpansions = expansions.length > 0;
  return {
    constraints,
    expansions: workspaceExpansions ? expansions : defaultExpansions,
    workspaceExpansions,
    namespaces,
    variants,
    templates,
    problems,
    regoConstraints,
    celConstraints,
    admission,
    usesInventory: regoConstraints.some((c) => c.template.rego.policy.usesInventory),
  };
}

export function variantFor(set: PolicySet, kind: PolicyKind): PolicyVariant {
  return set.variants.get(kind) ?? libraryVariants[kind];
}

export function namespaceLabels(set: PolicySet, name: string): Readonly<Record<string, string>> | undefined {
  return set.namespaces.get(name)?.labels;
}
