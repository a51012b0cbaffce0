// Typing in an open multi-document file over stdio: a keystroke re-reads only the document it touched
// (engine/incremental.ts). After every change (one edit, several in one notification, notifications
// sent back to back and coalesced), the diagnostics published for its version must be those of the
// same text opened afresh (read whole): ranges, messages, broken documents, `---` typed and deleted.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { Diagnostic } from 'vscode-languageserver-protocol/node';
import { TestClient, uriOf } from './lspClient';

const constraint = `apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAllowedRepos\nmetadata:\n  name: corp-only\nspec:\n  match:\n    kinds: [{apiGroups: ["", "apps"], kinds: ["Pod", "Deployment"]}]\n  parameters:\n    repos: ["corp/"]\n`;
const pod = (name: string, image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`;
const deployment = (name: string, image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: ${image}\n      - name: side\n        image: corp/side:1\n`;
const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  key: value\n`;

/** A text edit as an editor sends it: a range of the text before it, and what replaces it. */
interface Edit {
  start: number;
  end: number;
  insert: string;
}

function positionOf(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

function apply(text: string, e: Edit): string {
  return text.slice(0, e.start) + e.insert + text.slice(e.end);
}

const comparable = (ds: readonly Diagnostic[]) => ds.map((d) => ({ range: d.range, message: d.message, severity: d.severity, code: d.code, related: d.relatedInformation }));

describe('typing in an open file with many documents', () => {
  const clients: TestClient[] = [];
  after(async () => {
    for (const c of clients) if (c.process.exitCode === null) c.process.kill();
  });

  test('every keystroke publishes what a whole re-analysis gives', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-typing-'));
    fs.mkdirSync(path.join(dir, 'policy'));
    fs.writeFileSync(path.join(dir, 'policy', 'constraint.yaml'), constraint);
    const docs = [pod('a', 'nginx:1'), deployment('web', 'nginx:1.25'), configMap, pod('b', 'corp/ok:1'), deployment('api', 'docker.io/api:2'), pod('c', 'quay.io/c:3')];
    let text = docs.join('---\n');
    const file = path.join(dir, 'app.yaml');
    fs.writeFileSync(file, text);
    const client = await TestClient.start({ folder: dir });
    clients.push(client);
    await client.scanned();
    const uri = uriOf(file);
    client.open(uri, text, 1);
    await client.waitFor(uri, (_d, p) => p.version === 1);
    let version = 1;
    let reference = 0;

    /** The diagnostics of `text` read whole: the same text opened as another (unsaved) document. */
    const whole = async (): Promise<Diagnostic[]> => {
      const other = `untitled:reference-${++reference}.yaml`;
      client.open(other, text, 1);
      const p = await client.waitFor(other, (_d, q) => q.version === 1);
      client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: other } });
      return p.diagnostics;
    };
    /** Sends notifications (each a list of edits, applied in turn) back to back, then compares the last version's diagnostics. */
    const type = async (label: string, ...notifications: Edit[][]) => {
      for (const edits of notifications) {
        const contentChanges = edits.map((e) => {
          const change = { range: { start: positionOf(text, e.start), end: positionOf(text, e.end) }, text: e.insert };
          text = apply(text, e);
          return change;
        });
        client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges });
      }
      const v = version;
      const got = await client.waitFor(uri, (_d, p) => p.version === v);
      assert.deepEqual(comparable(got.diagnostics), comparable(await whole()), `${label}: the published diagnostics differ from a whole re-analysis`);
      return got.diagnostics;
    };
    const at = (needle: string, nth = 0, plus = 0) => {
      let i = -1;
      for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
      assert.ok(i >= 0, `${needle} not found`);
      return i + plus;
    };
    const ins = (offset: number, insert: string): Edit => ({ start: offset, end: offset, insert });

    // Typing in an image value, character by character: the message follows.
    const value = at('image: nginx:1.25', 0, 7);
    for (const [i, ch] of [...'corp/'].entries()) await type(`typing ${ch}`, [ins(value + i, ch)]);
    assert.ok((await type('no-op', [ins(at('name: a'), '')])).every((d) => !String(d.message).includes('<nginx:1.25>')), 'the typed image is checked');
    // A line added, then deleted: lines after it move.
    await type('new line', [ins(at('  - name: c', 0), '  - name: extra\n    image: evil/x\n')]);
    await type('line deleted', [{ start: at('  - name: extra'), end: at('  - name: extra') + '  - name: extra\n    image: evil/x\n'.length, insert: '' }]);
    // Several edits in one notification, and notifications coalesced into one check.
    await type('two edits, one notification', [ins(at('quay.io/c:3'), 'x'), ins(at('nginx:1', 0), 'y')]);
    await type('back to back', [ins(at('docker.io/api:2'), 'a')], [ins(at('docker.io/api:2', 0, 1), 'b')], [ins(at('corp/ok:1'), 'c')]);
    // A document broken (an unclosed quote), then mended.
    await type('broken', [ins(at('image: xquay.io', 0, 7), '"')]);
    await type('mended', [{ start: at('image: "xquay.io', 0, 7), end: at('image: "xquay.io', 0, 8), insert: '' }]);
    // `---` typed inside a document (split in two), then removed (merged again).
    const split = at('spec:', 3);
    await type('split', [ins(split, '---\n')]);
    await type('merged', [{ start: split, end: split + 4, insert: '' }]);
    // A deletion across documents, and typing into the ConfigMap (a possible admission param).
    await type('across documents', [{ start: at('name: b'), end: at('name: api'), insert: 'name: b\n' }]);
    await type('configmap', [ins(at('key: value', 0, 5), 'z')]);
    await type('end of file', [ins(text.length, '---\n' + pod('d', 'evil/d:1'))]);
    await type('start of file', [ins(0, '# header\n')]);
    // A change that sends the whole text (no range), then typing again from it.
    text = text.replace('corp/side:1', 'evil/side:1');
    client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text }] });
    await type('after a whole text', [ins(at('evil/side:1', 0, 1), 'q')]);
    assert.equal(await client.stop(), 0);
  });
});
