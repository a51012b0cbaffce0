// A kustomization's built-in transformers, in kustomize's order: patchesStrategicMerge, patches,
// namespace, namePrefix, nameSuffix, labels, commonAnnotations, patchesJson6902, replicas, images,
// replacements, then the `transformers:` configs. Values a transformer writes point at the
// kustomization line that set them.
import type { SourceLocation } from '../sources/origin';
import { locOf, type Accumulator, type Env } from './env';
import { BuildFailure } from './failure';
import { readSpecs, specMatches, walkFieldSpec, type FieldSpec } from './fieldSpecs';
import { applyImages, type ImageEntry } from './images';
import type { LoadedKustomization } from './kustomization';
import { applyPatchEntry, applyStrategic, patchDocs } from './patches';
import { applyReplacements } from './replacements';
import { idOf, isClusterScoped, metadataOf, rename, setNamespace, storePreviousId, type Resource } from './resource';
import { get, isGoString, isMap, isScalar, isSeq, kstr, scalarString, str, type KMap, type KNode, type KScalar, type Prov } from './tree';

function items(n: KNode | undefined): KNode[] {
  return isSeq(n) ? n.items : [];
}

export function runTransformers(k: LoadedKustomization, ra: Accumulator, env: Env): void {
  const f = k.root.entries;
  for (const p of items(f.get('patchesStrategicMerge'))) {
    for (const doc of patchDocs(k, p, env)) applyStrategic(ra, doc, undefined, locOf(p, k));
  }
  for (const p of items(f.get('patches'))) applyPatchEntry(ra, p, k, env);
  env.tick();
  const ns = f.get('namespace');
  if (isScalar(ns) && ns.value !== null && scalarString(ns) !== '') applyNamespace(ra, ns);
  const prefix = f.get('namePrefix');
  if (isScalar(prefix) && prefix.value !== null && scalarString(prefix) !== '') applyAffix(ra, prefix, 'prefix');
  const suffix = f.get('nameSuffix');
  if (isScalar(suffix) && suffix.value !== null && scalarString(suffix) !== '') applyAffix(ra, suffix, 'suffix');
  for (const l of items(f.get('labels'))) {
    if (!isMap(l)) continue;
    const pairs = l.entries.get('pairs');
    if (!isMap(pairs)) continue;
    let specs: FieldSpec[] = readSpecs(l.entries.get('fields'));
    if (str(l, 'includeSelectors') === 'true') specs = [...specs, ...ra.config.commonLabels];
    else {
      if (str(l, 'includeTemplates') === 'true') specs = [...specs, ...ra.config.templateLabels];
      specs = [...specs, { path: 'metadata/labels', create: true }];
    }
    applyMapEntries(ra, pairs, specs);
  }
  const common = f.get('commonLabels');
  if (isMap(common)) applyMapEntries(ra, common, ra.config.commonLabels);
  const annotations = f.get('commonAnnotations');
  if (isMap(annotations)) applyMapEntries(ra, annotations, ra.config.commonAnnotations);
  for (const p of items(f.get('patchesJson6902'))) applyPatchEntry(ra, p, k, env);
  for (const r of items(f.get('replicas'))) applyReplicas(ra, r, k);
  env.tick();
  const images = readImages(k, env);
  applyImages(ra.resources, images, ra.config.images, (at, message) => env.report(at, message), () => env.tick());
  env.tick();
  const reps: KNode[] = [];
  for (const r of items(f.get('replacements'))) {
    const path = str(r, 'path');
    if (path !== undefined) {
      const file = env.readInput(k, path, locOf(r, k));
      if (file) for (const doc of env.parseFile(file.path, file.text)) reps.push(...(isSeq(doc) ? doc.items : [doc]));
    } else reps.push(r);
  }
  if (reps.length > 0) {
    try {
      applyReplacements(ra.resources, reps, (at, message) => env.report(at ?? locOf(f.get('replacements'), k), message));
    } catch (e) {
      throw new BuildFailure(e instanceof Error ? e.message : String(e), locOf(f.get('replacements'), k));
    }
  }
  for (const t of items(f.get('transformers'))) runTransformerConfig(ra, t, k, env);
}

