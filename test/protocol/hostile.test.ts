// Protocol faults and hostile documents: the server answers, keeps serving, and never publishes
// diagnostics for a text the editor no longer has.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { prng } from '../support/synthetic';
import { TestClient, uriOf } from './lspClient';

const constraint = 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAllowedRepos\nmetadata:\n  name: corp\nspec:\n  parameters:\n    repos: ["corp/"]\n';
const pod = (image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p  # 日本語 😀\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`;

function fixture(extra: Record<string, string | Buffer> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-hostile-lsp-'));
  fs.writeFileSync(path.join(dir, 'constraint.yaml'), constraint);
  fs.writeFileSync(path.join(dir, 'bad.yaml'), pod('nginx'));
  for (const [n, t] of Object.entries(extra)) fs.writeFileSync(path.join(dir, n), t);
  return dir;
}

describe('hostile input and protocol faults', () => {
  const clients: TestClient[] = [];
  after(() => clients.forEach((c) => c.process.exitCode === null && c.process.kill()));
  const start = async (...a: Parameters<typeof TestClient.start>) => {
    const c = await TestClient.start(...a);
    clients.push(c);
    return c;
  };

  test('hostile files in the workspace: one clear entry each, the rest still checked, positions in UTF-16', async () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill('*' + String.fromCharCode(97 + i)).join(',')}]`)].join('\n');
    const dir = fixture({
      'bomb.yaml': bomb,
      'binary.yaml': Buffer.from([0, 1, 2, 3]),
      'latin1.yaml': Buffer.from([0x61, 0x3a, 0xe9]),
      'crlf.yaml': pod('docker.io/x').replace(/\n/g, '\r\n'),
      'helm.yaml': 'image: {{ .Values.image }}\n  x: [\n',
    });
    fs.mkdirSync(path.join(dir, 'dir.yaml'));
    const client = await start({ folder: dir });
    await client.scanned();
    const d = (n: string) => client.diagnostics.get(uriOf(path.join(dir, n)))?.diagnostics ?? [];
    assert.equal(d('bad.yaml').length, 1);
    assert.deepEqual(d('bad.yaml')[0]!.range.start, { line: 7, character: 11 });
    assert.deepEqual(d('crlf.yaml').map((x) => x.range.start), [{ line: 7, character: 11 }]);
    assert.match(String(d('bomb.yaml')[0]!.message), /maxNodesPerDocument/);
    assert.match(String(d('binary.yaml')[0]!.message), /Not checked: binary/);
    assert.match(String(d('latin1.yaml')[0]!.message), /Not checked: not UTF-8/);
    assert.deepEqual(d('helm.yaml'), []);
    await client.stop();
  });

  test('unknown documents, out-of-range positions, changes to unopened documents, cancellation', async () => {
    const dir = fixture();
    const client = await start({ folder: dir });
    await client.scanned();
    const ghost = uriOf(path.join(dir, 'nope.yaml'));
    assert.equal(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: ghost }, position: { line: 0, character: 0 } }), null);
    assert.deepEqual(await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: ghost }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] } }), []);
    const uri = uriOf(path.join(dir, 'bad.yaml'));
    client.open(uri, pod('nginx'), 1);
    await client.waitFor(uri, (_d, p) => p.version === 1);
    assert.equal(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 9999, character: 5 } }), null);
    assert.equal(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 99999 } }), null);
    client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: ghost, version: 4 }, contentChanges: [{ text: 'x' }] });
    // A cancelled request still gets an answer (a result or a cancellation error), and the server goes on.
    const hover = client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 12 } });
    client.connection.sendNotification('$/cancelRequest', { id: 999 });
    assert.ok(await hover);
    // Unknown methods get MethodNotFound, not silence.
    await assert.rejects(client.connection.sendRequest('trustedImages/unknown', {}), /Unhandled method|not found/i);
    assert.equal(await client.stop(), 0);
  });

  test('a burst of edits: the last version wins, no stale publish after it', async () => {
    const dir = fixture();
    const client = await start({ folder: dir });
    await client.scanned();
    const uri = uriOf(path.join(dir, 'bad.yaml'));
    client.open(uri, pod('nginx'), 1);
    for (let v = 2; v <= 40; v++) {
      client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text: pod(v === 40 ? 'corp/ok' : `x${v}`) }] });
    }
    await client.waitFor(uri, (d, p) => p.version === 40 && d.length === 0);
    const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 12 } })) as { contents: { value: string } };
    assert.match(hover.contents.value, /corp\/ok/);
    const versions = client.published.filter((p) => p.uri === uri && p.version !== undefined).map((p) => p.version!);
    assert.ok(versions.every((v, i) => i === 0 || v >= versions[i - 1]!), `versions published in order: ${versions}`);
    await client.stop();
  });

  test('a client that never answers workspace/configuration still gets diagnostics', async () => {
    const dir = fixture();
    const client = await start({ folder: dir });
    client.connection.onRequest('workspace/configuration', () => new Promise(() => undefined));
    await client.scanned();
    await client.waitFor(uriOf(path.join(dir, 'bad.yaml')), (d) => d.length === 1);
    await client.stop();
  });

  test('constraintPaths outside an untrusted workspace are ignored; in a trusted one they are read', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-outside-'));
    fs.writeFileSync(path.join(outside, 'c.yaml'), constraint.replace('name: corp', 'name: outside').replace('["corp/"]', '["elsewhere/"]'));
    const settings = { constraintPaths: [outside] };
    const untrusted = await start({ folder: fixture(), settings, initializationOptions: { trusted: false } });
    const s1 = (await untrusted.scanned()) as { constraints: Array<{ name: string }> };
    assert.deepEqual(s1.constraints.map((c) => c.name), ['corp']);
    assert.ok(untrusted.log.some((l) => /outside the workspace, which is not trusted; ignored/.test(l)));
    await untrusted.stop();
    const trusted = await start({ folder: fixture(), settings });
    const s2 = (await trusted.scanned()) as { constraints: Array<{ name: string }> };
    assert.deepEqual(s2.constraints.map((c) => c.name).sort(), ['corp', 'outside']);
    await trusted.stop();
  });

  test('exit without shutdown ends the process (code 1, as the protocol says)', async () => {
    const client = await start({ folder: fixture() });
    await client.scanned();
    const exited = new Promise<number | null>((resolve) => client.process.once('exit', resolve));
    client.connection.sendNotification('exit');
    assert.equal(await exited, 1);
  });

  test('server document fuzz: seeded mutations as edits, with hovers and code actions between them', async () => {
    const dir = fixture();
    const client = await start({ folder: dir, settings: { mirrors: { 'docker.io': 'corp/hub' } } });
    await client.scanned();
    const uri = uriOf(path.join(dir, 'bad.yaml'));
    let text = pod('nginx');
    client.open(uri, text, 1);
    const rand = prng(11 + Number(process.env.TI_FUZZ_SEED ?? 0));
    const bits = ['\n', ' ', ':', '- ', '#', '&x ', '*x', '"', "'", '[', '{', '|', '\t', '---\n', 'image: ', '\0', '😀', '\r\n', 'kind: Pod\n'];
    const n = 300 * Number(process.env.TI_FUZZ_SCALE ?? 1);
    for (let v = 2; v <= n; v++) {
      const at = Math.floor(rand() * (text.length + 1));
      text = rand() < 0.7 ? text.slice(0, at) + bits[Math.floor(rand() * bits.length)] + text.slice(at) : text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 5));
      if (text.length > 4000 || rand() < 0.05) text = pod(rand() < 0.5 ? 'nginx' : 'corp/x');
      client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] });
      if (v % 10 === 0) {
        const position = { line: Math.floor(rand() * 12), character: Math.floor(rand() * 20) };
        await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
        await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics: [] } });
      }
    }
    await client.waitFor(uri, (_d, p) => p.version === n, 30_000);
    assert.equal(client.process.exitCode, null);
    assert.equal(await client.stop(), 0);
  });
});
