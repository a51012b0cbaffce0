// `replacements:` copy a value from one object's field into fields of others (kustomize's replacement
// filter). A copied value keeps its history: an image copied from another container still points at
// the line that set it there; a part written through `delimiter`/`index` is a stretch of the target.
import type { SourceLocation } from '../sources/origin';
import { imageHistoryOf } from './provenance';
import type { Resource } from './resource';
import { readSelector, selects, type Selector } from './select';
import { clone, isMap, isScalar, isSeq, kmap, kstr, scalarString, str, type ImageHistory, type KNode, type KScalar } from './tree';

export class ReplacementError extends Error {}

interface Options {
  readonly delimiter?: string;
  readonly index: number;
  readonly create: boolean;
}

function readOptions(n: KNode | undefined): Options {
  const delimiter = str(n, 'options', 'delimiter');
  const index = Number(str(n, 'options', 'index') ?? '0');
  const create = isMap(n) && isMap(n.entries.get('options')) && isScalar((n.entries.get('options') as { entries: Map<string, KNode> }).entries.get('create')) && str(n, 'options', 'create') === 'true';
  return { ...(delimiter !== undefined && delimiter !== '' ? { delimiter } : {}), index: Number.isFinite(index) ? index : 0, create };
}

/** kyaml's field path: dot-separated, with `[name=app]` element selectors kept whole. */
export function splitFieldPath(fp: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of fp) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === '.' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.filter((s) => s !== '');
}

interface Place {
  readonly node: KNode | undefined;
  set(n: KNode): void;
}

/** Every place a field path reaches (creating maps on the way when asked). */
function places(root: KNode, segs: readonly string[], create: boolean): Place[] {
  let cur: Place[] = [{ node: root, set: () => undefined }];
  segs.forEach((seg, i) => {
    const leaf = i === segs.length - 1;
    const next: Place[] = [];
    for (const p of cur) {
      const n = p.node;
      const bracket = /^\[(.*?)=(.*)\]$/.exec(seg);
      if (bracket) {
        if (!isSeq(n)) continue;
        const [, k, v] = bracket;
        let found = false;
        n.items.forEach((item, j) => {
          const hit = k === '' ? isScalar(item) && scalarString(item) === v : str(item, k!) === v;
          if (hit) {
            found = true;
            next.push({ node: item, set: (x) => (n.items[j] = x) });
          }
        });
        if (!found && create && k !== '') {
          const m = kmap([[k!, kstr(v!)]]);
          n.items.push(m);
          next.push({ node: m, set: (x) => (n.items[n.items.indexOf(m)] = x) });
        }
        continue;
      }
      if (seg === '*') {
        if (isMap(n)) for (const [k, v] of n.entries) next.push({ node: v, set: (x) => n.entries.set(k, x) });
        else if (isSeq(n)) n.items.forEach((v, j) => next.push({ node: v, set: (x) => (n.items[j] = x) }));
        continue;
      }
      if (isSeq(n) && /^[0-9]+$/.test(seg)) {
        const j = Number(seg);
        if (j < n.items.length) next.push({ node: n.items[j], set: (x) => (n.items[j] = x) });
        continue;
      }
      if (!isMap(n)) continue;
      let v = n.entries.get(seg);
      if ((v === undefined || (isScalar(v) && v.value === null)) && create) {
        if (leaf) {
          next.push({ node: undefined, set: (x) => n.entries.set(seg, x) });
          continue;
        }
        v = kmap();
        n.entries.set(seg, v);
      }
      if (v !== undefined) next.push({ node: v, set: (x) => n.entries.set(seg, x) });
    }
    cur = next;
  });
  return cur;
}

