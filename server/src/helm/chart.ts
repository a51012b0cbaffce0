// Loading a chart as Helm's loader does: the files of a directory minus what .helmignore drops,
// Chart.yaml's metadata, values.yaml, templates/, and each entry of charts/ as a subchart (a
// directory, or a .tgz read through SourceFiles.readBytes and gunzip with a small tar reader).
import type { SourceFiles } from '../sources/origin';
import { readYamlFile as readYaml } from './yaml';
import { GoMap, Value, isString, str } from '../go/template/value';
import { IgnoreRules, parseIgnore } from './ignore';

export interface ChartFile {
  /** Path inside the chart, POSIX (`templates/deployment.yaml`). */
  readonly name: string;
  /** The text (charts are text; binary files decode lossily, as Helm's .Files.Get would return bytes as a string). */
  readonly text: string;
  /** Where it is, for provenance and problems: a real path, or `archive.tgz#path` inside a packed chart. */
  readonly path: string;
}

export interface Dependency {
  readonly name: string;
  readonly alias?: string;
  readonly condition?: string;
  readonly tags: readonly string[];
  readonly importValues: readonly Value[];
}

export interface Chart {
  readonly name: string;
  readonly metadata: GoMap;
  readonly apiVersion: string;
  readonly type: string;
  readonly dependencies: readonly Dependency[];
  /** values.yaml as values with provenance. */
  readonly values: GoMap;
  readonly valuesPath: string;
  readonly schema?: ChartFile;
  readonly templates: readonly ChartFile[];
  /** Every other file (for .Files). */
  readonly files: readonly ChartFile[];
  readonly subcharts: Chart[];
  /** The chart's directory (or archive#dir). */
  readonly root: string;
}

export class ChartError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly offset = 0,
  ) {
    super(message);
  }
}

export interface LoadBudget {
  files: number;
  bytes: number;
  readonly maxFiles: number;
  readonly maxBytes: number;
  readonly inputs: Set<string>;
}

/** Loads a chart directory. */
export function loadChartDir(files: SourceFiles, dir: string, budget: LoadBudget): Chart {
  const root = dir.replace(/\/+$/, '') || '.';
  // A packed chart given as the chart itself, as `helm template NAME chart-1.0.0.tgz` takes it.
  if (/\.(tgz|tar\.gz)$/.test(root) && files.list(root) === undefined) return loadArchive(files, root, budget, null);
  const ignorePath = join(root, '.helmignore');
  const ignoreText = files.read(ignorePath);
  budget.inputs.add(ignorePath);
  const rules = parseIgnore(ignoreText ?? '');
  const entries: ChartFile[] = [];
  const archives: Array<{ name: string; path: string }> = [];
  walk(files, root, '', rules, entries, archives, budget);
  return fromEntries(files, root, entries, archives, budget, '');
}

function join(a: string, b: string): string {
  return a === '.' || a === '' ? b : `${a}/${b}`;
}

function walk(files: SourceFiles, root: string, rel: string, rules: IgnoreRules, out: ChartFile[], archives: Array<{ name: string; path: string }>, budget: LoadBudget): void {
  const abs = rel ? join(root, rel) : root;
  const names = files.list(abs);
  budget.inputs.add(abs);
  if (!names) return;
  for (const name of [...names].sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const p = join(root, r);
    const sub = files.list(p);
    const isDir = sub !== undefined;
    if (rules.ignored(r, isDir)) continue;
    if (isDir) {
      walk(files, root, r, rules, out, archives, budget);
      continue;
    }
    if (++budget.files > budget.maxFiles) throw new ChartError(`chart has more than ${budget.maxFiles} files (limit maxFiles)`, p);
    if (/^charts\/[^/]+\.tgz$/.test(r) || /^charts\/[^/]+\.tar\.gz$/.test(r)) {
      archives.push({ name: r, path: p });
      continue;
    }
    const text = files.read(p);
    budget.inputs.add(p);
    if (text === undefined) continue;
    budget.bytes += text.length;
    if (budget.bytes > budget.maxBytes) throw new ChartError(`chart files exceed ${budget.maxBytes} characters (limit maxBytes)`, p);
    out.push({ name: r, text, path: p });
  }
}

