// `helm template` in-process: load the chart, merge and coalesce values, render every template with
// Go's text/template and Helm's functions, then sort and print the manifests as Helm v4.1.4 does
// (pkg/engine, pkg/release/v1/util, pkg/cmd/template.go). Pure: files come through SourceFiles.
import type { RenderedStream, SourceFiles, SourceProblem, ValueOrigin } from '../sources/origin';
import { parseYaml, YNode } from '../yaml/documents';
import { BoundError, Executor, Limits, TemplateError, TemplateSet, defaultLimits } from '../go/template/exec';
import { ParseError } from '../go/template/parse';
import { builtins } from '../go/template/builtins';
import { GoString, Text, TextBuilder, plain, replaceAllText, sliceOf, sourced, trimSpaceText } from '../go/template/text';
import { ExecError, GoMap, Value, str } from '../go/template/value';
import { Chart, ChartError, LoadBudget, loadChartDir } from './chart';
import { helmFunctions } from './functions';
import { capabilities, chartObject, filesObject, kubeVersion } from './objects';
import { addOrigins } from './provenance';
import { validateSchema } from './schema';
import { parseConstraint, parseVersion, satisfies } from './semver';
import { coalesceValues, enabledSubcharts, importValues, mergeUserValues } from './values';
import { readYamlFile } from './yaml';

export interface HelmLimits extends Limits {
  /** Files a chart (with its subcharts) may hold. */
  readonly maxFiles: number;
  /** Characters of all its files. */
  readonly maxBytes: number;
}

export const defaultHelmLimits: HelmLimits = { ...defaultLimits, maxFiles: 10_000, maxBytes: 50_000_000 };

export interface RenderOptions {
  /** Release name; `helm template` without one uses `release-name`. */
  readonly release?: string;
  readonly namespace?: string;
  /** User values files, in order (later wins), as `-f` gives them. */
  readonly valuesFiles?: readonly string[];
  readonly limits?: Partial<HelmLimits>;
  /** Clock for the wall-time bound (tests). */
  readonly now?: () => number;
}

export interface HelmRender {
  /** What `helm template` prints, with the origins of its scalars. Empty text when the render failed. */
  readonly stream: RenderedStream;
  readonly problems: SourceProblem[];
  /** Every file and directory read, so a caller knows when to render again. */
  readonly inputs: string[];
}

/** Helm's InstallOrder (pkg/release/v1/util/kind_sorter.go). */
const installOrder = [
  'PriorityClass', 'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget',
  'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim',
  'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role',
  'RoleList', 'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet',
  'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
];
const kindRank = new Map(installOrder.map((k, i) => [k, i]));

const hookEvents = new Set(['pre-install', 'post-install', 'pre-delete', 'post-delete', 'pre-upgrade', 'post-upgrade', 'pre-rollback', 'post-rollback', 'test', 'test-success']);

interface Renderable {
  readonly name: string;
  readonly source: GoString;
  readonly vals: GoMap;
  readonly basePath: string;
  readonly file: string;
}

interface Manifest {
  readonly path: string;
  readonly content: GoString;
  readonly kind: string;
  /** The document's nodes, read once for its head and again for its scalars' origins. */
  readonly roots: ReadonlyArray<YNode | null>;
}

/** The YAML reader's words for the errors go-yaml words differently (go-yaml prefixes the line). */
const goYamlWords: ReadonlyArray<[RegExp, string]> = [
  [/^Nested mappings are not allowed in compact mappings/, 'mapping values are not allowed in this context'],
  [/^Implicit keys need to be on a single line/, "could not find expected ':'"],
  [/^A block sequence may not be used as an implicit map key/, 'did not find expected key'],
];

