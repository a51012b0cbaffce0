// `kubectl kustomize DIR` in-process (kustomize's api/krusty + internal/target/kusttarget.go as the
// model): accumulate a kustomization's resources (files, folders, bases at any depth), its
// configurations, generators and components, run its transformers in kustomize's order, recurse the
// same way for every base; then, once at the top, add generator hashes, fix name references, resolve
// vars and print in kustomize's legacy order. Pure: every file comes through SourceFiles.
import type { RenderedStream, SourceFiles, SourceLocation, SourceProblem } from '../sources/origin';
import { parseYaml } from '../yaml/documents';
import { emitStream } from './emit';
import { defaultConfig, mergeConfig, readConfig } from './fieldSpecs';
import { contentHash, runGenerators } from './generators';
import { findKustomizationFile, kustomizationFileNames, parseKustomization, unsupportedFields, type LoadedKustomization } from './kustomization';
import { fixNameReferences } from './nameReference';
import { isRemote, isWithin, join } from './paths';
import { idOf, legacyOrder, newResource, rename, type ResId, type Resource } from './resource';
import { fromYNode, get, type Prov, isMap, isScalar, isSeq, scalarString, sizeOf, str, type KMap, type KNode } from './tree';
import { locOf, type Accumulator, type Env } from './env';
import { BuildFailure } from './failure';
import { runTransformers } from './transformers';
import { inflateChart, throughCharts, type InflatedChart } from './helmCharts';
import { readVars, resolveVars } from './vars';

export interface KustomizeLimits {
  /** Kustomizations nested inside each other (bases of bases...). */
  readonly maxDepth: number;
  /** Kustomizations one build may load (a base used twice counts twice, as kustomize builds it twice). */
  readonly maxKustomizations: number;
  /** Total characters of every file read. */
  readonly maxInputChars: number;
  /** Objects in the build at any time. */
  readonly maxResources: number;
  /** YAML nodes across the built objects. */
  readonly maxNodes: number;
  /** Characters of the printed stream. */
  readonly maxOutputChars: number;
  /** Wall time of one build. */
  readonly maxMillis: number;
}

export const defaultKustomizeLimits: KustomizeLimits = {
  maxDepth: 64,
  maxKustomizations: 2_000,
  maxInputChars: 64 * 1024 * 1024,
  maxResources: 20_000,
  maxNodes: 4_000_000,
  maxOutputChars: 64 * 1024 * 1024,
  maxMillis: 10_000,
};

export interface KustomizeBuild {
  /** What `kubectl kustomize` prints, and the origins of its scalars. Empty when the build failed. */
  readonly stream: RenderedStream;
  readonly problems: SourceProblem[];
  /** Every file the build read (kustomizations, resources, patches, generator inputs, configurations). */
  readonly inputs: string[];
  /** The stream is not all the kustomization builds (a remote resource, a failure, an unsupported field). */
  readonly incomplete: boolean;
  /** Files the build looked for and did not find: creating one changes the build (watch them too). */
  readonly missing: string[];
}

/** Builds the kustomization in `dir` (a folder holding kustomization.yaml, .yml or Kustomization). */
export function buildKustomization(files: SourceFiles, dir: string, options: { limits?: Partial<KustomizeLimits> } = {}): KustomizeBuild {
  const b = new Builder(files, { ...defaultKustomizeLimits, ...options.limits });
  const root = join(dir, '.');
  let name = root;
  let text = '';
  let origins: RenderedStream['origins'] = [];
  try {
    const top = b.load(root, { file: root, start: 0, end: 0 }, false);
    if (top) {
      name = top.file;
      const ra = b.accumulateTarget(top, emptyAccumulator());
      const out = b.finish(ra, top);
      text = out.text;
      origins = b.charts.size > 0 ? out.origins.map((o) => ({ ...o, origin: throughCharts(o.origin, b.charts) })) : out.origins;
    }
  } catch (e) {
    // A failure kustomize would stop on; anything else is a fault of this build, reported the same
    // way so that one odd kustomization cannot take the server down.
    const at = e instanceof BuildFailure && e.at ? e.at : { file: name, start: 0, end: 0 };
    const message = e instanceof BuildFailure ? e.message : `internal error while building: ${e instanceof Error ? e.message : String(e)}`;
    b.problems.push({ at, message, severity: 'error' });
    b.incomplete = true;
  }
  return { stream: { name, text, origins }, problems: b.problems, inputs: [...b.inputs], incomplete: b.incomplete, missing: [...b.missing] };
}

