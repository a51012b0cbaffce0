// Rendering speed beside the real binaries, side by side in one run: each conformance chart's `default`
// scenario against `helm template` (helm v4.1.4), each Kustomize conformance case against
// `kubectl kustomize` (kubectl v1.35.2, Kustomize v5.7.1). Both are timed as a user meets them: a cold
// process per render, stdout to /dev/null, taking turns run by run, median of N runs. The binaries are
// installed on demand by scripts/oracles.mjs (never a dependency). Prints figures; asserts nothing.
//   npx tsx scripts/benchRender.ts [runs]      (after npm run build; runs defaults to 5)
// As a diagnostic, each row also gives the in-process render (warm: the same renderer called again in
// this process, files read from disk each time), which is what the language server pays on an edit.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderChart } from '../server/src/helm/render';
import { buildKustomization } from '../server/src/kustomize/build';
import { diskSourceFiles } from '../server/src/workspace/objectSources';

const root = path.resolve(__dirname, '..');
const conformance = path.resolve(root, '..', 'shared', 'conformance');
const cli = path.join(root, 'dist', 'cli.js');

export interface RenderBenchRow {
  readonly kind: 'helm' | 'kustomize';
  /** The chart id (its default scenario) or the Kustomize case name. */
  readonly name: string;
  /** Median wall time of `node dist/cli.js render ...`, a cold process. */
  readonly oursMs: number;
  /** Median wall time of `helm template ...` or `kubectl kustomize ...`, a cold process, same run. */
  readonly binaryMs: number;
  /** oursMs / binaryMs: below 1 is faster than the binary. */
  readonly ratio: number;
  /** Median of the renderer called in this process after a first untimed call (diagnostic). */
  readonly inProcessMs: number;
  /** Our stdout is byte for byte the binary's (helm's random documents, such as generated secrets, differ by design). */
  readonly sameOutput: boolean;
  /** Exit status of our render (0 rendered; 1 failed or incomplete). */
  readonly oursStatus: number;
}

