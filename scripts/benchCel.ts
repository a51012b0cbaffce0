// Compile and evaluate time of the CEL engine per Gatekeeper library template that carries CEL
// (K8sNativeValidation), p50/p95 over rounds. Every round compiles the template's source afresh
// (parse, type check, instrument every expression); what stays warm between rounds is what stays warm
// in the product too: the base environment (built once per process, timed separately below), the JIT,
// and the RE2 module's compiled patterns. Evaluation reviews the library's first disallowed object
// of each policy (or its first case).
//   npx tsx scripts/benchCel.ts [rounds]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseYaml } from '../server/src/yaml/documents';
import type { YNode } from '../server/src/yaml/nodes';
import { celValueFromYaml } from '../server/src/cel';
import { compileGatekeeperCel, evaluateGatekeeperCel, gatekeeperCelSource } from '../server/src/cel/gatekeeper';

const root = path.resolve(__dirname, '..', '..', 'shared', 'conformance', 'gatekeeper-library');
const rounds = Number(process.argv[2] ?? 50);

function doc(file: string): Record<string, unknown> {
  const text = fs.readFileSync(file, 'utf8');
  const parsed = parseYaml(text);
  return celValueFromYaml(parsed.documents[0]!.root as YNode, text) as Record<string, unknown>;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const t0 = performance.now();
compileGatekeeperCel({ validations: [{ expression: 'true' }] });
console.log(`base environment (once per process): ${(performance.now() - t0).toFixed(1)} ms`);
console.log(`${'template'.padEnd(28)} ${'exprs'.padStart(5)}  compile p50/p95 ms   eval p50/p95 ms`);
for (const policy of fs.readdirSync(root).sort()) {
  const pdir = path.join(root, policy);
  if (!fs.statSync(pdir).isDirectory()) continue;
  const caseDirs = fs.readdirSync(pdir).sort();
  const first = path.join(pdir, caseDirs[0]!);
  if (!fs.readFileSync(path.join(first, 'template.yaml'), 'utf8').includes('K8sNativeValidation')) continue;
  const chosen = caseDirs.map((c) => path.join(pdir, c)).find((d) => JSON.parse(fs.readFileSync(path.join(d, 'expected.json'), 'utf8')).violations > 0) ?? first;
  const expected = JSON.parse(fs.readFileSync(path.join(chosen, 'expected.json'), 'utf8')) as { objects: string[]; admission_review?: boolean };
  const source = gatekeeperCelSource(doc(path.join(chosen, 'template.yaml')));
  const constraint = doc(path.join(chosen, 'constraint.yaml'));
  const obj = doc(path.join(chosen, expected.objects[0]!));
  const request = expected.admission_review ? (obj['request'] as Record<string, unknown>) : { kind: { group: '', version: 'v1', kind: String(obj['kind']) }, object: obj, userInfo: {} };
  const review = { object: request['object'] ?? null, oldObject: request['oldObject'] ?? null, request, constraint, namespaceObject: null };
  const compileMs: number[] = [];
  const evalMs: number[] = [];
  let exprs = 0;
  for (let i = 0; i < rounds; i++) {
    const a = performance.now();
    const compiled = compileGatekeeperCel(source);
    const b = performance.now();
    if (!compiled.ok) throw new Error(`${policy}: ${JSON.stringify(compiled.problems)}`);
    exprs = compiled.policy.variables.length + compiled.policy.validations.length + compiled.policy.matchConditions.length;
    const out = evaluateGatekeeperCel(compiled.policy, review);
    const c = performance.now();
    if (!out.ok) throw new Error(`${policy}: ${out.error}`);
    compileMs.push(b - a);
    evalMs.push(c - b);
  }
  console.log(`${policy.padEnd(28)} ${String(exprs).padStart(5)}  ${pct(compileMs, 50).toFixed(2).padStart(7)} / ${pct(compileMs, 95).toFixed(2).padEnd(8)}  ${pct(evalMs, 50).toFixed(3).padStart(7)} / ${pct(evalMs, 95).toFixed(3)}`);
}