function emptyAccumulator(): Accumulator {
  return { resources: [], config: defaultConfig(), vars: [] };
}

class Builder implements Env {
  readonly problems: SourceProblem[] = [];
  readonly inputs = new Set<string>();
  readonly missing = new Set<string>();
  incomplete = false;
  private readonly started = Date.now();
  private chars = 0;
  private nodes = 0;
  private loaded = 0;
  private readonly stack: string[] = [];
  /** Charts inflated by helmCharts, by the name their rendered text is read under. */
  readonly charts = new Map<string, InflatedChart>();

  constructor(
    private readonly files: SourceFiles,
    private readonly limits: KustomizeLimits,
  ) {}

  report(at: SourceLocation, message: string, severity: 'error' | 'warning' = 'error'): void {
    this.problems.push({ at, message, severity });
    if (severity === 'error') this.incomplete = true;
  }

  markIncomplete(): void {
    this.incomplete = true;
  }

  tick(): void {
    if (Date.now() - this.started > this.limits.maxMillis) throw new BuildFailure(`the build took longer than ${this.limits.maxMillis} ms (bound maxMillis): stopped`);
  }

  private read(path: string): string | undefined {
    const text = this.files.read(path);
    if (text === undefined) return undefined;
    this.inputs.add(path);
    this.chars += text.length;
    if (this.chars > this.limits.maxInputChars) throw new BuildFailure(`the build read more than ${this.limits.maxInputChars} characters (bound maxInputChars): stopped`, { file: path, start: 0, end: 0 });
    return text;
  }

  readInput(k: LoadedKustomization, rel: string, at: SourceLocation): { path: string; text: string } | undefined {
    if (isRemote(rel)) {
      this.report(at, `${rel} is remote and is not fetched: the build is incomplete`);
      return undefined;
    }
    const path = join(k.dir, rel);
    if (!isWithin(k.dir, path)) throw new BuildFailure(`security; file '${rel}' is not in or below '${k.dir}' (kustomize's load restrictor)`, at);
    const text = this.read(path);
    if (text === undefined) {
      this.missing.add(path);
      this.report(at, `${rel}: no such file (looked for ${path})`);
      return undefined;
    }
    return { path, text };
  }

  parseFile(path: string, text: string): KNode[] {
    const parsed = parseYaml(text);
    for (const e of parsed.errors) this.report({ file: path, start: e.offset, end: e.offset }, `${path}: ${e.message}`);
    // An empty document (comments only, or nothing after a final ---) is no object.
    const docs = parsed.documents.filter((d) => d.root !== null && !(d.root.kind === 'scalar' && d.root.value === null)).map((d) => fromYNode(d.root, path, text));
    // Every object of a build is read from a file (a base built twice is read twice), so counting
    // the nodes read bounds the nodes built.
    for (const d of docs) {
      this.nodes += sizeOf(d, this.limits.maxNodes - this.nodes);
      if (this.nodes > this.limits.maxNodes) throw new BuildFailure(`the build read more than ${this.limits.maxNodes} YAML nodes (bound maxNodes): stopped`, { file: path, start: 0, end: 0 });
    }
    return docs;
  }

