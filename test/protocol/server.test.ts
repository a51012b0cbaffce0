// The built server over stdio, driven as an editor drives it, on fixture workspaces on disk.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { TestClient, uriOf } from './lspClient';

const constraint = (repos: string) =>
  `apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAllowedRepos\nmetadata:\n  name: corp-only\nspec:\n  match:\n    kinds: [{apiGroups: [""], kinds: ["Pod"]}]\n  parameters:\n    repos: ${repos}\n`;
const pod = (name: string, image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`;
const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n`;

function fixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-lsp-'));
  fs.mkdirSync(path.join(dir, 'policy'));
  fs.writeFileSync(path.join(dir, 'policy', 'constraint.yaml'), constraint('["corp/"]'));
  fs.writeFileSync(path.join(dir, 'bad.yaml'), pod('bad', 'nginx'));
  fs.writeFileSync(path.join(dir, 'good.yaml'), pod('good', 'corp/app:1'));
  fs.writeFileSync(path.join(dir, 'deploy.yaml'), deployment);
  return dir;
}


describe('language server over stdio', () => {
  const clients: TestClient[] = [];
  after(async () => {
    for (const c of clients) if (c.process.exitCode === null) c.process.kill();
  });
  const start = async (...args: Parameters<typeof TestClient.start>) => {
    const c = await TestClient.start(...args);
    clients.push(c);
    return c;
  };

  test('workspace diagnostics for files never opened, with range, severity, code and related information', async () => {
    const dir = fixture();
    const client = await start({ folder: dir });
    await client.scanned();
    const bad = await client.waitFor(uriOf(path.join(dir, 'bad.yaml')), (d) => d.length === 1);
    const d = bad.diagnostics[0]!;
    assert.equal(d.message, 'container <c> has an invalid image repo <nginx>, allowed repos are ["corp/"]');
    assert.deepEqual(d.range, { start: { line: 7, character: 11 }, end: { line: 7, character: 16 } });
    assert.equal(d.severity, 1);
    assert.equal(d.source, 'trusted-images');
    assert.equal(d.code, 'corp-only');
    assert.equal(d.codeDescription?.href, `${uriOf(path.join(dir, 'policy', 'constraint.yaml'))}#L4`);
    assert.equal(d.relatedInformation?.[0]?.location.uri, uriOf(path.join(dir, 'policy', 'constraint.yaml')));
    assert.equal(d.relatedInformation?.[0]?.location.range.start.line, 8);
    // The Deployment is checked as the Pod it creates.
    const dep = await client.waitFor(uriOf(path.join(dir, 'deploy.yaml')), (x) => x.length === 1);
    assert.equal(dep.diagnostics[0]!.range.start.line, 9);
    // A clean file gets nothing published, or an empty list.
    assert.deepEqual(client.diagnostics.get(uriOf(path.join(dir, 'good.yaml')))?.diagnostics ?? [], []);
    assert.equal(await client.stop(), 0);
  });

  test('diagnostics follow unsaved edits, with the document version', async () => {
    const dir = fixture();
    const client = await start({ folder: dir });
    await client.scanned();
    const uri = uriOf(path.join(dir, 'good.yaml'));
    client.open(uri, pod('good', 'corp/app:1'), 1);
    await client.waitFor(uri, (d, p) => p.version === 1 && d.length === 0);
    // Incremental change: replace the image value on line 8.
    client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 7, character: 11 }, end: { line: 7, character: 21 } }, text: 'docker.io/evil' }],
    });
    const p = await client.waitFor(uri, (d, q) => q.version === 2 && d.length === 1);
    assert.match(String(p.diagnostics[0]!.message), /<docker\.io\/evil>/);
    await client.stop();
  });

  test('a constraint edited on disk re-checks open and closed files; a deleted file is cleared', async () => {
    const dir = fixture();
    const client = await start({ folder: dir });
    await client.scanned();
    const badUri = uriOf(path.join(dir, 'bad.yaml'));
    const openUri = uriOf(path.join(dir, 'good.yaml'));
    client.open(openUri, pod('good', 'corp/app:1'));
    await client.waitFor(badUri, (d) => d.length === 1);
    await client.waitFor(openUri, (d) => d.length === 0);
    // Now only "other/" is trusted: both files violate.
    const cfile = path.join(dir, 'policy', 'constraint.yaml');
    fs.writeFileSync(cfile, constraint('["other/", "nginx"]'));
    client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(cfile), type: 2 }] });
    await client.waitFor(badUri, (d) => d.length === 0);
    const open = await client.waitFor(openUri, (d) => d.length === 1);
    assert.match(String(open.diagnostics[0]!.message), /allowed repos are \["other\/", "nginx"\]/);
    // Delete a manifest: its diagnostics are cleared.
    const deployFile = path.join(dir, 'deploy.yaml');
    await client.waitFor(uriOf(deployFile), (d) => d.length === 1);
    fs.rmSync(deployFile);
    client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(deployFile), type: 3 }] });
    await client.waitFor(uriOf(deployFile), (d) => d.length === 0);
    // Delete a folder: the watcher reports the folder only; its files are cleared all the same.
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'inner.yaml'), pod('inner', 'docker.io/x'));
    client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(path.join(sub, 'inner.yaml')), type: 1 }] });
    await client.waitFor(uriOf(path.join(sub, 'inner.yaml')), (d) => d.length === 1);
    fs.rmSync(sub, { recursive: true });
    client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(sub), type: 3 }] });
    await client.waitFor(uriOf(path.join(sub, 'inner.yaml')), (d) => d.length === 0);
    await client.stop();
  });

  test('an unsaved constraint re-checks other files; closing falls back to the disk version', async () => {
    const dir = fixture();
    const client = await start({ folder: dir });
    await client.scanned();
    const badUri = uriOf(path.join(dir, 'bad.yaml'));
    await client.waitFor(badUri, (d) => d.length === 1);
    const cUri = uriOf(path.join(dir, 'policy', 'constraint.yaml'));
    client.open(cUri, constraint('["corp/", "nginx"]'));
    await client.waitFor(badUri, (d) => d.length === 0);
    client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: cUri } });
    await client.waitFor(badUri, (d) => d.length === 1);
    await client.stop();
  });

  test('hover names the deciding constraint, and says why when none applies', async () => {
    const dir = fixture();
    fs.writeFileSync(path.join(dir, 'svc.yaml'), deployment.replace('kind: Deployment', 'kind: Deployment').replace('apps/v1', 'apps/v1beta1'));
    const client = await start({ folder: dir });
    await client.scanned();
    const uri = uriOf(path.join(dir, 'bad.yaml'));
    client.open(uri, pod('bad', 'nginx'));
    await client.waitFor(uri, (_d, p) => p.version === 1);
    const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 13 } })) as {
      contents: { value: string };
      range: unknown;
    };
    assert.match(hover.contents.value, /REFUSED: \*\*K8sAllowedRepos corp-only\*\* \(deny\), refused: matches none of \\\["corp\/"\\\]/);
    assert.match(hover.contents.value, /constraint\.yaml:4\]\(file:/);
    assert.deepEqual(hover.range, { start: { line: 7, character: 11 }, end: { line: 7, character: 16 } });
    // A Pod in a Deployment whose constraint matches only Pods... via expansion it is a Pod; a Service has no image.
    const good = uriOf(path.join(dir, 'good.yaml'));
    client.open(good, pod('good', 'corp/app:1'));
    await client.waitFor(good, (_d, p) => p.version === 1);
    const allowed = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: good }, position: { line: 7, character: 12 } })) as { contents: { value: string } };
    assert.match(allowed.contents.value, /allowed: .*allowed by "corp\/"/);
    // Not on an image: no hover.
    assert.equal(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 1 } }), null);
    await client.stop();
  });

  test('status request, settings pulled from the client, and shutdown + exit ends the process', async () => {
    const dir = fixture();
    const client = await start({ folder: dir, settings: { defaultNamespace: 'prod', exclude: ['deploy.yaml'] } });
    const status = (await client.scanned()) as { constraints: Array<{ name: string; line: number }>; files: number; violations: { error: number } };
    assert.deepEqual(status.constraints.map((c) => [c.name, c.line]), [['corp-only', 3]]);
    assert.equal(status.files, 3);
    assert.equal(status.violations.error, 1);
    assert.equal(await client.stop(), 0);
  });

  test('a namespaceSelector constraint added later reaches objects that run no image (closed files read again)', async () => {
    const dir = fixture();
    fs.writeFileSync(path.join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: apps\ndata: {a: b}\n');
    const client = await start({ folder: dir });
    await client.scanned();
    const cm = uriOf(path.join(dir, 'cm.yaml'));
    assert.deepEqual(client.diagnostics.get(cm)?.diagnostics ?? [], []);
    const sel = path.join(dir, 'policy', 'selector.yaml');
    fs.writeFileSync(sel, 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAllowedRepos\nmetadata:\n  name: by-team\nspec:\n  match:\n    namespaceSelector:\n      matchLabels: {team: a}\n  parameters:\n    repos: ["corp/"]\n');
    client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(sel), type: 1 }] });
    const d = await client.waitFor(cm, (x) => x.length === 1);
    assert.equal(d.diagnostics[0]!.message, 'unable to match constraints: error matching the requested object: settings :failed to run Match criteria: namespace selector for namespace-scoped object but missing Namespace');
    assert.equal(d.diagnostics[0]!.range.start.line, 1);
    await client.stop();
  });

  test('workspace folders added are scanned, removed ones cleared', async () => {
    const first = fixture();
    const second = fixture();
    const client = await start({ folder: first });
    await client.scanned();
    const firstBad = uriOf(path.join(first, 'bad.yaml'));
    const secondBad = uriOf(path.join(second, 'bad.yaml'));
    await client.waitFor(firstBad, (d) => d.length === 1);
    client.connection.sendNotification('workspace/didChangeWorkspaceFolders', {
      event: { added: [{ uri: uriOf(second), name: 'second' }], removed: [{ uri: uriOf(first), name: 'first' }] },
    });
    await client.waitFor(secondBad, (d) => d.length === 1);
    await client.waitFor(firstBad, (d) => d.length === 0);
    await client.stop();
  });

  test('settings are read per workspace folder (scopeUri): a folder with enable false or its own exclude', async () => {
    const first = fixture();
    const second = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-lsp-'));
    fs.writeFileSync(path.join(second, 'bad.yaml'), pod('bad', 'nginx'));
    fs.writeFileSync(path.join(second, 'other.yaml'), pod('other', 'nginx'));
    let scoped: Record<string, unknown> = { exclude: ['other.yaml'] };
    const client = await start({
      folder: first,
      moreFolders: [second],
      settingsFor: (scopeUri) => (scopeUri === uriOf(second) ? scoped : {}),
    });
    await client.scanned();
    // The first folder's constraint applies to the second folder's files; its own exclude does not reach the first.
    await client.waitFor(uriOf(path.join(first, 'bad.yaml')), (d) => d.length === 1);
    await client.waitFor(uriOf(path.join(second, 'bad.yaml')), (d) => d.length === 1);
    assert.equal(client.diagnostics.get(uriOf(path.join(second, 'other.yaml')))?.diagnostics.length ?? 0, 0);
    // The second folder switched off: its files are cleared, the first folder's stay.
    scoped = { enable: false };
    client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await client.waitFor(uriOf(path.join(second, 'bad.yaml')), (d) => d.length === 0);
    await client.scanned();
    assert.equal(client.diagnostics.get(uriOf(path.join(first, 'bad.yaml')))?.diagnostics.length, 1);
    await client.stop();
  });

  test('diagnostics are paced to what the client has handled: at most two windows of 50 ahead of its answers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-lsp-'));
    fs.writeFileSync(path.join(dir, 'constraint.yaml'), constraint('["corp/"]'));
    for (let i = 0; i < 400; i++) fs.writeFileSync(path.join(dir, `p${i}.yaml`), pod(`p${i}`, 'nginx'));
    let answered = 0;
    let client: TestClient | undefined;
    const aheadOfAnswers: number[] = [];
    client = await start({
      folder: dir,
      latestOnly: true,
      // A slow client: each answer takes 30 ms; meanwhile count what the server sent.
      beforeConfiguration: async () => {
        await new Promise((r) => setTimeout(r, 30));
        answered++;
      },
    });
    client.connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: unknown[] }) => {
      client!.diagnostics.set(p.uri, p as never);
      // Pings answered so far (the first configuration request loads the settings).
      aheadOfAnswers.push(client!.diagnostics.size - 50 * Math.max(0, answered - 1));
    });
    await client.scanned();
    assert.equal(client.diagnostics.size, 400);
    assert.ok(client.configurationRequests >= 1 + 400 / 50 - 1, `${client.configurationRequests} configuration requests`);
    // Never more than two windows (and the one in flight) beyond the last answered ping.
    assert.ok(Math.max(...aheadOfAnswers) <= 150, `up to ${Math.max(...aheadOfAnswers)} ahead`);
  });

  test('a minimal client (no configuration, no dynamic registration) still gets workspace diagnostics', async () => {
    const dir = fixture();
    const client = await start({ folder: dir, minimal: true });
    await client.scanned();
    await client.waitFor(uriOf(path.join(dir, 'bad.yaml')), (d) => d.length === 1);
    assert.equal(await client.stop(), 0);
  });
});