/** Runs a kustomization's replacements (already read: inline entries and `path:` files) in order. */
export function applyReplacements(resources: Resource[], replacements: readonly KNode[], report: (at: SourceLocation | undefined, message: string) => void): void {
  for (const rep of replacements) {
    const source = isMap(rep) ? rep.entries.get('source') : undefined;
    if (!isMap(source)) {
      report(undefined, 'replacement without a source');
      continue;
    }
    const sel: Selector = readSelector(source);
    const hits = resources.filter((r) => selects(sel, r));
    if (hits.length !== 1) {
      throw new ReplacementError(hits.length === 0 ? `replacement source ${describe(sel)} matches no object` : `replacement source ${describe(sel)} matches ${hits.length} objects, not one`);
    }
    const fp = str(source, 'fieldPath') ?? 'metadata.name';
    const found = places(hits[0]!.obj, splitFieldPath(fp), false).filter((p) => p.node !== undefined);
    if (found.length === 0) throw new ReplacementError(`fieldPath ${JSON.stringify(fp)} is missing for replacement source ${describe(sel)}`);
    let value = found[0]!.node!;
    const sopts = readOptions(source);
    if (sopts.delimiter !== undefined && isScalar(value)) {
      const parts = scalarString(value).split(sopts.delimiter);
      if (sopts.index < 0 || sopts.index >= parts.length) throw new ReplacementError(`options.index ${sopts.index} is out of bounds for value ${scalarString(value)}`);
      value = kstr(parts[sopts.index]!, value.prov ? { ...value.prov, verbatim: false } : undefined);
    }
    const targets = isMap(rep) ? rep.entries.get('targets') : undefined;
    if (!isSeq(targets)) continue;
    for (const t of targets.items) {
      const select = readSelector(isMap(t) ? t.entries.get('select') : undefined);
      const rejects = isMap(t) && isSeq(t.entries.get('reject')) ? (t.entries.get('reject') as { items: KNode[] }).items.map(readSelector) : [];
      const topts = readOptions(t);
      const fieldPaths = isMap(t) && isSeq(t.entries.get('fieldPaths')) ? (t.entries.get('fieldPaths') as { items: KNode[] }).items : [];
      for (const r of resources) {
        if (!selects(select, r) || rejects.some((x) => selects(x, r))) continue;
        for (const fpn of fieldPaths) {
          const tfp = isScalar(fpn) ? scalarString(fpn) : '';
          const ps = places(r.obj, splitFieldPath(tfp), topts.create);
          if (ps.length === 0 && !topts.create) throw new ReplacementError(`unable to find field ${JSON.stringify(tfp)} in replacement target`);
          for (const p of ps) p.set(written(p.node, value, topts, tfp.endsWith('image')));
        }
      }
    }
  }
}

/** The value a target gets: the source (a copy, history kept), or the target with one part replaced. */
function written(target: KNode | undefined, value: KNode, o: Options, isImage: boolean): KNode {
  if (o.delimiter === undefined && isScalar(target) && isScalar(value)) {
    // kustomize copies a scalar's text and keeps the target's type: a number copied into args is a string.
    const out = clone(value);
    if (typeof target.value === 'string' && typeof value.value !== 'string') {
      out.value = scalarString(value);
      delete out.text;
    }
    return out;
  }
  if (o.delimiter === undefined || !isScalar(target) || !isScalar(value)) return clone(value);
  const parts = scalarString(target).split(o.delimiter);
  const v = scalarString(value);
  if (o.index >= parts.length) parts.push(v);
  else if (o.index < 0) parts.unshift(v);
  else parts[o.index] = v;
  const out: KScalar = kstr(parts.join(o.delimiter));
  if (!isImage || !value.prov) {
    if (value.prov) out.prov = { ...value.prov, verbatim: false };
    return out;
  }
  const th = imageHistoryOf(target);
  const vp = value.prov;
  const piece = { from: vp.loc, verbatim: vp.verbatim, what: 'replacement source' };
  let h: ImageHistory;
  if (o.index === 0 || !th) h = { name: piece, tags: th?.tags ?? [], ...(th?.digest ? { digest: th.digest } : {}), related: th?.related ?? [] };
  else h = { ...th, tags: [piece] };
  out.prov = { loc: h.newName ?? h.rewrittenBy ?? h.name.from, verbatim: false, what: 'image', image: h };
  return out;
}

function describe(s: Selector): string {
  return Object.entries(s)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
