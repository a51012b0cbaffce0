// Admission matching as the API server does it for a policy's matchConstraints and a binding's
// matchResources (k8s.io/apiserver .../admission/plugin/policy/matching): namespaceSelector, then
// objectSelector, then excludeResourceRules, then resourceRules with their resourceNames; with
// matchPolicy Equivalent a rule also matches the same resource requested through another version or
// an equivalent group (the request is converted, so resourceNames are not looked at there: upstream's
// quirk, kept).
import type { MatchResources, ResourceRule } from './policies';
import type { AdmissionAttributes } from './request';
import { ResourceCatalog, equivalentGroupsOf, isRecord } from './resources';
import { Labels, isEmptySelector, labelsOf, selectorMatches } from './selectors';

/** What the matcher knows about namespaces: labels by name (undefined: no Namespace object seen). */
export type NamespaceLabels = (name: string) => Labels | undefined;

export interface MatchOutcome {
  matches: boolean;
  /** true when the namespace's labels were not known and were assumed (only the name label) */
  assumedNamespace?: boolean;
}

interface Target {
  group: string;
  version: string;
  resource: string;
}

function ruleMatches(rule: ResourceRule, a: AdmissionAttributes, t: Target): boolean {
  if (rule.scope === 'Namespaced' && (isNamespaceRequest(a) || a.namespace === '')) return false;
  if (rule.scope === 'Cluster' && !(isNamespaceRequest(a) || a.namespace === '')) return false;
  if (!rule.operations.some((op) => op === '*' || op === a.operation)) return false;
  if (!rule.apiGroups.some((g) => g === '*' || g === t.group)) return false;
  if (!rule.apiVersions.some((v) => v === '*' || v === t.version)) return false;
  return rule.resources.some((r) => {
    const slash = r.indexOf('/');
    const res = slash < 0 ? r : r.slice(0, slash);
    const sub = slash < 0 ? '' : r.slice(slash + 1);
    return (res === '*' || res === t.resource) && (sub === '*' || sub === a.subResource);
  });
}

function isNamespaceRequest(a: AdmissionAttributes): boolean {
  return a.group === '' && a.resource === 'namespaces';
}

function equivalents(a: AdmissionAttributes, catalog: ResourceCatalog): Target[] {
  const out: Target[] = [];
  const versions = catalog.versionsOf(a.group, a.resource);
  if (versions) for (const v of versions) if (v !== a.version) out.push({ group: a.group, version: v, resource: a.resource });
  for (const g of equivalentGroupsOf(a.group, a.resource)) out.push({ group: g, version: '*', resource: a.resource });
  return out;
}

function equivalentRuleMatches(rule: ResourceRule, a: AdmissionAttributes, t: Target): boolean {
  // an equivalent group's version is whatever that group serves: any version named by the rule
  if (t.version === '*') return rule.apiVersions.length > 0 && ruleMatches(rule, a, { ...t, version: rule.apiVersions[0] === '*' ? a.version : rule.apiVersions[0] });
  return ruleMatches(rule, a, t);
}

export function rulesMatch(rules: readonly ResourceRule[], matchPolicy: 'Exact' | 'Equivalent', a: AdmissionAttributes, catalog: ResourceCatalog): boolean {
  const self: Target = { group: a.group, version: a.version, resource: a.resource };
  for (const rule of rules) {
    if (!ruleMatches(rule, a, self)) continue;
    if (rule.resourceNames.length === 0 || rule.resourceNames.includes(a.name)) return true;
  }
  if (matchPolicy === 'Exact') return false;
  const eq = equivalents(a, catalog);
  return rules.some((rule) => eq.some((t) => equivalentRuleMatches(rule, a, t)));
}

function namespaceSelectorMatches(m: MatchResources, a: AdmissionAttributes, namespaces: NamespaceLabels): MatchOutcome {
  if (a.namespace === '' && !isNamespaceRequest(a)) return { matches: true };
  if (isEmptySelector(m.namespaceSelector)) return { matches: true };
  if (isNamespaceRequest(a)) {
    // a Namespace being created or updated is judged by its own labels (the API server adds the name label)
    const own = a.object ?? a.oldObject;
    return { matches: selectorMatches(m.namespaceSelector, { ...labelsOf(own), 'kubernetes.io/metadata.name': a.namespace }) };
  }
  const known = namespaces(a.namespace);
  if (known) return { matches: selectorMatches(m.namespaceSelector, { ...known, 'kubernetes.io/metadata.name': a.namespace }) };
  return { matches: selectorMatches(m.namespaceSelector, { 'kubernetes.io/metadata.name': a.namespace }), assumedNamespace: true };
}

function objectSelectorMatches(m: MatchResources, a: AdmissionAttributes): boolean {
  if (isEmptySelector(m.objectSelector)) return true;
  const candidates = [a.object, a.oldObject].filter(isRecord);
  return candidates.some((o) => selectorMatches(m.objectSelector, labelsOf(o)));
}

/**
 * Whether a MatchResources selects the request. `requireRules`: a policy's matchConstraints must name
 * resources (an empty list matches nothing there), a binding's matchResources without rules narrows
 * only by its selectors.
 */
export function matchResources(m: MatchResources, a: AdmissionAttributes, catalog: ResourceCatalog, namespaces: NamespaceLabels): MatchOutcome {
  const ns = namespaceSelectorMatches(m, a, namespaces);
  if (!ns.matches) return ns;
  if (!objectSelectorMatches(m, a)) return { matches: false };
  if (rulesMatch(m.excludeResourceRules, m.matchPolicy, a, catalog)) return { matches: false };
  if (m.resourceRules.length > 0 && !rulesMatch(m.resourceRules, m.matchPolicy, a, catalog)) return { matches: false };
  return ns;
}
