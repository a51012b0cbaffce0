// A mapping that repeats a key is read as Kubernetes reads it (sigs.k8s.io/yaml, as kubectl and gator
// read files: the last value wins) and checked, with a warning at the repeated key; the fast reader
// and the `yaml` path give the same documents and warnings.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { analyzeText, compact, defaultExpansions } from '../../server/src/engine';
import { LineIndex, parseYaml, toJS, YamlCache } from '../../server/src/yaml/documents';
import { diffParsed } from '../support/yamlDiff';
import { checkTexts, constraintYaml, needsShared, sharedRoot, yamlFiles } from '../support/helpers';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: etcd
spec:
  selector:
    matchLabels:
      name: old
  replicas: 3
  selector:
    matchLabels:
      name: etcd
  template:
    metadata:
      labels:
        name: etcd
    spec:
      containers:
        - name: etcd
          image: quay.io/coreos/etcd:v3.5.0
`;

/** Both readers' results: equal documents (the differential's rules) and equal warnings. */
function read(text: string) {
  const fast = parseYaml(text);
  const slow = parseYaml(text, undefined, { fast: false });
  assert.equal(diffParsed(fast, slow), undefined);
  assert.deepEqual(fast.warnings, slow.warnings);
  return fast;
}

const at = (text: string, offset: number) => {
  const p = new LineIndex(text).position(offset);
  return [p.line + 1, p.character + 1];
};

describe('duplicate mapping keys', () => {
  test('the last value wins, with a warning at the second key that points back at the first', () => {
    const parsed = read(deployment);
    assert.deepEqual(parsed.errors, []);
    const spec = (toJS(parsed.documents[0]!.root) as { spec: Record<string, unknown> }).spec;
    assert.deepEqual(spec.selector, { matchLabels: { name: 'etcd' } });
    assert.equal(spec.replicas, 3n);
    assert.equal(parsed.warnings?.length, 1);
    const w = parsed.warnings![0]!;
    assert.equal(w.index, 0);
    assert.deepEqual(at(deployment, w.offset), [10, 3]);
    assert.equal(deployment.slice(w.span.start, w.span.end), 'selector');
    assert.deepEqual(at(deployment, w.related!.start), [6, 3]);
    assert.match(w.message, /repeats the key "selector": its last value is read, as kubectl and Gatekeeper read it/);
  });

  test('the object is checked: an untrusted image in such a file is found', () => {
    const c = constraintYaml('K8sAllowedRepos', 'trusted', '  parameters:\n    repos: ["corp/"]\n');
    const { messages, analyses } = checkTexts({ 'c.yaml': c, 'd.yaml': deployment });
    assert.deepEqual(messages, ['container <etcd> has an invalid image repo <quay.io/coreos/etcd:v3.5.0>, allowed repos are ["corp/"]']);
    assert.equal(analyses[1]!.parsed.warnings?.length, 1);
  });

  test('flow mappings, later documents, three repeats, and keys equal only as strings', () => {
    const text = 'a: 1\n---\nm: {k: 1, j: 2, k: 3}\nn:\n  x: 1\n  x: 2\n  x: 3\n"1": a\n1: b\n';
    const parsed = read(text);
    const root = toJS(parsed.documents[1]!.root) as Record<string, unknown>;
    assert.deepEqual(root.m, { k: 3n, j: 2n });
    assert.deepEqual(root.n, { x: 3n });
    assert.equal(root['1'], 'b');
    assert.deepEqual(
      parsed.warnings!.map((w) => [w.index, ...at(text, w.offset), text.slice(w.span.start, w.span.end)]),
      [
        [1, 3, 17, 'k'],
        [1, 6, 3, 'x'],
        [1, 7, 3, 'x'],
        [1, 9, 1, '1'],
      ],
    );
  });

  test('an anchored mapping that repeats a key is warned about once, however often it is aliased', () => {
    const text = 'base: &b\n  image: a\n  image: b\nc: *b\nd: *b\n';
    const parsed = read(text);
    assert.deepEqual(toJS(parsed.documents[0]!.root), { base: { image: 'b' }, c: { image: 'b' }, d: { image: 'b' } });
    assert.equal(parsed.warnings?.length, 1);
  });

  test('a key that overrides a merge key is not a repeat', () => {
    const parsed = read('base: &b {image: a}\nc:\n  <<: *b\n  image: b\n');
    assert.equal(parsed.warnings, undefined);
    assert.deepEqual((toJS(parsed.documents[0]!.root) as Record<string, unknown>).c, { image: 'b' });
  });

  test('files without repeats carry no warnings', () => {
    assert.equal(read('a: 1\nb: {c: 2}\n').warnings, undefined);
  });

  test('an editor document keeps its warning when the cache re-reads it, and a closed file keeps it too', () => {
    const cache = new YamlCache();
    const first = parseYaml(deployment, undefined, { cache });
    const again = parseYaml(deployment + '---\nkind: ConfigMap\n', undefined, { cache });
    assert.deepEqual(again.warnings, first.warnings);
    const a = analyzeText('d.yaml', deployment);
    const closed = compact(a, { templates: defaultExpansions });
    assert.deepEqual(closed.parsed.warnings, a.parsed.warnings);
    assert.equal(closed.lines.position(closed.parsed.warnings![0]!.offset).line, 9);
  });

  const openshift = path.join(sharedRoot, 'corpus', 'real', 'examples', '_archived', 'openshift-origin');
  test('the three openshift-origin controllers of corpus/real are read, each with one warning at its second selector', needsShared('corpus/real'), () => {
    for (const name of ['etcd-controller.yaml', 'etcd-discovery-controller.yaml', 'openshift-controller.yaml']) {
      const text = fs.readFileSync(path.join(openshift, name), 'utf8');
      const a = analyzeText(name, text);
      assert.deepEqual(a.parsed.errors, [], name);
      assert.deepEqual(a.parsed.warnings!.map((w) => [...at(text, w.offset), text.slice(w.span.start, w.span.end)]), [[12, 3, 'selector']], name);
      assert.ok(a.objects.length > 0, name);
    }
  });

  test('every file of corpus/real: no "Map keys must be unique" left; the files that repeat a key', needsShared('corpus/real'), () => {
    const root = path.join(sharedRoot, 'corpus', 'real');
    const warned: string[] = [];
    for (const f of yamlFiles(root)) {
      const text = fs.readFileSync(f, 'utf8');
      const parsed = parseYaml(text);
      assert.ok(!parsed.errors.some((e) => /unique/.test(e.message)), f);
      if (parsed.warnings) {
        read(text); // the `yaml` path gives the same documents and warnings
        warned.push(`${path.relative(root, f)}: ${parsed.warnings.map((w) => /"([^"]+)"/.exec(w.message)![1]).join(', ')}`);
      }
    }
    assert.deepEqual(warned, [
      // Skipped before as a template (an unreadable file that holds {{ }}): now read and checked.
      'argo-workflows/examples/k8s-patch-json-workflow.yaml: annotations',
      'examples/_archived/openshift-origin/etcd-controller.yaml: selector',
      'examples/_archived/openshift-origin/etcd-discovery-controller.yaml: selector',
      'examples/_archived/openshift-origin/openshift-controller.yaml: selector',
      'examples/_archived/persistent-volume-provisioning/quobyte/quobyte-admin-secret.yaml: type',
      'examples/_archived/volumes/scaleio/sc-pvc.yaml: storageClassName',
      'kubernetes-engine-samples/streaming/kafka-confluent/manifests/05-replicator/my-target-cluster.yaml: requests',
      'kubernetes-engine-samples/streaming/kafka-confluent/manifests/05-replicator/replicator.yaml: requests',
      'kubernetes-engine-samples/streaming/kafka-confluent/manifests/06-confluent-platform/platform.yaml: requests',
    ]);
  });
});

