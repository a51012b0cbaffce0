// The Kustomize build on hostile and broken trees (test/fixtures/kustomize and trees made in memory):
// every bound that is hit is an error naming the bound, a build that cannot be complete says so,
// and roots are the kustomizations no other one includes.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { buildKustomization, findRoots } from '../../server/src/kustomize';
import { originAt, type SourceFiles } from '../../server/src/sources/origin';
import { parseYaml, toJS } from '../../server/src/yaml/documents';
import { projectRoot } from '../support/helpers';
import * as fs from 'node:fs';

const fixtures = path.join(projectRoot, 'test', 'fixtures', 'kustomize');

/** A folder on disk as SourceFiles, paths relative to it. */
function treeFiles(root: string): SourceFiles {
  const abs = (p: string): string => path.join(root, p);
  const stat = (p: string) => (fs.existsSync(abs(p)) ? fs.statSync(abs(p)) : undefined);
  return {
    read: (p) => (stat(p)?.isFile() ? fs.readFileSync(abs(p), 'utf8') : undefined),
    list: (p) => (stat(p)?.isDirectory() ? fs.readdirSync(abs(p)) : undefined),
  };
}

/** Files held in memory, folders implied by the paths. */
function memoryFiles(files: Record<string, string>): SourceFiles {
  return {
    read: (p) => files[p],
    list(p) {
      const prefix = p === '.' ? '' : p + '/';
      const names = new Set<string>();
      for (const f of Object.keys(files)) if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split('/')[0]!);
      return names.size > 0 ? [...names] : undefined;
    },
  };
}

const deployment = (image: string, name = 'web') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
      - name: app
        image: ${image}