function goYamlMessage(text: string, offset: number, message: string): string {
  for (const [re, go] of goYamlWords) {
    if (re.test(message)) {
      // go-yaml marks the `:` that may not start a mapping there; the reader marks the value before it.
      let at = offset;
      const colon = /:(?=[ \t\n]|$)/g;
      colon.lastIndex = offset;
      const m = go.startsWith('mapping values') ? colon.exec(text) : null;
      if (m) at = m.index;
      let line = 1;
      for (let i = 0; i < at && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
      return `line ${line}: ${go}`;
    }
  }
  return message;
}

/** What SimpleHead reads of a document: kind and metadata.annotations, as values. */
function headOf(root: YNode | null): Value {
  if (!root || (root.kind === 'scalar' && root.value === null)) return null;
  if (root.kind !== 'map') return root.kind === 'seq' ? [] : '';
  const m: GoMap = new Map();
  const kind = root.entries.get('kind');
  if (kind && kind.kind === 'scalar') m.set('kind', kind.value === null ? null : String(kind.value));
  const meta = root.entries.get('metadata');
  const ann = meta && meta.kind === 'map' ? meta.entries.get('annotations') : undefined;
  if (ann && ann.kind === 'map') {
    const a: GoMap = new Map();
    for (const [k, v] of ann.entries) a.set(k, v.kind === 'scalar' ? (typeof v.value === 'bigint' ? Number(v.value) : v.value) : v.kind === 'seq' ? [] : new Map());
    m.set('metadata', new Map<string, Value>([['annotations', a]]));
  }
  return m;
}

class RenderFailure extends Error {
  constructor(readonly problem: SourceProblem) {
    super(problem.message);
  }
}

export function renderChart(files: SourceFiles, chartDir: string, options: RenderOptions = {}): HelmRender {
  const limits: HelmLimits = { ...defaultHelmLimits, ...options.limits };
  const inputs = new Set<string>();
  const problems: SourceProblem[] = [];
  const name = `${chartDir} (release ${options.release ?? 'release-name'})`;
  const empty = (): HelmRender => ({ stream: { name, text: '', origins: [] }, problems, inputs: [...inputs] });
  try {
    const { text, origins } = render(files, chartDir, options, limits, inputs, problems);
    return { stream: { name, text: plain(text), origins }, problems, inputs: [...inputs] };
  } catch (e) {
    if (e instanceof RenderFailure) {
      problems.push(e.problem);
      return empty();
    }
    // The stack ran out somewhere no bound caught first (a value nested thousands deep): still a problem, named.
    if (e instanceof RangeError) {
      problems.push({ at: at(chartDir), message: `rendering template failed: ${e.message} (limit maxDepth)`, severity: 'error' });
      return empty();
    }
    throw e;
  }
}

function at(file: string, start = 0, end = start): SourceProblem['at'] {
  return { file, start, end };
}

function fail(file: string, message: string, start = 0, end = start): never {
  throw new RenderFailure({ at: at(file, start, end), message, severity: 'error' });
}

function render(files: SourceFiles, chartDir: string, options: RenderOptions, limits: HelmLimits, inputs: Set<string>, problems: SourceProblem[]): { text: GoString; origins: RenderedStream['origins'] } {
  const releaseName = options.release ?? 'release-name';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(releaseName) || releaseName.length > 53) {
    fail(chartDir, `release name check failed: release name ${JSON.stringify(releaseName)}: invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53`);
  }
  const budget: LoadBudget = { files: 0, bytes: 0, maxFiles: limits.maxFiles, maxBytes: limits.maxBytes, inputs };
  let chart: Chart;
  try {
    chart = loadChartDir(files, chartDir, budget);
  } catch (e) {
    if (e instanceof ChartError) fail(e.file, e.message, e.offset);
    throw e;
  }
  const warn = (message: string): void => {
    problems.push({ at: at(chart.valuesPath), message, severity: 'warning' });
  };

  // User values, merged in order.
  let user: GoMap = new Map();
  for (const path of options.valuesFiles ?? []) {
    inputs.add(path);
    const text = files.read(path);
    if (text === undefined) fail(path, `open ${path}: no such file or directory`);
    const r = readYamlFile(text, { file: path });
    if (r.error) fail(path, `failed to parse ${path}: ${r.error.message}`, r.error.offset);
    const v = r.docs[0];
    if (v === null || v === undefined) continue;
    if (!(v instanceof Map)) fail(path, `failed to parse ${path}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(v) ? 'array' : 'string'} into Go value of type map[string]interface {}`);
    user = mergeUserValues(user, v);
  }

  // Every dependency Chart.yaml names must be in charts/.
  const missing = chart.dependencies.filter((d) => !chart.subcharts.some((c) => c.name === d.name)).map((d) => d.name);
  if (missing.length) {
    fail(`${chart.root}/Chart.yaml`, `An error occurred while checking for chart dependencies. You may need to run \`helm dependency build\` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: ${missing.join(', ')}`);
  }
  const pruned = importValues(prune(chart, user, '', warn), warn);
  let values: GoMap;
  try {
    values = coalesceValues(pruned, user, warn);
  } catch (e) {
    fail(chart.valuesPath, e instanceof Error ? e.message : String(e));
  }
  validateAll(pruned, values, files, inputs);

  const kv = str(chart.metadata.get('kubeVersion') ?? '');
  if (kv) {
    const c = parseConstraint(kv);
    const v = parseVersion(kubeVersion.version);
    if (c && v && !satisfies(c, v)) fail(`${chart.root}/Chart.yaml`, `chart requires kubeVersion: ${kv} which is incompatible with Kubernetes ${kubeVersion.version}`);
  }

  const release: GoMap = new Map<string, Value>([
    ['Name', options.release ?? 'release-name'],
    ['Namespace', options.namespace ?? 'default'],
    ['IsUpgrade', false],
    ['IsInstall', true],
    ['Revision', 1n],
    ['Service', 'Helm'],
  ]);
  const top: GoMap = new Map<string, Value>([
    ['Values', values],
    ['Release', release],
    ['Capabilities', capabilities()],
  ]);
  const tpls: Renderable[] = [];
  allTemplates(pruned, top, true, '', tpls);

  // Parse in Helm's order: deeper paths first, then reverse lexical (later defines win).
  tpls.sort((a, b) => byPathLen(b.name, a.name));
  const set = new TemplateSet();
  const funcs = helmFunctions();
  const hasFunc = (n: string): boolean => funcs.has(n) || builtins.has(n);
  for (const t of tpls) {
    try {
      set.add(t.name, t.source, hasFunc);
    } catch (e) {
      if (e instanceof ParseError) {
        const line = /:(\d+):/.exec(e.message)?.[1];
        fail(t.file, `parse error at (${t.name}:${line ?? '?'}): ${e.message.replace(/^template: [^:]+:\d+: /, '')}`, e.offset, e.offset + 2);
      }
      throw e;
    }
  }
  const exec = new Executor(set, funcs, limits, options.now);
  const rendered = new Map<string, GoString>();
  for (const t of tpls) {
    if (t.name.slice(t.name.lastIndexOf('/') + 1).startsWith('_')) continue;
    t.vals.set('Template', new Map<string, Value>([['Name', t.name], ['BasePath', t.basePath]]));
    let out: GoString;
    try {
      out = exec.execute(t.name, t.vals);
    } catch (e) {
      throw new RenderFailure(problemOf(e, t, tpls));
    }
    rendered.set(t.name, replaceAllText(out, '<no value>', ''));
  }
  for (const k of [...rendered.keys()]) if (k.endsWith('NOTES.txt')) rendered.delete(k);
  return printManifests(rendered, tpls);
}

