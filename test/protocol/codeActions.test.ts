// Quick fixes over the real protocol: request, apply, and see the diagnostics clear.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { applyTextEdits, LspTextEdit, TestClient, uriOf } from './lspClient';

interface Action {
  title: string;
  kind: string;
  isPreferred?: boolean;
  diagnostics?: unknown[];
  data?: unknown;
  edit?: {
    documentChanges: Array<{ textDocument: { uri: string; version: number | null }; edits: Array<LspTextEdit & { annotationId?: string }> }>;
    changeAnnotations?: Record<string, { needsConfirmation?: boolean }>;
  };
}

const constraint = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata:
  name: corp-only
spec:
  parameters:
    repos:
      - "registry.corp.example/"  # the only trusted registry
`;
const pod = `apiVersion: v1
kind: Pod
metadata:
  name: web  # 😀 the web pod
spec:
  containers:
  - name: web
    image: 'nginx:1.25'
  - name: side
    image: ghcr.io/org/side@sha256:${'a'.repeat(64)}
`;

function fixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-fix-'));
  fs.writeFileSync(path.join(dir, 'constraint.yaml'), constraint);
  fs.writeFileSync(path.join(dir, 'pod.yaml'), pod);
  return dir;
}

describe('quick fixes over the protocol', () => {
  const clients: TestClient[] = [];
  after(() => clients.forEach((c) => c.process.exitCode === null && c.process.kill()));
  const settings = { mirrors: { 'docker.io': 'registry.corp.example/dockerhub', 'ghcr.io': 'registry.corp.example/ghcr' } };

  test('a rewrite per candidate, preferred first; applying it clears the diagnostic', async () => {
    const dir = fixture();
    const client = await TestClient.start({ folder: dir, settings });
    clients.push(client);
    await client.scanned();
    const uri = uriOf(path.join(dir, 'pod.yaml'));
    client.open(uri, pod, 1);
    const published = await client.waitFor(uri, (d, p) => p.version === 1 && d.length === 2);
    const diag = published.diagnostics.find((d) => d.range.start.line === 7)!;
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: diag.range,
      context: { diagnostics: [diag] },
    })) as Action[];
    assert.deepEqual(
      actions.map((a) => a.title),
      ['Use registry.corp.example/dockerhub/library/nginx:1.25', 'Use registry.corp.example/library/nginx:1.25', 'Fix all untrusted images in this file', 'Allow `nginx:` in constraint corp-only'],
    );
    assert.equal(actions[0]!.isPreferred, true);
    assert.equal(actions[0]!.diagnostics!.length, 1);
    const change = actions[0]!.edit!.documentChanges[0]!;
    assert.equal(change.textDocument.version, 1);
    const fixed = applyTextEdits(pod, change.edits);
    assert.equal(fixed, pod.replace("'nginx:1.25'", "'registry.corp.example/dockerhub/library/nginx:1.25'"));
    client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    const after2 = await client.waitFor(uri, (d, p) => p.version === 2 && d.length === 1);
    assert.equal(after2.diagnostics[0]!.range.start.line, 9);
    await client.stop();
  });

  test('fix all in the file (source.fixAll, as codeActionsOnSave asks) clears every diagnostic', async () => {
    const dir = fixture();
    const client = await TestClient.start({ folder: dir, settings });
    clients.push(client);
    await client.scanned();
    const uri = uriOf(path.join(dir, 'pod.yaml'));
    client.open(uri, pod, 1);
    await client.waitFor(uri, (d, p) => p.version === 1 && d.length === 2);
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll'] },
    })) as Action[];
    assert.deepEqual(actions.map((a) => [a.title, a.kind]), [['Fix all untrusted images in this file', 'source.fixAll.trustedImages']]);
    const fixed = applyTextEdits(pod, actions[0]!.edit!.documentChanges[0]!.edits);
    assert.match(fixed, /image: registry\.corp\.example\/ghcr\/org\/side@sha256:a{64}\n/);
    client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    await client.waitFor(uri, (d, p) => p.version === 2 && d.length === 0);
    await client.stop();
  });

  test('allow in the constraint: resolved lazily, needs confirmation, keeps comments; the image is then allowed', async () => {
    const dir = fixture();
    const client = await TestClient.start({ folder: dir, settings: {} });
    clients.push(client);
    await client.scanned();
    const uri = uriOf(path.join(dir, 'pod.yaml'));
    const diags = (await client.waitFor(uri, (d) => d.length === 2)).diagnostics;
    const diag = diags.find((d) => d.range.start.line === 9)!;
    client.open(uri, pod, 1);
    const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } })) as Action[];
    const allow = actions.find((a) => a.title.startsWith('Allow'))!;
    assert.equal(allow.title, 'Allow `ghcr.io/` in constraint corp-only');
    // The test client does not announce resolve support: the edit comes eagerly, annotated.
    const cfile = path.join(dir, 'constraint.yaml');
    const change = allow.edit!.documentChanges[0]!;
    assert.equal(change.textDocument.uri, uriOf(cfile));
    const annotation = change.edits[0]!.annotationId!;
    assert.equal(allow.edit!.changeAnnotations![annotation]!.needsConfirmation, true);
    const updated = applyTextEdits(constraint, change.edits);
    assert.equal(updated, constraint.replace('# the only trusted registry\n', '# the only trusted registry\n      - "ghcr.io/"\n'));
    fs.writeFileSync(cfile, updated);
    client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(cfile), type: 2 }] });
    const after2 = await client.waitFor(uri, (d) => d.length === 1);
    assert.equal(after2.diagnostics[0]!.range.start.line, 7);
    await client.stop();
  });

  test('with resolve support, the policy-side edit is computed only when the action is resolved', async () => {
    const dir = fixture();
    const client = await TestClient.start({ folder: dir, settings: {}, codeActionResolve: true });
    clients.push(client);
    await client.scanned();
    const uri = uriOf(path.join(dir, 'pod.yaml'));
    client.open(uri, pod, 1);
    const diag = (await client.waitFor(uri, (d, p) => p.version === 1 && d.length === 2)).diagnostics.find((d) => d.range.start.line === 9)!;
    const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } })) as Action[];
    const allow = actions.find((a) => a.title.startsWith('Allow'))!;
    assert.equal(allow.edit, undefined);
    assert.ok(allow.data);
    const resolved = (await client.connection.sendRequest('codeAction/resolve', allow)) as Action;
    const change = resolved.edit!.documentChanges[0]!;
    assert.equal(change.textDocument.uri, uriOf(path.join(dir, 'constraint.yaml')));
    assert.equal(applyTextEdits(constraint, change.edits), constraint.replace('# the only trusted registry\n', '# the only trusted registry\n      - "ghcr.io/"\n'));
    await client.stop();
  });

  test('fix all in the workspace: one WorkspaceEdit across files, annotated for a preview', async () => {
    const dir = fixture();
    fs.writeFileSync(path.join(dir, 'other.yaml'), pod.replace('name: web ', 'name: other '));
    const client = await TestClient.start({ folder: dir, settings });
    clients.push(client);
    let applied: { label?: string; edit: NonNullable<Action['edit']> } | undefined;
    client.connection.onRequest('workspace/applyEdit', (p: typeof applied) => {
      applied = p;
      return { applied: true };
    });
    await client.scanned();
    const result = (await client.connection.sendRequest('workspace/executeCommand', { command: 'trustedImages.fixAllInWorkspace', arguments: [] })) as { applied: boolean };
    assert.equal(result.applied, true);
    assert.equal(applied!.edit.documentChanges.length, 2);
    for (const ch of applied!.edit.documentChanges) {
      assert.equal(ch.textDocument.version, null);
      assert.equal(ch.edits.length, 2);
      assert.ok(ch.edits.every((e) => applied!.edit.changeAnnotations![e.annotationId!]!.needsConfirmation));
    }
    await client.stop();
  });

  test('fix all in the workspace yields to the event loop and stops when the request is cancelled', async () => {
    const dir = fixture();
    for (let i = 0; i < 400; i++) fs.writeFileSync(path.join(dir, `p${i}.yaml`), pod.replace('name: web ', `name: p${i} `));
    const client = await TestClient.start({ folder: dir, settings, latestOnly: true });
    clients.push(client);
    let applyRequests = 0;
    client.connection.onRequest('workspace/applyEdit', () => {
      applyRequests++;
      return { applied: false };
    });
    await client.scanned();
    const source = new CancellationTokenSource();
    const request = client.connection.sendRequest('workspace/executeCommand', { command: 'trustedImages.fixAllInWorkspace', arguments: [] }, source.token);
    // The cancellation reaches the server while it works through 401 files: it is read between two of them.
    source.cancel();
    const settled = await request.then(
      (r) => ({ result: r }),
      (e: unknown) => ({ error: e }),
    );
    assert.ok(!('result' in settled) || (settled.result as { applied: boolean }).applied === false, JSON.stringify(settled));
    assert.equal(applyRequests, 0);
    // The server still answers.
    assert.ok(await client.scanned());
    await client.stop();
  });
});