  /** The kustomization of a folder; undefined (reported) when it has none. */
  load(dir: string, at: SourceLocation, component: boolean): LoadedKustomization | undefined {
    // The folder's listing says which kustomization names exist without reading each candidate; a
    // listing that shows none (or no listing) is checked by reading, as a caller's listing may lag
    // behind files it can read (an unsaved editor buffer).
    const names = this.files.list(dir);
    const listed = names?.some((n) => (kustomizationFileNames as readonly string[]).includes(n)) === true;
    const found = findKustomizationFile(dir, (p) => (listed ? names!.includes(p.slice(p.lastIndexOf('/') + 1)) : true) && this.files.read(p) !== undefined);
    if (found === undefined) {
      for (const n of kustomizationFileNames) this.missing.add(join(dir, n));
      this.report(at, `${dir}: no kustomization.yaml, kustomization.yml or Kustomization in this folder`);
      return undefined;
    }
    if ('error' in found) throw new BuildFailure(found.error, at);
    if (++this.loaded > this.limits.maxKustomizations) throw new BuildFailure(`more than ${this.limits.maxKustomizations} kustomizations loaded (bound maxKustomizations): stopped`, at);
    const text = this.read(found.file)!;
    const { k, problems } = parseKustomization(dir, found.file, text);
    const fatal = problems.find((p) => p.message.startsWith('invalid Kustomization'));
    for (const p of problems) if (p !== fatal) this.report({ file: found.file, start: p.offset, end: p.offset }, p.message, k ? 'warning' : 'error');
    // kustomize reads a kustomization strictly: an unknown field or a mistyped value fails the build.
    if (fatal) throw new BuildFailure(fatal.message, { file: found.file, start: fatal.offset, end: fatal.offset });
    if (!k) throw new BuildFailure(`${found.file} cannot be read`, { file: found.file, start: 0, end: 0 });
    if (component && !k.isComponent) throw new BuildFailure(`expected kind 'Component' for path '${dir}' but got '${str(k.root, 'kind') ?? 'Kustomization'}'`, at);
    if (!component && k.isComponent) throw new BuildFailure(`expected kind != 'Component' for path '${dir}'`, at);
    for (const [field, why] of unsupportedFields) {
      const n = k.root.entries.get(field);
      if (n === undefined || (isSeq(n) && n.items.length === 0) || (isScalar(n) && n.value === null)) continue;
      this.report(locOf(n, k), `${field}: ${why}; the build is incomplete`, 'warning');
      this.incomplete = true;
    }
    return k;
  }

  accumulateTarget(k: LoadedKustomization, ra: Accumulator): Accumulator {
    if (this.stack.includes(k.dir)) {
      const cycle = [...this.stack.slice(this.stack.indexOf(k.dir)), k.dir];
      throw new BuildFailure(`cycle: ${cycle.join(' -> ')}`, { file: k.file, start: 0, end: 0 });
    }
    if (this.stack.length >= this.limits.maxDepth) throw new BuildFailure(`kustomizations nested deeper than ${this.limits.maxDepth} (bound maxDepth): stopped`, { file: k.file, start: 0, end: 0 });
    this.stack.push(k.dir);
    try {
      this.tick();
      const f = k.root.entries;
      const refs = [...items(f.get('resources')), ...items(f.get('bases'))];
      for (const ref of refs) this.accumulateResource(k, ref, ra);
      for (const h of items(f.get('helmCharts'))) this.inflate(k, h, ra);
      for (const c of items(f.get('configurations'))) {
        if (!isScalar(c)) continue;
        const file = this.readInput(k, scalarString(c), locOf(c, k));
        if (file) for (const doc of this.parseFile(file.path, file.text)) mergeConfig(ra.config, readConfig(doc));
      }
      const generated = runGenerators(k.root, {
        file: k.file,
        text: k.text,
        readInput: (rel, at) => this.readInput(k, rel, at),
        report: (at, message, severity) => this.report(at, message, severity),
      });
      for (const g of generated) this.addGenerated(ra, g);
      for (const c of items(f.get('components'))) {
        if (!isScalar(c)) continue;
        const rel = scalarString(c);
        if (isRemote(rel)) {
          this.report(locOf(c, k), `component ${rel} is remote and is not fetched: the build is incomplete`);
          continue;
        }
        const sub = this.load(join(k.dir, rel), locOf(c, k), true);
        ra.ids = undefined;
        if (sub) ra = this.accumulateTarget(sub, ra);
        ra.ids = undefined;
      }
      ra.ids = undefined;
      runTransformers(k, ra, this);
      for (const v of readVars(f.get('vars'))) {
        if (ra.vars.some((x) => x.name === v.name)) throw new BuildFailure(`var '${v.name}' already encountered`, locOf(f.get('vars'), k));
        ra.vars.push(v);
      }
      return ra;
    } finally {
      this.stack.pop();
    }
  }

  /** A helmCharts entry: the chart rendered in-process, its objects added as resources. */
  private inflate(k: LoadedKustomization, entry: KNode, ra: Accumulator): void {
    this.tick();
    const at = locOf(entry, k);
    const chartHome = str(k.root, 'helmGlobals', 'chartHome') ?? 'charts';
    const inline = isMap(entry) ? entry.entries.get('valuesInline') : undefined;
    const c = inflateChart(this.files, entry, chartHome, { dir: k.dir, at, valuesInlineAt: inline ? locOf(inline, k) : undefined });
    if ('missing' in c) {
      this.report(at, c.missing);
      return;
    }
    for (const f of c.inputs) this.inputs.add(f);
    for (const p of c.problems) this.report(p.at, p.message, p.severity === 'error' ? 'error' : 'warning');
    if (c.stream.text === '') return;
    this.charts.set(c.path, c);
    for (const doc of this.parseFile(c.path, c.stream.text)) {
      for (const obj of expandList(doc)) {
        if (!isMap(obj) || !str(obj, 'kind') || !str(obj, 'metadata', 'name')) continue;
        const r = newResource(obj, { file: c.path, start: 0, end: 0 });
        r.chain.push(at);
        this.append(ra, r, at);
      }
    }
  }

