// Kubernetes ValidatingAdmissionPolicies (with their bindings and param objects) and Kyverno
// ValidatingPolicies as policy sources beside Gatekeeper's constraints: read from the workspace's
// objects, linted at the field they are about, and evaluated on each object as itself (a policy on
// `pods` sees Pods, not a Deployment's template; Kyverno's autogen rules see pod controllers).
// Matching, messages and actions are each engine's own (server/src/vap, server/src/kyverno).
import { getPath, Span, toJS, YNode } from '../yaml/documents';
import { evaluateVap, lintVap, readVapSet, vapCel, type SourcedObject } from '../vap';
import { autogenVariants, evaluateKyverno, kyvernoCel, kyvernoDecisions, readKyvernoSet } from '../kyverno';
import { lintKyverno } from '../kyverno/lint';
import type { FieldPath, MatchResources } from '../vap/policies';
import type { Action } from './enforcement';
import type { K8sObject } from './objects';
import type { AdmissionObject, AdmissionPolicies, AdmissionPolicyRef, Located, NamespaceObject, PolicyProblem } from './policy';

const vapGroup = 'admissionregistration.k8s.io';
const kyvernoGroup = 'policies.kyverno.io';

export function isAdmissionPolicyObject(o: K8sObject): boolean {
  const { group, kind } = o.gvk;
  return (
    (group === vapGroup && (kind === 'ValidatingAdmissionPolicy' || kind === 'ValidatingAdmissionPolicyBinding')) ||
    (group === kyvernoGroup && (kind === 'ValidatingPolicy' || kind === 'NamespacedValidatingPolicy' || kind === 'PolicyException'))
  );
}

export function admissionObject(file: string, o: K8sObject): AdmissionObject {
  return { file, node: o.node, source: { value: toJS(o.node), where: { file } } };
}

const sources = new WeakMap<SourcedObject, AdmissionObject>();

/**
 * Reads the policies. `params` are the other objects a binding's paramRef may name (any kind: the
 * workspace layer gives the objects of the kinds that policies' paramKind names); `namespaces` feed
 * namespaceSelector and namespaceObject.
 */
export function readAdmissionPolicies(allObjects: readonly AdmissionObject[], allParams: readonly AdmissionObject[], namespaces: Iterable<NamespaceObject>): AdmissionPolicies | undefined {
  if (allObjects.length === 0) return undefined;
  // One object per kind, namespace and name, as a cluster holds them: a workspace that defines a policy,
  // binding or params object twice is checked with the first (and told), not with every copy (copies
  // multiplied each other: one binding per copy, evaluated with every copy of its params).
  const problems: PolicyProblem[] = [];
  const objects = onePerName(allObjects, problems);
  const params = onePerName(allParams, problems);
  for (const o of [...objects, ...params]) sources.set(o.source, o);
  const nsObjects: SourcedObject[] = [...namespaces].map((ns) => ({ value: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: ns.labels } }, where: { file: ns.file } }));
  const all = [...objects.map((o) => o.source), ...params.map((o) => o.source), ...nsObjects];
  const vap = readVapSet(all);
  const kyverno = readKyvernoSet(all);
  const refs = new Map<string, AdmissionPolicyRef>();
  const at = (s: SourcedObject): Located => {
    const o = sources.get(s);
    return o ? { file: o.file, span: spanAt(o.node, ['metadata', 'name']) } : { file: s.where?.file ?? '', span: { start: 0, end: 0 } };
  };
  for (const b of vap.bindings) {
    const p = vap.policies.find((x) => x.name === b.policyName);
    refs.set(vapKey(b.policyName, b.name), { ...(p ? at(p.source) : at(b.source)), engine: 'vap', kind: 'ValidatingAdmissionPolicy', name: b.policyName, binding: b.name });
  }
  for (const p of kyverno.policies) refs.set(kyvernoKey(p.name), { ...at(p.source), engine: 'kyverno', kind: p.kind, name: p.name });
  for (const l of [...lintVap(vap, vapCel()), ...lintKyverno(kyverno, kyvernoCel())]) {
    const o = sources.get(l.object);
    if (!o) continue;
    problems.push({ file: o.file, span: spanAt(o.node, l.path, l.offset), severity: l.severity, message: l.message });
  }
  return { vap, kyverno, refs, problems };
}

/** The first object of each apiVersion group, kind, namespace and name; a warning at each later one. Nameless objects are all kept. */
function onePerName(objects: readonly AdmissionObject[], problems: PolicyProblem[]): readonly AdmissionObject[] {
  const first = new Map<string, AdmissionObject>();
  const out: AdmissionObject[] = [];
  for (const o of objects) {
    const v = o.source.value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    const name = v?.metadata?.name;
    if (typeof name !== 'string' || name === '') {
      out.push(o);
      continue;
    }
    const av = typeof v?.apiVersion === 'string' ? v.apiVersion : '';
    const group = av.includes('/') ? av.slice(0, av.lastIndexOf('/')) : '';
    const ns = typeof v?.metadata?.namespace === 'string' ? v.metadata.namespace : '';
    const key = `${group}\0${String(v?.kind)}\0${ns}\0${name}`;
    const seen = first.get(key);
    if (!seen) {
      first.set(key, o);
      out.push(o);
      continue;
    }
    problems.push({
      file: o.file,
      span: spanAt(o.node, ['metadata', 'name']),
      severity: 'warning',
      message: `${String(v?.kind)} ${ns ? `${ns}/` : ''}${name} is defined twice (also in ${seen.file}); the cluster keeps only the last one applied, so this one is not read`,
    });
  }
  return out;
}

