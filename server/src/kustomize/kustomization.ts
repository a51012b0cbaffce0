// Finding and reading a kustomization: the file names kustomize accepts, the fields it knows (an
// unknown field fails kustomize's strict load), and the fields this build does not carry out.
import { parseYaml } from '../yaml/documents';
import { join } from './paths';
import { fromYNode, get, isGoString, isMap, isScalar, isSeq, scalarString, str, type KMap, type KNode } from './tree';

export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Fields of kustomize v5's Kustomization type. */
const knownFields = new Set([
  'apiVersion', 'kind', 'metadata', 'openapi', 'namePrefix', 'nameSuffix', 'namespace', 'commonLabels', 'labels',
  'commonAnnotations', 'patchesStrategicMerge', 'patchesJson6902', 'patches', 'images', 'imageTags', 'replacements',
  'replicas', 'vars', 'sortOptions', 'resources', 'components', 'crds', 'bases', 'configMapGenerator', 'secretGenerator',
  'helmGlobals', 'helmCharts', 'helmChartInflationGenerator', 'generatorOptions', 'configurations', 'generators',
  'transformers', 'validators', 'buildMetadata',
]);

/** Fields this build reads but does not carry out: the build is then incomplete. */
export const unsupportedFields: ReadonlyMap<string, string> = new Map([
  ['helmChartInflationGenerator', 'the legacy Helm generator field is not run (use helmCharts)'],
  ['generators', 'generator plugins are not run'],
  ['validators', 'validator plugins are not run'],
  ['crds', 'crds: schemas are not loaded'],
  ['openapi', 'custom OpenAPI schemas are not loaded'],
  ['imageTags', 'the legacy imageTags field is not applied'],
  ['buildMetadata', 'build metadata annotations are not added'],
]);

const stringFields = ['apiVersion', 'kind', 'namespace', 'namePrefix', 'nameSuffix'];
const stringListFields = ['resources', 'bases', 'components', 'configurations', 'transformers', 'generators', 'validators', 'crds', 'patchesStrategicMerge'];
const mapListFields = ['patches', 'patchesJson6902', 'images', 'replacements', 'replicas', 'vars', 'configMapGenerator', 'secretGenerator', 'labels', 'helmCharts', 'buildMetadata'];
const mapFields = ['commonLabels', 'commonAnnotations', 'generatorOptions', 'metadata', 'sortOptions', 'openapi', 'helmGlobals', 'helmChartInflationGenerator'];

/** kustomize decodes a kustomization into Go types: a field of the wrong shape fails the build. */
function fieldTypeError(root: KMap): { offset: number; message: string } | undefined {
  const bad = (field: string, n: KNode, want: string) => ({ offset: offsetOf(n), message: `invalid Kustomization: ${field} must be ${want}` });
  for (const [field, n] of root.entries) {
    if (isScalar(n) && n.value === null) continue;
    if (stringFields.includes(field) && !(isScalar(n) && isGoString(n))) return bad(field, n, 'a string');
    if (mapFields.includes(field) && !isMap(n)) return bad(field, n, 'a map');
    if (stringListFields.includes(field) || mapListFields.includes(field)) {
      if (!isSeq(n)) return bad(field, n, 'a list');
      const wantMap = mapListFields.includes(field);
      for (const item of n.items) {
        if (isScalar(item) && item.value === null) continue;
        // transformers and patchesStrategicMerge entries may also be YAML written inline (strings).
        if (wantMap ? !isMap(item) : !(isScalar(item) && isGoString(item))) return bad(`${field}[]`, item, wantMap ? 'a map' : 'a string');
      }
    }
  }
  return undefined;
}

function offsetOf(n: KNode): number {
  if (isScalar(n)) return n.prov?.loc.start ?? 0;
  const first = isMap(n) ? n.entries.values().next().value : isSeq(n) ? n.items[0] : undefined;
  return first ? offsetOf(first) : 0;
}

