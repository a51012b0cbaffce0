// configMapGenerator and secretGenerator: ConfigMaps and Secrets made from literals, files and env
// files, named with kustomize's content hash (added last, after every transformer, over the final
// name and data). Each data value remembers the literal or file it came from.
import type { SourceLocation } from '../sources/origin';
import { basename } from './paths';
import { newResource, type Resource } from './resource';
import { sha256Hex } from '../go/digest';
import { get, isMap, isScalar, isSeq, kmap, kstr, str, toPlain, type KMap, type KNode, type KScalar, type Prov } from './tree';

export interface GeneratorContext {
  /** The kustomization file (for locations) and its text. */
  readonly file: string;
  readonly text: string;
  /** Reads a file named relative to the kustomization's folder; undefined after reporting why. */
  readInput(rel: string, at: SourceLocation): { path: string; text: string } | undefined;
  report(at: SourceLocation, message: string, severity?: 'error' | 'warning'): void;
}

function locOf(n: KNode | undefined, ctx: GeneratorContext): SourceLocation {
  return (isScalar(n) && n.prov?.loc) || { file: ctx.file, start: 0, end: 0 };
}

/** The ConfigMaps and Secrets a kustomization's generators make, in kustomize's order (ConfigMaps first). */
export function runGenerators(kust: KMap, ctx: GeneratorContext): Resource[] {
  const out: Resource[] = [];
  const globalOptions = get(kust, 'generatorOptions');
  for (const [field, kind] of [['configMapGenerator', 'ConfigMap'], ['secretGenerator', 'Secret']] as const) {
    const list = kust.entries.get(field);
    if (!isSeq(list)) continue;
    for (const g of list.items) {
      if (!isMap(g)) continue;
      const r = generate(g, kind, globalOptions, ctx);
      if (r) out.push(r);
    }
  }
  return out;
}

function generate(g: KMap, kind: 'ConfigMap' | 'Secret', globalOptions: KNode | undefined, ctx: GeneratorContext): Resource | undefined {
  const nameNode = g.entries.get('name');
  const name = str(g, 'name');
  if (!name) {
    ctx.report(locOf(nameNode, ctx), `${kind} generator needs a name`);
    return undefined;
  }
  const data = kmap();
  const put = (key: string, value: string, prov: Prov, at: SourceLocation): void => {
    if (data.entries.has(key)) ctx.report(at, `${kind} ${name}: key ${JSON.stringify(key)} is set twice`);
    data.entries.set(key, kstr(kind === 'Secret' ? base64(value) : value, kind === 'Secret' ? { ...prov, verbatim: false } : prov));
  };
  for (const n of seqItems(g.entries.get('literals'))) {
    const s = isScalar(n) ? String(n.value ?? '') : '';
    const at = locOf(n, ctx);
    const eq = s.indexOf('=');
    if (eq <= 0) {
      ctx.report(at, `literal ${JSON.stringify(s)} is not key=value`);
      continue;
    }
    const key = s.slice(0, eq);
    let value = s.slice(eq + 1);
    let offset = eq + 1;
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) {
      value = value.slice(1, -1);
      offset++;
    }
    const p = isScalar(n) ? n.prov : undefined;
    const verbatim = p?.verbatim ?? false;
    const q = p && verbatim && p.loc.end - p.loc.start === s.length + 2 ? 1 : 0;
    const loc = p && verbatim ? { file: p.loc.file, start: p.loc.start + q + offset, end: p.loc.start + q + offset + value.length } : at;
    put(key, value, { loc, verbatim, what: `${kind} generator literal` }, at);
  }
  for (const n of seqItems(g.entries.get('files'))) {
    const s = isScalar(n) ? String(n.value ?? '') : '';
    const at = locOf(n, ctx);
    const eq = s.indexOf('=');
    const key = eq > 0 ? s.slice(0, eq) : basename(s);
    const path = eq > 0 ? s.slice(eq + 1) : s;
    const f = ctx.readInput(path, at);
    if (!f) continue;
    put(key, f.text, { loc: { file: f.path, start: 0, end: f.text.length }, verbatim: true, what: `${kind} generator file` }, at);
  }
  const envs = [...seqItems(g.entries.get('envs'))];
  if (isScalar(g.entries.get('env'))) envs.push(g.entries.get('env')!);
  for (const n of envs) {
    const at = locOf(n, ctx);
    const f = ctx.readInput(isScalar(n) ? String(n.value ?? '') : '', at);
    if (!f) continue;
    let pos = 0;
    for (const line of f.text.split('\n')) {
      const start = pos;
      pos += line.length + 1;
      const l = line.replace(/\r$/, '');
      const t = l.replace(/^\s+/, '');
      if (t === '' || t.startsWith('#')) continue;
      const eq = t.indexOf('=');
      const key = eq < 0 ? t : t.slice(0, eq);
      const value = eq < 0 ? '' : t.slice(eq + 1);
      const vstart = start + (l.length - t.length) + eq + 1;
      put(key, value, { loc: { file: f.path, start: vstart, end: vstart + value.length }, verbatim: true, what: `${kind} generator env file` }, at);
    }
  }

  const obj = kmap();
  obj.entries.set('apiVersion', kstr('v1'));
  obj.entries.set('kind', kstr(kind));
  const meta = kmap();
  meta.entries.set('name', kstr(name, (nameNode as KScalar).prov));
  const ns = g.entries.get('namespace');
  if (isScalar(ns) && ns.value !== null) meta.entries.set('namespace', ns);
  obj.entries.set('metadata', meta);
  const options = mergedOptions(globalOptions, g.entries.get('options'));
  if (options.labels.entries.size > 0) meta.entries.set('labels', options.labels);
  if (options.annotations.entries.size > 0) meta.entries.set('annotations', options.annotations);
  if (kind === 'Secret') obj.entries.set('type', g.entries.get('type') ?? kstr('Opaque'));
  if (data.entries.size > 0) obj.entries.set('data', data);
  if (options.immutable) obj.entries.set('immutable', { kind: 'scalar', value: true });
  const r = newResource(obj, locOf(nameNode, ctx));
  r.needsHash = !options.disableHash;
  r.generated = { behavior: str(g, 'behavior') ?? 'create' };
  return r;
}