const vapKey = (policy: string, binding: string) => `vap\0${policy}\0${binding}`;
const kyvernoKey = (policy: string) => `kyverno\0${policy}`;

/** The span of the node at a policy's field path (the nearest existing ancestor), or inside its expression. */
function spanAt(node: YNode, path: FieldPath, offset?: number): Span {
  let cur: YNode = node;
  for (const k of path) {
    const next: YNode | undefined = typeof k === 'number' ? (cur.kind === 'seq' ? cur.items[k] : undefined) : getPath(cur, k);
    if (!next) break;
    cur = next;
  }
  if (offset !== undefined && cur.kind === 'scalar' && cur.style === 'plain') return { start: cur.span.start + offset, end: cur.span.start + offset + 1 };
  return cur.span;
}

export const admissionActions: Record<'Deny' | 'Warn' | 'Audit', Action> = { Deny: 'deny', Warn: 'warn', Audit: 'dryrun' };

export interface AdmissionDecision {
  readonly ref: AdmissionPolicyRef;
  readonly action: Action;
  readonly message: string;
  /** Not evaluated from the files (authorizer, a bound, a function that reaches outside): the message says why. */
  readonly notEvaluated: boolean;
}

/**
 * The decisions of every admission policy on one object (as JSON), in the namespace the context gives
 * an object that names none.
 */
export function admissionDecisions(policies: AdmissionPolicies, object: unknown, defaultNamespace: string | undefined): AdmissionDecision[] {
  const out: AdmissionDecision[] = [];
  if (policies.vap.policies.length > 0) {
    const r = evaluateVap(policies.vap, object, { cel: vapCel(), ...(defaultNamespace !== undefined ? { defaultNamespace } : {}) });
    for (const d of r.decisions) {
      const ref = policies.refs.get(vapKey(d.policy, d.binding));
      if (!ref) continue;
      out.push({ ref, action: admissionActions[d.action], message: d.notEvaluated ? `ValidatingAdmissionPolicy '${d.policy}' is not evaluated: ${d.notEvaluated}` : d.message, notEvaluated: d.notEvaluated !== undefined });
    }
  }
  if (policies.kyverno.policies.length > 0) {
    const results = evaluateKyverno(policies.kyverno, object, { cel: kyvernoCel(), synthesizeNamespaces: true, ...(defaultNamespace !== undefined ? { defaultNamespace } : {}) });
    for (const d of kyvernoDecisions(results)) {
      const ref = policies.refs.get(kyvernoKey(d.policy));
      if (!ref) continue;
      out.push({ ref, action: admissionActions[d.action], message: d.notEvaluated ? `ValidatingPolicy '${d.policy}' is not evaluated: ${d.notEvaluated}` : d.message, notEvaluated: d.notEvaluated !== undefined });
    }
  }
  return out;
}

/**
 * Whether any admission policy can decide on an object of this apiVersion and kind, before the object
 * is built as JSON: a policy applies only to a request whose resource its resourceRules name (the
 * API server's rules, and Kyverno's with its autogen rules, compare the resource by name, in every
 * version and equivalent group). False only when every policy has rules, none names `*`, and none names
 * the object's resource (as each set's catalog names it): then admissionDecisions gives nothing.
 */
export function mayDecide(policies: AdmissionPolicies, apiVersion: string, kind: string): boolean {
  let r = selectable.get(policies);
  if (r === undefined) selectable.set(policies, (r = selectableResources(policies)));
  if (r === 'any') return true;
  if (policies.vap.policies.length > 0 && r.vap.has(policies.vap.catalog.info(apiVersion, kind).resource)) return true;
  if (policies.kyverno.policies.length > 0 && r.kyverno.has(policies.kyverno.catalog.info(apiVersion, kind).resource)) return true;
  return false;
}

const selectable = new WeakMap<AdmissionPolicies, { vap: Set<string>; kyverno: Set<string> } | 'any'>();

function selectableResources(policies: AdmissionPolicies): { vap: Set<string>; kyverno: Set<string> } | 'any' {
  const add = (m: MatchResources | undefined, out: Set<string>): boolean => {
    if (!m) return false;
    for (const rule of m.resourceRules) {
      for (const res of rule.resources) {
        const name = res.includes('/') ? res.slice(0, res.indexOf('/')) : res;
        if (name === '*') return false;
        out.add(name);
      }
    }
    return true;
  };
  const vap = new Set<string>();
  const kyverno = new Set<string>();
  for (const p of policies.vap.policies) if (!add(p.matchConstraints, vap)) return 'any';
  for (const p of policies.kyverno.policies) {
    if (!add(p.matchConstraints, kyverno)) return 'any';
    for (const v of autogenVariants(p)) if (!add(v.policy.matchConstraints, kyverno)) return 'any';
  }
  return { vap, kyverno };
}