`;

function images(text: string): string[] {
  const out: string[] = [];
  for (const d of parseYaml(text).documents) {
    const o = toJS(d.root) as { spec?: { template?: { spec?: { containers?: Array<{ image: string }> } } } };
    for (const c of o?.spec?.template?.spec?.containers ?? []) out.push(c.image);
  }
  return out;
}

function errors(b: { problems: ReadonlyArray<{ severity: string; message: string }> }): string[] {
  return b.problems.filter((p) => p.severity === 'error').map((p) => p.message);
}

describe('Kustomize build: hostile trees', () => {
  test('a cycle of two kustomizations is an error naming the cycle', () => {
    const b = buildKustomization(treeFiles(path.join(fixtures, 'cycle')), 'a');
    assert.equal(b.incomplete, true);
    assert.equal(b.stream.text, '');
    assert.deepEqual(errors(b), ['cycle: a -> b -> a']);
  });

  test('a kustomization that includes itself is a cycle', () => {
    const b = buildKustomization(treeFiles(path.join(fixtures, 'self')), '.');
    assert.deepEqual(errors(b), ['cycle: . -> .']);
  });

  test('a remote resource is not fetched: the build is incomplete and says so, the rest is built', () => {
    const b = buildKustomization(treeFiles(path.join(fixtures, 'remote')), '.');
    assert.equal(b.incomplete, true);
    assert.match(errors(b)[0]!, /remote resource https:\/\/github\.com\/argoproj.* is not fetched: the build is incomplete/);
    assert.deepEqual(images(b.stream.text), ['app:1.0']);
    assert.equal(b.problems[0]!.at.file, 'kustomization.yaml');
  });

  test('a file outside the kustomization root is refused (kustomize load restrictor)', () => {
    const b = buildKustomization(treeFiles(path.join(fixtures, 'outside')), 'overlay');
    assert.match(errors(b)[0]!, /^security; file '\.\.\/deployment\.yaml' is not in or below 'overlay'/);
    assert.equal(b.stream.text, '');
  });

  test('two kustomization files in one folder are an error', () => {
    const b = buildKustomization(treeFiles(path.join(fixtures, 'multiple-files')), '.');
    assert.match(errors(b)[0]!, /found multiple kustomization files/);
  });

  test('an unquoted newTag (a number) fails the build, as it fails kustomize', () => {
    const b = buildKustomization(treeFiles(path.join(fixtures, 'unquoted-newtag')), '.');
    assert.match(errors(b)[0]!, /newTag 1\.10 must be a string/);
    assert.equal(b.stream.text, '');
  });

  test('missing resources and patch files are reported, the build marked incomplete', () => {
    const b = buildKustomization(treeFiles(path.join(fixtures, 'missing')), '.');
    assert.equal(b.incomplete, true);
    assert.deepEqual(errors(b), ['resource gone.yaml: no such file or folder (looked for gone.yaml)', 'nowhere.yaml: no such file (looked for nowhere.yaml)']);
    assert.deepEqual(b.missing, ['gone.yaml', 'nowhere.yaml']);
    assert.deepEqual(images(b.stream.text), ['app:1.0']);
  });

  test('a folder without a kustomization is reported', () => {
    const b = buildKustomization(memoryFiles({ 'a/x.yaml': 'a: 1\n' }), 'a');
    assert.match(errors(b)[0]!, /no kustomization\.yaml, kustomization\.yml or Kustomization/);
  });

  test('an unknown field fails the build, reported where it is written', () => {
    const text = 'resources: []\nimagez:\n- name: app\n';
    const b = buildKustomization(memoryFiles({ 'kustomization.yaml': text }), '.');
    const p = b.problems.find((x) => /unknown field "imagez"/.test(x.message));
    assert.ok(p);
    assert.equal(p.at.start, text.indexOf('imagez'));
    // As kubectl: `error: invalid Kustomization: json: unknown field "imagez"`, nothing built.
    assert.equal(p.severity, 'error');
    assert.equal(b.stream.text, '');
  });

  test('an unsupported field makes the build incomplete', () => {
    const b = buildKustomization(memoryFiles({ 'kustomization.yaml': 'generators:\n- gen.yaml\n' }), '.');
    assert.equal(b.incomplete, true);
    assert.match(b.problems[0]!.message, /generator plugins are not run/);
    // A chart helmCharts names that is not under chartHome is not pulled: incomplete too.
    const h = buildKustomization(memoryFiles({ 'kustomization.yaml': 'helmCharts:\n- name: x\n' }), '.');
    assert.equal(h.incomplete, true);
    assert.match(h.problems[0]!.message, /helm chart x is not under charts\/: the build is incomplete/);
  });

  test('10,000 images entries build fast, and each entry sees the one before', () => {
    const entries: string[] = [];
    for (let i = 0; i < 10_000; i++) entries.push(`- name: app${i}\n  newName: app${i + 1}\n`);
    const files = memoryFiles({ 'kustomization.yaml': `resources:\n- d.yaml\nimages:\n${entries.join('')}`, 'd.yaml': deployment('app0:1.0') });
    const t0 = performance.now();
    const b = buildKustomization(files, '.');
    const ms = performance.now() - t0;
    assert.deepEqual(errors(b), []);
    assert.deepEqual(images(b.stream.text), ['app10000:1.0']);
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });

  test('nesting deeper than maxDepth is an error naming the bound', () => {
    const files: Record<string, string> = { 'l0/d.yaml': deployment('app:1') , 'l0/kustomization.yaml': 'resources:\n- d.yaml\n' };
    for (let i = 1; i <= 70; i++) files[`l${i}/kustomization.yaml`] = `resources:\n- ../l${i - 1}\n`;
    const b = buildKustomization(memoryFiles(files), 'l70');
    assert.match(errors(b)[0]!, /nested deeper than 64 \(bound maxDepth\)/);
    const ok = buildKustomization(memoryFiles(files), 'l70', { limits: { maxDepth: 100 } });
    assert.deepEqual(images(ok.stream.text), ['app:1']);
  });

  test('a base included many times over is stopped by maxKustomizations', () => {
    // Each level includes the one below twice (under two prefixes): 2^20 builds of the bottom.
    const files: Record<string, string> = { 'l0/kustomization.yaml': 'resources:\n- d.yaml\n', 'l0/d.yaml': deployment('app:1') };
    for (let i = 1; i <= 20; i++) {
      files[`l${i}/a/kustomization.yaml`] = `namePrefix: a-\nresources:\n- ../../l${i - 1}\n`;
      files[`l${i}/b/kustomization.yaml`] = `namePrefix: b-\nresources:\n- ../../l${i - 1}\n`;
      files[`l${i}/kustomization.yaml`] = 'resources:\n- a\n- b\n';
    }
    const b = buildKustomization(memoryFiles(files), 'l20', { limits: { maxKustomizations: 500 } });
    assert.match(errors(b)[0]!, /more than 500 kustomizations loaded \(bound maxKustomizations\)/);
  });

  test('too many objects, too much input, too much output: each bound is named', () => {
    const many = Array.from({ length: 50 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n`).join('---\n');
    const files = memoryFiles({ 'kustomization.yaml': 'resources:\n- m.yaml\n', 'm.yaml': many });
    assert.match(errors(buildKustomization(files, '.', { limits: { maxResources: 10 } }))[0]!, /more than 10 objects \(bound maxResources\)/);
    assert.match(errors(buildKustomization(files, '.', { limits: { maxInputChars: 100 } }))[0]!, /\(bound maxInputChars\)/);
    assert.match(errors(buildKustomization(files, '.', { limits: { maxOutputChars: 100 } }))[0]!, /\(bound maxOutputChars\)/);
    assert.match(errors(buildKustomization(files, '.', { limits: { maxNodes: 100 } }))[0]!, /\(bound maxNodes\)/);
    assert.match(errors(buildKustomization(files, '.', { limits: { maxMillis: -1 } }))[0]!, /\(bound maxMillis\)/);
  });

  test('a patch target name RE2 refuses fails the build with the reason', () => {
    const k = 'resources:\n- d.yaml\npatches:\n- target:\n    name: "*web"\n  patch: |-\n    - op: add\n      path: /metadata/labels\n      value: {a: b}\n';
    const b = buildKustomization(memoryFiles({ 'kustomization.yaml': k, 'd.yaml': deployment('app:1') }), '.');
    assert.match(errors(b)[0]!, /^selector "\*web" is not a valid Go regular expression: error parsing regexp: missing argument to repetition operator/);
  });

  test('an images name RE2 refuses is reported and skipped', () => {
    const files = memoryFiles({ 'kustomization.yaml': 'resources:\n- d.yaml\nimages:\n- name: "app(?=x)"\n  newTag: "2"\n', 'd.yaml': deployment('app:1') });
    const b = buildKustomization(files, '.');
    assert.match(errors(b)[0]!, /not a valid Go regular expression/);
    assert.deepEqual(images(b.stream.text), ['app:1']);
  });
});

