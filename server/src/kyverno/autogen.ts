// Kyverno's automatic rules for pod controllers (kyverno pkg/cel/autogen and
// pkg/cel/policies/vpol/autogen, as of kyverno main 2026-08): a ValidatingPolicy whose
// matchConstraints are exactly one rule for core v1 `pods` (no resourceNames, objectSelector or
// exclusions; a namespaceSelector is carried over) also applies to the pod controllers, with its
// expressions rewritten to the pod template: `object.spec` -> `object.spec.template.spec` and
// `object.metadata` -> `object.spec.template.metadata` (for CronJobs `spec.jobTemplate.spec.template`),
// the same for `oldObject`, except `object.metadata.namespace`, which stays the controller's own
// (kyverno#16039; before it, that was rewritten too - the conformance data cannot tell the two apart). The rewrite is textual over every string of the spec, as Kyverno's is over the
// spec's JSON. The controllers are Kyverno's: daemonsets, deployments, replicasets, statefulsets,
// jobs and cronjobs (ReplicationControllers are not among them); `autogen.podControllers.controllers`
// replaces the list, named by resource (an unknown name, e.g. a Kind, selects nothing).
import type { MatchResources, ResourceRule } from '../vap/policies';
import type { KyvernoPolicy } from './policy';

interface Target {
  group: string;
  version: string;
  resource: string;
  kind: string;
}

type ReplacementSet = 'defaults' | 'cronjobs';

const configs: Record<string, { target: Target; replacements: ReplacementSet }> = {
  daemonsets: { target: { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet' }, replacements: 'defaults' },
  deployments: { target: { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment' }, replacements: 'defaults' },
  replicasets: { target: { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet' }, replacements: 'defaults' },
  statefulsets: { target: { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet' }, replacements: 'defaults' },
  jobs: { target: { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job' }, replacements: 'defaults' },
  cronjobs: { target: { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob' }, replacements: 'cronjobs' },
};

const replacements: Record<ReplacementSet, { from: string; to: string }[]> = {
  defaults: [
    { from: 'spec', to: 'spec.template.spec' },
    { from: 'metadata', to: 'spec.template.metadata' },
  ],
  cronjobs: [
    { from: 'spec', to: 'spec.jobTemplate.spec.template.spec' },
    { from: 'metadata', to: 'spec.jobTemplate.spec.template.metadata' },
  ],
};

export interface AutogenVariant {
  /** the kinds this variant applies to */
  kinds: string[];
  policy: KyvernoPolicy;
}

function isEmptySelector(s: unknown): boolean {
  if (typeof s !== 'object' || s === null) return true;
  const r = s as { matchLabels?: unknown; matchExpressions?: unknown };
  const ml = r.matchLabels && typeof r.matchLabels === 'object' ? Object.keys(r.matchLabels).length : 0;
  const me = Array.isArray(r.matchExpressions) ? r.matchExpressions.length : 0;
  return ml === 0 && me === 0;
}

/** autogen.CanAutoGen */
export function canAutogen(m: MatchResources | undefined): boolean {
  if (!m) return false;
  if (!isEmptySelector(m.objectSelector)) return false;
  if (m.excludeResourceRules.length !== 0 || m.resourceRules.length !== 1) return false;
  const r = m.resourceRules[0];
  return (
    r.resourceNames.length === 0 &&
    r.apiGroups.length === 1 && r.apiGroups[0] === '' &&
    r.apiVersions.length === 1 && r.apiVersions[0] === 'v1' &&
    r.resources.length === 1 && r.resources[0] === 'pods'
  );
}

function isIdentifierChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

/** Replacement.Apply: every `object.<from>` / `oldObject.<from>` not followed by `.name` or `.namespace` as a whole segment. */
export function rewriteExpression(text: string, set: ReplacementSet): string {
  let out = text;
  for (const { from, to } of replacements[set]) {
    for (const root of ['object.', 'oldObject.']) out = replaceUnprotected(out, root + from, root + to);
  }
  return out;
}

function replaceUnprotected(data: string, from: string, to: string): string {
  let idx = data.indexOf(from);
  if (idx < 0) return data;
  let out = '';
  while (idx >= 0) {
    out += data.slice(0, idx);
    const rest = data.slice(idx + from.length);
    out += isProtected(rest) ? from : to;
    data = rest;
    idx = data.indexOf(from);
  }
  return out + data;
}

function isProtected(rest: string): boolean {
  for (const suffix of ['.namespace']) {
    if (rest.startsWith(suffix) && !isIdentifierChar(rest[suffix.length])) return true;
  }
  return false;
}

function rewriteAll<T extends object>(items: readonly T[], set: ReplacementSet): T[] {
  return items.map((item) => {
    const copy = { ...item } as Record<string, unknown>;
    for (const [k, v] of Object.entries(copy)) if (typeof v === 'string' && k !== 'name' && k !== 'key') copy[k] = rewriteExpression(v, set);
    return copy as T;
  });
}

/** The autogen policies of a ValidatingPolicy, one per replacement set (as Kyverno's status.autogen). */
export function autogenVariants(policy: KyvernoPolicy): AutogenVariant[] {
  if (!canAutogen(policy.matchConstraints)) return [];
  const names = policy.autogenControllers ?? Object.keys(configs);
  const bySet = new Map<ReplacementSet, Target[]>();
  for (const n of names) {
    const c = configs[n];
    if (!c) continue;
    const list = bySet.get(c.replacements) ?? [];
    list.push(c.target);
    bySet.set(c.replacements, list);
  }
  const operations = policy.matchConstraints!.resourceRules[0].operations;
  // CreateMatchConstraints gives no constraints (so no match) without operations
  if (operations.length === 0) return [];
  const out: AutogenVariant[] = [];
  for (const set of [...bySet.keys()].sort()) {
    const targets = bySet.get(set)!;
    const byGv = new Map<string, Set<string>>();
    for (const t of targets) {
      const key = `${t.group}/${t.version}`;
      byGv.set(key, (byGv.get(key) ?? new Set()).add(t.resource));
    }
    const rules: ResourceRule[] = [...byGv.keys()].sort().map((gv) => {
      const [group, version] = gv.split('/');
      return { apiGroups: [group], apiVersions: [version], resources: [...byGv.get(gv)!].sort(), operations, resourceNames: [], scope: '*' };
    });
    const variant: KyvernoPolicy = {
      ...policy,
      matchConstraints: { resourceRules: rules, excludeResourceRules: [], matchPolicy: 'Equivalent', namespaceSelector: policy.matchConstraints!.namespaceSelector },
      matchConditions: rewriteAll(policy.matchConditions, set),
      variables: rewriteAll(policy.variables, set),
      validations: rewriteAll(policy.validations, set),
      auditAnnotations: rewriteAll(policy.auditAnnotations, set),
    };
    out.push({ kinds: targets.map((t) => t.kind).sort(), policy: variant });
  }
  return out;
}
