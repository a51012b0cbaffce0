// Kubernetes objects in parsed documents: anything with a string apiVersion and kind.
import { getPath, MapNode, ParsedDocument, YNode } from '../yaml/documents';

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface K8sObject {
  readonly apiVersion: string;
  readonly gvk: GroupVersionKind;
  readonly name: string;
  /** As written; undefined when the manifest leaves it to the context (default namespace). */
  readonly namespace: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly node: MapNode;
  /** Index of the document in its file. */
  readonly documentIndex: number;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function toObject(node: YNode | null | undefined, documentIndex: number): K8sObject | undefined {
  if (!node || node.kind !== 'map') return undefined;
  // Looked up key by key (as stringAt and getPath would, without their arrays of keys): every object of a run comes here.
  const apiVersion = stringIn(node, 'apiVersion');
  const kind = stringIn(node, 'kind');
  if (!apiVersion || !kind) return undefined;
  const { group, version } = splitApiVersion(apiVersion);
  const metadata = node.entries.get('metadata');
  const meta = metadata?.kind === 'map' ? metadata : undefined;
  const namespace = meta && stringIn(meta, 'namespace');
  return {
    apiVersion,
    gvk: { group, version, kind },
    name: (meta && stringIn(meta, 'name')) ?? '',
    namespace: namespace === '' ? undefined : namespace,
    labels: stringMap(meta?.entries.get('labels')),
    node,
    documentIndex,
  };
}

/** The string value under `key`, as stringAt(map, key) reads it. */
function stringIn(map: MapNode, key: string): string | undefined {
  const n = map.entries.get(key);
  return n && n.kind === 'scalar' && typeof n.value === 'string' ? n.value : undefined;
}

/** The objects of a document; the items of a `kind: List` are objects too. */
export function objectsOf(doc: ParsedDocument): K8sObject[] {
  const obj = toObject(doc.root, doc.index);
  if (!obj) return [];
  const items = obj.gvk.kind.endsWith('List') ? getPath(obj.node, 'items') : undefined;
  if (obj.gvk.kind === 'List' || items?.kind === 'seq') {
    if (items?.kind !== 'seq') return [];
    const out: K8sObject[] = [];
    for (const item of items.items) {
      const o = toObject(item, doc.index);
      if (o) out.push(o);
    }
    return out;
  }
  return [obj];
}

export function stringMap(node: YNode | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (node?.kind !== 'map') return out;
  // forEach, not for-of: no [key, value] array per entry while this runs unoptimised.
  node.entries.forEach((v, k) => {
    if (v.kind === 'scalar' && v.value !== null) out[k] = String(v.value);
  });
  return out;
}