describe('Kustomize build: origins of values that are not images', () => {
  test('a prefixed name points at namePrefix, its parts at the prefix and the name; a label at its kustomization line', () => {
    const k = 'namePrefix: prod-\ncommonLabels:\n  team: blue\nresources:\n- d.yaml\n';
    const d = deployment('app:1');
    const b = buildKustomization(memoryFiles({ 'kustomization.yaml': k, 'd.yaml': d }), '.');
    const text = b.stream.text;
    const nameAt = text.indexOf('prod-web');
    const o = originAt(b.stream, nameAt)!;
    assert.equal(o.primary.file, 'kustomization.yaml');
    assert.equal(k.slice(o.primary.start, o.primary.end), 'prod-');
    assert.deepEqual(
      o.parts.map((p) => [p.start, p.end, p.from.file, (p.from.file === 'd.yaml' ? d : k).slice(p.from.start, p.from.end), p.verbatim]),
      [
        [0, 5, 'kustomization.yaml', 'prod-', true],
        [5, 8, 'd.yaml', 'web', true],
      ],
    );
    const label = originAt(b.stream, text.indexOf('blue'))!;
    assert.equal(k.slice(label.primary.start, label.primary.end), 'blue');
    const kind = originAt(b.stream, text.indexOf('Deployment'))!;
    assert.equal(kind.primary.file, 'd.yaml');
    assert.equal(d.slice(kind.primary.start, kind.primary.end), 'Deployment');
  });

  test('a generated name points at the generator, its hash computed; a literal value at its text after =', () => {
    const k = 'configMapGenerator:\n- name: cfg\n  literals:\n  - greeting=hello world\n';
    const b = buildKustomization(memoryFiles({ 'kustomization.yaml': k }), '.');
    const text = b.stream.text;
    const name = /name: (cfg-[a-z0-9]{10})/.exec(text)!;
    const o = originAt(b.stream, name.index + 'name: '.length)!;
    assert.equal(k.slice(o.primary.start, o.primary.end), 'cfg');
    assert.deepEqual(
      o.parts.map((p) => [p.start, p.end, p.verbatim, p.what]),
      [
        [0, 3, true, 'resource'],
        [3, 14, false, 'content hash'],
      ],
    );
    const v = originAt(b.stream, text.indexOf('hello world'))!;
    assert.equal(k.slice(v.primary.start, v.primary.end), 'hello world');
    assert.equal(v.parts[0]!.verbatim, true);
  });

  test('an image renamed in an overlay: primary at newName, parts for name and tag, the chain related', () => {
    const base = 'resources:\n- d.yaml\n';
    const overlay = 'resources:\n- ../base\nimages:\n- name: app\n  newName: registry.example.com/app\n';
    const d = deployment('app:1.0');
    const b = buildKustomization(memoryFiles({ 'base/kustomization.yaml': base, 'base/d.yaml': d, 'overlay/kustomization.yaml': overlay }), 'overlay');
    const o = originAt(b.stream, b.stream.text.indexOf('registry.example.com/app:1.0'))!;
    assert.equal(o.primary.file, 'overlay/kustomization.yaml');
    assert.equal(overlay.slice(o.primary.start, o.primary.end), 'registry.example.com/app');
    assert.deepEqual(
      o.parts.map((p) => [p.start, p.end, p.from.file, p.verbatim]),
      [
        [0, 24, 'overlay/kustomization.yaml', true],
        [25, 28, 'base/d.yaml', true],
      ],
    );
    assert.equal(d.slice(o.parts[1]!.from.start, o.parts[1]!.from.end), '1.0');
    assert.ok(o.related.some((r) => r.from.file === 'overlay/kustomization.yaml' && /images entry "app"/.test(r.message)));
    // The overlay chain: the base's `- d.yaml`, then the overlay's `- ../base`.
    const chain = o.related.filter((r) => r.message.startsWith('included by'));
    assert.deepEqual(
      chain.map((r) => [r.from.file, (r.from.file === 'base/kustomization.yaml' ? base : overlay).slice(r.from.start, r.from.end)]),
      [
        ['base/kustomization.yaml', 'd.yaml'],
        ['overlay/kustomization.yaml', '../base'],
      ],
    );
    assert.deepEqual(b.inputs.sort(), ['base/d.yaml', 'base/kustomization.yaml', 'overlay/kustomization.yaml']);
    assert.equal(b.stream.name, 'overlay/kustomization.yaml');
  });
});

