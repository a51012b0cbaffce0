// Where an object lives: cluster-scoped kinds, the namespace of an object that names none, and the
// labels of its Namespace, as Gatekeeper's matchers see them.
import type { Matchable } from './match';
import type { Review } from './expansion';
import type { CheckOptions } from './options';
import { namespaceLabels } from './policySet';
import type { PolicySet } from './policy';

/** Kinds that live outside namespaces; every other kind is namespaced. */
const clusterScopedKinds = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'CustomResourceDefinition',
  'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'CSIDriver', 'CSINode',
  'IngressClass', 'RuntimeClass', 'ConstraintTemplate', 'ExpansionTemplate', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'VolumeAttachment', 'CertificateSigningRequest', 'ComponentStatus',
]);

export function isClusterScoped(r: Review): boolean {
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
