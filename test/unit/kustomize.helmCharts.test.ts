// helmCharts in a kustomization: the chart under chartHome rendered in-process (as `kustomize build
// --enable-helm` inflates it, without running helm or pulling anything), its objects transformed by the
// overlay, and a refused image reported on the values line that sets it: the chart's values.yaml, or
// the kustomization's valuesInline.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../server/src/cli/main';
import { parseYaml, toJS } from '../../server/src/yaml/documents';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-helmcharts-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const chart = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/values.yaml': 'image:\n  repository: docker.io/acme/web\n  tag: "2.1"\n',
  'charts/web/templates/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
};
const refuseAll = 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAllowedRepos\nmetadata:\n  name: refuse-all\nspec:\n  parameters:\n    repos: []\n';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

test('render: the chart inflated, then the overlay transforms its objects (namespace, images)', async () => {
  const dir = tree({ ...chart, 'kustomization.yaml': 'namespace: shop\nhelmCharts:\n  - name: web\n    releaseName: front\nimages:\n  - name: docker.io/acme/web\n    newTag: "2.2"\n' });
  const r = await run(['render', dir]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(parseYaml(r.out).documents.map((d) => toJS(d.root)), [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'front-web', namespace: 'shop' }, spec: { template: { spec: { containers: [{ image: 'docker.io/acme/web:2.2', name: 'web' }] } } } },
  ]);
});

test("check: the image on the chart's values line, or on the kustomization's valuesInline line; the chart is not checked twice", async () => {
  const policy = tree({ 'c.yaml': refuseAll });
  const fromValues = tree({ ...chart, 'kustomization.yaml': 'helmCharts:\n  - name: web\n    releaseName: front\n' });
  const a = JSON.parse((await run(['check', fromValues, '--constraints', path.join(policy, 'c.yaml'), '--format', 'json'])).out);
  assert.deepEqual(a.violations.map((v: { file: string; line: number; image: string }) => [path.basename(v.file), v.line, v.image]), [['values.yaml', 2, 'docker.io/acme/web:2.1']]);
  const inline = tree({ ...chart, 'kustomization.yaml': 'helmCharts:\n  - name: web\n    releaseName: front\n    valuesInline:\n      image:\n        repository: quay.io/acme/web\n' });
  const b = JSON.parse((await run(['check', inline, '--constraints', path.join(policy, 'c.yaml'), '--format', 'json'])).out);
  assert.deepEqual(b.violations.map((v: { file: string; line: number; column: number; image: string }) => [path.basename(v.file), v.line, v.column, v.image]), [['kustomization.yaml', 6, 21, 'quay.io/acme/web:2.1']]);
});

test('a chart that is not under chartHome is not pulled: the build says it is incomplete', async () => {
  const dir = tree({ 'kustomization.yaml': 'helmCharts:\n  - name: redis\n    repo: https://charts.example/\n    version: 1.0.0\n' });
  const r = await run(['render', dir]);
  assert.equal(r.code, 1);
  assert.match(r.err, /helm chart redis is not under charts\/ and is not pulled from https:\/\/charts\.example\/: the build is incomplete/);
});