describe('Kustomize build: paths', () => {
  test('files named by URI build as files named by path', () => {
    const files = memoryFiles({
      'file:///repo/base/kustomization.yaml': 'resources:\n- d.yaml\n',
      'file:///repo/base/d.yaml': deployment('app:1'),
      'file:///repo/overlay/kustomization.yaml': 'resources:\n- ../base\nimages:\n- name: app\n  newTag: "2"\n',
    });
    const b = buildKustomization(files, 'file:///repo/overlay');
    assert.deepEqual(errors(b), []);
    assert.deepEqual(images(b.stream.text), ['app:2']);
    assert.deepEqual(b.inputs.sort(), ['file:///repo/base/d.yaml', 'file:///repo/base/kustomization.yaml', 'file:///repo/overlay/kustomization.yaml']);
    const o = originAt(b.stream, b.stream.text.indexOf('app:2'))!;
    assert.equal(o.primary.file, 'file:///repo/overlay/kustomization.yaml');
  });
});

describe('Kustomize build: listings', () => {
  test('a folder listing that lags behind readable files (an unsaved buffer) still finds the kustomization', () => {
    const files: Record<string, string> = { 'o/kustomization.yaml': 'resources:\n- d.yaml\n', 'o/d.yaml': deployment('app:1') };
    const b = buildKustomization({ read: (p) => files[p], list: (p) => (p === 'o' ? ['d.yaml'] : undefined) }, 'o');
    assert.deepEqual(errors(b), []);
    assert.deepEqual(images(b.stream.text), ['app:1']);
  });

  test('a caller that cannot list folders still builds bases', () => {
    const files: Record<string, string> = { 'b/kustomization.yaml': 'resources:\n- d.yaml\n', 'b/d.yaml': deployment('app:1'), 'o/kustomization.yaml': 'resources:\n- ../b\n' };
    const b = buildKustomization({ read: (p) => files[p], list: () => undefined }, 'o');
    assert.deepEqual(errors(b), []);
    assert.deepEqual(images(b.stream.text), ['app:1']);
  });
});

