// The admission request an object in a file stands for. A file's object is a CREATE by default
// (kubectl apply of a new object); the caller may say otherwise (UPDATE with the old object, DELETE).
// Workloads are requests for themselves: a policy on `pods` sees Pods, never the Pod template of a
// Deployment, as in the cluster.
import { ResourceCatalog, isRecord } from './resources';
import { nameOf, namespaceOf } from './policies';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface AdmissionAttributes {
  operation: Operation;
  group: string;
  version: string;
  resource: string;
  subResource: string;
  kind: string;
  name: string;
  /** "" for cluster-scoped objects; for a Namespace object, its own name (as the API server sets it). */
  namespace: string;
  object: unknown;
  oldObject: unknown;
  userInfo: UserInfo;
  dryRun: boolean;
  /** whether the kind is known to be namespaced (undefined: unknown kind, assumed namespaced if it has a namespace) */
  namespaced: boolean | undefined;
}

export interface RequestOptions {
  operation?: Operation;
  oldObject?: unknown;
  /** the namespace the object is applied to when its file names none (kubectl's context namespace) */
  defaultNamespace?: string;
  userInfo?: UserInfo;
  dryRun?: boolean;
  /** the resource the request was made for, when it differs from the object's own version (matchPolicy tests) */
  resource?: { group: string; version: string; resource: string };
}

export function admissionAttributes(object: unknown, catalog: ResourceCatalog, options: RequestOptions = {}): AdmissionAttributes {
  const subject = object ?? options.oldObject;
  const o = isRecord(subject) ? subject : {};
  const info = catalog.info(typeof o.apiVersion === 'string' ? o.apiVersion : '', typeof o.kind === 'string' ? o.kind : '');
  let namespace = '';
  if (info.kind === 'Namespace' && info.group === '') namespace = nameOf(subject);
  else if (info.namespaced !== false) namespace = namespaceOf(subject) ?? (info.namespaced ? options.defaultNamespace ?? 'default' : '');
  const r = options.resource;
  return {
    operation: options.operation ?? 'CREATE',
    group: r ? r.group : info.group,
    version: r ? r.version : info.version,
    resource: r ? r.resource : info.resource,
    subResource: '',
    kind: info.kind,
    name: nameOf(subject),
    namespace,
    object: options.operation === 'DELETE' ? null : object ?? null,
    oldObject: options.oldObject ?? null,
    userInfo: options.userInfo ?? { username: '' },
    dryRun: options.dryRun ?? false,
    namespaced: info.namespaced,
  };
}

/** The CEL `request` variable (admission.k8s.io/v1 AdmissionRequest, as the API server builds it). */
export function requestValue(a: AdmissionAttributes): Record<string, unknown> {
  const user: Record<string, unknown> = { username: a.userInfo.username };
  if (a.userInfo.uid) user.uid = a.userInfo.uid;
  if (a.userInfo.groups) user.groups = a.userInfo.groups;
  if (a.userInfo.extra) user.extra = a.userInfo.extra;
  const out: Record<string, unknown> = {
    kind: { group: a.group, version: a.version, kind: a.kind },
    resource: { group: a.group, version: a.version, resource: a.resource },
    requestKind: { group: a.group, version: a.version, kind: a.kind },
    requestResource: { group: a.group, version: a.version, resource: a.resource },
    name: a.name,
    namespace: a.namespace,
    operation: a.operation,
    userInfo: user,
    dryRun: a.dryRun,
    options: { apiVersion: 'meta.k8s.io/v1', kind: a.operation === 'CREATE' ? 'CreateOptions' : a.operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions' },
  };
  if (a.name === '') delete out.name;
  if (a.namespace === '') delete out.namespace;
  return out;
}