function seqItems(n: KNode | undefined): KNode[] {
  return isSeq(n) ? n.items : [];
}

function mergedOptions(global: KNode | undefined, own: KNode | undefined): { labels: KMap; annotations: KMap; disableHash: boolean; immutable: boolean } {
  const labels = kmap();
  const annotations = kmap();
  let disableHash = false;
  let immutable = false;
  for (const o of [global, own]) {
    if (!isMap(o)) continue;
    const l = o.entries.get('labels');
    if (isMap(l)) for (const [k, v] of l.entries) labels.entries.set(k, v);
    const a = o.entries.get('annotations');
    if (isMap(a)) for (const [k, v] of a.entries) annotations.entries.set(k, v);
    const d = o.entries.get('disableNameSuffixHash');
    if (isScalar(d) && d.value !== null) disableHash = d.value === true;
    const im = o.entries.get('immutable');
    if (isScalar(im) && im.value !== null) immutable = im.value === true;
  }
  return { labels, annotations, disableHash, immutable };
}

function base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += abc[(n >> 18) & 63]! + abc[(n >> 12) & 63]! + (i + 1 < bytes.length ? abc[(n >> 6) & 63]! : '=') + (i + 2 < bytes.length ? abc[n & 63]! : '=');
  }
  return out;
}

/** Go's json.Marshal of plain data: keys sorted, and <, >, &, U+2028, U+2029 escaped. */
function goJson(v: unknown): string {
  const sorted = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sorted);
    if (x !== null && typeof x === 'object') {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) o[k] = sorted((x as Record<string, unknown>)[k]);
      return o;
    }
    return x;
  };
  return JSON.stringify(sorted(v)).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function hashEncode(hex: string): string {
  const map: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => map[c] ?? c).join('');
}

function fieldValue(obj: KMap, key: string): unknown {
  const n = obj.entries.get(key);
  if (n === undefined) return '';
  if (isScalar(n)) return n.value === null ? '' : String(n.value);
  return toPlain(n);
}

/** kustomize's hash of a ConfigMap or Secret (api/hasher): name, kind, data (and type) only. */
export function contentHash(obj: KMap): string {
  const kind = str(obj, 'kind');
  // kustomize looks the name up as one field called "metadata/name", which no object has: the hash
  // never covers the name (the same content hashes the same under any prefix).
  const name = '';
  let m: Record<string, unknown>;
  if (kind === 'Secret') {
    m = { kind: 'Secret', type: fieldValue(obj, 'type'), name, data: fieldValue(obj, 'data') };
    if (isMap(obj.entries.get('stringData'))) m['stringData'] = toPlain(obj.entries.get('stringData')!);
  } else {
    m = { kind: 'ConfigMap', name, data: fieldValue(obj, 'data') };
    if (isMap(obj.entries.get('binaryData'))) m['binaryData'] = toPlain(obj.entries.get('binaryData')!);
  }
  return hashEncode(sha256Hex(goJson(m)));
}