  private accumulateResource(k: LoadedKustomization, ref: KNode, ra: Accumulator): void {
    if (!isScalar(ref) || ref.value === null) return;
    const rel = scalarString(ref);
    const at = locOf(ref, k);
    if (isRemote(rel)) {
      this.report(at, `remote resource ${rel} is not fetched: the build is incomplete`);
      return;
    }
    const path = join(k.dir, rel);
    const text = this.files.read(path);
    if (text !== undefined) {
      if (!isWithin(k.dir, path)) throw new BuildFailure(`security; file '${rel}' is not in or below '${k.dir}' (kustomize's load restrictor)`, at);
      this.read(path);
      for (const doc of this.parseFile(path, text)) {
        for (const obj of expandList(doc)) {
          if (!isMap(obj)) throw new BuildFailure(`${path}: a resource must be a map`, at);
          if (!str(obj, 'kind')) throw new BuildFailure(`${path}: missing kind in object`, at);
          if (!str(obj, 'metadata', 'name')) throw new BuildFailure(`${path}: missing metadata.name in object (kind ${str(obj, 'kind') ?? '?'})`, at);
          const r = newResource(obj, { file: path, start: 0, end: 0 });
          r.chain.push(at);
          this.append(ra, r, at);
        }
      }
      return;
    }
    // A folder: listed as one, or (for a caller that cannot list) holding a kustomization file.
    if (this.files.list(path) !== undefined || kustomizationFileNames.some((n) => this.files.read(join(path, n)) !== undefined)) {
      const sub = this.load(path, at, false);
      if (!sub) return;
      const subRa = this.accumulateTarget(sub, emptyAccumulator());
      for (const r of subRa.resources) {
        r.chain.push(at);
        this.append(ra, r, at);
      }
      mergeConfig(ra.config, subRa.config);
      for (const v of subRa.vars) {
        if (ra.vars.some((x) => x.name === v.name)) throw new BuildFailure(`var '${v.name}' already encountered`, at);
        ra.vars.push(v);
      }
      return;
    }
    this.missing.add(path);
    this.report(at, `resource ${rel}: no such file or folder (looked for ${path})`);
  }

  private append(ra: Accumulator, r: Resource, at: SourceLocation): void {
    const id = idOf(r);
    // The ids of the objects so far, kept while objects are only added (transformers drop it).
    ra.ids ??= new Set(ra.resources.map((x) => idKey(idOf(x))));
    const key = idKey(id);
    if (ra.ids.has(key)) throw new BuildFailure(`may not add resource with an already registered id: ${describe(id)}`, at);
    ra.ids.add(key);
    ra.resources.push(r);
    if (ra.resources.length > this.limits.maxResources) throw new BuildFailure(`more than ${this.limits.maxResources} objects (bound maxResources): stopped`, at);
  }

  private addGenerated(ra: Accumulator, g: Resource): void {
    const behavior = g.generated?.behavior ?? 'create';
    const id = idOf(g);
    if (behavior === 'create') {
      this.append(ra, g, g.from);
      return;
    }
    const existing = ra.resources.find((r) => {
      const o = idOf(r);
      return o.kind === id.kind && [...r.prevIds.map((p) => p.name), o.name].includes(id.name) && (id.namespace === '' || o.namespace === id.namespace);
    });
    if (!existing) throw new BuildFailure(`configmap/secret ${id.name}: behavior ${behavior} but no object of that name to ${behavior}`, g.from);
    if (behavior === 'replace') {
      for (const key of ['data', 'binaryData', 'stringData']) existing.obj.entries.delete(key);
    } else if (behavior !== 'merge') throw new BuildFailure(`unknown generator behavior ${JSON.stringify(behavior)}`, g.from);
    for (const key of ['data', 'binaryData']) {
      const src = g.obj.entries.get(key);
      if (!isMap(src)) continue;
      let dst = existing.obj.entries.get(key);
      if (!isMap(dst)) {
        dst = { kind: 'map', entries: new Map() };
        existing.obj.entries.set(key, dst);
      }
      for (const [dk, dv] of src.entries) dst.entries.set(dk, dv);
    }
    for (const key of ['labels', 'annotations']) {
      const src = get(g.obj, 'metadata', key);
      if (!isMap(src)) continue;
      const meta = existing.obj.entries.get('metadata') as KMap;
      let dst = meta.entries.get(key);
      if (!isMap(dst)) {
        dst = { kind: 'map', entries: new Map() };
        meta.entries.set(key, dst);
      }
      for (const [dk, dv] of src.entries) dst.entries.set(dk, dv);
    }
    // A merge that disables the hash suffix disables it for good (a later default merge does not bring it back).
    existing.needsHash = existing.needsHash && g.needsHash;
  }

