// Rego figures for `npm run bench` (and `npm run bench -- rego`): compiling each library template,
// and evaluating it on an object it has not seen, over every case of ../shared/conformance/gatekeeper-library.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeText } from '../server/src/engine';
import { isClusterScoped } from '../server/src/engine';
import { buildPolicySet } from '../server/src/engine';
import { defaultExpansions } from '../server/src/engine';
import { emptyData, inventoryOf } from '../server/src/engine';
import { compileRego, evaluateRego, fromJS } from '../server/src/rego';
import type { Value } from '../server/src/rego/value';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export function regoFigures(library: string): void {
  if (!fs.existsSync(library)) {
    console.log('(../shared/conformance/gatekeeper-library is not beside this checkout: Rego figures skipped)');
    return;
  }
  const options = { namespace: '*', checkPodTemplates: true };
  // Every library case with a Rego constraint: its template's sources, input and data.
  const cases: Array<{ name: string; rego: string; libs: string[]; input: Value; data: Value }> = [];
  for (const policyDir of fs.readdirSync(library).sort()) {
    const pdir = path.join(library, policyDir);
    if (!fs.statSync(pdir).isDirectory()) continue;
    for (const c of fs.readdirSync(pdir).sort()) {
      const dir = path.join(pdir, c);
      const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
      const expected = JSON.parse(read('expected.json')) as { objects: string[]; inventory?: string[] };
      const template = analyzeText('t.yaml', read('template.yaml'));
      const policy = buildPolicySet([template.policy, analyzeText('c.yaml', read('constraint.yaml')).policy], defaultExpansions);
      const rc = policy.regoConstraints[0];
      if (!rc) continue;
      const review = analyzeText('o.yaml', read(expected.objects[0]!)).reviews([], true, true)![0];
      if (!review?.rego) continue;
      const inventory = (expected.inventory ?? []).flatMap((f) => analyzeText(f, read(f)).reviews(defaultExpansions, true, true)!);
      const data = expected.inventory ? inventoryOf(inventory.filter((r) => r.source === 'Original'), options, isClusterScoped) : emptyData;
      const sources = regoSources(template.objects[0]!.node);
      if (!sources) continue;
      cases.push({ name: `${policyDir}/${c}`, ...sources, input: fromJS({ review: review.rego.review, parameters: rc.parameters }), data });
    }
  }
  // Each round compiles every template afresh (nothing kept from earlier evaluations: no memo of pure
  // functions) and evaluates each case once: an object the template has not seen. Medians over rounds.
  const rounds = 15;
  const compileUs = new Map<string, number[]>();
  const evalUs = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      let t = process.hrtime.bigint();
      const compiled = compileRego(c.rego, c.libs);
      const compileTime = Number(process.hrtime.bigint() - t) / 1000;
      if (!compiled.ok) continue;
      if (!compileUs.has(c.rego)) compileUs.set(c.rego, []);
      compileUs.get(c.rego)!.push(compileTime);
      t = process.hrtime.bigint();
      evaluateRego(compiled.policy, c.input, c.data);
      const us = Number(process.hrtime.bigint() - t) / 1000;
      if (!evalUs.has(c.name)) evalUs.set(c.name, []);
      evalUs.get(c.name)!.push(us);
    }
  }
  const median = (xs: number[]) => pct(xs, 50);
  const compiles = [...compileUs.values()].map(median);
  const evals = [...evalUs.entries()].map(([name, xs]) => ({ name, us: median(xs) }));
  const slowest = evals.reduce((a, b) => (b.us > a.us ? b : a));
  const us = evals.map((e) => e.us);
  console.log(`  rego: compile ${compiles.length} library templates: p50 ${pct(compiles, 50).toFixed(0)} µs, max ${Math.max(...compiles).toFixed(0)} µs (once per template)`);
  console.log(
    `  rego: evaluate per object, ${evals.length} library cases (fresh template, no memo): p50 ${pct(us, 50).toFixed(0)} µs, p95 ${pct(us, 95).toFixed(0)} µs, max ${slowest.us.toFixed(0)} µs (${slowest.name}) (target: well under 1 ms)`,
  );
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
