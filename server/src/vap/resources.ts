// How the API server names a kind's resource, and whether it lives in a namespace. Admission rules
// (`resourceRules`) name resources ("deployments"), never kinds, so matching a file's object needs the
// same kind -> resource mapping the API server's RESTMapper has: a table for the built-in kinds, the
// CRDs found beside the policies, and otherwise apimachinery's UnsafeGuessKindToResource (lowercase,
// then "s", "es" after an s, "ies" for a final y, "endpoints" unchanged).

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface KindInfo extends GroupVersionResource {
  kind: string;
  /** undefined when neither the built-in table nor a CRD knows the kind */
  namespaced: boolean | undefined;
}

/** A CustomResourceDefinition reduced to what matching needs. */
export interface CrdInfo {
  group: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  versions: string[];
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** apimachinery's UnsafeGuessKindToResource: the plural the API server would register for a kind. */
export function guessResource(kind: string): string {
  const singular = kind.toLowerCase();
  if (singular === '') return '';
  if (singular.endsWith('endpoints')) return singular;
  if (singular.endsWith('s')) return singular + 'es';
  if (singular.endsWith('y')) return singular.slice(0, -1) + 'ies';
  return singular + 's';
}

// group -> kinds (N = namespaced, C = cluster-scoped). Plurals all follow guessResource.
const builtIns: Record<string, { namespaced: string[]; cluster: string[] }> = {
  '': {
    namespaced: ['Pod', 'ConfigMap', 'Secret', 'Service', 'ServiceAccount', 'Endpoints', 'PersistentVolumeClaim', 'ReplicationController', 'LimitRange', 'ResourceQuota', 'Event', 'PodTemplate', 'Binding'],
    cluster: ['Namespace', 'Node', 'PersistentVolume', 'ComponentStatus'],
  },
  apps: { namespaced: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision'], cluster: [] },
  extensions: { namespaced: ['Deployment', 'DaemonSet', 'ReplicaSet', 'Ingress', 'NetworkPolicy'], cluster: ['PodSecurityPolicy'] },
  batch: { namespaced: ['Job', 'CronJob'], cluster: [] },
  autoscaling: { namespaced: ['HorizontalPodAutoscaler'], cluster: [] },
  policy: { namespaced: ['PodDisruptionBudget'], cluster: ['PodSecurityPolicy'] },
  'networking.k8s.io': { namespaced: ['Ingress', 'NetworkPolicy'], cluster: ['IngressClass'] },
  'rbac.authorization.k8s.io': { namespaced: ['Role', 'RoleBinding'], cluster: ['ClusterRole', 'ClusterRoleBinding'] },
  'storage.k8s.io': { namespaced: ['CSIStorageCapacity'], cluster: ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment'] },
  'scheduling.k8s.io': { namespaced: [], cluster: ['PriorityClass'] },
  'node.k8s.io': { namespaced: [], cluster: ['RuntimeClass'] },
  'coordination.k8s.io': { namespaced: ['Lease'], cluster: [] },
  'discovery.k8s.io': { namespaced: ['EndpointSlice'], cluster: [] },
  'events.k8s.io': { namespaced: ['Event'], cluster: [] },
  'apiextensions.k8s.io': { namespaced: [], cluster: ['CustomResourceDefinition'] },
  'apiregistration.k8s.io': { namespaced: [], cluster: ['APIService'] },
  'certificates.k8s.io': { namespaced: [], cluster: ['CertificateSigningRequest'] },
  'admissionregistration.k8s.io': {
    namespaced: [],
    cluster: ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'],
  },
  'flowcontrol.apiserver.k8s.io': { namespaced: [], cluster: ['FlowSchema', 'PriorityLevelConfiguration'] },
};

function builtInScope(group: string, kind: string): boolean | undefined {
  const g = builtIns[group];
  if (!g) return undefined;
  if (g.namespaced.includes(kind)) return true;
  if (g.cluster.includes(kind)) return false;
  return undefined;
}

/**
 * Resources that the API server serves under more than one group (matchPolicy: Equivalent converts a
 * request between them): the old `extensions` group and its successors.
 */
const equivalentGroups: Record<string, string[]> = {
  'extensions/deployments': ['apps'],
  'extensions/daemonsets': ['apps'],
  'extensions/replicasets': ['apps'],
  'extensions/ingresses': ['networking.k8s.io'],
  'extensions/networkpolicies': ['networking.k8s.io'],
  'extensions/podsecuritypolicies': ['policy'],
  'apps/deployments': ['extensions'],
  'apps/daemonsets': ['extensions'],
  'apps/replicasets': ['extensions'],
  'networking.k8s.io/ingresses': ['extensions'],
  'networking.k8s.io/networkpolicies': ['extensions'],
  'policy/podsecuritypolicies': ['extensions'],
};

export function equivalentGroupsOf(group: string, resource: string): string[] {
  return equivalentGroups[`${group}/${resource}`] ?? [];
}

/** Kind lookups, with the CRDs of the workspace taking part. */
export class ResourceCatalog {
  private readonly crds = new Map<string, CrdInfo>();

  constructor(crds: readonly CrdInfo[] = []) {
    for (const c of crds) this.crds.set(`${c.group}/${c.kind}`, c);
  }

  info(apiVersion: string, kind: string): KindInfo {
    const { group, version } = splitApiVersion(apiVersion);
    const crd = this.crds.get(`${group}/${kind}`);
    if (crd) return { group, version, resource: crd.plural, kind, namespaced: crd.namespaced };
    return { group, version, resource: guessResource(kind), kind, namespaced: builtInScope(group, kind) };
  }

  /** Versions served for a group's resource (from CRDs); undefined for built-in or unknown ones. */
  versionsOf(group: string, resource: string): string[] | undefined {
    for (const c of this.crds.values()) if (c.group === group && c.plural === resource) return c.versions;
    return undefined;
  }
}

/** Reads a CustomResourceDefinition object (any served version); undefined when it is not one. */
export function crdInfo(o: unknown): CrdInfo | undefined {
  if (!isRecord(o) || o.kind !== 'CustomResourceDefinition') return undefined;
  const spec = o.spec;
  if (!isRecord(spec) || typeof spec.group !== 'string' || !isRecord(spec.names)) return undefined;
  const kind = spec.names.kind;
  if (typeof kind !== 'string') return undefined;
  const plural = typeof spec.names.plural === 'string' ? spec.names.plural : guessResource(kind);
  const versions: string[] = [];
  if (Array.isArray(spec.versions)) for (const v of spec.versions) if (isRecord(v) && typeof v.name === 'string') versions.push(v.name);
  if (typeof spec.version === 'string' && !versions.includes(spec.version)) versions.push(spec.version);
  return { group: spec.group, kind, plural, namespaced: spec.scope !== 'Cluster', versions };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