function applyNamespace(ra: Accumulator, ns: KScalar): void {
  const value = scalarString(ns);
  const prov = ns.prov;
  for (const r of ra.resources) {
    const id = idOf(r);
    if (!isClusterScoped(id.kind)) setNamespace(r, value, prov);
    if (id.kind === 'RoleBinding' || id.kind === 'ClusterRoleBinding') {
      for (const s of items(r.obj.entries.get('subjects'))) {
        if (isMap(s) && str(s, 'name') === 'default') s.entries.set('namespace', kstr(value, prov));
      }
    }
    const apiVersion = str(r.obj, 'apiVersion') ?? '';
    for (const fs of ra.config.namespace) {
      if (fs.path === 'metadata/namespace') continue;
      if (fs.path === 'metadata/name' && apiVersion !== 'v1') continue;
      if ((id.kind === 'RoleBinding' || id.kind === 'ClusterRoleBinding') && fs.path === 'subjects/namespace') continue;
      walkFieldSpec(
        r.obj,
        fs,
        (slot) => {
          if (fs.path === 'metadata/name' && fs.kind === 'Namespace') {
            if (idOf(r).name !== value) rename(r, value, prov);
            return;
          }
          if (slot.node.kind === 'scalar' || slot.node === undefined) slot.set(kstr(value, prov));
        },
        'scalar',
      );
    }
  }
}

const affixSkipped = (r: Resource): boolean => {
  const id = idOf(r);
  return id.kind === 'CustomResourceDefinition' || id.kind === 'Namespace' || (id.kind === 'APIService' && id.group === 'apiregistration.k8s.io');
};

function applyAffix(ra: Accumulator, affix: KScalar, which: 'prefix' | 'suffix'): void {
  const a = scalarString(affix);
  for (const r of ra.resources) {
    if (affixSkipped(r)) continue;
    const meta = metadataOf(r);
    const cur = meta.entries.get('name');
    const name = isScalar(cur) ? scalarString(cur) : '';
    const value = which === 'prefix' ? a + name : name + a;
    storePreviousId(r);
    (which === 'prefix' ? r.prefixes : r.suffixes).push(a);
    meta.entries.set('name', kstr(value, affixProv(cur, affix, which, a.length, name.length)));
  }
}

/** A prefixed name points at the namePrefix line, its parts at the prefix and at the name it had. */
function affixProv(cur: KNode | undefined, affix: KScalar, which: 'prefix' | 'suffix', alen: number, nlen: number): Prov | undefined {
  const ap = affix.prov;
  if (!ap) return isScalar(cur) ? cur.prov : undefined;
  const before = isScalar(cur) ? cur.prov : undefined;
  const parts: Array<{ start: number; end: number; from: SourceLocation; verbatim: boolean; what: string }> = [];
  const affixPart = { from: ap.loc, verbatim: ap.verbatim, what: `name${which === 'prefix' ? 'Prefix' : 'Suffix'}` };
  const old = before?.parts ?? (before ? [{ start: 0, end: nlen, from: before.loc, verbatim: before.verbatim, what: before.what }] : []);
  if (which === 'prefix') {
    parts.push({ start: 0, end: alen, ...affixPart });
    for (const p of old) parts.push({ ...p, start: p.start + alen, end: p.end + alen });
  } else {
    parts.push(...old);
    parts.push({ start: nlen, end: nlen + alen, ...affixPart });
  }
  return { loc: ap.loc, verbatim: false, what: affixPart.what, parts };
}

/** Labels or annotations: each pair set at every field the specs reach (creating maps where they say). */
function applyMapEntries(ra: Accumulator, pairs: KMap, specs: readonly FieldSpec[]): void {
  for (const r of ra.resources) {
    for (const fs of specs) {
      walkFieldSpec(
        r.obj,
        fs,
        (slot) => {
          if (!isMap(slot.node)) return;
          for (const [key, v] of pairs.entries) {
            const value = isScalar(v) ? (v.value === null ? '' : scalarString(v)) : '';
            slot.node.entries.set(key, kstr(value, isScalar(v) ? v.prov : undefined));
          }
        },
        'map',
      );
    }
  }
}

function applyReplicas(ra: Accumulator, entry: KNode, k: LoadedKustomization): void {
  const name = str(entry, 'name');
  const count = get(entry, 'count');
  if (name === undefined || !isScalar(count)) return;
  let found = false;
  for (const fs of ra.config.replicas) {
    for (const r of ra.resources) {
      if (![...r.prevIds.map((p) => p.name), idOf(r).name].includes(name) || !specMatches(fs, r.obj)) continue;
      found = true;
      walkFieldSpec(r.obj, fs, (slot) => slot.set({ ...count }), 'scalar');
    }
  }
  if (!found) {
    const kinds = ra.config.replicas.map((fs) => fs.kind ?? '').join(', ');
    throw new BuildFailure(`replicas: resource with name ${name} does not match a config with the kinds [${kinds}]`, locOf(entry, k));
  }
}

function readImages(k: LoadedKustomization, env: Env): ImageEntry[] {
  const out: ImageEntry[] = [];
  for (const e of items(k.root.entries.get('images'))) {
    if (!isMap(e)) continue;
    const entry = readImageEntry(e, k.file, locOf(e, k));
    if (entry) out.push(entry);
    else env.report(locOf(e, k), 'images entry without a name');
  }
  return out;
}

