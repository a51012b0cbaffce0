// The verdicts: every reviewed object (and what expansion generates from it) against every image
// constraint, as Gatekeeper's admission review would decide them.
import { Action, Constraint, namespaceLabels, PolicySet, variantFor } from './constraints';
import { getPath, toJS, YNode } from './documents';
import { expand, ExpansionTemplate, Review } from './expansion';
import { autorejectMessage, Matchable, matches, MatchResult } from './match';
import { K8sObject } from './objects';
import { Skim } from './fastYaml';
import { ContainerField, containerFields, PolicyRule, PolicyVariant, policyMessage, violates } from './policies';

export interface CheckOptions {
  /** The namespace of objects that do not name one; '*' makes them match every namespace rule. */
  readonly namespace: string;
  /** Review workloads as the Pods they create (the default ExpansionTemplates). */
  readonly checkPodTemplates: boolean;
}

export const defaultCheckOptions: CheckOptions = { namespace: 'default', checkPodTemplates: true };

export type Severity = 'error' | 'warning' | 'info';
export const severityOf: Record<Action, Severity> = { deny: 'error', warn: 'warning', dryrun: 'info' };

/** One image a Pod (or a generated Pod) runs, with where its value is written. */
export interface ImageUse {
  readonly review: Review;
  readonly field: ContainerField;
  /** Position of the container in the reviewed object's list (array index or map key). */
  readonly key: number | string;
  /** The path from the file's object to the container, e.g. `spec.template.spec.containers[0]`. */
  readonly path: string;
  readonly name: unknown;
  readonly image: unknown;
  readonly imageNode: YNode;
}

export interface Violation {
  readonly constraint: Constraint;
  readonly action: Action;
  readonly severity: Severity;
  readonly message: string;
  readonly object: K8sObject;
  /** The image use that produced it; undefined for a match error, which is about the whole object. */
  readonly use: ImageUse | undefined;
}

/** Kinds that live outside namespaces; every other kind is namespaced. */
const clusterScopedKinds = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'CustomResourceDefinition',
  'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'CSIDriver', 'CSINode',
  'IngressClass', 'RuntimeClass', 'ConstraintTemplate', 'ExpansionTemplate', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'VolumeAttachment', 'CertificateSigningRequest', 'ComponentStatus',
]);

function isClusterScoped(r: Review): boolean {
  return clusterScopedKinds.has(r.gvk.kind) || r.gvk.group === 'constraints.gatekeeper.sh' || r.gvk.group === 'mutations.gatekeeper.sh';
}

export function matchableOf(r: Review, policy: PolicySet, options: CheckOptions): Matchable {
  const clusterScoped = isClusterScoped(r);
  const explicit = r.namespace;
  const anyNamespace = !clusterScoped && explicit === undefined && options.namespace === '*';
  const namespace = clusterScoped ? undefined : explicit ?? (anyNamespace ? undefined : options.namespace);
  return {
    gvk: r.gvk,
    name: r.name,
    ...(r.generateName !== undefined ? { generateName: r.generateName } : {}),
    namespace,
    anyNamespace,
    labels: r.labels,
    namespaceLabels: namespace === undefined ? undefined : namespaceLabels(policy, namespace),
    source: r.source,
  };
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

/** The containers a rule walks: `spec.<field>[_]` iterates list items and map values alike. */
export function imageUses(review: Review, field: ContainerField, pathToReview: string): ImageUse[] {
  const list = getPath(review.node, 'spec', field);
  if (!list || list.kind === 'scalar') return [];
  const entries: Array<[number | string, YNode]> =
    list.kind === 'seq' ? list.items.map((n, i) => [i, n]) : [...list.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: ImageUse[] = [];
  for (const [key, container] of entries) {
    if (container.kind !== 'map') continue;
    const imageNode = container.entries.get('image');
    if (!imageNode) continue;
    const nameNode = container.entries.get('name');
    const step = typeof key === 'number' ? `[${key}]` : `.${key}`;
    out.push({
      review,
      field,
      key,
      path: `${pathToReview}spec.${field}${step}`,
      name: nameNode ? toJS(nameNode) : undefined,
      image: toJS(imageNode),
      imageNode,
    });
  }
  return out;
}

/** Where a generated resource sits inside its origin, e.g. `spec.template.` for a Deployment's Pod. */
function reviewPath(review: Review): string {
  if (review.node === review.origin.node) return '';
  const find = (node: YNode, prefix: string): string | undefined => {
    if (node === review.node) return prefix;
    if (node.kind !== 'map') return undefined;
    for (const [k, v] of node.entries) {
      if (v.kind !== 'map') continue;
      const hit = find(v, `${prefix}${k}.`);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  return find(review.origin.node, '') ?? '';
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
  const prefix = reviewPath(review);
  const out: RuleOutcome[] = [];
  for (const rule of variant.rules) {
    for (const use of imageUses(review, rule.field, prefix)) {
      const usesName = rule.args.includes('name');
      let violated = violates(c.kind, use.image, c.list);
      if (usesName && use.name === undefined) violated = undefined;
      const message = violated ? policyMessage(rule, use.name, use.image, c.list) : undefined;
      out.push({ use, rule, violated, message });
    }
  }
  return out;
}

function prefixed(review: Review, message: string): string {
  return review.impliedBy ? `[Implied by ${review.impliedBy}] ${message}` : message;
}

/** All violations of one file's objects. */
export function checkObjects(objects: readonly K8sObject[], policy: PolicySet, options: CheckOptions = defaultCheckOptions): Violation[] {
  const out: Violation[] = [];
  if (policy.constraints.length === 0) return out;
  const templates = expansionsFor(policy, options);
  for (const object of objects) {
    for (const review of expand(object, templates)) {
      const matchable = matchableOf(review, policy, options);
      for (const c of policy.constraints) {
        if (c.actions.length === 0) continue;
        const action = review.actionOverride ?? c.actions[0]!;
        const m: MatchResult = matches(c.match, matchable);
        if (m.matched === false) continue;
        if (m.matched === 'error') {
          out.push({ constraint: c, action, severity: severityOf[action], message: autorejectMessage(review.name, m.error), object, use: undefined });
          continue;
        }
        const seen = new Set<string>();
        for (const r of evaluatePolicy(c, variantFor(policy, c.kind), review)) {
          if (!r.message) continue;
          const message = prefixed(review, r.message);
          if (seen.has(message)) continue; // a Rego set: identical messages are one result
          seen.add(message);
          out.push({ constraint: c, action, severity: severityOf[action], message, object, use: r.use });
        }
      }
    }
  }
  return out;
}