interface Case {
  readonly kind: 'helm' | 'kustomize';
  readonly name: string;
  readonly cwd: string;
  readonly ours: readonly string[];
  readonly binary: readonly string[];
  readonly inProcess: () => void;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** helm and kubectl from .bench/oracles, installed there first when missing. */
function oracles(): { helm: string; kubectl: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'oracles.mjs')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/oracles.mjs failed: ${r.stderr}`);
  const env = new Map(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
  const helm = env.get('HELM_BIN');
  const kubectl = env.get('KUBECTL');
  if (!helm || !kubectl) throw new Error(`scripts/oracles.mjs printed no HELM_BIN or KUBECTL: ${r.stdout}`);
  return { helm, kubectl };
}

function cases(helm: string, kubectl: string): Case[] {
  const files = diskSourceFiles({ maxBytes: 10 * 1024 * 1024 });
  const out: Case[] = [];
  const helmRoot = path.join(conformance, 'helm');
  for (const id of fs.readdirSync(helmRoot).sort()) {
    const index = path.join(helmRoot, id, 'cases.json');
    if (!fs.existsSync(index)) continue;
    const { scenarios } = JSON.parse(fs.readFileSync(index, 'utf8')) as { scenarios: Array<{ name: string; release: string; namespace: string; values: string | null; flags: string[] }> };
    const s = scenarios.find((x) => x.name === 'default');
    if (!s) continue;
    const cwd = path.join(helmRoot, id);
    const values = s.values ? ['-f', s.values] : [];
    out.push({
      kind: 'helm',
      name: id,
      cwd,
      ours: [process.execPath, cli, 'render', './chart', '--release', s.release, '--namespace', s.namespace, ...values],
      binary: [helm, 'template', s.release, './chart', '--namespace', s.namespace, ...values, ...s.flags],
      inProcess: () => renderChart(files, path.join(cwd, 'chart'), { release: s.release, namespace: s.namespace, valuesFiles: s.values ? [path.join(cwd, s.values)] : [] }),
    });
  }
  const kustRoot = path.join(conformance, 'kustomize');
  const index = JSON.parse(fs.readFileSync(path.join(kustRoot, 'cases.json'), 'utf8')) as { cases: Array<{ name: string; entry: string }> };
  for (const c of index.cases) {
    const cwd = path.join(kustRoot, c.name);
    const entry = path.posix.join('tree', c.entry);
    out.push({
      kind: 'kustomize',
      name: c.name,
      cwd,
      ours: [process.execPath, cli, 'render', entry],
      binary: [kubectl, 'kustomize', entry],
      inProcess: () => buildKustomization(files, path.join(cwd, entry)),
    });
  }
  return out;
}

/** An isolated environment for the binaries: an empty Helm home and no kubeconfig, as the oracle ran. */
function binaryEnv(): NodeJS.ProcessEnv {
  const home = path.join(root, '.bench', 'oracles', 'home');
  fs.mkdirSync(home, { recursive: true });
  return { ...process.env, HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data'), KUBECONFIG: path.join(home, 'kubeconfig') };
}

/** Wall time of one cold process, stdout to `stdout` (a file descriptor), and its exit status. */
function timeProcess(argv: readonly string[], cwd: string, stdout: number, env: NodeJS.ProcessEnv): { ms: number; status: number } {
  const start = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', stdout, 'ignore'] });
  const ms = performance.now() - start;
  if (r.error) throw r.error;
  return { ms, status: r.status ?? -1 };
}

/** One untimed run that keeps stdout (fills the page cache the same way for both, and gives the output to compare). */
function outputOf(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): { text: Buffer; status: number } {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  return { text: r.stdout, status: r.status ?? -1 };
}

/** Every chart's default scenario and every Kustomize case: ours and the binary, `runs` cold runs each. */
export function renderBenchRows(runs: number, onRow?: (row: RenderBenchRow) => void): RenderBenchRow[] {
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run npm run build first');
  const { helm, kubectl } = oracles();
  const env = binaryEnv();
  const devNull = fs.openSync('/dev/null', 'w');
  const rows: RenderBenchRow[] = [];
  try {
    for (const c of cases(helm, kubectl)) {
      const ours = outputOf(c.ours, c.cwd, process.env);
      const theirs = outputOf(c.binary, c.cwd, env);
      if (theirs.status !== 0) throw new Error(`${c.binary.join(' ')} (in ${c.cwd}) exited ${theirs.status}`);
      const oursMs: number[] = [];
      const binaryMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        // Taking turns, and swapping who goes first, so that a busy spell of the shared machine falls on both.
        const order = i % 2 === 0 ? (['ours', 'binary'] as const) : (['binary', 'ours'] as const);
        for (const who of order) {
          if (who === 'ours') oursMs.push(timeProcess(c.ours, c.cwd, devNull, process.env).ms);
          else binaryMs.push(timeProcess(c.binary, c.cwd, devNull, env).ms);
        }
      }
      c.inProcess();
      const inProcessMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        c.inProcess();
        inProcessMs.push(performance.now() - start);
      }
      const row: RenderBenchRow = {
        kind: c.kind,
        name: c.name,
        oursMs: median(oursMs),
        binaryMs: median(binaryMs),
        ratio: median(oursMs) / median(binaryMs),
        inProcessMs: median(inProcessMs),
        sameOutput: ours.text.equals(theirs.text),
        oursStatus: ours.status,
      };
      rows.push(row);
      onRow?.(row);
    }
  } finally {
    fs.closeSync(devNull);
  }
  return rows;
}

/**
 * What a cold process costs before it renders anything, taking turns as the rows do: Node with no
 * script, our CLI printing its help (Node plus loading the bundle), and each binary printing its
 * version. A diagnostic that says how much of a row is start-up.
 */
export function startupFloor(runs: number): Array<{ label: string; ms: number }> {
  const { helm, kubectl } = oracles();
  const env = binaryEnv();
  const commands: Array<{ label: string; argv: readonly string[]; env: NodeJS.ProcessEnv }> = [
    { label: 'node -e 0', argv: [process.execPath, '-e', '0'], env: process.env },
    { label: 'node dist/cli.js render --help', argv: [process.execPath, cli, 'render', '--help'], env: process.env },
    { label: 'helm version', argv: [helm, 'version'], env },
    { label: 'kubectl version --client', argv: [kubectl, 'version', '--client'], env },
  ];
  const devNull = fs.openSync('/dev/null', 'w');
  const times = commands.map(() => [] as number[]);
  try {
    for (let i = 0; i <= runs; i++) {
      commands.forEach((c, j) => {
        const t = timeProcess(c.argv, root, devNull, c.env).ms;
        if (i > 0) times[j]!.push(t); // the first round only warms the page cache
      });
    }
  } finally {
    fs.closeSync(devNull);
  }
  return commands.map((c, j) => ({ label: c.label, ms: median(times[j]!) }));
}

export const renderTableHeader = `${'source'.padEnd(10)} ${'chart / case'.padEnd(44)} ${'ours ms'.padStart(8)} ${'binary ms'.padStart(9)} ${'ratio'.padStart(6)} ${'in-proc ms'.padStart(10)}  output`;

export function formatRenderRow(r: RenderBenchRow): string {
  const output = r.oursStatus !== 0 ? `ours exited ${r.oursStatus}` : r.sameOutput ? 'same bytes' : 'differs';
  return `${r.kind.padEnd(10)} ${r.name.padEnd(44)} ${r.oursMs.toFixed(0).padStart(8)} ${r.binaryMs.toFixed(0).padStart(9)} ${r.ratio.toFixed(2).padStart(6)} ${r.inProcessMs.toFixed(1).padStart(10)}  ${output}`;
}

/** Sums of the medians per source and overall, with the ratio of the sums and how many rows are at most 1. */
export function formatRenderTotals(rows: readonly RenderBenchRow[]): string[] {
  const groups: Array<[string, readonly RenderBenchRow[]]> = [
    ['helm', rows.filter((r) => r.kind === 'helm')],
    ['kustomize', rows.filter((r) => r.kind === 'kustomize')],
    ['all', rows],
  ];
  return groups.map(([label, rs]) => {
    const ours = rs.reduce((s, r) => s + r.oursMs, 0);
    const binary = rs.reduce((s, r) => s + r.binaryMs, 0);
    const inProc = rs.reduce((s, r) => s + r.inProcessMs, 0);
    const atMostOne = rs.filter((r) => r.ratio <= 1).length;
    return `${'total'.padEnd(10)} ${`${label} (${rs.length}; ${atMostOne} at ratio <= 1)`.padEnd(44)} ${ours.toFixed(0).padStart(8)} ${binary.toFixed(0).padStart(9)} ${(ours / binary).toFixed(2).padStart(6)} ${inProc.toFixed(1).padStart(10)}`;
  });
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 5);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, not ${process.argv[2]}`);
  const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`rendering speed: cold processes, median of ${runs} runs, taking turns; ${os.cpus().length} cores; load average at start ${load()}`);
  console.log(renderTableHeader);
  const rows = renderBenchRows(runs, (r) => console.log(formatRenderRow(r)));
  for (const line of formatRenderTotals(rows)) console.log(line);
  console.log(`start-up alone (median of ${runs}): ${startupFloor(runs).map((f) => `${f.label} ${f.ms.toFixed(0)} ms`).join('; ')}`);
  console.log(`load average at end ${load()}`);
}
