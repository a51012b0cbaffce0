// Compile and evaluate time of the CEL engine per Gatekeeper library template that carries CEL
// (K8sNativeValidation), p50/p95 over rounds. Every round compiles the template's source afresh
// (parse, type check, instrument every expression); what stays warm between rounds is what stays warm
// in the product too: the base environment (built once per process, timed separately below), the JIT,
// and the RE2 module's compiled patterns. Evaluation reviews the library's first disallowed object
// of each policy (or its first case).
//   npx tsx scripts/benchCel.ts [rounds]      (or import celBenchRows for npm run bench's CEL line)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseYaml } from '../server/src/yaml/documents';
import type { YNode } from '../server/src/yaml/nodes';
import { celValueFromYaml } from '../server/src/cel';
import { compileGatekeeperCel, evaluateGatekeeperCel, gatekeeperCelSource } from '../server/src/cel/gatekeeper';

const root = path.resolve(__dirname, '..', '..', 'shared', 'conformance', 'gatekeeper-library');

function doc(file: string): Record<string, unknown> {
  const text = fs.readFileSync(file, 'utf8');
  const parsed = parseYaml(text);
  return celValueFromYaml(parsed.documents[0]!.root as YNode, text) as Record<string, unknown>;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export interface CelBenchRow {
  readonly template: string;
  /** Expressions compiled per round (Gatekeeper's two bound variables included). */
  readonly expressions: number;
  readonly compileP50: number;
  readonly compileP95: number;
  readonly evalP50: number;
  readonly evalP95: number;
}

/** Milliseconds to build the base environment (once per process). Call first, in a fresh process. */
export function celBaseEnvironmentMs(): number {
  const t0 = performance.now();
  compileGatekeeperCel({ validations: [{ expression: 'true' }] });
  return performance.now() - t0;
}

/** One row per library template that carries CEL; for `npm run bench` or this script. */
export function celBenchRows(rounds: number): CelBenchRow[] {
  const rows: CelBenchRow[] = [];
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
    let expressions = 0;
    for (let i = 0; i < rounds; i++) {
      const a = performance.now();
      const compiled = compileGatekeeperCel(source);
      const b = performance.now();
      if (!compiled.ok) throw new Error(`${policy}: ${JSON.stringify(compiled.problems)}`);
      expressions = compiled.policy.variables.length + compiled.policy.validations.length + compiled.policy.matchConditions.length;
      const out = evaluateGatekeeperCel(compiled.policy, review);
      const c = performance.now();
      if (!out.ok) throw new Error(`${policy}: ${out.error}`);
      compileMs.push(b - a);
      evalMs.push(c - b);
    }
    rows.push({ template: policy, expressions, compileP50: pct(compileMs, 50), compileP95: pct(compileMs, 95), evalP50: pct(evalMs, 50), evalP95: pct(evalMs, 95) });
  }
  return rows;
}

if (require.main === module) {
  console.log(`base environment (once per process): ${celBaseEnvironmentMs().toFixed(1)} ms`);
  console.log(`${'template'.padEnd(28)} ${'exprs'.padStart(5)}  compile p50/p95 ms   eval p50/p95 ms`);
  for (const r of celBenchRows(Number(process.argv[2] ?? 50))) {
    console.log(`${r.template.padEnd(28)} ${String(r.expressions).padStart(5)}  ${r.compileP50.toFixed(2).padStart(7)} / ${r.compileP95.toFixed(2).padEnd(8)}  ${r.evalP50.toFixed(3).padStart(7)} / ${r.evalP95.toFixed(3)}`);
  }
}