/**
 * kustomize reads labels and annotations into Go string maps: a number or a boolean there (an
 * unquoted `yes`, `1.0`) fails the whole kustomization.
 */
function stringMapsError(root: KMap): { offset: number; message: string } | undefined {
  const maps: Array<[string, KNode | undefined]> = [
    ['commonLabels', root.entries.get('commonLabels')],
    ['commonAnnotations', root.entries.get('commonAnnotations')],
    ['generatorOptions.labels', get(root, 'generatorOptions', 'labels')],
    ['generatorOptions.annotations', get(root, 'generatorOptions', 'annotations')],
  ];
  for (const l of seq(root.entries.get('labels'))) maps.push(['labels.pairs', get(l, 'pairs')]);
  for (const field of ['configMapGenerator', 'secretGenerator']) {
    for (const g of seq(root.entries.get(field))) {
      maps.push([`${field}.options.labels`, get(g, 'options', 'labels')]);
      maps.push([`${field}.options.annotations`, get(g, 'options', 'annotations')]);
    }
  }
  for (const [field, m] of maps) {
    if (!isMap(m)) continue;
    for (const [k, v] of m.entries) {
      if (isScalar(v) && (v.value === null || isGoString(v))) continue;
      const shown = isScalar(v) ? scalarString(v) : v.kind;
      return { offset: (isScalar(v) && v.prov?.loc.start) || 0, message: `invalid Kustomization: ${field}.${k}: ${shown} must be a string (quote it)` };
    }
  }
  return undefined;
}

function seq(n: KNode | undefined): KNode[] {
  return isSeq(n) ? n.items : [];
}

export interface LoadedKustomization {
  readonly dir: string;
  readonly file: string;
  readonly text: string;
  readonly root: KMap;
  readonly isComponent: boolean;
}

export type FindResult = { readonly file: string } | { readonly error: string } | undefined;

/** The kustomization file of a folder: undefined when there is none, an error when there are several. */
export function findKustomizationFile(dir: string, exists: (path: string) => boolean): FindResult {
  const found = kustomizationFileNames.map((n) => join(dir, n)).filter(exists);
  if (found.length > 1) return { error: `found multiple kustomization files under ${dir}: ${found.map((f) => f.slice(f.lastIndexOf('/') + 1)).join(', ')}` };
  return found.length === 1 ? { file: found[0]! } : undefined;
}

/** Parses a kustomization; problems are messages with offsets into its text. */
export function parseKustomization(dir: string, file: string, text: string): { k?: LoadedKustomization; problems: Array<{ offset: number; message: string }> } {
  const parsed = parseYaml(text);
  const problems = parsed.errors.map((e) => ({ offset: e.offset, message: `${file}: ${e.message}` }));
  if (problems.length > 0) return { problems };
  const doc = parsed.documents.find((d) => d.root !== null);
  const root = doc ? fromYNode(doc.root, file, text) : { kind: 'map' as const, entries: new Map() };
  if (!isMap(root)) return { problems: [{ offset: 0, message: `${file}: a kustomization must be a map` }] };
  if (parsed.documents.filter((d) => d.root !== null).length > 1) problems.push({ offset: 0, message: `${file}: only the first YAML document of a kustomization is read` });
  const ynode = doc?.root;
  for (const k of root.entries.keys()) {
    if (!knownFields.has(k)) {
      const span = ynode && ynode.kind === 'map' ? ynode.keySpans.get(k) : undefined;
      problems.push({ offset: span?.start ?? 0, message: `invalid Kustomization: unknown field ${JSON.stringify(k)}` });
    }
  }
  const typeError = fieldTypeError(root) ?? stringMapsError(root);
  if (typeError) return { problems: [...problems, typeError] };
  const kind = str(root, 'kind') ?? 'Kustomization';
  return { k: { dir, file, text, root, isComponent: kind === 'Component' }, problems };
}
