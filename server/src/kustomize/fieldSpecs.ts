// kustomize's fieldSpecs: which fields of which kinds a transformer touches, as paths of map keys
// (`spec/template/spec/containers[]/image`), walked through every element of the lists on the way,
// optionally creating the maps that are missing. The defaults and `configurations:` files share this.
import { parseYaml } from '../yaml/documents';
import { defaultFieldSpecsYaml } from './defaultFieldSpecs';
import { fromYNode, isMap, isScalar, isSeq, kmap, str, type KMap, type KNode } from './tree';

export interface FieldSpec {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly path: string;
  readonly create: boolean;
}

export interface NameBackRef {
  readonly group?: string;
  readonly version?: string;
  readonly kind: string;
  readonly fieldSpecs: readonly FieldSpec[];
}

export interface TransformerConfig {
  namePrefix: FieldSpec[];
  nameSuffix: FieldSpec[];
  commonLabels: FieldSpec[];
  templateLabels: FieldSpec[];
  commonAnnotations: FieldSpec[];
  namespace: FieldSpec[];
  varReference: FieldSpec[];
  nameReference: NameBackRef[];
  images: FieldSpec[];
  replicas: FieldSpec[];
}

const listKeys = ['namePrefix', 'nameSuffix', 'commonLabels', 'templateLabels', 'commonAnnotations', 'namespace', 'varReference', 'images', 'replicas'] as const;

export function emptyConfig(): TransformerConfig {
  return { namePrefix: [], nameSuffix: [], commonLabels: [], templateLabels: [], commonAnnotations: [], namespace: [], varReference: [], nameReference: [], images: [], replicas: [] };
}

let defaults: TransformerConfig | undefined;
export function defaultConfig(): TransformerConfig {
  if (!defaults) {
    const doc = parseYaml(defaultFieldSpecsYaml).documents[0]!;
    defaults = readConfig(fromYNode(doc.root, '<kustomize defaults>', defaultFieldSpecsYaml));
  }
  return copyConfig(defaults);
}

export function copyConfig(c: TransformerConfig): TransformerConfig {
  const out = emptyConfig();
  mergeConfig(out, c);
  return out;
}

/** A `configurations:` file (or the defaults) as a config. */
export function readConfig(n: KNode): TransformerConfig {
  const out = emptyConfig();
  if (!isMap(n)) return out;
  for (const k of listKeys) out[k] = readSpecs(n.entries.get(k));
  const refs = n.entries.get('nameReference');
  if (isSeq(refs)) {
    for (const r of refs.items) {
      const kind = str(r, 'kind');
      if (kind === undefined) continue;
      out.nameReference.push({ ...gvkOf(r), kind, fieldSpecs: readSpecs(isMap(r) ? r.entries.get('fieldSpecs') : undefined) });
    }
  }
  return out;
}

function gvkOf(n: KNode): { group?: string; version?: string } {
  const g = str(n, 'group');
  const v = str(n, 'version');
  return { ...(g ? { group: g } : {}), ...(v ? { version: v } : {}) };
}

export function readSpecs(n: KNode | undefined): FieldSpec[] {
  if (!isSeq(n)) return [];
  const out: FieldSpec[] = [];
  for (const item of n.items) {
    const path = str(item, 'path');
    if (path === undefined) continue;
    const kind = str(item, 'kind');
    const create = isMap(item) && isScalar(item.entries.get('create')) && (item.entries.get('create') as { value: unknown }).value === true;
    out.push({ ...gvkOf(item), ...(kind ? { kind } : {}), path, create });
  }
  return out;
}

/** Adds b's specs to a, skipping ones a already has (kustomize's config merge). */
export function mergeConfig(a: TransformerConfig, b: TransformerConfig): void {
  if (a === b) return;
  for (const k of listKeys) addSpecs(a[k], b[k]);
  for (const r of b.nameReference) {
    const i = a.nameReference.findIndex((x) => x.kind === r.kind && x.group === r.group && x.version === r.version);
    if (i < 0) a.nameReference.push({ ...r, fieldSpecs: [...r.fieldSpecs] });
    else {
      const specs = [...a.nameReference[i]!.fieldSpecs];
      addSpecs(specs, r.fieldSpecs);
      a.nameReference[i] = { ...a.nameReference[i]!, fieldSpecs: specs };
    }
  }
}

/** Appends the specs `to` does not have yet (same path and kind, group, version). */
function addSpecs(to: FieldSpec[], from: readonly FieldSpec[]): void {
  if (from.length === 0) return;
  const have = new Set(to.map(specKey));
  for (const fs of from) {
    const key = specKey(fs);
    if (have.has(key)) continue;
    have.add(key);
    to.push(fs);
  }
}

function specKey(fs: FieldSpec): string {
  return `${fs.path}\0${fs.kind ?? ''}\0${fs.group ?? ''}\0${fs.version ?? ''}`;
}

/** Group and version of an apiVersion (`apps/v1` -> apps, v1; `v1` -> '', v1). */
export function groupVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function specMatches(fs: { group?: string; version?: string; kind?: string }, obj: KMap): boolean {
  if (fs.kind && fs.kind !== (str(obj, 'kind') ?? '')) return false;
  const gv = groupVersion(str(obj, 'apiVersion') ?? '');
  if (fs.group && fs.group !== gv.group) return false;
  if (fs.version && fs.version !== gv.version) return false;
  return true;
}

/** A place in a tree: the node there, and how to replace it. */
export interface Slot {
  readonly node: KNode;
  set(n: KNode): void;
}

/**
 * Calls `visit` on every node the spec's path reaches in obj (when the spec applies to obj's kind).
 * `create`: the kind of leaf to create when the spec says create and a field is missing.
 */
export function walkFieldSpec(obj: KMap, fs: FieldSpec, visit: (slot: Slot) => void, create?: 'scalar' | 'map'): void {
  if (!specMatches(fs, obj)) return;
  const path = splitPath(fs.path);
  if (path.length === 0) return;
  walk({ node: obj, set: () => undefined }, path, 0, fs.create ? create : undefined, visit);
}

function walk(slot: Slot, path: readonly string[], i: number, create: 'scalar' | 'map' | undefined, visit: (slot: Slot) => void): void {
  if (i === path.length) {
    visit(slot);
    return;
  }
  const node = slot.node;
  if (isSeq(node)) {
    node.items.forEach((item, j) => walk({ node: item, set: (n) => (node.items[j] = n) }, path, i, create, visit));
    return;
  }
  if (!isMap(node)) return;
  const raw = path[i]!;
  const isList = raw.endsWith('[]');
  const name = isList ? raw.slice(0, -2) : raw;
  if (name === '') return;
  let field = node.entries.get(name);
  const leaf = i === path.length - 1;
  if ((field === undefined || (isScalar(field) && field.value === null && !leaf)) && create && !isList) {
    field = leaf ? (create === 'map' ? kmap() : { kind: 'scalar', value: null }) : kmap();
    node.entries.set(name, field);
  }
  if (field === undefined) return;
  if (isScalar(field) && field.value === null && leaf && create === 'map') {
    field = kmap();
    node.entries.set(name, field);
  }
  if (isScalar(field) && field.value === null && !leaf) return;
  walk({ node: field, set: (n) => node.entries.set(name, n) }, path, i + 1, create, visit);
}

/** kustomize's path splitter: `/` separates, `\/` is a slash inside a key. */
export function splitPath(p: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && p[i + 1] === '/') {
      cur += '/';
      i++;
    } else if (c === '/') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.filter((s) => s !== '');
}
