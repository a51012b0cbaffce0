// Gatekeeper's constraint match (pkg/mutation/match/match.go), to the letter: every matcher must
// pass, in Gatekeeper's order, and the first one that fails decides.
import { YNode, toJS } from '../yaml/documents';
import { GroupVersionKind } from './objects';

export interface KindsEntry {
  readonly apiGroups: readonly string[];
  readonly kinds: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: ReadonlyArray<{ key: string; operator: string; values: readonly string[] }>;
}

export interface Match {
  readonly kinds: readonly KindsEntry[];
  readonly scope: string;
  readonly namespaces: readonly string[];
  readonly excludedNamespaces: readonly string[];
  readonly labelSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly name: string;
  readonly source: string;
}

/** What the matchers look at: the reviewed object, its namespace, and where it came from. */
export interface Matchable {
  readonly gvk: GroupVersionKind;
  readonly name: string;
  readonly generateName?: string;
  /** The namespace the object is in; undefined for cluster-scoped objects (and under --namespace '*'). */
  readonly namespace: string | undefined;
  /** True when the namespace is unknown on purpose (--namespace '*'): every namespace rule passes. */
  readonly anyNamespace: boolean;
  readonly labels: Readonly<Record<string, string>>;
  /** Labels of the object's Namespace, when the workspace holds it. */
  readonly namespaceLabels: Readonly<Record<string, string>> | undefined;
  readonly source: 'Original' | 'Generated';
}

export type MatchResult =
  | { readonly matched: true }
  | { readonly matched: false; readonly matcher: string; readonly reason: string }
  | { readonly matched: 'error'; readonly matcher: string; readonly error: string };

const NO_MATCH = (matcher: string, reason: string): MatchResult => ({ matched: false, matcher, reason });

/** Reads `spec.match`; throws a message for what Gatekeeper would refuse when the constraint is created. */
export function parseMatch(node: YNode | undefined): Match {
  const m = (node ? toJS(node) : undefined) as Record<string, unknown> | undefined;
  if (m !== undefined && (m === null || typeof m !== 'object' || Array.isArray(m))) {
    if (m === null) return emptyMatch;
    throw new Error('spec.match must be an object');
  }
  const kinds: KindsEntry[] = [];
  for (const k of asArray(m?.kinds, 'spec.match.kinds')) {
    if (k === null || typeof k !== 'object' || Array.isArray(k)) throw new Error('spec.match.kinds entries must be objects');
    const e = k as Record<string, unknown>;
    kinds.push({ apiGroups: strings(e.apiGroups, 'spec.match.kinds[].apiGroups'), kinds: strings(e.kinds, 'spec.match.kinds[].kinds') });
  }
  const match: Match = {
    kinds,
    scope: optString(m?.scope, 'spec.match.scope'),
    namespaces: strings(m?.namespaces, 'spec.match.namespaces'),
    excludedNamespaces: strings(m?.excludedNamespaces, 'spec.match.excludedNamespaces'),
    name: optString(m?.name, 'spec.match.name'),
    source: optString(m?.source, 'spec.match.source'),
    ...(m?.labelSelector != null ? { labelSelector: selector(m.labelSelector, 'spec.match.labelSelector') } : {}),
    ...(m?.namespaceSelector != null ? { namespaceSelector: selector(m.namespaceSelector, 'spec.match.namespaceSelector') } : {}),
  };
  if (match.source !== '' && !['All', 'Generated', 'Original'].includes(match.source)) {
    throw new Error(`spec.match.source must be one of All, Generated, Original, not ${JSON.stringify(match.source)}`);
  }
  return match;
}

const emptyMatch: Match = { kinds: [], scope: '', namespaces: [], excludedNamespaces: [], name: '', source: '' };

function asArray(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${what} must be a list`);
  return v;
}

function strings(v: unknown, what: string): string[] {
  return asArray(v, what).map((s) => {
    if (typeof s !== 'string') throw new Error(`${what} must hold strings`);
    return s;
  });
}

function optString(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new Error(`${what} must be a string`);
  return v;
}

const operators = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

function selector(v: unknown, what: string): LabelSelector {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} must be an object`);
  const s = v as Record<string, unknown>;
  const matchLabels: Record<string, string> = {};
  if (s.matchLabels != null) {
    if (typeof s.matchLabels !== 'object' || Array.isArray(s.matchLabels)) throw new Error(`${what}.matchLabels must be a map`);
    for (const [k, val] of Object.entries(s.matchLabels as Record<string, unknown>)) {
      if (typeof val !== 'string') throw new Error(`${what}.matchLabels values must be strings`);
      matchLabels[k] = val;
    }
  }
  const matchExpressions = asArray(s.matchExpressions, `${what}.matchExpressions`).map((e) => {
    const x = e as Record<string, unknown>;
    if (typeof x?.key !== 'string' || typeof x.operator !== 'string') throw new Error(`${what}.matchExpressions need key and operator`);
    if (!operators.has(x.operator)) throw new Error(`${what}: ${JSON.stringify(x.operator)} is not a valid label selector operator`);
    const values = strings(x.values, `${what}.matchExpressions[].values`);
    if ((x.operator === 'In' || x.operator === 'NotIn') && values.length === 0) {
      throw new Error(`${what}: values must be non-empty for operator ${x.operator}`);
    }
    if ((x.operator === 'Exists' || x.operator === 'DoesNotExist') && values.length > 0) {
      throw new Error(`${what}: values must be empty for operator ${x.operator}`);
    }
    return { key: x.key, operator: x.operator, values };
  });
  return { matchLabels, matchExpressions };
}