describe('Kustomize roots', () => {
  test('roots are the kustomizations no other includes; each lists the files it reads', () => {
    const files = memoryFiles({
      'base/kustomization.yaml': 'resources:\n- d.yaml\n',
      'base/d.yaml': deployment('app:1'),
      'overlays/a/kustomization.yaml': 'resources:\n- ../../base\nnamePrefix: a-\n',
      'overlays/b/kustomization.yml': 'resources:\n- ../../base\nnamePrefix: b-\n',
      'component/kustomization.yaml': 'kind: Component\nimages:\n- name: app\n  newTag: "2"\n',
      'overlays/c/Kustomization': 'resources:\n- ../../base\ncomponents:\n- ../../component\n',
    });
    const roots = findRoots(files, ['base/kustomization.yaml', 'overlays/a', 'overlays/b/kustomization.yml', 'component', 'overlays/c/Kustomization']);
    assert.deepEqual(
      roots.map((r) => [r.dir, r.file, [...r.inputs].sort()]),
      [
        ['overlays/a', 'overlays/a/kustomization.yaml', ['base/d.yaml', 'base/kustomization.yaml', 'overlays/a/kustomization.yaml']],
        ['overlays/b', 'overlays/b/kustomization.yml', ['base/d.yaml', 'base/kustomization.yaml', 'overlays/b/kustomization.yml']],
        ['overlays/c', 'overlays/c/Kustomization', ['base/d.yaml', 'base/kustomization.yaml', 'component/kustomization.yaml', 'overlays/c/Kustomization']],
      ],
    );
    assert.deepEqual(roots.map((r) => images(r.build.stream.text)), [['app:1'], ['app:1'], ['app:2']]);
  });

  test('a component no kustomization uses is not a root (kubectl cannot build it alone)', () => {
    const files = memoryFiles({ 'c/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- name: a\n  newTag: "1"\n' });
    assert.deepEqual(findRoots(files, ['c']), []);
  });

  test('kustomizations in a cycle with nothing above them are built (and report the cycle)', () => {
    const roots = findRoots(treeFiles(path.join(fixtures, 'cycle')), ['a', 'b']);
    assert.ok(roots.length >= 1);
    assert.match(errors(roots[0]!.build)[0]!, /^cycle: /);
  });
});

describe('Kustomize build against kubectl on trees written for this project (test/fixtures/kustomize/kubectl)', () => {
  const root = path.join(fixtures, 'kubectl');
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name);
    const c = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as { entry: string; error?: string };
    test(name, () => {
      const b = buildKustomization(treeFiles(path.join(dir, 'tree')), c.entry);
      if (c.error !== undefined) {
        // kubectl fails: so does the build, with an error and nothing printed.
        assert.notDeepEqual(errors(b), [], `kubectl: ${c.error}`);
        assert.equal(b.stream.text, '');
        return;
      }
      assert.deepEqual(errors(b), []);
      assert.deepEqual(plainDocuments(b.stream.text), plainDocuments(fs.readFileSync(path.join(dir, 'expected.yaml'), 'utf8')));
    });
  }
});

/** Documents as plain data; integers compared by value whichever reader made them. */
function plainDocuments(text: string): unknown[] {
  const normal = (v: unknown): unknown => {
    if (typeof v === 'bigint') return Number(v);
    if (Array.isArray(v)) return v.map(normal);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)]));
    return v;
  };
  const parsed = parseYaml(text);
  assert.deepEqual(parsed.errors, []);
  return parsed.documents.filter((d) => d.root !== null).map((d) => normal(toJS(d.root)));
}
