// Lint of the ValidatingAdmissionPolicies of a set: what the API server would refuse, and what would
// silently do nothing in the cluster (a policy without a binding, a binding naming a policy or a
// param object that is not there, rules that can never select anything).
import type { CelPort } from './celPort';
import { usesAuthorizer } from './evaluate';
import type { AdmissionPolicy, FieldPath, ResourceRule, SourcedObject } from './policies';
import { VapSet, nameOf, paramCandidates } from './policySet';
import { guessResource } from './resources';

export interface VapLint {
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** the policy or binding object the finding is about */
  object: SourcedObject;
  path: FieldPath;
  /** for CEL errors: UTF-16 offset in the expression at `path` */
  offset?: number;
}

// Built-in resources and the group that serves them: a rule naming one under another group never matches.
const builtInGroups: Record<string, string[]> = {
  pods: [''], services: [''], configmaps: [''], secrets: [''], namespaces: [''], serviceaccounts: [''], nodes: [''],
  persistentvolumeclaims: [''], persistentvolumes: [''], replicationcontrollers: [''], endpoints: [''],
  deployments: ['apps', 'extensions'], statefulsets: ['apps'], daemonsets: ['apps', 'extensions'], replicasets: ['apps', 'extensions'],
  jobs: ['batch'], cronjobs: ['batch'], ingresses: ['networking.k8s.io', 'extensions'], networkpolicies: ['networking.k8s.io', 'extensions'],
  roles: ['rbac.authorization.k8s.io'], rolebindings: ['rbac.authorization.k8s.io'], clusterroles: ['rbac.authorization.k8s.io'],
  clusterrolebindings: ['rbac.authorization.k8s.io'], poddisruptionbudgets: ['policy'], horizontalpodautoscalers: ['autoscaling'],
};

function ruleProblems(rule: ResourceRule): string | undefined {
  for (const [field, list] of [['apiGroups', rule.apiGroups], ['apiVersions', rule.apiVersions], ['resources', rule.resources], ['operations', rule.operations]] as const) {
    if (list.length === 0) return `${field} is empty, so this rule matches nothing`;
  }
  for (const r of rule.resources) {
    const res = r.split('/')[0];
    if (res === '*') continue;
    if (res !== res.toLowerCase()) return `resource '${r}' is not a resource name: resources are lowercase plurals (e.g. '${guessResource(res)}')`;
    const groups = builtInGroups[res] ?? builtInGroups[guessResource(res)];
    if (!builtInGroups[res] && groups) return `resource '${r}' is singular: the API server names it '${guessResource(res)}'`;
    if (groups && !rule.apiGroups.includes('*') && !rule.apiGroups.some((g) => groups.includes(g))) {
      return `resource '${r}' is served by API group ${groups.map((g) => `'${g}'`).join(' or ')}, not ${rule.apiGroups.map((g) => `'${g}'`).join(', ')}`;
    }
  }
  return undefined;
}

function celLints(policy: AdmissionPolicy, cel: CelPort, out: VapLint[]): void {
  const names = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'authorizer', 'variables'];
  const variableNames = policy.variables.map((v) => v.name);
  const check = (expression: string, path: FieldPath, what: string): void => {
    if (usesAuthorizer(expression)) {
      out.push({ severity: 'info', message: `${what} uses authorizer: the cluster's RBAC is not known from files, so this policy is not evaluated here`, object: policy.source, path });
      return;
    }
    const r = cel.compile(expression, names, variableNames);
    if (!r.ok) out.push({ severity: 'error', message: `CEL error in ${what}: ${r.error.message}`, object: policy.source, path, offset: r.error.offset });
  };
  policy.matchConditions.forEach((m, i) => check(m.expression, [...m.path, 'expression'], `matchConditions[${i}] (${m.name})`));
  policy.variables.forEach((v, i) => check(v.expression, [...v.path, 'expression'], `variables[${i}] (${v.name})`));
  policy.validations.forEach((v, i) => {
    check(v.expression, [...v.path, 'expression'], `validations[${i}]`);
    if (v.messageExpression !== undefined) check(v.messageExpression, [...v.path, 'messageExpression'], `validations[${i}].messageExpression`);
  });
  policy.auditAnnotations.forEach((a, i) => check(a.valueExpression, [...a.path, 'valueExpression'], `auditAnnotations[${i}] (${a.key})`));
}