/** Gatekeeper's wildcard (pkg/wildcard): `kube-*` prefix, `*-system` suffix, `*x*` contains, else exact. */
export function wildcardMatches(w: string, candidate: string): boolean {
  const pre = w.startsWith('*');
  const suf = w.endsWith('*');
  if (pre && suf) return candidate.includes(w.slice(1).replace(/\*$/, ''));
  if (pre) return candidate.endsWith(w.slice(1));
  if (suf) return candidate.startsWith(w.slice(0, -1));
  return w === candidate;
}

function wildcardMatchesGenerateName(w: string, candidate: string): boolean {
  if (w.startsWith('*') && w.endsWith('*')) return candidate.includes(w.slice(1).replace(/\*$/, ''));
  if (w.endsWith('*') && !w.startsWith('*')) return candidate.startsWith(w.slice(0, -1));
  return false;
}

export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        if (!has || !e.values.includes(labels[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && e.values.includes(labels[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

function isNamespaceObject(t: Matchable): boolean {
  return t.gvk.kind === 'Namespace' && t.gvk.group === '';
}

/** The namespace the namespace matchers test; undefined when they have nothing to test and pass. */
function namespaceOf(t: Matchable): string | undefined {
  if (isNamespaceObject(t)) return t.name;
  if (t.anyNamespace) return undefined;
  return t.namespace || undefined;
}

export function matches(match: Match, t: Matchable): MatchResult {
  const isNs = isNamespaceObject(t);

  if (match.kinds.length > 0) {
    const ok = match.kinds.some(
      (k) =>
        (k.kinds.length === 0 || k.kinds.includes('*') || k.kinds.includes(t.gvk.kind)) &&
        (k.apiGroups.length === 0 || k.apiGroups.includes('*') || k.apiGroups.includes(t.gvk.group)),
    );
    if (!ok) return NO_MATCH('kinds', `kind ${groupKind(t.gvk)} is not in match.kinds`);
  }

  const hasNamespace = t.anyNamespace ? !isNs : t.namespace !== undefined && t.namespace !== '';
  if (match.scope === 'Cluster' && !(isNs || !hasNamespace)) return NO_MATCH('scope', 'match.scope is Cluster and the object is namespaced');
  if (match.scope === 'Namespaced' && !(!isNs && hasNamespace)) {
    return NO_MATCH('scope', 'match.scope is Namespaced and the object is cluster-scoped');
  }

  const ns = namespaceOf(t);
  if (match.namespaces.length > 0 && ns !== undefined && !match.namespaces.some((w) => wildcardMatches(w, ns))) {
    return NO_MATCH('namespaces', `namespace ${ns} is not in match.namespaces`);
  }
  if (match.excludedNamespaces.length > 0 && ns !== undefined && match.excludedNamespaces.some((w) => wildcardMatches(w, ns))) {
    return NO_MATCH('excludedNamespaces', `namespace ${ns} is excluded by match.excludedNamespaces`);
  }

  if (match.labelSelector && !selectorMatches(match.labelSelector, t.labels)) {
    return NO_MATCH('labelSelector', 'the labels do not match match.labelSelector');
  }

  if (match.namespaceSelector) {
    if (isNs) {
      if (!selectorMatches(match.namespaceSelector, t.labels)) return NO_MATCH('namespaceSelector', 'the Namespace labels do not match match.namespaceSelector');
    } else if (ns !== undefined) {
      if (!t.namespaceLabels) {
        return {
          matched: 'error',
          matcher: 'namespaceSelector',
          error: 'namespace selector for namespace-scoped object but missing Namespace',
        };
      }
      if (!selectorMatches(match.namespaceSelector, t.namespaceLabels)) {
        return NO_MATCH('namespaceSelector', `the labels of Namespace ${ns} do not match match.namespaceSelector`);
      }
    }
  }

  if (match.name !== '' && !wildcardMatches(match.name, t.name) && !wildcardMatchesGenerateName(match.name, t.generateName ?? '')) {
    return NO_MATCH('name', `name ${t.name || '(none)'} does not match match.name ${match.name}`);
  }

  const src = match.source === '' ? 'All' : match.source;
  if (src !== 'All' && src !== t.source) return NO_MATCH('source', `match.source is ${src} and the object is ${t.source}`);

  return { matched: true };
}

export function groupKind(gvk: GroupVersionKind): string {
  return gvk.group ? `${gvk.kind}.${gvk.group}` : gvk.kind;
}

/** Gatekeeper's text for a match error, as the review reports it (an "autoreject" result). */
