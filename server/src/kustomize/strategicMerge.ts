// Strategic merge patches as kustomize applies them (kyaml merge2, lists growing at the front): maps
// merge, a null deletes, lists with a merge key in the Kubernetes schema (containers by name, env by
// name, volumeMounts by mountPath...) merge element by element with the patched elements first (so a
// patched container moves to the front), other lists are replaced; `$patch: delete|replace` as in
// Kubernetes. Custom kinds have no schema: their lists are replaced wholesale.
import { clone, isMap, isScalar, isSeq, kmap, kseq, str, type KMap, type KNode, type KSeq } from './tree';

/** API groups whose kinds kustomize knows the schema of (the built-in Kubernetes types). */
const builtinGroups = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'admissionregistration.k8s.io',
  'apiextensions.k8s.io', 'apiregistration.k8s.io', 'certificates.k8s.io', 'events.k8s.io', 'flowcontrol.apiserver.k8s.io',
  'extensions', 'resource.k8s.io',
]);

export function hasBuiltinSchema(obj: KMap): boolean {
  const av = str(obj, 'apiVersion') ?? '';
  const i = av.indexOf('/');
  return builtinGroups.has(i < 0 ? '' : av.slice(0, i)) && (str(obj, 'kind') ?? '') !== '';
}

/** The merge key of a list field in the built-in schema (approximated by the field and its parent). */
function mergeKey(field: string, parent: string, kind: string): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'resourceClaims':
    case 'schedulingGates':
    case 'webhooks':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'hostAliases':
      return 'ip';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'ownerReferences':
      return 'uid';
    case 'conditions':
      return 'type';
    case 'ports':
      // Container ports merge by containerPort, a Service's by port.
      return kind === 'Service' && parent === 'spec' ? 'port' : parent === 'spec' ? undefined : 'containerPort';
    default:
      return undefined;
  }
}

const directiveKeys = (k: string): boolean => k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/');

/** Whether the patch as a whole is `$patch: delete` (the target object is removed). */
export function deletesObject(patch: KMap): boolean {
  return str(patch, '$patch') === 'delete';
}

/** Applies `patch` to `target` in place. */
export function strategicMerge(target: KMap, patch: KMap): void {
  const schema = hasBuiltinSchema(target);
  const kind = str(target, 'kind') ?? '';
  mergeMapInto(target, patch, schema, kind, '');
}

function mergeMapInto(t: KMap, p: KMap, schema: boolean, kind: string, field: string): void {
  for (const [k, pv] of p.entries) {
    if (directiveKeys(k)) continue;
    const tv = t.entries.get(k);
    if (isScalar(pv) && pv.value === null) {
      t.entries.delete(k);
      continue;
    }
    if (isMap(pv)) {
      const d = str(pv, '$patch');
      if (d === 'delete') {
        t.entries.delete(k);
        continue;
      }
      if (d === 'replace' || !isMap(tv)) {
        t.entries.set(k, stripped(pv));
        continue;
      }
      mergeMapInto(tv, pv, schema, kind, k);
      continue;
    }
    if (isSeq(pv) && isSeq(tv)) {
      t.entries.set(k, mergeList(tv, pv, schema ? mergeKey(k, field, kind) : undefined, schema, kind, k));
      continue;
    }
    t.entries.set(k, stripped(pv));
  }
}

function mergeList(t: KSeq, p: KSeq, key: string | undefined, schema: boolean, kind: string, field: string): KSeq {
  if (p.items.some((i) => isMap(i) && str(i, '$patch') === 'replace' && i.entries.size === 1)) {
    return kseq(p.items.filter((i) => !(isMap(i) && str(i, '$patch') === 'replace' && i.entries.size === 1)).map(stripped));
  }
  if (key === undefined || !p.items.every(isMap)) return stripped(p);
  const out: KNode[] = [];
  const used = new Set<KNode>();
  const deleted = new Set<string>();
  for (const pe of p.items as KMap[]) {
    const kv = str(pe, key);
    const te = kv === undefined ? undefined : t.items.find((x) => isMap(x) && !used.has(x) && str(x, key) === kv);
    if (str(pe, '$patch') === 'delete') {
      if (kv !== undefined) deleted.add(kv);
      if (te) used.add(te);
      continue;
    }
    if (te && isMap(te)) {
      used.add(te);
      if (str(pe, '$patch') === 'replace') out.push(stripped(pe));
      else {
        mergeMapInto(te, pe, schema, kind, field);
        out.push(te);
      }
    } else out.push(stripped(pe));
  }
  for (const te of t.items) {
    if (used.has(te)) continue;
    const kv = isMap(te) ? str(te, key) : undefined;
    if (kv !== undefined && deleted.has(kv)) continue;
    out.push(te);
  }
  return kseq(out);
}

/** A copy of a patch value without its directives (what lands in the object when nothing merges). */
function stripped<T extends KNode>(n: T): T {
  if (isMap(n)) {
    const m = kmap();
    for (const [k, v] of n.entries) {
      if (directiveKeys(k)) continue;
      if (isMap(v) && str(v, '$patch') === 'delete') continue;
      m.entries.set(k, stripped(v));
    }
    return m as T;
  }
  if (isSeq(n)) return kseq(n.items.filter((i) => !(isMap(i) && str(i, '$patch') === 'delete')).map(stripped)) as T;
  return clone(n);
}
