// All files' policy objects merged into what a check reads: one constraint per kind and name, each bound
// to its template's engine, and the problems the merge finds.
import { toJS } from '../yaml/documents';
import type { ExpansionTemplate } from './expansion';
import { libraryVariants, PolicyKind, PolicyVariant } from './policies';
import type { Constraint, NamespaceObject, PolicyObjects, PolicyProblem, PolicySet, RegoConstraint, Template } from './policy';
import { validateSchema } from './policyLint';

export function buildPolicySet(parts: readonly PolicyObjects[], defaultExpansions: readonly ExpansionTemplate[]): PolicySet {
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
  // An image policy whose workspace template the built-in check does not recognise: its Rego decides.
  const regoConstraints: RegoConstraint[] = [];
  for (let i = constraints.length - 1; i >= 0; i--) {
    const c = constraints[i]!;
    const t = templateOf.get(c.kind);
    if (!t || t.builtIn || !t.rego.policy) continue;
    constraints.splice(i, 1);
    const parameters = c.parametersNode && c.parametersNode.kind === 'map' ? toJS(c.parametersNode) : {};
    regoConstraints.unshift({ ...c, engine: 'rego', list: undefined, listNode: undefined, parameters, template: t as RegoConstraint['template'] });
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
      if (t.rego.policy) regoConstraints.push({ ...o, engine: 'rego', template: t as RegoConstraint['template'] });
      else if (!t.rego.leftOut) problems.push({ file: o.file, span: o.span, severity: 'warning', message: `${o.kind} ${o.name} is not evaluated: ${t.rego.notEvaluated}` });
    }
  }
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
    usesInventory: regoConstraints.some((c) => c.template.rego.policy.usesInventory),
  };
}

export function variantFor(set: PolicySet, kind: PolicyKind): PolicyVariant {
  return set.variants.get(kind) ?? libraryVariants[kind];
}

export function namespaceLabels(set: PolicySet, name: string): Readonly<Record<string, string>> | undefined {
  return set.namespaces.get(name)?.labels;
}