/** An object's `group/Kind`, as paramKinds names the kinds policies read as params. */
export function paramKindOf(o: AdmissionObject): string {
  const v = o.source.value as { apiVersion?: unknown; kind?: unknown } | null;
  const av = typeof v?.apiVersion === 'string' ? v.apiVersion : '';
  const slash = av.lastIndexOf('/');
  return `${slash < 0 ? '' : av.slice(0, slash)}/${String(v?.kind)}`;
}

/** The kinds (`group/Kind`) that ValidatingAdmissionPolicies name as paramKind: objects of these kinds can be params. */
export function paramKinds(objects: readonly AdmissionObject[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    const v = o.source.value as { kind?: unknown; spec?: { paramKind?: { apiVersion?: unknown; kind?: unknown } } } | null;
    const pk = v?.kind === 'ValidatingAdmissionPolicy' ? v.spec?.paramKind : undefined;
    if (typeof pk?.kind !== 'string' || typeof pk.apiVersion !== 'string') continue;
    const slash = pk.apiVersion.lastIndexOf('/');
    out.add(`${slash < 0 ? '' : pk.apiVersion.slice(0, slash)}/${pk.kind}`);
  }
  return out;
}

/** A file's objects of the given param kinds, as the policies read them. */
export function paramObjects(file: string, objects: readonly K8sObject[], kinds: ReadonlySet<string>): AdmissionObject[] {
  if (kinds.size === 0) return [];
  return objects.filter((o) => kinds.has(`${o.gvk.group}/${o.gvk.kind}`)).map((o) => admissionObject(file, o));
}

/** A list in a params object that names trusted places: where an entry admitting an image can go. */
export interface ParamsList {
  readonly object: AdmissionObject;
  /** Field path of the list in the params object. */
  readonly path: readonly (string | number)[];
  readonly node: YNode;
}

/**
 * The lists of registry-like strings in the params objects a VAP binding uses (by paramRef name and
 * namespace): `imageRepositoryAllowList: [registry.corp.example/, ...]`.
 */
export function paramsLists(policies: AdmissionPolicies, ref: AdmissionPolicyRef): ParamsList[] {
  if (ref.engine !== 'vap') return [];
  const binding = policies.vap.bindings.find((b) => b.name === ref.binding && b.policyName === ref.name);
  const policy = policies.vap.policies.find((p) => p.name === ref.name);
  const pk = policy?.paramKind;
  if (!binding?.paramRef?.name || !pk) return [];
  const out: ParamsList[] = [];
  for (const s of policies.vap.objects) {
    const o = sources.get(s);
    const v = s.value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    if (!o || !v || v.kind !== pk.kind || v.metadata?.name !== binding.paramRef.name) continue;
    if (binding.paramRef.namespace !== undefined && v.metadata?.namespace !== binding.paramRef.namespace) continue;
    const walk = (n: YNode, path: Array<string | number>, depth: number): void => {
      if (depth > 12) return;
      if (n.kind === 'seq') {
        const strings = n.items.filter((x) => x.kind === 'scalar' && typeof x.value === 'string').map((x) => (x as { value: string }).value);
        if (strings.length > 0 && strings.length === n.items.length && strings.some((x) => /^[a-z0-9][a-z0-9.-]*(?::\d+)?\/\S*$/i.test(x) && /[.:]/.test(x.slice(0, x.indexOf('/'))))) out.push({ object: o, path, node: n });
        n.items.forEach((x, i) => walk(x, [...path, i], depth + 1));
      } else if (n.kind === 'map') for (const [k, x] of n.entries) walk(x, [...path, k], depth + 1);
    };
    walk(o.node, [], 0);
  }
  return out;
}

/** Whether the object passes the policy once `entry` is added to the params list (checked, not guessed). */
export function passesWithEntry(policies: AdmissionPolicies, ref: AdmissionPolicyRef, list: ParamsList, entry: string, object: unknown, defaultNamespace: string | undefined): boolean {
  const value = structuredClone(list.object.source.value) as Record<string, unknown>;
  let cur: unknown = value;
  for (const k of list.path) cur = (cur as Record<string | number, unknown>)[k];
  if (!Array.isArray(cur)) return false;
  cur.push(entry);
  const changed: AdmissionObject = { file: list.object.file, node: list.object.node, source: { value, where: list.object.source.where ?? {} } };
  const objects = policies.vap.objects.map((s) => (s === list.object.source ? changed.source : s));
  const again = { ...policies, vap: readVapSet(objects), kyverno: policies.kyverno };
  return !admissionDecisions(again, object, defaultNamespace).some((d) => d.ref.engine === 'vap' && d.ref.name === ref.name && d.ref.binding === (ref.engine === 'vap' ? ref.binding : ''));
}
