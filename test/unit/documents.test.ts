import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeText } from '../../server/src/engine';
import { getPath, LineIndex, parseYaml, ScalarNode } from '../../server/src/yaml/documents';

const image = (text: string, ...path: string[]) => getPath(parseYaml(text).documents[0]!.root, ...path) as ScalarNode;

describe('documents', () => {
  test('scalar spans start at the value as written: plain, quoted, block, alias', () => {
    const text = 'a: nginx\nb: "q:1"\nc: |\n  x\nd: &img busybox\ne: *img\n';
    const at = (k: string) => text.slice(image(text, k).span.start);
    assert.ok(at('a').startsWith('nginx'));
    assert.ok(at('b').startsWith('"q:1"'));
    assert.ok(at('c').startsWith('|'));
    assert.ok(at('d').startsWith('busybox'));
    assert.ok(at('e').startsWith('*img'));
    assert.equal(image(text, 'e').value, 'busybox');
    assert.ok(text.slice(image(text, 'e').anchor!.start).startsWith('busybox'));
    assert.equal(image(text, 'b').style, 'double');
  });

  test('a broken document is reported and the others are kept', () => {
    const parsed = parseYaml('a: 1\n---\nb: [\n---\nc: 3\n');
    assert.deepEqual(parsed.documents.map((d) => d.index), [0, 2]);
    assert.equal(parsed.errors.length, 1);
    assert.equal(parsed.errors[0]!.index, 1);
  });

  test('a repeated key is read as kubectl and gator read it (the last value wins), with a warning at the second key', () => {
    const text = 'k: 1\nk: 2\n';
    const parsed = parseYaml(text);
    assert.equal(parsed.documents.length, 1);
    assert.deepEqual(parsed.errors, []);
    const root = parsed.documents[0]!.root;
    const k = root?.kind === 'map' ? root.entries.get('k') : undefined;
    assert.equal(k?.kind === 'scalar' ? k.value : undefined, 2n);
    assert.equal(parsed.warnings?.length, 1);
    assert.equal(text.slice(parsed.warnings![0]!.span.start, parsed.warnings![0]!.span.end), 'k');
    assert.equal(parsed.warnings![0]!.offset, text.indexOf('k: 2'));
  });

  test('merge keys: explicit keys win, then earlier sources', () => {
    const text = 'base: &b {image: a, name: x}\nc:\n  <<: *b\n  name: y\n';
    assert.equal(image(text, 'c', 'image').value, 'a');
    assert.equal(image(text, 'c', 'name').value, 'y');
  });

  test('an alias bomb is refused with the limit named, not expanded', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const p = String.fromCharCode(96 + i);
      const n = String.fromCharCode(97 + i);
      lines.push(`${n}: &${n} [${Array(10).fill('*' + p).join(',')}]`);
    }
    const started = Date.now();
    const parsed = parseYaml(lines.join('\n') + '\n');
    assert.ok(Date.now() - started < 2000);
    assert.equal(parsed.documents.length, 0);
    assert.match(parsed.errors[0]!.message, /maxNodesPerDocument/);
  });

  test('deep nesting is refused with the limit named', () => {
    const text = '['.repeat(5000) + ']'.repeat(5000);
    const parsed = parseYaml(text);
    assert.equal(parsed.documents.length, 0);
    assert.match(parsed.errors[0]!.message, /nested|maxDepth/);
  });

  test('line index: CRLF, CR, and UTF-16 columns', () => {
    const text = 'a\r\nb\rc\n😀 d';
    const li = new LineIndex(text);
    assert.deepEqual(li.position(text.indexOf('b')), { line: 1, character: 0 });
    assert.deepEqual(li.position(text.indexOf('c')), { line: 2, character: 0 });
    assert.deepEqual(li.position(text.indexOf('d')), { line: 3, character: 3 });
  });

  test('line index right after a parse (from the parse\'s line starts) = line index found anew', () => {
    for (const text of ['', '\n', 'a', 'a\n', 'a\n\n', 'a: 1\n---\nb: 2', 'a: 1\n---\nb: [x]\n\n  \n', '# c\n\nk: v\n', 'x\u2028y: 1\nz: 2\n', 'a: 1\r\nb: 2\n']) {
      parseYaml('other: text\n');
      const anew = new LineIndex(text);
      parseYaml(text);
      const after = new LineIndex(text);
      assert.equal(after.lineCount, anew.lineCount, JSON.stringify(text));
      for (let o = 0; o <= text.length; o++) assert.deepEqual(after.position(o), anew.position(o), `${JSON.stringify(text)} at ${o}`);
    }
  });

  test('a BOM is not counted in columns; NUL bytes make a file binary; {{ }} that is not YAML is a template', () => {
    const a = analyzeText('f', '\uFEFFapiVersion: v1\nkind: Pod\n');
    assert.equal(a.objects[0]!.gvk.kind, 'Pod');
    assert.equal(a.text.charCodeAt(0), 'a'.charCodeAt(0));
    assert.match(analyzeText('f', 'a: 1\0').skipped!, /binary/);
    assert.match(analyzeText('f', 'image: {{ .Values.image }}\n  x: [\n').skipped!, /template/);
    // Valid YAML holding {{ inside strings is an ordinary manifest.
    assert.equal(analyzeText('f', 'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: "{{ x }}"\n').skipped, undefined);
  });

  test('kind: List items are objects', () => {
    const a = analyzeText('f', 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n');
    assert.deepEqual(a.objects.map((o) => o.name), ['a', 'b']);
  });
});
