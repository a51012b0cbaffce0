// `npm run bench`: speed and memory figures, side by side with the yardsticks (js-yaml loadAll and
// yaml parseAllDocuments over the same files). Prints figures; asserts nothing.
//   npm run bench            all workloads
//   npm run bench -- quick   the corpus and the 2,000-file workspace only
//   npm run bench -- rego    the Rego engine: compile and evaluate the library templates
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { TestClient } from '../test/protocol/lspClient';
import { writeSyntheticWorkspace } from '../test/support/synthetic';
import { regoFigures } from './benchRego';

const root = path.resolve(__dirname, '..');
const benchDir = path.join(root, '.bench');
const shared = path.resolve(root, '..', 'shared');
const quick = process.argv.includes('quick');
// `npm run bench -- rego`: the Rego engine's figures only (compile and evaluate the library's templates).
/** `npm run bench -- server`: the language server's figures only, on the 10,000-file workspace. */
const serverOnly = process.argv.includes('server');
const runs = quick ? 3 : 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

function yamlFiles(dir: string): string[] {
  if (fs.statSync(dir).isFile()) return [dir];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== '.git') out.push(...yamlFiles(p));
    else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(p);
  }
  return out;
}

/**
 * Runs node commands cold, `runs` times, taking turns (the check, then each yardstick, then again), so
 * that a slower or faster spell of the machine falls on all of them: median wall time and peak RSS of each.
 */
function timeNodes(commands: string[][]): Array<{ ms: number; rssMB: number }> {
  const times = commands.map(() => [] as number[]);
  const rss = commands.map(() => [] as number[]);
  const preload = path.join(benchDir, 'report-rss.js');
  fs.writeFileSync(preload, "process.on('exit', () => process.stderr.write('\\nMAXRSS ' + process.resourceUsage().maxRSS + '\\n'));\n");
  for (let i = 0; i < runs; i++) {
    commands.forEach((args, j) => {
      // Output goes to a file, as a CI job's `> report.json` (captured through a pipe into this
      // process, 4 MB of report cost the check 20 to 30 ms of waiting on this reader).
      const out = fs.openSync(path.join(benchDir, 'output.txt'), 'w');
      const start = performance.now();
      const r = spawnSync(process.execPath, ['--require', preload, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', out, 'pipe'] });
      times[j]!.push(performance.now() - start);
      fs.closeSync(out);
      const m = /MAXRSS (\d+)/.exec(r.stderr);
      if (m) rss[j]!.push(Number(m[1]) / 1024);
      if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    });
  }
  return commands.map((_, j) => ({ ms: median(times[j]!), rssMB: median(rss[j]!) }));
}

/** A cold process that reads the files and parses them with a yardstick parser. */
function yardstickScript(): string {
  const file = path.join(benchDir, 'yardstick.js');
  fs.writeFileSync(
    file,
    `const fs = require('fs');
const [which, list] = process.argv.slice(2);
const files = fs.readFileSync(list, 'utf8').split('\\n').filter(Boolean);
const parse = which === 'js-yaml' ? ((y) => (t) => y.loadAll(t))(require(${JSON.stringify(path.join(root, 'node_modules', 'js-yaml'))}))
  : ((y) => (t) => y.parseAllDocuments(t))(require(${JSON.stringify(path.join(root, 'node_modules', 'yaml'))}));
let docs = 0;
for (const f of files) { try { const d = parse(fs.readFileSync(f, 'utf8')); docs += d.length; } catch { } }
`,
  );
  return file;
}

type Timed = ReturnType<typeof timeNodes>[number];

/** The check against the yardsticks on the same files (measured once per workload, passed again for a variant). */
/** targetNote: what the ratio is held to (the targets are set for the image check). */
function cliFigures(label: string, target: string, extra: string[] = [], yardsticks?: { jsy: Timed; yml: Timed }, targetNote = 'target <= 1.0, must <= 1.5'): { jsy: Timed; yml: Timed } {
  const files = yamlFiles(target);
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const list = path.join(benchDir, `files-${label.replace(/\W+/g, '_')}.txt`);
  fs.writeFileSync(list, files.join('\n'));
  const script = yardstickScript();
  // The check and js-yaml take turns; yaml's parseAllDocuments too, unless it was timed for this workload.
  const commands = [[path.join(root, 'dist', 'cli.js'), 'check', target, '--format', 'json', ...extra], [script, 'js-yaml', list]];
  if (!yardsticks) commands.push([script, 'yaml', list]);
  const [cli, jsy, timedYml] = timeNodes(commands) as [Timed, Timed, Timed | undefined];
  const yml = yardsticks?.yml ?? timedYml!;
  const mb = bytes / 1e6;
  console.log(
    `${label}: ${files.length} files, ${mb.toFixed(1)} MB\n` +
      `  trusted-images check  ${cli.ms.toFixed(0).padStart(6)} ms  ${(mb / (cli.ms / 1000)).toFixed(1).padStart(5)} MB/s  peak RSS ${cli.rssMB.toFixed(0)} MB\n` +
      `  js-yaml loadAll       ${jsy.ms.toFixed(0).padStart(6)} ms  ${(mb / (jsy.ms / 1000)).toFixed(1).padStart(5)} MB/s  peak RSS ${jsy.rssMB.toFixed(0)} MB\n` +
      `  yaml parseAllDocs     ${yml.ms.toFixed(0).padStart(6)} ms  ${(mb / (yml.ms / 1000)).toFixed(1).padStart(5)} MB/s  peak RSS ${yml.rssMB.toFixed(0)} MB\n` +
      `  ratio check/js-yaml ${(cli.ms / jsy.ms).toFixed(2)} (${targetNote}); check/yaml ${(cli.ms / yml.ms).toFixed(2)}`,
  );
  return { jsy, yml };
}

/** The image policies: what the check was when the targets were set (corpus/real also holds 65 Rego policies). */
const imagePolicies = ['--only', 'K8sAllowedRepos,K8sAllowedReposv2,K8sDisallowedRepos'];

function rssOf(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return NaN;
  }
}

async function serverPass(label: string, folder: string): Promise<void> {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < Math.min(runs, 3); i++) {
    const start = performance.now();
    const client = await TestClient.start({ folder });
    await client.scanned();
    times.push(performance.now() - start);
    rss = rssOf(client.process.pid!);
    await client.stop();
  }
  console.log(`  server: initialize to last workspace diagnostic ${median(times).toFixed(0)} ms, RSS after the pass ${rss.toFixed(0)} MB (target <= 200 MB at 10,000 files)`);
  void label;
}

