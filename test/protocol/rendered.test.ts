// Charts and overlays in the editor, over the protocol: diagnostics on the line a person edits (the
// overlay's images entry, the chart's values line), none on a base line every overlay rewrites, a hover
// with the rendered image, a quick fix that edits that line, and a render again when an input changes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { applyTextEdits, TestClient, uriOf } from './lspClient';

const constraint = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata:
  name: corp-only
spec:
  parameters:
    repos:
      - "registry.corp.example/"
`;

function overlays(dir: string): void {
  const w = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  w('policy/constraint.yaml', constraint);
  w('base/kustomization.yaml', 'resources:\n  - deployment.yaml\n');
  w('base/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: app:1.0\n');
  w('overlays/dev/kustomization.yaml', 'resources:\n  - ../../base\nnamePrefix: dev-\nimages:\n  - name: app\n    newName: docker.io/library/app\n');
  w('overlays/prod/kustomization.yaml', 'resources:\n  - ../../base\nnamePrefix: prod-\nimages:\n  - name: app\n    newName: registry.corp.example/app\n');
  w('chart/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: "1.0"\n');
  w('chart/values.yaml', 'image:\n  repository: docker.io/nginx\n  tag: "1.25"\n');
  w('chart/templates/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n');
}

describe('charts and overlays in the editor', () => {
  const clients: TestClient[] = [];
  after(() => clients.forEach((c) => c.process.exitCode === null && c.process.kill()));

  test('an overlay images entry and a values line carry the squiggle; the base line none', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-rendered-'));
    overlays(dir);
    const client = await TestClient.start({ folder: dir });
    clients.push(client);
    await client.scanned();
    const dev = uriOf(path.join(dir, 'overlays/dev/kustomization.yaml'));
    const devDiag = (await client.waitFor(dev, (d) => d.length === 1)).diagnostics[0]!;
    assert.equal(devDiag.range.start.line, 5, 'the newName line');
    assert.match(String(devDiag.message), /docker\.io\/library\/app:1\.0/);
    assert.match(String(devDiag.message), /kustomize dev/);
    const values = uriOf(path.join(dir, 'chart/values.yaml'));
    const valuesDiag = (await client.waitFor(values, (d) => d.length === 1)).diagnostics[0]!;
    assert.equal(valuesDiag.range.start.line, 1, 'the image.repository line');
    // The base's image line: every overlay rewrites it; the base file is checked through them.
    const base = uriOf(path.join(dir, 'base/deployment.yaml'));
    assert.equal(client.diagnostics.get(base)?.diagnostics.length ?? 0, 0);
    const prod = uriOf(path.join(dir, 'overlays/prod/kustomization.yaml'));
    assert.equal(client.diagnostics.get(prod)?.diagnostics.length ?? 0, 0);

    // Hover on the values line: the rendered image, and where its parts come from.
    const text = fs.readFileSync(path.join(dir, 'chart/values.yaml'), 'utf8');
    client.open(values, text, 1);
    const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: values }, position: { line: 1, character: 16 } })) as { contents: { value: string } } | null;
    assert.ok(hover);
    assert.match(hover.contents.value, /docker\.io\/nginx:1\.25/);
    assert.match(hover.contents.value, /values image\.repository/);
    assert.match(hover.contents.value, /corp-only/);

    // The quick fix edits the values line; applied, the chart renders again and the squiggle goes.
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: values },
      range: valuesDiag.range,
      context: { diagnostics: [valuesDiag] },
    })) as Array<{ title: string; edit?: { documentChanges: Array<{ textDocument: { uri: string; version: number | null }; edits: Parameters<typeof applyTextEdits>[1] }> } }>;
    const fix = actions.find((a) => a.title.startsWith('Use registry.corp.example/'));
    assert.ok(fix?.edit, JSON.stringify(actions.map((a) => a.title)));
    const change = fix.edit.documentChanges[0]!;
    assert.equal(change.textDocument.uri, values);
    assert.equal(change.textDocument.version, 1);
    const fixed = applyTextEdits(text, change.edits);
    assert.equal(fixed, text.replace("docker.io/nginx", "registry.corp.example/library/nginx"));
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: values, version: 2 }, contentChanges: [{ text: fixed }] });
    await client.waitFor(values, (d, p) => p.version === 2 && d.length === 0);
  });
});

describe('overlays and charts that arrive file by file', () => {
  const clients: TestClient[] = [];
  after(() => clients.forEach((c) => c.process.exitCode === null && c.process.kill()));

  test('files created one by one (base first, values last) render again; the overlay quick fix edits its newName line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-arrive-'));
    fs.mkdirSync(path.join(dir, 'policy'));
    fs.writeFileSync(path.join(dir, 'policy/constraint.yaml'), constraint);
    const client = await TestClient.start({ folder: dir });
    clients.push(client);
    await client.scanned();
    const files: Array<[string, string]> = [
      ['base/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: app:1.0\n'],
      ['base/kustomization.yaml', 'resources:\n  - deployment.yaml\n'],
      ['overlays/dev/kustomization.yaml', 'resources:\n  - ../../base\nimages:\n  - name: app\n    newName: docker.io/library/app\n'],
      ['chart/templates/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: "{{ .Values.image.repository }}:1"\n'],
      ['chart/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 0.1.0\n'],
      ['chart/values.yaml', 'image:\n  repository: docker.io/nginx\n'],
    ];
    for (const [rel, text] of files) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
      await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(path.join(dir, rel)), type: 1 }] });
    }
    const base = uriOf(path.join(dir, 'base/deployment.yaml'));
    await client.waitFor(base, (d) => d.length === 0);
    const values = uriOf(path.join(dir, 'chart/values.yaml'));
    assert.equal((await client.waitFor(values, (d) => d.length === 1)).diagnostics[0]!.range.start.line, 1);
    const dev = uriOf(path.join(dir, 'overlays/dev/kustomization.yaml'));
    const d = (await client.waitFor(dev, (ds) => ds.length === 1)).diagnostics[0]!;
    const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: dev }, range: d.range, context: { diagnostics: [d] } })) as Array<{
      title: string;
      edit?: { documentChanges: Array<{ textDocument: { uri: string; version: number | null }; edits: Parameters<typeof applyTextEdits>[1] }> };
    }>;
    const fix = actions.find((a) => a.title.startsWith('Use registry.corp.example/'));
    assert.ok(fix?.edit, JSON.stringify(actions.map((a) => a.title)));
    const edit = fix.edit.documentChanges[0]!;
    assert.equal(edit.textDocument.uri, dev);
    const text = fs.readFileSync(path.join(dir, 'overlays/dev/kustomization.yaml'), 'utf8');
    assert.equal(applyTextEdits(text, edit.edits), text.replace('docker.io/library/app', 'registry.corp.example/library/app'));
  });
});

describe('a base line two overlays share', () => {
  const clients: TestClient[] = [];
  after(() => clients.forEach((c) => c.process.exitCode === null && c.process.kill()));

  test('refused through one overlay only: the quick fix adds an images entry to that overlay, and the squiggle goes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-shared-'));
    const w = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    w('policy/constraint.yaml', constraint);
    w('base/kustomization.yaml', 'resources:\n  - deployment.yaml\n');
    w('base/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: docker.io/acme/app:1.0\n');
    w('dev/kustomization.yaml', 'resources:\n  - ../base\nnamePrefix: dev-\n');
    w('prod/kustomization.yaml', 'resources:\n  - ../base\nnamePrefix: prod-\nimages:\n  - name: docker.io/acme/app\n    newName: registry.corp.example/acme/app\n');
    const client = await TestClient.start({ folder: dir });
    clients.push(client);
    await client.scanned();
    const base = uriOf(path.join(dir, 'base/deployment.yaml'));
    const d = (await client.waitFor(base, (ds) => ds.length === 1)).diagnostics[0]!;
    assert.equal(d.range.start.line, 9, 'the base image line');
    assert.match(String(d.message), /kustomize dev/);
    const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: base }, range: d.range, context: { diagnostics: [d] } })) as Array<{
      title: string;
      isPreferred?: boolean;
      edit?: { documentChanges: Array<{ textDocument: { uri: string; version: number | null }; edits: Parameters<typeof applyTextEdits>[1] }> };
    }>;
    const entry = actions.find((a) => a.title.startsWith('Add an images entry to dev/kustomization.yaml'));
    assert.ok(entry?.edit, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(entry.isPreferred, true);
    const change = entry.edit.documentChanges[0]!;
    const devFile = path.join(dir, 'dev/kustomization.yaml');
    assert.equal(change.textDocument.uri, uriOf(devFile));
    const fixed = applyTextEdits(fs.readFileSync(devFile, 'utf8'), change.edits);
    assert.match(fixed, /images:\n  - name: docker\.io\/acme\/app\n    newName: registry\.corp\.example\/acme\/app\n$/);
    fs.writeFileSync(devFile, fixed);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(devFile), type: 2 }] });
    await client.waitFor(base, (ds) => ds.length === 0);
  });
});