describe('the YAML readers stay linear on hostile scalars', () => {
  // A quoted scalar over several lines with a long run of spaces (or backslashes) inside a line: its
  // trailing spaces were cut by / +$/, which backtracks over the run (3 s for 50,000 spaces).
  const texts = {
    spaces: 'a: "x' + ' '.repeat(200_000) + 'y\n  z"\n',
    single: "a: 'x" + ' '.repeat(200_000) + "y\n  z'\n",
    backslashes: 'a: "' + '\\\\'.repeat(100_000) + '\\\n  z"\n',
  };
  for (const [name, text] of Object.entries(texts)) {
    test(`${name}: read at once, the same by both readers`, () => {
      const started = process.hrtime.bigint();
      const parsed = read(text);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.equal(parsed.documents.length, 1);
      assert.ok(ms < 2_000, `${ms} ms`);
    });
  }
  test('a mapping that repeats one key 50,000 times: read in linear time, 100 warnings and a count of the rest', () => {
    const text = 'a: 1\n'.repeat(50_000);
    const started = process.hrtime.bigint();
    const parsed = parseYaml(text);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.deepEqual(parsed.errors, []);
    assert.equal(parsed.warnings?.length, 101);
    assert.match(parsed.warnings![100]!.message, /^and 49899 more repeated keys in this document, not listed \(limit 100 per document\)$/);
    assert.ok(ms < 10_000, `${ms} ms`);
  });

  test('a mapping of 50,000 keys read by yaml (a tag sends it there) is linear: yaml\'s own unique-key check took 30 s', () => {
    const text = '!!map\n' + Array.from({ length: 50_000 }, (_, i) => `k${i}: 1`).join('\n') + '\n';
    const started = process.hrtime.bigint();
    const parsed = parseYaml(text);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(parsed.documents.length, 1);
    assert.equal(parsed.warnings, undefined);
    assert.ok(ms < 10_000, `${ms} ms`);
  });

  test('the folded values', () => {
    assert.deepEqual(toJS(read('a: "x   \n  y"\n').documents[0]!.root), { a: 'x y' });
    assert.deepEqual(toJS(read('a: "x\\\\\n  y"\n').documents[0]!.root), { a: 'x\\ y' });
    assert.deepEqual(toJS(read('a: "x\\\\\\\n  y"\n').documents[0]!.root), { a: 'x\\y' });
  });
});
