// Patches: strategic merge (a file, inline YAML, or the legacy patchesStrategicMerge list) and JSON
// 6902 (a list of operations, which needs a target), applied to the objects they select.
import type { SourceLocation } from '../sources/origin';
import { parseEmbedded } from './embedded';
import { locOf, type Accumulator, type Env } from './env';
import { BuildFailure } from './failure';
import { applyJsonPatch, JsonPatchError, readOps } from './jsonPatch';
import type { LoadedKustomization } from './kustomization';
import { idOf, rename, type Resource } from './resource';
import { matchesAnyId, readSelector, selects } from './select';
import { deletesObject, strategicMerge } from './strategicMerge';
import { clone, isMap, isScalar, isSeq, scalarString, str, type KNode } from './tree';

/** The documents of a patch entry: a file, or YAML written inline. */
export function patchDocs(k: LoadedKustomization, entry: KNode, env: Env): KNode[] {
  if (!isScalar(entry)) return [];
  const s = scalarString(entry);
  if (s.includes('\n') || /^\s*[{[]/.test(s) || /^(apiVersion|kind|metadata|spec)\s*:/m.test(s)) {
    const { docs, errors } = parseEmbedded(entry, k.text);
    for (const e of errors) env.report(locOf(entry, k), `inline patch: ${e}`);
    return docs;
  }
  const file = env.readInput(k, s, locOf(entry, k));
  return file ? env.parseFile(file.path, file.text) : [];
}

export function applyPatchEntry(ra: Accumulator, entry: KNode, k: LoadedKustomization, env: Env, text = k.text): void {
  if (!isMap(entry)) return;
  const at = locOf(entry, k);
  let docs: KNode[] = [];
  const path = entry.entries.get('path');
  const inline = entry.entries.get('patch');
  if (isScalar(inline)) {
    const { docs: d, errors } = parseEmbedded(inline, text);
    for (const e of errors) env.report(at, `inline patch: ${e}`);
    docs = d;
  } else if (isScalar(path)) {
    const file = env.readInput(k, scalarString(path), locOf(path, k));
    if (file) docs = env.parseFile(file.path, file.text);
  } else {
    env.report(at, 'a patch needs path or patch');
    return;
  }
  const targetNode = entry.entries.get('target');
  const target = isMap(targetNode) ? readSelector(targetNode) : undefined;
  const allowNameChange = str(entry, 'options', 'allowNameChange') === 'true';
  if (docs.length === 1 && isSeq(docs[0])) {
    if (!target) throw new BuildFailure('unable to apply a JSON6902 patch without a target', at);
    let ops;
    try {
      ops = readOps(docs[0]);
    } catch (e) {
      throw new BuildFailure(e instanceof Error ? e.message : String(e), at);
    }
    for (const r of ra.resources.filter((x) => selects(target, x))) {
      const before = idOf(r);
      try {
        applyJsonPatch(r.obj, ops);
      } catch (e) {
        if (e instanceof JsonPatchError) throw new BuildFailure(`JSON patch on ${before.kind} ${before.name}: ${e.message}`, at);
        throw e;
      }
      const after = idOf(r);
      if (after.name !== before.name || after.namespace !== before.namespace) r.prevIds.push({ name: before.name, namespace: before.namespace });
    }
    return;
  }
  for (const doc of docs) applyStrategic(ra, doc, target, at, allowNameChange);
}

export function applyStrategic(ra: Accumulator, doc: KNode, target: ReturnType<typeof readSelector> | undefined, at: SourceLocation, allowNameChange = false): void {
  if (!isMap(doc)) throw new BuildFailure('a strategic merge patch must be a map', at);
  let hits: Resource[];
  if (target) hits = ra.resources.filter((r) => selects(target, r));
  else {
    const gv = (str(doc, 'apiVersion') ?? '').split('/');
    const id = { group: gv.length > 1 ? gv[0]! : '', version: gv.length > 1 ? gv[1]! : gv[0]!, kind: str(doc, 'kind') ?? '', name: str(doc, 'metadata', 'name') ?? '', namespace: str(doc, 'metadata', 'namespace') ?? '' };
    hits = ra.resources.filter((r) => matchesAnyId(id, r));
    if (hits.length === 0) throw new BuildFailure(`no resource matches strategic merge patch "${id.kind}.${id.version}.${id.group} ${id.name}"`, at);
    if (hits.length > 1) throw new BuildFailure(`multiple resources match strategic merge patch "${id.kind} ${id.name}"`, at);
  }
  for (const r of hits) {
    if (deletesObject(doc)) {
      ra.resources.splice(ra.resources.indexOf(r), 1);
      continue;
    }
    const patch = clone(doc);
    // The patch names its target; it does not rename it (unless the entry allows a name change).
    patch.entries.delete('apiVersion');
    patch.entries.delete('kind');
    const meta = patch.entries.get('metadata');
    const newName = allowNameChange && target ? str(meta, 'name') : undefined;
    if (isMap(meta)) {
      meta.entries.delete('name');
      meta.entries.delete('namespace');
    }
    strategicMerge(r.obj, patch);
    if (newName !== undefined && newName !== idOf(r).name) rename(r, newName);
  }
}

