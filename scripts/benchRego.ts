// Rego figures for `npm run bench` (and `npm run bench -- rego`): compiling each library template, and
// evaluating it on an object, over every case of ../shared/conformance/gatekeeper-library. Both are timed
// in-process (the engine's own calls, not a user-facing command), in two ways:
//  - cold: each round is a fresh process (`benchRego.ts --cold-round R LIBRARY`) that compiles every
//    template once and evaluates it on ONE of its cases, so the module-wide regex and glob caches (which
//    cannot be cleared from outside) have seen none of that template's patterns. Round R takes case
//    R mod n of a template with n cases, and starts at a different template each round.
//  - warm: rounds in this process; each round reads the cases again (fresh inputs), compiles every
//    template afresh and evaluates every case once, but the regex and glob caches and the JIT are warm
//    from the rounds before (what a long check or the language server meets after its first objects).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeText, buildPolicySet, defaultExpansions, emptyData, inventoryOf, isClusterScoped } from '../server/src/engine';
import { compileRego, evaluateRego, fromJS } from '../server/src/rego';
import type { Value } from '../server/src/rego/value';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => pct(xs, 50);

interface RegoCase {
  name: string;
  /** The policy folder: one template. */
  template: string;
  rego: string;
  libs: string[];
  input: Value;
  data: Value;
}

/** Every library case with a Rego constraint, read afresh (new input and data values each call). */
function loadCases(library: string): RegoCase[] {
  const options = { namespace: '*', checkPodTemplates: true };
  const cases: RegoCase[] = [];
  for (const policyDir of fs.readdirSync(library).sort()) {
    const pdir = path.join(library, policyDir);
    if (!fs.statSync(pdir).isDirectory()) continue;
    for (const c of fs.readdirSync(pdir).sort()) {
      const dir = path.join(pdir, c);
      const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
      const expected = JSON.parse(read('expected.json')) as { objects: string[]; inventory?: string[] };
      const template = analyzeText('t.yaml', read('template.yaml'));
      // Engine set to rego: templates that also have CEL are evaluated by their Rego (gator's rego_messages).
      const policy = buildPolicySet([template.policy, analyzeText('c.yaml', read('constraint.yaml')).policy], defaultExpansions, { engine: 'rego' });
      const rc = policy.regoConstraints[0];
      if (!rc) continue;
      const review = analyzeText('o.yaml', read(expected.objects[0]!)).reviews([], { all: true, objects: true })![0];
      if (!review?.rego) continue;
      const inventory = (expected.inventory ?? []).flatMap((f) => analyzeText(f, read(f)).reviews(defaultExpansions, { all: true, objects: true })!);
      const data = expected.inventory ? inventoryOf(inventory.filter((r) => r.source === 'Original'), options, isClusterScoped) : emptyData;
      const sources = regoSources(template.objects[0]!.node);
      if (!sources) continue;
      cases.push({ name: `${policyDir}/${c}`, template: policyDir, ...sources, input: fromJS({ review: review.rego.review, parameters: rc.parameters }), data });
    }
  }
  return cases;
}

type Sample = { name: string; template: string; compileUs: number; evalUs: number };

function timeCase(c: RegoCase): Sample | undefined {
  let t = process.hrtime.bigint();
  const compiled = compileRego(c.rego, c.libs);
  const compileUs = Number(process.hrtime.bigint() - t) / 1000;
  if (!compiled.ok) return undefined;
  t = process.hrtime.bigint();
  evaluateRego(compiled.policy, c.input, c.data);
  const evalUs = Number(process.hrtime.bigint() - t) / 1000;
  return { name: c.name, template: c.template, compileUs, evalUs };
}

/** One cold round, in this (fresh) process: one case per template, each template compiled once. */
function coldRound(library: string, round: number): Sample[] {
  const byTemplate = new Map<string, RegoCase[]>();
  for (const c of loadCases(library)) {
    if (!byTemplate.has(c.template)) byTemplate.set(c.template, []);
    byTemplate.get(c.template)!.push(c);
  }
  const templates = [...byTemplate.keys()];
  const start = round % templates.length;
  const order = [...templates.slice(start), ...templates.slice(0, start)];
  const out: Sample[] = [];
  for (const t of order) {
    const cases = byTemplate.get(t)!;
    const s = timeCase(cases[round % cases.length]!);
    if (s) out.push(s);
  }
  return out;
}

/** The largest number of cases one template has: cold rounds needed to evaluate every case once. */
function maxCasesPerTemplate(cases: readonly RegoCase[]): number {
  const n = new Map<string, number>();
  for (const c of cases) n.set(c.template, (n.get(c.template) ?? 0) + 1);
  return Math.max(...n.values());
}

