// `trusted-images check` on charts and overlays, with a constraint that refuses every image: the CLI
// reports the images the cluster would receive (what Gatekeeper reviews of them), each on the line a
// person edits: the overlay's images entry, the patch, the base's image line (Kustomize's cases list
// it); the values line that sets it, or the template line when no values key does (Helm's cases).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { main } from '../../server/src/cli/main';
import type { Report } from '../../server/src/workspace/report';
import { needsShared, sharedRoot } from '../support/helpers';
import { helmCharts } from './helmFiles';
import { parseYaml, toJS } from '../../server/src/yaml/documents';

const refuseAll = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'ti-refuse-')), 'refuse-all.yaml');
fs.writeFileSync(refuseAll, 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAllowedRepos\nmetadata:\n  name: refuse-all\nspec:\n  parameters:\n    repos: []\n');

async function check(argv: string[], cwd: string): Promise<Report> {
  let out = '';
  let err = '';
  const before = process.cwd();
  process.chdir(cwd);
  try {
    await main(['check', ...argv, '--constraints', refuseAll, '--format', 'json'], (s) => (out += s), (s) => (err += s));
  } finally {
    process.chdir(before);
  }
  assert.ok(out, err);
  return JSON.parse(out) as Report;
}

/**
 * Containers the library's K8sAllowedRepos reviews: the lists under any object's spec, and those of the
 * pod templates the standard ExpansionTemplates expand (by apiVersion and kind); a container without a
 * name gives no violation (the library's message reads it).
 */
const expanded: Record<string, string> = {
  'apps/v1 Deployment': 'spec.template.spec.', 'apps/v1 StatefulSet': 'spec.template.spec.', 'apps/v1 DaemonSet': 'spec.template.spec.',
  'apps/v1 ReplicaSet': 'spec.template.spec.', 'v1 ReplicationController': 'spec.template.spec.', 'batch/v1 Job': 'spec.template.spec.',
  'batch/v1 CronJob': 'spec.jobTemplate.spec.template.spec.',
};
function reviewed(row: Record<string, string>, doc: unknown): boolean {
  const containerPath = row.container_path!;
  const list = containerPath.replace(/\[\d+\]$/, '');
  const field = list.slice(list.lastIndexOf('.') + 1);
  if (!['containers', 'initContainers', 'ephemeralContainers'].includes(field)) return false;
  const prefix = list.slice(0, list.length - field.length);
  if (prefix !== 'spec.' && prefix !== expanded[`${row.apiVersion} ${row.kind}`]) return false;
  let cur: unknown = doc;
  for (const part of containerPath.split('.')) {
    const m = /^([^[]+)(?:\[(\d+)\])?$/.exec(part)!;
    cur = (cur as Record<string, unknown> | undefined)?.[m[1]!];
    if (m[2] !== undefined) cur = (cur as unknown[] | undefined)?.[Number(m[2])];
  }
  return typeof (cur as Record<string, unknown> | undefined)?.name === 'string';
}
const expectedDocs = (file: string): unknown[] => parseYaml(fs.readFileSync(file, 'utf8')).documents.map((d) => toJS(d.root));

function tsv(file: string): Array<Record<string, string>> {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length);
  const cols = head!.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [cols[i]!, v])));
}
const sorted = (xs: string[]) => [...xs].sort();

const kustomizeRoot = path.join(sharedRoot, 'conformance', 'kustomize');
describe('check on overlays: each built image at the line the case lists', needsShared('conformance/kustomize'), () => {
  const cases = fs.existsSync(kustomizeRoot) ? fs.readdirSync(kustomizeRoot).filter((c) => fs.existsSync(path.join(kustomizeRoot, c, 'case.json'))).sort() : [];
  let rows = 0;
  let notReviewed = 0;
  for (const name of cases) {
    test(name, async () => {
      const dir = path.join(kustomizeRoot, name);
      const c = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as { entry: string; image_sources: Array<{ doc_index: number; container_path: string; image: string; file: string; line: number }> };
      const docs = tsv(path.join(dir, 'expected.images.tsv'));
      const built = expectedDocs(path.join(dir, 'expected.yaml'));
      const report = await check([path.join('tree', c.entry)], dir);
      const want: string[] = [];
      for (const s of c.image_sources) {
        const row = docs.find((d) => Number(d.doc_index) === s.doc_index && d.container_path === s.container_path)!;
        rows++;
        if (row.kind === 'CustomResourceDefinition' || !reviewed(row, built[s.doc_index])) {
          notReviewed++;
          continue;
        }
        want.push(`tree/${s.file}:${s.line} ${s.image}`);
      }
      const got = report.violations.map((v) => `${path.relative(dir, path.resolve(dir, v.file))}:${v.line} ${String(v.image)}`);
      // A workload's image is one finding per review (the Pod it creates); the same line twice only when two objects use it.
      assert.deepEqual(sorted([...new Set(got)]), sorted([...new Set(want)]));
      assert.ok(report.violations.every((v) => v.renderedFrom?.kind === 'kustomize'));
    });
  }
  test('count', () => {
    console.log(`  ${rows} image rows, ${rows - notReviewed} of them in containers Gatekeeper reviews`);
    assert.equal(rows, 224);
  });
});

const helmRoot = path.join(sharedRoot, 'conformance', 'helm');
describe('check on charts: each rendered pod image on a values line the case lists', needsShared('conformance/helm'), () => {
  for (const { chart, base, scenarios } of helmCharts(helmRoot)) {
    for (const sc of scenarios) {
      test(`${chart}/${sc.name}`, async () => {
        const argv = ['chart', '--release', sc.release, '--namespace', sc.namespace, ...(sc.values ? ['-f', sc.values] : [])];
        const report = await check(argv, base);
        const built = expectedDocs(path.join(base, sc.expected));
        const rows = tsv(path.join(base, sc.expected_images)).filter((r) => reviewed(r, built[Number(r.doc_index)]));
        const sources = tsv(path.join(base, sc.expected_image_sources));
        assert.deepEqual(sorted([...new Set(report.violations.map((v) => String(v.image)))]), sorted([...new Set(rows.map((r) => r.image!))]));
        for (const v of report.violations) {
          const rowSources = sources.filter((s) => s.image === v.image && rows.some((r) => r.doc_index === s.doc_index && r.container_path === s.container_path));
          const values = rowSources.filter((s) => s.values_path !== '' && s.file !== '');
          const at = `${path.relative(base, path.resolve(base, v.file))}:${v.line}`;
          if (values.length > 0) assert.ok(values.some((s) => `${s.file}:${s.line}` === at), `${v.image} at ${at}, want one of ${values.map((s) => `${s.file}:${s.line}`).join(' ')}`);
          else assert.match(at, /(^|\/)templates\//, `${v.image} has no values source: a template line`);
          assert.equal(v.renderedFrom?.kind, 'helm');
        }
      });
    }
  }
});
