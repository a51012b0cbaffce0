// Rego figures for `npm run bench` (and `npm run bench -- rego`): compiling each library template,
// and evaluating it per object, over every case of ../shared/conformance/gatekeeper-library.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeText } from '../server/src/engine/analyze';
import { isClusterScoped } from '../server/src/engine/check';
import { buildPolicySet } from '../server/src/engine/constraints';
import { defaultExpansions } from '../server/src/engine/expansion';
import { emptyData, evaluateConstraint, inventoryOf } from '../server/src/engine/regoCheck';
import { compileRego } from '../server/src/rego';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export function regoFigures(library: string): void {
  if (!fs.existsSync(library)) {
    console.log('(../shared/conformance/gatekeeper-library is not beside this checkout: Rego figures skipped)');
    return;
  }
  const compileUs: number[] = [];
  const evalUs: number[] = [];
  let slowest = { us: 0, name: '' };
  const options = { namespace: '*', checkPodTemplates: true };
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
      const inventory = (expected.inventory ?? []).flatMap((f) => analyzeText(f, read(f)).reviews(defaultExpansions, true, true)!);
      const data = expected.inventory ? inventoryOf(inventory.filter((r) => r.source === 'Original'), options, isClusterScoped) : emptyData;
      const review = analyzeText('o.yaml', read(expected.objects[0]!)).reviews([], true, true)![0];
      if (!review?.rego) continue;
      const scope = {};
      const iterations = 200;
      for (let i = 0; i < 20; i++) evaluateConstraint(rc, review.rego, review.namespace, data, scope);
      const started = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) evaluateConstraint(rc, review.rego, review.namespace, data, scope);
      const us = Number(process.hrtime.bigint() - started) / 1000 / iterations;
      evalUs.push(us);
      if (us > slowest.us) slowest = { us, name: `${policyDir}/${c}` };
    }
  }
  // Compile time per template: the rego and libs of each policy, compiled from source 20 times.
  for (const policyDir of fs.readdirSync(library).sort()) {
    const pdir = path.join(library, policyDir);
    if (!fs.statSync(pdir).isDirectory()) continue;
    const first = fs.readdirSync(pdir).sort()[0]!;
    const t = analyzeText('t.yaml', fs.readFileSync(path.join(pdir, first, 'template.yaml'), 'utf8'));
    const target = (toPlain(t.objects[0]!.node) as { spec: { targets: Array<Record<string, unknown>> } }).spec.targets[0]!;
    let rego = target['rego'] as string | undefined;
    let libs = (target['libs'] as string[] | undefined) ?? [];
    for (const code of (target['code'] as Array<{ engine: string; source: { rego?: string; libs?: string[] } }> | undefined) ?? []) {
      if (code.engine === 'Rego') {
        rego = code.source.rego;
        libs = code.source.libs ?? [];
      }
    }
    if (!rego) continue;
    for (let i = 0; i < 5; i++) compileRego(rego, libs);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) compileRego(rego, libs);
    compileUs.push(Number(process.hrtime.bigint() - started) / 1000 / 20);
  }
  console.log(
    `  rego: compile ${compileUs.length} library templates: p50 ${pct(compileUs, 50).toFixed(0)} µs, max ${Math.max(...compileUs).toFixed(0)} µs (once per template)`,
  );
  console.log(
    `  rego: evaluate per object, ${evalUs.length} library cases: p50 ${pct(evalUs, 50).toFixed(0)} µs, p95 ${pct(evalUs, 95).toFixed(0)} µs, max ${slowest.us.toFixed(0)} µs (${slowest.name}) (target: well under 1 ms)`,
  );
}

function toPlain(n: unknown): unknown {
  const node = n as { kind: string; value?: unknown; items?: unknown[]; entries?: Map<string, unknown> };
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items!.map(toPlain);
  return Object.fromEntries([...node.entries!].map(([k, v]) => [k, toPlain(v)]));
}