function problemOf(e: unknown, t: Renderable, tpls: readonly Renderable[]): SourceProblem {
  if (e instanceof TemplateError) {
    const where = locate(e.source, e.offset, tpls) ?? at(t.file);
    const message = e.userText !== undefined ? `execution error at (${e.location}): ${e.userText}` : helmExecMessage(e.levels);
    return { at: where, message, severity: 'error' };
  }
  if (e instanceof BoundError) return { at: (e.source !== undefined && e.offset !== undefined ? locate(e.source, e.offset, tpls) : undefined) ?? at(t.file), message: e.message, severity: 'error' };
  if (e instanceof ExecError) return { at: at(t.file), message: e.message, severity: 'error' };
  if (e instanceof RangeError) return { at: at(t.file), message: `rendering template failed: ${e.message} (limit maxDepth)`, severity: 'error' };
  throw e;
}

/**
 * Helm's reformatExecErrorMsg: when every level of the error chain is a template error, one block per
 * level (`file:line:col`, `executing "..." at <...>:`, the message); otherwise Go's message as it is.
 */
export function helmExecMessage(levels: readonly string[]): string {
  const blocks: string[] = [];
  let last = '';
  for (const level of levels) {
    if (!level.startsWith('template: ')) return levels[0]!;
    const rest = level.slice('template: '.length);
    let block: string;
    if (rest.startsWith('no template ')) block = `${level}\n`;
    else {
      const i = rest.indexOf(': executing "');
      if (i >= 0) {
        const name = rest.slice(0, i);
        const after = rest.slice(i + ': executing '.length);
        const endQuote = after.indexOf('"', 1);
        const fn = after.slice(1, endQuote);
        const at = after.slice(endQuote + 1);
        if (!at.startsWith(' at <')) return levels[0]!;
        const cut = at.indexOf('>: ');
        if (cut < 0) return levels[0]!;
        const loc = at.slice(' at <'.length, cut);
        let msg = at.slice(cut + 3);
        const t = msg.indexOf(' template:');
        if (t >= 0) msg = msg.slice(0, t);
        block = `${name}\n  executing "${fn}" at <${loc}>:\n    ${msg}\n`;
      } else {
        const sep = rest.lastIndexOf(': ');
        if (sep < 0) return levels[0]!;
        let msg = rest.slice(sep + 2);
        const t = msg.indexOf(' template:');
        if (t >= 0) msg = msg.slice(0, t);
        block = `${rest.slice(0, sep)}\n  ${msg}\n`;
      }
    }
    if (block !== last) blocks.push(block);
    last = block;
  }
  return blocks.join('').trim();
}

