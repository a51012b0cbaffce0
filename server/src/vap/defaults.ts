// What the API server does to an object before a ValidatingAdmissionPolicy sees it, so that a policy
// reading defaulted fields judges a file as the cluster would.
//
// Decision: an editor reads the file, the cluster judges the stored form. Policies routinely read
// fields only defaulting sets (`has(object.spec.securityContext)`, `imagePullPolicy`, a volume's
// source, the service-account token volume). We apply the defaults that are fixed functions of the
// object itself, and nothing that depends on cluster state:
// - metadata.namespace from the request (the namespace kubectl applies to);
// - Pods and the pod template of every workload: spec.securityContext {}, restartPolicy Always,
//   dnsPolicy ClusterFirst, schedulerName default-scheduler, terminationGracePeriodSeconds 30;
//   per container: imagePullPolicy (Always for `:latest` or no tag, else IfNotPresent),
//   terminationMessagePath/-Policy, resources {}, port protocol TCP, hostPort = containerPort under
//   hostNetwork; a volume with no source becomes emptyDir;
// - bare Pods only (the ServiceAccount admission plugin runs on Pods, not templates):
//   serviceAccountName/serviceAccount "default" and, unless automountServiceAccountToken is false,
//   the projected `kube-api-access` volume mounted read-only in every container;
// - Services: type ClusterIP and sessionAffinity None; workload replicas 1.
// - a `generateName` gets a name before validation: the prefix and a fixed stand-in for the API
//   server's 5 random characters (`generatedSuffix`), so name tests on the prefix behave as there;
// Not applied: anything from other admission plugins configured per cluster (LimitRanger, PodSecurity,
// mutating webhooks), generated names, and the service account's own automount setting.
import type { AdmissionAttributes } from './request';
import { isRecord } from './resources';

type Json = Record<string, unknown>;

function clone<T>(v: T): T {
  return structuredClone(v);
}

function imagePullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

const volumeSources = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

function defaultContainer(c: Json, hostNetwork: boolean): void {
  if (c.imagePullPolicy === undefined) c.imagePullPolicy = imagePullPolicy(c.image);
  if (c.terminationMessagePath === undefined) c.terminationMessagePath = '/dev/termination-log';
  if (c.terminationMessagePolicy === undefined) c.terminationMessagePolicy = 'File';
  if (c.resources === undefined) c.resources = {};
  if (Array.isArray(c.ports)) {
    for (const p of c.ports) {
      if (!isRecord(p)) continue;
      if (p.protocol === undefined) p.protocol = 'TCP';
      if (hostNetwork && p.hostPort === undefined && p.containerPort !== undefined) p.hostPort = p.containerPort;
    }
  }
}

function defaultPodSpec(spec: Json): void {
  const hostNetwork = spec.hostNetwork === true;
  if (spec.securityContext === undefined) spec.securityContext = {};
  if (spec.restartPolicy === undefined) spec.restartPolicy = 'Always';
  if (spec.dnsPolicy === undefined) spec.dnsPolicy = 'ClusterFirst';
  if (spec.schedulerName === undefined) spec.schedulerName = 'default-scheduler';
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = 30;
  for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
    const list = spec[key];
    if (Array.isArray(list)) for (const c of list) if (isRecord(c)) defaultContainer(c, hostNetwork);
  }
  if (Array.isArray(spec.volumes)) {
    for (const v of spec.volumes) {
      if (isRecord(v) && !volumeSources.some((s) => v[s] !== undefined)) v.emptyDir = {};
    }
  }
}

/** stands for the 5 random characters the API server appends to a generateName */
export const generatedSuffix = 'x0x0x';

const tokenVolume = 'kube-api-access-files';

function addServiceAccount(spec: Json): void {
  if (spec.serviceAccountName === undefined) spec.serviceAccountName = typeof spec.serviceAccount === 'string' ? spec.serviceAccount : 'default';
  if (spec.serviceAccount === undefined) spec.serviceAccount = spec.serviceAccountName;
  if (spec.automountServiceAccountToken === false) return;
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : (spec.volumes = []);
  volumes.push({
    name: tokenVolume,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  });
  for (const key of ['containers', 'initContainers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isRecord(c)) continue;
      const mounts = Array.isArray(c.volumeMounts) ? c.volumeMounts : (c.volumeMounts = []);
      if (!mounts.some((m) => isRecord(m) && m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount')) {
        mounts.push({ name: tokenVolume, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
      }
    }
  }
}

function podTemplateSpec(o: Json): Json | undefined {
  const spec = o.spec;
  if (!isRecord(spec)) return undefined;
  if (o.kind === 'CronJob') {
    const jt = spec.jobTemplate;
    const t = isRecord(jt) && isRecord(jt.spec) ? jt.spec.template : undefined;
    return isRecord(t) && isRecord(t.spec) ? t.spec : undefined;
  }
  const t = spec.template;
  return isRecord(t) && isRecord(t.spec) ? t.spec : undefined;
}

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'PodTemplate']);

/** A copy of the object as the API server would hand it to validating admission. */
export function applyServerDefaults(object: unknown, a: AdmissionAttributes): unknown {
  if (!isRecord(object)) return object;
  const o = clone(object);
  const meta = isRecord(o.metadata) ? o.metadata : (o.metadata = {});
  if (a.namespace !== '' && !(a.group === '' && a.resource === 'namespaces') && meta.namespace === undefined) meta.namespace = a.namespace;
  if (meta.name === undefined && typeof meta.generateName === 'string') meta.name = meta.generateName + generatedSuffix;
  const kind = o.kind;
  if (a.group === '' && kind === 'Pod' && isRecord(o.spec)) {
    defaultPodSpec(o.spec);
    if (a.operation === 'CREATE') addServiceAccount(o.spec);
  } else if (typeof kind === 'string' && workloadKinds.has(kind)) {
    const spec = podTemplateSpec(o);
    if (spec) defaultPodSpec(spec);
    if (isRecord(o.spec) && ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'].includes(kind) && o.spec.replicas === undefined) o.spec.replicas = 1;
  } else if (a.group === '' && kind === 'Service' && isRecord(o.spec)) {
    if (o.spec.type === undefined) o.spec.type = 'ClusterIP';
    if (o.spec.sessionAffinity === undefined) o.spec.sessionAffinity = 'None';
  }
  return o;
}