  /** The steps kustomize runs once, at the top: hashes, name references, vars, local configs, order. */
  finish(ra: Accumulator, top: LoadedKustomization): { text: string; origins: RenderedStream['origins'] } {
    for (const r of ra.resources) {
      if (!r.needsHash) continue;
      const name = idOf(r).name;
      rename(r, `${name}-${contentHash(r.obj)}`, hashedProv(r, name.length));
    }
    fixNameReferences(ra.resources, ra.config, (r, message) => this.report(r.from, message));
    resolveVars(ra.resources, ra.vars, ra.config.varReference);
    const kept = ra.resources.filter((r) => str(r.obj, 'metadata', 'annotations', 'config.kubernetes.io/local-config') !== 'true');
    for (const r of kept) {
      // kustomize removes its own build annotations at the end, and with them an empty or null
      // annotations field.
      const meta = get(r.obj, 'metadata');
      const a = get(meta, 'annotations');
      if (isMap(meta) && ((isScalar(a) && a.value === null) || (isMap(a) && a.entries.size === 0))) meta.entries.delete('annotations');
    }
    const out = emitStream(ordered(kept, top.root.entries.get('sortOptions')).map((r) => ({ obj: r.obj, includedBy: r.chain })));
    if (out.text.length > this.limits.maxOutputChars) throw new BuildFailure(`the build prints more than ${this.limits.maxOutputChars} characters (bound maxOutputChars): stopped`);
    return out;
  }
}

/** A hashed name: the name's own parts, then the hash (computed, shown at the generator's name). */
function hashedProv(r: Resource, nameLength: number): Prov | undefined {
  const n = get(r.obj, 'metadata', 'name');
  const p = isScalar(n) ? n.prov : undefined;
  if (!p) return undefined;
  const parts = p.parts ?? [{ start: 0, end: nameLength, from: p.loc, verbatim: p.verbatim, what: p.what }];
  return { loc: p.loc, verbatim: false, what: p.what, parts: [...parts, { start: nameLength, end: nameLength + 11, from: r.from, verbatim: false, what: 'content hash' }] };
}

/** The output order: the top kustomization's sortOptions (fifo, or legacy with its own kind lists). */
function ordered(rs: Resource[], sortOptions: KNode | undefined): Resource[] {
  if (str(sortOptions, 'order') === 'fifo') return rs;
  const legacy = get(sortOptions, 'legacySortOptions');
  if (!isMap(legacy)) return legacyOrder(rs);
  const names = (n: KNode | undefined): string[] => items(n).map((x) => (isScalar(x) ? scalarString(x) : ''));
  return legacyOrder(rs, { first: names(legacy.entries.get('orderFirst')), last: names(legacy.entries.get('orderLast')) });
}

function items(n: KNode | undefined): KNode[] {
  return isSeq(n) ? n.items : [];
}

/** A `kind: List` document stands for its items (kustomize reads them as separate objects). */
function expandList(doc: KNode): KNode[] {
  if (isMap(doc) && /List$/.test(str(doc, 'kind') ?? '') && isSeq(doc.entries.get('items'))) return (doc.entries.get('items') as { items: KNode[] }).items;
  return [doc];
}

function idKey(a: ResId): string {
  return `${a.kind}\0${a.group}\0${a.version}\0${a.name}\0${a.namespace || 'default'}`;
}

function describe(id: ResId): string {
  return `${id.kind}.${id.version}.${id.group} ${id.namespace ? id.namespace + '/' : ''}${id.name}`;
}