async function keystrokes(file: string): Promise<void> {
  const text = fs.readFileSync(file, 'utf8');
  const client = await TestClient.start({ folder: path.dirname(file) });
  await client.scanned();
  const uri = URI.file(file).toString();
  client.open(uri, text, 1);
  await client.waitFor(uri, (_d, p) => p.version === 1, 60_000);
  // Type into the last image value of the file: each keystroke changes the verdict's text.
  const at = text.lastIndexOf('image: ');
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  const col = at - before.lastIndexOf('\n') - 1 + 'image: '.length;
  const latencies: number[] = [];
  const word = 'registry.corp.example/x';
  for (let k = 0; k < 60; k++) {
    const version = k + 2;
    const ch = word[k % word.length]!;
    const start = performance.now();
    client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: { line, character: col + k }, end: { line, character: col + k } }, text: ch }],
    });
    await client.waitFor(uri, (_d, p) => p.version === version, 30_000);
    latencies.push(performance.now() - start);
  }
  console.log(
    `  keystroke to diagnostics on ${path.basename(file)} (${(text.length / 1e6).toFixed(1)} MB, line ${line + 1}): p50 ${pct(latencies, 50).toFixed(1)} ms, p95 ${pct(latencies, 95).toFixed(1)} ms (target p95 <= 30 ms)`,
  );
  await client.stop();
}

async function hoverDuringPass(folder: string): Promise<void> {
  const client = await TestClient.start({ folder });
  const file = path.join(folder, 'svc-0', 'app-0.yaml');
  const text = fs.readFileSync(file, 'utf8');
  const uri = URI.file(file).toString();
  client.open(uri, text, 1);
  const at = text.indexOf('image: ') + 8;
  const before = text.slice(0, at);
  const position = { line: before.split('\n').length - 1, character: at - before.lastIndexOf('\n') - 1 };
  const latencies: number[] = [];
  const scan = client.scanned();
  let scanning = true;
  void scan.then(() => (scanning = false));
  while (scanning && latencies.length < 500) {
    const start = performance.now();
    await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
    latencies.push(performance.now() - start);
  }
  await scan;
  console.log(`  hover on the open file during the pass: ${latencies.length} hovers, p50 ${pct(latencies, 50).toFixed(1)} ms, p95 ${pct(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (target <= 50 ms)`);
  await client.stop();
}

async function main(): Promise<void> {
  fs.mkdirSync(benchDir, { recursive: true });
  if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  console.log(`node ${process.version}, ${runs} runs each, medians\n`);
  const library = path.join(shared, 'conformance', 'gatekeeper-library');
  if (process.argv.includes('rego')) {
    console.log('Rego engine:');
    regoFigures(library);
    return;
  }
  if (serverOnly) {
    const dir = path.join(benchDir, 'synthetic-10000');
    if (!fs.existsSync(path.join(dir, 'policy'))) writeSyntheticWorkspace(dir, 10000);
    console.log('synthetic 10000:');
    await serverPass('synthetic 10000', dir);
    await hoverDuringPass(dir);
    const big = path.join(shared, 'corpus', 'real', 'argo-cd', 'manifests', 'install.yaml');
    if (fs.existsSync(big)) await keystrokes(big);
    return;
  }
  const sizes = quick ? [2000] : [2000, 10000];
  const workspaces: string[] = [];
  for (const n of sizes) {
    const dir = path.join(benchDir, `synthetic-${n}`);
    if (!fs.existsSync(path.join(dir, 'policy'))) writeSyntheticWorkspace(dir, n);
    workspaces.push(dir);
    cliFigures(`synthetic ${n}`, dir);
    await serverPass(`synthetic ${n}`, dir);
  }
  const corpus = path.join(shared, 'corpus', 'real');
  if (fs.existsSync(corpus)) {
    // The targets are set for the image check (the next row); this one adds the 65 Rego policies the
    // corpus holds, evaluated on every object they match (38,834 evaluations).
    const yardsticks = cliFigures('corpus/real, all 69 constraints (65 evaluated by their Rego)', corpus, [], undefined, 'policy evaluation included: the targets are for the image check, next row');
    cliFigures(`corpus/real, the image policies only (${imagePolicies.join(' ')})`, corpus, imagePolicies, yardsticks);
    await serverPass('corpus/real', corpus);
    const big = path.join(corpus, 'argo-cd', 'manifests', 'install.yaml');
    if (fs.existsSync(big)) {
      cliFigures('argo-cd install.yaml', big);
      await keystrokes(big);
    }
  } else console.log('(../shared/corpus/real is not beside this checkout: corpus figures skipped)');
  await hoverDuringPass(workspaces[workspaces.length - 1]!);
  console.log('\nRego engine:');
  regoFigures(library);
}

void spawn;
main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