export function lintVap(set: VapSet, cel?: CelPort): VapLint[] {
  const out: VapLint[] = [];
  const policies = new Map(set.policies.map((p) => [p.name, p]));
  for (const p of set.policies) {
    if (!set.bindings.some((b) => b.policyName === p.name)) {
      out.push({ severity: 'warning', message: `ValidatingAdmissionPolicy '${p.name}' has no ValidatingAdmissionPolicyBinding in the files: without one it does nothing`, object: p.source, path: ['metadata', 'name'] });
    }
    const mc = p.matchConstraints;
    if (!mc || mc.resourceRules.length === 0) {
      out.push({ severity: 'error', message: 'spec.matchConstraints.resourceRules is required: this policy never matches anything', object: p.source, path: ['spec', 'matchConstraints'] });
    } else {
      const problems = mc.resourceRules.map(ruleProblems);
      problems.forEach((problem, i) => {
        if (problem) out.push({ severity: problems.every((x) => x) ? 'error' : 'warning', message: `matchConstraints.resourceRules[${i}]: ${problem}`, object: p.source, path: ['spec', 'matchConstraints', 'resourceRules', i] });
      });
    }
    if (p.validations.length === 0 && p.auditAnnotations.length === 0) {
      out.push({ severity: 'error', message: 'a ValidatingAdmissionPolicy needs validations or auditAnnotations', object: p.source, path: ['spec'] });
    }
    if (cel) celLints(p, cel, out);
  }
  for (const b of set.bindings) {
    const p = policies.get(b.policyName);
    if (!p) out.push({ severity: 'warning', message: `binding '${b.name}' names ValidatingAdmissionPolicy '${b.policyName}', which is not in the files`, object: b.source, path: ['spec', 'policyName'] });
    const actions = b.validationActions;
    if (actions.length === 0) out.push({ severity: 'error', message: 'spec.validationActions is required (Deny, Warn and/or Audit)', object: b.source, path: ['spec', 'validationActions'] });
    if (actions.includes('Deny') && actions.includes('Warn')) {
      out.push({ severity: 'error', message: 'validationActions Deny and Warn may not be used together (the API server refuses this binding)', object: b.source, path: ['spec', 'validationActions'] });
    }
    for (const a of actions) if (a !== 'Deny' && a !== 'Warn' && a !== 'Audit') out.push({ severity: 'error', message: `unknown validationAction '${a}'`, object: b.source, path: ['spec', 'validationActions'] });
    if (!p) continue;
    if (b.paramRef && !p.paramKind) out.push({ severity: 'info', message: `policy '${p.name}' has no paramKind: this binding's paramRef is ignored`, object: b.source, path: ['spec', 'paramRef'] });
    if (p.paramKind && !b.paramRef) out.push({ severity: 'info', message: `policy '${p.name}' takes params (${p.paramKind.kind}) but this binding has no paramRef: params is null`, object: b.source, path: ['spec'] });
    if (p.paramKind && b.paramRef) {
      const ref = b.paramRef;
      if (ref.name && ref.selector !== undefined) out.push({ severity: 'error', message: 'paramRef.name and paramRef.selector are mutually exclusive', object: b.source, path: ['spec', 'paramRef'] });
      const found = paramCandidates(set, p.paramKind).filter((c) => (ref.name ? nameOf(c.value) === ref.name : true));
      if (ref.name && found.length === 0) {
        const effect = ref.parameterNotFoundAction === 'Deny' ? (p.failurePolicy === 'Fail' ? 'every request it matches is denied' : 'failurePolicy Ignore admits every request') : 'the binding does nothing';
        out.push({ severity: 'warning', message: `param ${p.paramKind.kind} '${ref.name}' is not in the files: ${effect}`, object: b.source, path: ['spec', 'paramRef', 'name'] });
      }
    }
  }
  return out;
}