/** One images entry (of a kustomization, or an ImageTagTransformer's imageTag), with its lines. */
function readImageEntry(e: KMap, file: string, fallback: SourceLocation): ImageEntry | undefined {
  const nameNode = e.entries.get('name');
  if (!isScalar(nameNode) || nameNode.value === null) return undefined;
  const field = (key: string): { value: string; part: { from: SourceLocation; verbatim: boolean; what: string } } | undefined => {
    const n = e.entries.get(key);
    if (!isScalar(n) || n.value === null) return undefined;
    if (!isGoString(n)) {
      // kustomize reads these into Go strings: a number or a boolean fails the whole kustomization.
      throw new BuildFailure(`images entry ${JSON.stringify(scalarString(nameNode))}: ${key} ${scalarString(n)} must be a string (quote it)`, n.prov?.loc ?? fallback);
    }
    return { value: scalarString(n), part: { from: n.prov?.loc ?? fallback, verbatim: n.prov?.verbatim ?? false, what: `images ${key}` } };
  };
  const newName = field('newName');
  const newTag = field('newTag');
  const digest = field('digest');
  const tagSuffix = field('tagSuffix');
  return {
    name: scalarString(nameNode),
    ...(newName ? { newName: newName.value } : {}),
    ...(newTag ? { newTag: newTag.value } : {}),
    ...(digest ? { digest: digest.value } : {}),
    ...(tagSuffix ? { tagSuffix: tagSuffix.value } : {}),
    at: {
      name: nameNode.prov?.loc ?? fallback,
      ...(newName ? { newName: newName.part } : {}),
      ...(newTag ? { newTag: newTag.part } : {}),
      ...(digest ? { digest: digest.part } : {}),
      ...(tagSuffix ? { tagSuffix: tagSuffix.part } : {}),
    },
    kustomization: file,
  };
}

/**
 * A `transformers:` entry: the configs of the built-in transformers that decide images and names
 * (labels, annotations, images, prefixes and suffixes, patches); any other makes the build incomplete.
 */
function runTransformerConfig(ra: Accumulator, entry: KNode, k: LoadedKustomization, env: Env): void {
  const { docs, text } = isScalar(entry) && !scalarString(entry).includes('\n') ? readConfigFile(k, entry, env) : { docs: patchDocs(k, entry, env), text: k.text };
  for (const doc of docs) {
    const kind = str(doc, 'kind') ?? '';
    if (str(doc, 'apiVersion') === 'builtin' && isMap(doc) && runBuiltinConfig(ra, kind, doc, k, env, text)) continue;
    env.report(locOf(entry, k), `transformers: ${str(doc, 'apiVersion') ?? '?'}/${kind || '?'} is not run by this build; the build is incomplete`, 'warning');
    env.markIncomplete();
  }
}

function runBuiltinConfig(ra: Accumulator, kind: string, doc: KMap, k: LoadedKustomization, env: Env, text: string): boolean {
  const specs = readSpecs(doc.entries.get('fieldSpecs'));
  switch (kind) {
    case 'LabelTransformer':
    case 'AnnotationsTransformer': {
      const pairs = doc.entries.get(kind === 'LabelTransformer' ? 'labels' : 'annotations');
      if (isMap(pairs)) applyMapEntries(ra, pairs, specs);
      return true;
    }
    case 'ImageTagTransformer': {
      const tag = doc.entries.get('imageTag');
      const entry = isMap(tag) ? readImageEntry(tag, locOf(doc, k).file, locOf(doc, k)) : undefined;
      if (entry) applyImages(ra.resources, [entry], specs, (at, message) => env.report(at, message), () => env.tick());
      return true;
    }
    case 'PrefixTransformer':
    case 'SuffixTransformer':
    case 'PrefixSuffixTransformer': {
      if (specs.some((fs) => fs.path !== 'metadata/name')) return false;
      const prefix = doc.entries.get('prefix');
      const suffix = doc.entries.get('suffix');
      if (isScalar(prefix) && prefix.value !== null && scalarString(prefix) !== '') applyAffix(ra, prefix, 'prefix');
      if (isScalar(suffix) && suffix.value !== null && scalarString(suffix) !== '') applyAffix(ra, suffix, 'suffix');
      return true;
    }
    case 'PatchTransformer':
      applyPatchEntry(ra, doc, k, env, text);
      return true;
    default:
      return false;
  }
}

function readConfigFile(k: LoadedKustomization, entry: KScalar, env: Env): { docs: KNode[]; text: string } {
  const file = env.readInput(k, scalarString(entry), locOf(entry, k));
  return file ? { docs: env.parseFile(file.path, file.text), text: file.text } : { docs: [], text: '' };
}