/** The file location of an offset in a template source (a file, or a tpl string from values). */
function locate(source: GoString, offset: number, tpls: readonly Renderable[]): SourceProblem['at'] | undefined {
  if (typeof source !== 'string') {
    for (const g of source.segs) {
      if (offset >= g.start && offset < g.end) {
        const s = g.src.verbatim ? g.src.start + (offset - g.start) : g.src.start;
        return at(g.src.file, s, s + 1);
      }
    }
  }
  const t = tpls.find((x) => x.source === source);
  return t ? at(t.file, offset, offset + 1) : undefined;
}

function byPathLen(a: string, b: string): number {
  const ca = a.split('/').length;
  const cb = b.split('/').length;
  if (ca !== cb) return ca - cb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function prune(chart: Chart, vals: GoMap, path: string, warn: (m: string) => void): Chart {
  if (!chart.dependencies.length && !chart.subcharts.length) return chart;
  const cvals = coalesceValues(chart, vals, () => undefined);
  const kept = enabledSubcharts(chart, cvals, path, warn);
  return { ...chart, subcharts: kept.map((c) => prune(c, cvals, `${path}${c.name}.`, warn)) };
}

function validateAll(chart: Chart, values: GoMap, files: SourceFiles, inputs: Set<string>): void {
  if (chart.schema) {
    inputs.add(chart.schema.path);
    const errors = validateSchema(chart.schema.text, values);
    if (errors.length) {
      fail(chart.schema.path, `values don't meet the specifications of the schema(s) in the following chart(s):\n${chart.name}:\n${errors.map((e) => `- ${e}`).join('\n')}`);
    }
  }
  for (const sub of chart.subcharts) {
    const v = values.get(sub.name);
    validateAll(sub, v instanceof Map ? v : new Map(), files, inputs);
  }
}

/** recAllTpls: each chart's templates with its own .Values, .Chart and .Files; subcharts' under charts/. */
function allTemplates(chart: Chart, parent: GoMap, isRoot: boolean, parentPath: string, out: Renderable[]): GoMap {
  const subcharts: GoMap = new Map();
  const next: GoMap = new Map<string, Value>([
    ['Chart', chartObject(chart, isRoot)],
    ['Files', filesObject(chart.files)],
    ['Release', parent.get('Release')],
    ['Capabilities', parent.get('Capabilities')],
    ['Values', new Map()],
    ['Subcharts', subcharts],
  ]);
  if (isRoot) next.set('Values', parent.get('Values'));
  else {
    const pv = parent.get('Values');
    const mine = pv instanceof Map ? pv.get(chart.name) : undefined;
    if (mine instanceof Map) next.set('Values', mine);
  }
  const fullPath = isRoot ? chart.name : `${parentPath}/charts/${chart.name}`;
  for (const child of chart.subcharts) subcharts.set(child.name, allTemplates(child, next, false, fullPath, out));
  for (const t of chart.templates) {
    if (chart.type === 'library' && !t.name.slice(t.name.lastIndexOf('/') + 1).startsWith('_')) continue;
    out.push({
      name: `${fullPath}/${t.name}`,
      source: sourced(t.text, { file: t.path, start: 0, end: t.text.length, verbatim: true, what: 'template' }),
      vals: next,
      basePath: `${fullPath}/templates`,
      file: t.path,
    });
  }
  return next;
}

/**
 * SplitManifests: splits at Helm's separator `(?:^|\s*\n)---\s*` (Go's \s is [\t\n\f\r ]), found by
 * scanning for "\n---" rather than by the regular expression, which retries its leading run of
 * spaces at every position.
 */
function splitManifests(text: GoString): GoString[] {
  const t = trimSpaceText(text);
  const s = plain(t);
  const docs: GoString[] = [];
  const isWs = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
  let last = 0;
  let from = 0;
  if (s.startsWith('---')) {
    let e = 3;
    while (e < s.length && isWs(s.charCodeAt(e))) e++;
    docs.push('');
    last = from = e;
  }
  for (;;) {
    const q = s.indexOf('\n---', from);
    if (q < 0) break;
    let start = q;
    while (start > last && isWs(s.charCodeAt(start - 1))) start--;
    let e = q + 4;
    while (e < s.length && isWs(s.charCodeAt(e))) e++;
    docs.push(sliceOf(t, last, start));
    last = from = e;
  }
  docs.push(sliceOf(t, last));
  return docs.filter((d) => plain(d) !== '').map(trimSpaceText);
}

function printManifests(rendered: Map<string, GoString>, tpls: readonly Renderable[]): { text: GoString; origins: RenderedStream['origins'] } {
  const generic: Manifest[] = [];
  const hooks: Manifest[] = [];
  const paths = [...rendered.keys()].sort();
  for (const path of paths) {
    const content = rendered.get(path)!;
    if (path.slice(path.lastIndexOf('/') + 1).startsWith('_')) continue;
    if (plain(content).trim() === '') continue;
    for (const doc of splitManifests(content)) {
      const parsed = parseYaml(plain(doc));
      const t = tpls.find((x) => x.name === path);
      const err = parsed.errors[0];
      if (err) fail(t?.file ?? path, `YAML parse error on ${path}: error converting YAML to JSON: yaml: ${goYamlMessage(plain(doc), err.offset, err.message)}`);
      const roots = parsed.documents.map((d) => d.root);
      const head = headOf(roots[0] ?? null);
      if (head !== null && head !== undefined && !(head instanceof Map)) {
        fail(t?.file ?? path, `YAML parse error on ${path}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(head) ? 'array' : 'string'} into Go value of type util.SimpleHead`);
      }
      const kind = head instanceof Map ? str(head.get('kind') ?? '') : '';
      const meta = head instanceof Map ? head.get('metadata') : undefined;
      const ann = meta instanceof Map ? meta.get('annotations') : undefined;
      if (ann instanceof Map) {
        for (const v of ann.values()) {
          if (v === null || typeof v === 'string' || v instanceof Text) continue;
          const what = typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? 'array' : 'object';
          fail(t?.file ?? path, `YAML parse error on ${path}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${what} into Go struct field .metadata.annotations of type string`);
        }
      }
      const hook = ann instanceof Map ? ann.get('helm.sh/hook') : undefined;
      if (hook === undefined) {
        generic.push({ path, content: doc, kind, roots });
        continue;
      }
      const events = str(hook).split(',').map((e) => e.trim().toLowerCase());
      if (events.some((e) => !hookEvents.has(e))) continue;
      hooks.push({ path, content: doc, kind, roots });
    }
  }
  const byKind = (a: Manifest, b: Manifest): number => {
    const ra = kindRank.get(a.kind);
    const rb = kindRank.get(b.kind);
    if (ra === undefined && rb === undefined) return a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0;
    if (ra === undefined) return 1;
    if (rb === undefined) return -1;
    return ra - rb;
  };
  generic.sort(byKind);
  hooks.sort(byKind);
  const out = new TextBuilder();
  const origins: Array<{ start: number; end: number; origin: ValueOrigin }> = [];
  const print = (m: Manifest): void => {
    out.add(`---\n# Source: ${m.path}\n`);
    addOrigins(m.content, m.roots, out.length, origins);
    out.add(m.content);
    out.add('\n');
  };
  generic.forEach(print);
  if (!generic.length) out.add('\n');
  hooks.forEach(print);
  origins.sort((a, b) => a.start - b.start);
  return { text: out.build(), origins };
}