export interface RegoFigures {
  templates: number;
  cases: number;
  cold: { compileP50: number; compileMax: number; evalP50: number; evalP95: number; evalMax: number; slowest: string; rounds: number };
  warm: { compileP50: number; compileMax: number; evalP50: number; evalP95: number; evalMax: number; slowest: string; rounds: number };
}

/**
 * Cold rounds (fresh processes) and warm rounds (this process) take turns. Per case (per template for
 * compiling) the median over its rounds; then percentiles over cases (templates).
 */
export function regoFigures(library: string, warmRounds = 9): RegoFigures | undefined {
  if (!fs.existsSync(library)) {
    console.log('(../shared/conformance/gatekeeper-library is not beside this checkout: Rego figures skipped)');
    return undefined;
  }
  const first = loadCases(library);
  // Every case is evaluated cold in at least three rounds (its figure is the median of them).
  const coldRounds = 3 * maxCasesPerTemplate(first);
  const cold: Sample[] = [];
  const warm: Sample[] = [];
  for (let r = 0; r < Math.max(coldRounds, warmRounds); r++) {
    if (r < coldRounds) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--cold-round', String(r), library], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (child.status !== 0) throw new Error(`cold Rego round ${r} failed: ${child.stderr}`);
      cold.push(...(JSON.parse(child.stdout) as Sample[]));
    }
    if (r < warmRounds) {
      for (const c of r === 0 ? first : loadCases(library)) {
        const s = timeCase(c);
        if (s) warm.push(s);
      }
    }
  }
  const summarise = (samples: Sample[], rounds: number) => {
    const compile = new Map<string, number[]>();
    const evals = new Map<string, number[]>();
    for (const s of samples) {
      if (!compile.has(s.template)) compile.set(s.template, []);
      compile.get(s.template)!.push(s.compileUs);
      if (!evals.has(s.name)) evals.set(s.name, []);
      evals.get(s.name)!.push(s.evalUs);
    }
    const compiles = [...compile.values()].map(median);
    const perCase = [...evals.entries()].map(([name, xs]) => ({ name, us: median(xs) }));
    const slowest = perCase.reduce((a, b) => (b.us > a.us ? b : a));
    const us = perCase.map((e) => e.us);
    return { compileP50: pct(compiles, 50), compileMax: Math.max(...compiles), evalP50: pct(us, 50), evalP95: pct(us, 95), evalMax: slowest.us, slowest: slowest.name, rounds, templates: compiles.length, cases: perCase.length };
  };
  const c = summarise(cold, coldRounds);
  const w = summarise(warm, warmRounds);
  const line = (label: string, s: typeof c) =>
    `  rego ${label}: compile ${s.templates} templates p50 ${s.compileP50.toFixed(0)} µs, max ${s.compileMax.toFixed(0)} µs; ` +
    `evaluate, ${s.cases} library cases: p50 ${s.evalP50.toFixed(0)} µs, p95 ${s.evalP95.toFixed(0)} µs, max ${s.evalMax.toFixed(0)} µs (${s.slowest}) (target: well under 1 ms)`;
  console.log('  constraints: each library case\'s own constraint and template, one at a time, its Rego even where it also has CEL (in-process: the engine\'s calls timed, no command)');
  console.log(line(`cold (a fresh process per round, ${c.rounds} rounds, each template's first object in that process)`, c));
  console.log(line(`warm (${w.rounds} rounds in one process: inputs and compiled templates fresh each round, regex/glob caches and JIT warm)`, w));
  return { templates: c.templates, cases: c.cases, cold: c, warm: w };
}

/** The Rego and libs of a template's first target. */
function regoSources(node: unknown): { rego: string; libs: string[] } | undefined {
  const target = (toPlain(node) as { spec: { targets: Array<Record<string, unknown>> } }).spec.targets[0]!;
  let rego = target['rego'] as string | undefined;
  let libs = (target['libs'] as string[] | undefined) ?? [];
  for (const code of (target['code'] as Array<{ engine: string; source: { rego?: string; libs?: string[] } }> | undefined) ?? []) {
    if (code.engine === 'Rego') {
      rego = code.source.rego;
      libs = code.source.libs ?? [];
    }
  }
  return rego ? { rego, libs } : undefined;
}

function toPlain(n: unknown): unknown {
  const node = n as { kind: string; value?: unknown; items?: unknown[]; entries?: Map<string, unknown> };
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items!.map(toPlain);
  return Object.fromEntries([...node.entries!].map(([k, v]) => [k, toPlain(v)]));
}

// A cold round: run as its own process by regoFigures; prints its samples as JSON.
const at = process.argv.indexOf('--cold-round');
if (at >= 0) process.stdout.write(JSON.stringify(coldRound(process.argv[at + 2]!, Number(process.argv[at + 1]))));
