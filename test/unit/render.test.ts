// `trusted-images render` against the real engines' outputs: every Kustomize case object-equal to
// `kubectl kustomize` and every Helm scenario to `helm template` (documents compared parsed and in
// order; documents Helm makes random, by their images only), through the CLI's own entry point.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { main } from '../../server/src/cli/main';
import { parseYaml, toJS, YNode } from '../../server/src/yaml/documents';
import { needsShared, sharedRoot } from '../support/helpers';
import { helmCharts } from './helmFiles';

async function render(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['render', ...argv], (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

const docs = (text: string): Array<YNode | null> => parseYaml(text).documents.map((d) => d.root);
const canonical = (n: YNode | null | undefined): string => JSON.stringify(toJS(n), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/** Every image value of a document, in order (containers, initContainers, ephemeralContainers anywhere). */
function images(n: YNode | null | undefined, out: string[] = []): string[] {
  if (n?.kind === 'map') {
    for (const [k, v] of n.entries) {
      if ((k === 'containers' || k === 'initContainers' || k === 'ephemeralContainers') && v.kind === 'seq') {
        for (const c of v.items) {
          const img = c.kind === 'map' ? c.entries.get('image') : undefined;
          if (img?.kind === 'scalar') out.push(String(img.value));
        }
      }
      images(v, out);
    }
  } else if (n?.kind === 'seq') for (const v of n.items) images(v, out);
  return out;
}

const kustomizeRoot = path.join(sharedRoot, 'conformance', 'kustomize');
describe('render = kubectl kustomize, every case', needsShared('conformance/kustomize'), () => {
  const cases = fs.existsSync(kustomizeRoot) ? fs.readdirSync(kustomizeRoot).filter((c) => fs.existsSync(path.join(kustomizeRoot, c, 'case.json'))).sort() : [];
  let equal = 0;
  for (const name of cases) {
    test(name, async () => {
      const dir = path.join(kustomizeRoot, name);
      const c = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as { entry: string };
      const r = await render([path.join(dir, 'tree', c.entry)]);
      assert.equal(r.code, 0, r.err);
      const want = docs(fs.readFileSync(path.join(dir, 'expected.yaml'), 'utf8'));
      const got = docs(r.out);
      assert.deepEqual(got.map(canonical), want.map(canonical));
      equal++;
    });
  }
  test('count: every case object-equal', () => {
    console.log(`  render = kubectl kustomize: ${equal}/${cases.length} cases`);
    assert.equal(cases.length, 59);
    assert.equal(equal, cases.length);
  });
});

const helmRoot = path.join(sharedRoot, 'conformance', 'helm');
describe('render = helm template, every scenario', needsShared('conformance/helm'), () => {
  const perChart = new Map<string, { equal: number; total: number }>();
  for (const { chart, base, scenarios } of helmCharts(helmRoot)) {
    for (const sc of scenarios) {
      test(`${chart}/${sc.name}`, async () => {
        const stat = perChart.get(chart) ?? { equal: 0, total: 0 };
        perChart.set(chart, stat);
        stat.total++;
        const argv = [path.join(base, 'chart'), '--release', sc.release, '--namespace', sc.namespace, ...(sc.values ? ['-f', path.join(base, sc.values)] : [])];
        const r = await render(argv);
        assert.equal(r.code, 0, r.err);
        const want = docs(fs.readFileSync(path.join(base, sc.expected), 'utf8'));
        const got = docs(r.out);
        assert.equal(got.length, want.length);
        const random = new Set(sc.nondeterministic.map((n) => n.doc_index));
        for (let i = 0; i < want.length; i++) {
          if (random.has(i)) assert.deepEqual(images(got[i]), images(want[i]), `document ${i} (random): images`);
          else assert.equal(canonical(got[i]), canonical(want[i]), `document ${i}`);
        }
        stat.equal++;
      });
    }
  }
  test('count per chart: every scenario object-equal', () => {
    for (const [c, s] of perChart) console.log(`  ${c}: ${s.equal}/${s.total}`);
    const total = [...perChart.values()].reduce((a, s) => a + s.total, 0);
    const equal = [...perChart.values()].reduce((a, s) => a + s.equal, 0);
    assert.equal(perChart.size, 11);
    assert.equal(total, 37);
    assert.equal(equal, 37);
  });
});

test('render names what it cannot render, with exit 2', async () => {
  const r = await render([path.join(sharedRoot, 'seed')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /no Chart\.yaml and no kustomization/);
});
