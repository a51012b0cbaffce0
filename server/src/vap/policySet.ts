// Everything the admission evaluation reads from a set of objects (a workspace, a rendered chart, the
// --constraints files): policies, their bindings, the objects that can serve as params, the Namespace
// objects (their labels feed namespaceSelector and namespaceObject) and the CRDs (resource names,
// scope, the schema that types params).
import { AdmissionPolicy, PolicyBinding, SourcedObject, nameOf, namespaceOf, readBinding, readPolicy } from './policies';
import { CrdInfo, ResourceCatalog, crdInfo, isRecord, splitApiVersion } from './resources';
import { Labels, labelsOf } from './selectors';

export interface VapSet {
  policies: AdmissionPolicy[];
  bindings: PolicyBinding[];
  catalog: ResourceCatalog;
  /** every object of the set, for param lookups (by group and kind) */
  objects: readonly SourcedObject[];
  namespaces: ReadonlyMap<string, SourcedObject>;
  /** openAPIV3Schema by `<group>/<kind>/<version>` */
  schemas: ReadonlyMap<string, unknown>;
  /** objects by `<group>/<kind>`, for param lookups */
  byGroupKind: ReadonlyMap<string, SourcedObject[]>;
}

export function readVapSet(objects: readonly SourcedObject[]): VapSet {
  const policies: AdmissionPolicy[] = [];
  const bindings: PolicyBinding[] = [];
  const crds: CrdInfo[] = [];
  const namespaces = new Map<string, SourcedObject>();
  const schemas = new Map<string, unknown>();
  const byGroupKind = new Map<string, SourcedObject[]>();
  for (const source of objects) {
    const o = source.value;
    if (isRecord(o) && typeof o.apiVersion === 'string' && typeof o.kind === 'string') {
      const key = `${splitApiVersion(o.apiVersion).group}/${o.kind}`;
      const list = byGroupKind.get(key);
      if (list) list.push(source);
      else byGroupKind.set(key, [source]);
    }
    const p = readPolicy(source);
    if (p) policies.push(p);
    const b = readBinding(source);
    if (b) bindings.push(b);
    const c = crdInfo(source.value);
    if (c) {
      crds.push(c);
      collectSchemas(source.value, c, schemas);
    }
    const v = source.value;
    if (isRecord(v) && v.kind === 'Namespace' && v.apiVersion === 'v1') namespaces.set(nameOf(v), source);
  }
  return { policies, bindings, catalog: new ResourceCatalog(crds), objects, namespaces, schemas, byGroupKind };
}

function collectSchemas(o: unknown, c: CrdInfo, into: Map<string, unknown>): void {
  if (!isRecord(o) || !isRecord(o.spec) || !Array.isArray(o.spec.versions)) return;
  for (const v of o.spec.versions) {
    if (isRecord(v) && typeof v.name === 'string' && isRecord(v.schema) && v.schema.openAPIV3Schema !== undefined) {
      into.set(`${c.group}/${c.kind}/${v.name}`, v.schema.openAPIV3Schema);
    }
  }
}

export function namespaceLabelsOf(set: VapSet, name: string): Labels | undefined {
  const ns = set.namespaces.get(name);
  return ns ? labelsOf(ns.value) : undefined;
}

export function schemaOf(set: VapSet, o: unknown): unknown {
  if (!isRecord(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return undefined;
  const { group, version } = splitApiVersion(o.apiVersion);
  return set.schemas.get(`${group}/${o.kind}/${version}`);
}

/** Objects of a paramKind: same group and kind, any version (the API server converts between versions). */
export function paramCandidates(set: VapSet, paramKind: { apiVersion: string; kind: string }): SourcedObject[] {
  return set.byGroupKind.get(`${splitApiVersion(paramKind.apiVersion).group}/${paramKind.kind}`) ?? [];
}

export { nameOf, namespaceOf };