function fromEntries(files: SourceFiles, root: string, entries: ChartFile[], archives: Array<{ name: string; path: string }>, budget: LoadBudget, prefix: string): Chart {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const chartYaml = byName.get('Chart.yaml');
  if (!chartYaml) throw new ChartError('Chart.yaml file is missing', join(root, 'Chart.yaml'));
  const metaRead = readYaml(chartYaml.text, { file: chartYaml.path, what: 'Chart.yaml ', bool11: false });
  if (metaRead.error) throw new ChartError(`cannot load Chart.yaml: ${metaRead.error.message}`, chartYaml.path, metaRead.error.offset);
  const meta = metaRead.docs[0];
  if (!(meta instanceof Map)) throw new ChartError('cannot load Chart.yaml: not a mapping', chartYaml.path);
  const name = str(meta.get('name') ?? '');
  if (!name) throw new ChartError('validation: chart.metadata.name is required', chartYaml.path);
  const apiVersion = str(meta.get('apiVersion') ?? '') || 'v1';
  const valuesFile = byName.get('values.yaml');
  let values: GoMap = new Map();
  if (valuesFile) {
    const r = readYaml(valuesFile.text, { file: valuesFile.path, what: 'values ' + prefix });
    if (r.error) throw new ChartError(`cannot load values.yaml: ${r.error.message}`, valuesFile.path, r.error.offset);
    const v = r.docs[0];
    if (v instanceof Map) values = v;
  }
  let depList = meta.get('dependencies');
  if (apiVersion === 'v1') {
    const req = byName.get('requirements.yaml');
    if (req) {
      const r = readYaml(req.text, { file: req.path });
      const d = r.docs[0];
      if (d instanceof Map) depList = d.get('dependencies');
    }
  }
  const dependencies: Dependency[] = [];
  if (Array.isArray(depList)) {
    for (const d of depList) {
      if (!(d instanceof Map)) continue;
      const tags = d.get('tags');
      const alias = d.get('alias');
      const cond = d.get('condition');
      dependencies.push({
        name: str(d.get('name') ?? ''),
        alias: isString(alias) && str(alias) ? str(alias) : undefined,
        condition: isString(cond) ? str(cond) : undefined,
        tags: Array.isArray(tags) ? tags.filter(isString).map(str) : [],
        importValues: Array.isArray(d.get('import-values')) ? (d.get('import-values') as Value[]) : [],
      });
    }
  }
  const templates = entries.filter((e) => e.name.startsWith('templates/'));
  const subchartDirs = new Map<string, ChartFile[]>();
  const rest: ChartFile[] = [];
  for (const e of entries) {
    const m = /^charts\/([^/]+)\/(.+)$/.exec(e.name);
    if (m) {
      const list = subchartDirs.get(m[1]!) ?? [];
      list.push({ name: m[2]!, text: e.text, path: e.path });
      subchartDirs.set(m[1]!, list);
    } else if (!e.name.startsWith('templates/') && !notFiles.has(e.name)) rest.push(e);
  }
  const subcharts: Chart[] = [];
  for (const [dir, list] of [...subchartDirs].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (!list.some((f) => f.name === 'Chart.yaml')) continue;
    subcharts.push(fromEntries(files, join(root, `charts/${dir}`), list, [], budget, `${prefix}${dir}.`));
  }
  for (const a of archives) subcharts.push(loadArchive(files, a.path, budget, prefix));
  const schema = byName.get('values.schema.json');
  const type = str(meta.get('type') ?? '') || 'application';
  return {
    name,
    metadata: meta,
    apiVersion,
    type,
    dependencies,
    values,
    valuesPath: valuesFile?.path ?? join(root, 'values.yaml'),
    schema,
    templates,
    files: rest,
    subcharts,
    root,
  };
}

/** What the loader reads itself: not in .Files. */
const notFiles = new Set(['Chart.yaml', 'Chart.lock', 'values.yaml', 'values.schema.json', 'requirements.yaml', 'requirements.lock']);

/** A packed chart: gunzip, then tar entries under their first directory. */
/** `prefix`: the values path of the dependency (null for the chart being rendered). */
function loadArchive(files: SourceFiles, path: string, budget: LoadBudget, prefix: string | null): Chart {
  budget.inputs.add(path);
  const bytes = files.readBytes?.(path);
  if (!bytes || !files.gunzip) throw new ChartError(`cannot read packed chart ${path}: no byte access or gunzip given`, path);
  let tar: Uint8Array;
  try {
    tar = files.gunzip(bytes);
  } catch (e) {
    throw new ChartError(`cannot gunzip ${path}: ${e instanceof Error ? e.message : String(e)}`, path);
  }
  if (tar.length > budget.maxBytes) throw new ChartError(`packed chart ${path} unpacks to more than ${budget.maxBytes} bytes (limit maxBytes)`, path);
  const entries: ChartFile[] = [];
  let top = '';
  for (const e of readTar(tar)) {
    const parts = e.name.split('/');
    if (parts.length < 2) continue;
    top ||= parts[0]!;
    if (parts[0] !== top) continue;
    if (++budget.files > budget.maxFiles) throw new ChartError(`chart has more than ${budget.maxFiles} files (limit maxFiles)`, path);
    const rel = parts.slice(1).join('/');
    entries.push({ name: rel, text: new TextDecoder().decode(e.data), path: `${path}#${rel}` });
  }
  const ignore = entries.find((e) => e.name === '.helmignore');
  const rules = parseIgnore(ignore?.text ?? '');
  const kept = entries.filter((e) => !rules.ignoredPath(e.name));
  return fromEntries(files, `${path}#`, kept, [], budget, prefix === null ? '' : `${prefix}${top}.`);
}

/** Entries of a ustar/GNU tar (regular files only; GNU long names and pax paths honoured). */
export function* readTar(tar: Uint8Array): Generator<{ name: string; data: Uint8Array }> {
  let off = 0;
  let longName: string | undefined;
  const dec = new TextDecoder();
  const field = (a: number, n: number): string => {
    const b = tar.subarray(off + a, off + a + n);
    const z = b.indexOf(0);
    return dec.decode(z < 0 ? b : b.subarray(0, z));
  };
  while (off + 512 <= tar.length) {
    if (tar.subarray(off, off + 512).every((x) => x === 0)) break;
    let name = field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(tar[off + 156] ?? 48);
    const prefix = field(345, 155);
    if (prefix) name = `${prefix}/${name}`;
    const data = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = dec.decode(data).replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(dec.decode(data));
      if (m) longName = m[1];
      continue;
    }
    if (longName) {
      name = longName;
      longName = undefined;
    }
    if (type === '0' || type === '\0' || type === '7') yield { name: name.replace(/^\.\//, ''), data };
  }
}
