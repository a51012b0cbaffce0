// The workspace pass (WorkspaceScan over WorkspaceIndex, as the language server runs it), on files on
// disk: the same verdicts as the CLI's report, whatever order the policy files come in, and the policy
// built a few times per pass, not once per file that changes it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { URI } from 'vscode-uri';
import { analyzeText, defaultCheckOptions, violationSpan } from '../../server/src/engine';
import { WorkspaceIndex } from '../../server/src/workspace/index';
import { buildReport, defaultReportOptions } from '../../server/src/workspace/report';
import { WorkspaceScan } from '../../server/src/workspace/scan';
import { projectRoot } from '../support/helpers';

function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyDir(path.join(from, e.name), path.join(to, e.name));
    else fs.copyFileSync(path.join(from, e.name), path.join(to, e.name));
  }
}

test('a workspace pass: the policy files first, a few policy builds, the verdicts of the CLI', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-scan-'));
  // The examples' policies (a Rego template, image constraints, a ValidatingAdmissionPolicy with its
  // params) sort after 40 workloads and 30 ConfigMaps an admission policy may read as params.
  copyDir(path.join(projectRoot, 'examples', 'admission'), path.join(dir, 'z-admission'));
  copyDir(path.join(projectRoot, 'examples', 'policy'), path.join(dir, 'z-policy'));
  copyDir(path.join(projectRoot, 'examples', 'pods'), path.join(dir, 'pods'));
  for (let i = 0; i < 40; i++) {
    fs.writeFileSync(
      path.join(dir, `a-app-${String(i).padStart(2, '0')}.yaml`),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n${i % 3 === 0 ? '  labels:\n    team: shop\n' : ''}spec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: ${i % 2 ? 'nginx:1.27' : 'registry.example/app:1'}\n`,
    );
  }
  for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(dir, `b-config-${i}.yaml`), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-${i}\ndata:\n  registries: "registry.example/"\n`);

  const index = new WorkspaceIndex(defaultCheckOptions);
  const scan = new WorkspaceScan(index, () => true);
  scan.setFolders([{ path: dir, settings: { enable: true, exclude: [], maxFileBytes: 10 * 1024 * 1024, constraintPaths: [] } }]);
  const passed = await scan.pass({ cancelled: () => false, pace: () => undefined, log: { warn: () => {}, error: () => {} } });
  assert.ok(passed);
  scan.settle();
  const builds = index.policyBuilds;
  // The files read after the policy files build nothing; the policy files themselves build it once each at most.
  assert.ok(builds <= 8, `the policy was built ${builds} times in a pass of ${index.fileCount} files`);

  const fromServer: string[] = [];
  for (const uri of index.uris()) {
    const a = index.analysis(uri)!;
    for (const v of index.violations(uri)) {
      if (v.notEvaluated) continue;
      const line = a.lines.position(violationSpan(v).start).line + 1;
      fromServer.push(`${path.relative(dir, URI.parse(uri).fsPath)}:${line}: ${v.message} [${v.constraint.name}]`);
    }
  }
  const report = await buildReport([dir], { ...defaultReportOptions, cwd: dir });
  const fromCli = report.violations.map((v) => `${v.file}:${v.line}: ${v.message} [${v.constraint.name}]`);
  assert.deepEqual(fromServer.sort(), fromCli.sort());
  // Each sort of policy had its say: the image constraint, the Rego template, the admission policy.
  assert.ok(fromCli.some((l) => l.startsWith('a-app-01.yaml') && /Invalid image repo/.test(l)), fromCli.join('\n'));
  assert.ok(fromCli.some((l) => /has no <team> label/.test(l)), fromCli.join('\n'));
  assert.ok(fromCli.some((l) => /z-admission\/pod\.yaml/.test(l)), fromCli.join('\n'));
});

test('the index: only objects of a kind an admission policy reads as params change the policy', () => {
  const policyText = fs.readFileSync(path.join(projectRoot, 'examples', 'admission', 'policy.yaml'), 'utf8');
  const index = new WorkspaceIndex(defaultCheckOptions);
  const set = (name: string, text: string) => index.setDisk(`file:///w/${name}`, analyzeText(`file:///w/${name}`, text)).policyChanged;
  const configMap = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  registry: ${data}\n`;
  const custom = (data: string) => `apiVersion: example.com/v1\nkind: Registry\nmetadata:\n  name: r\nspec:\n  registry: ${data}\n`;
  // No admission policy: neither counts.
  assert.equal(set('cm.yaml', configMap('a/')), false);
  assert.equal(set('custom.yaml', custom('a/')), false);
  // The policy (paramKind ConfigMap) comes: a change; then a ConfigMap's edit changes the policy, a custom resource's does not.
  assert.equal(set('policy.yaml', policyText), true);
  const builds = index.policyBuilds;
  assert.equal(set('cm.yaml', configMap('b/')), true);
  assert.equal(set('custom.yaml', custom('b/')), false);
  assert.equal(set('other.yaml', custom('c/')), false);
  // The policy read the ConfigMap as it is now.
  index.policy();
  assert.equal(index.policyBuilds, builds + 1);
  // The policy now reads the custom kind: its objects count from then on.
  assert.equal(set('policy.yaml', policyText.replace('apiVersion: v1\n    kind: ConfigMap', 'apiVersion: example.com/v1\n    kind: Registry')), true);
  assert.equal(set('custom.yaml', custom('d/')), true);
  assert.equal(set('cm.yaml', configMap('e/')), false);
});
