// The Helm renderer on small charts: the features the real charts of the conformance set do not
// all show (a packed subchart, a disabled one, a library chart, .helmignore, hooks, null deleting a
// key, schema, NOTES.txt failing), Helm's error messages, and the hostile fixtures' bounds.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fs from 'node:fs';
import { builtins } from '../../server/src/go/template/builtins';
import { helmFunctions } from '../../server/src/helm/functions';
import { renderChart } from '../../server/src/helm/render';
import type { SourceFiles } from '../../server/src/sources/origin';
import { originAt } from '../../server/src/sources/origin';
import { parseYaml, toJS } from '../../server/src/yaml/documents';
import { diskFiles } from './helmFiles';

const fixtures = path.resolve(__dirname, '../fixtures/helm');
const features = path.join(fixtures, 'features');
const userValues = path.join(fixtures, 'features-values.yaml');

/** The disk, with some files replaced or added. */
function overlay(files: Record<string, string>): SourceFiles {
  return {
    ...diskFiles,
    read: (p) => files[p] ?? diskFiles.read(p),
    list: (p) => {
      const extra = Object.keys(files)
        .filter((f) => path.dirname(f) === p)
        .map((f) => path.basename(f));
      const base = diskFiles.list(p);
      if (!base && !extra.length) return undefined;
      return [...new Set([...(base ?? []), ...extra])];
    },
  };
}

function docs(text: string): Array<Record<string, unknown>> {
  return parseYaml(text).documents.map((d) => toJS(d.root) as Record<string, unknown>);
}

test('a chart with subcharts (directory, packed, disabled, library), hooks and .helmignore renders as helm template does', () => {
  const r = renderChart(diskFiles, features, { valuesFiles: [userValues] });
  assert.deepEqual(r.problems, []);
  const sources = [...r.stream.text.matchAll(/^# Source: (.*)$/gm)].map((m) => m[1]);
  // Kinds in Helm's install order, hooks last; the disabled subchart, the library chart's own
  // template and the ignored template are not rendered; NOTES.txt is rendered but not printed.
  assert.deepEqual(sources, [
    'features/templates/hook.yaml',
    'features/charts/packed/templates/cm.yaml',
    'features/charts/sub/templates/pod.yaml',
    'features/templates/deployment.yaml',
    'features/templates/hook.yaml',
  ]);
  const d = docs(r.stream.text);
  assert.equal((d[1]!.data as Record<string, string>).msg, 'from the archive');
  const pod = d[2]!.spec as { containers: Array<{ image: string }> };
  // The parent's `sub:` table overrides the subchart's default; the parent's global wins.
  assert.equal(pod.containers[0]!.image, 'mirror.example/parent/sub:1.0');
  const dep = d[3] as { metadata: { name: string; namespace: string }; spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: Array<{ image: string }> } } } };
  assert.equal(dep.metadata.name, 'release-name-web');
  assert.equal(dep.metadata.namespace, 'default');
  assert.equal(dep.spec.template.metadata.annotations.removed, 'false', 'null in a user values file deletes the key');
  assert.equal(dep.spec.template.spec.containers[0]!.image, 'docker.io/team/web:1.2.3');
  assert.ok(r.inputs.includes(userValues));
  assert.ok(r.inputs.some((i) => i.endsWith('packed-0.1.0.tgz')));
});

test('the image built by a library helper points at the values lines that wrote it', () => {
  const r = renderChart(diskFiles, features, { valuesFiles: [userValues] });
  const at = r.stream.text.indexOf('docker.io/team/web');
  const o = originAt(r.stream, at)!;
  assert.ok(o);
  // The registry is the chart's values.yaml (the user file does not set it): the first values piece.
  assert.equal(o.primary.file, path.join(features, 'values.yaml'));
  const valuesText = diskFiles.read(path.join(features, 'values.yaml'))!;
  assert.equal(valuesText.slice(o.primary.start, o.primary.end), 'docker.io');
  const what = o.parts.map((p) => p.what);
  assert.deepEqual(what, ['values image.registry', 'template', 'values image.repository', 'template', 'values image.tag']);
  const repo = o.parts[2]!;
  assert.equal(repo.from.file, userValues);
  assert.equal(repo.verbatim, true);
  assert.equal(diskFiles.read(userValues)!.slice(repo.from.start, repo.from.end), 'team/web');
  assert.ok(o.related.some((x) => x.from.file === path.join(features, 'templates/deployment.yaml')), 'the template line that printed it');
});

test('an image written literally in a template points at the template', () => {
  const r = renderChart(diskFiles, features, {});
  const at = r.stream.text.indexOf('busybox:1.36');
  const o = originAt(r.stream, at)!;
  assert.equal(o.primary.file, path.join(features, 'templates/hook.yaml'));
  assert.equal(diskFiles.read(o.primary.file)!.slice(o.primary.start, o.primary.end), 'busybox:1.36');
});

test('fail in NOTES.txt aborts the render with Helm\'s message at the template line', () => {
  const r = renderChart(overlay({ [userValues]: 'failNotes: true\n' }), features, { valuesFiles: [userValues] });
  assert.equal(r.stream.text, '');
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.message, 'execution error at (features/templates/NOTES.txt:1:30): notes refused');
  assert.equal(r.problems[0]!.at.file, path.join(features, 'templates/NOTES.txt'));
});

test('required names the missing value', () => {
  const r = renderChart(overlay({ [userValues]: 'needed: ""\n' }), features, { valuesFiles: [userValues] });
  assert.match(r.problems[0]!.message, /^execution error at \(features\/templates\/deployment\.yaml:12:19\): needed is required$/);
});

test('values.schema.json: a wrong type and a missing required key are refused', () => {
  const r = renderChart(overlay({ [userValues]: 'replicas: two\nimage: null\n' }), features, { valuesFiles: [userValues] });
  assert.match(r.problems[0]!.message, /^values don't meet the specifications of the schema\(s\) in the following chart\(s\):\nfeatures:\n/);
  assert.match(r.problems[0]!.message, /at '\/replicas': got string, want integer/);
  assert.match(r.problems[0]!.message, /missing property 'image'/);
});

test('a dependency missing from charts/ is refused as Helm does', () => {
  const chart = diskFiles.read(path.join(features, 'Chart.yaml'))! + '  - name: absent\n    version: 1.0.0\n';
  const r = renderChart(overlay({ [path.join(features, 'Chart.yaml')]: chart }), features, {});
  assert.match(r.problems[0]!.message, /found in Chart\.yaml, but missing in charts\/ directory: absent$/);
});

test('a missing key in a chain fails with Go\'s nil pointer message', () => {
  const t = path.join(features, 'templates/extra.yaml');
  const r = renderChart(overlay({ [t]: 'x: {{ .Values.nothing.here }}\n' }), features, {});
  assert.match(r.problems[0]!.message, /nil pointer evaluating interface \{\}\.here/);
  assert.equal(r.problems[0]!.at.file, t);
});

test('tpl renders a values string as a template, keeping where its text comes from', () => {
  const t = path.join(features, 'templates/tpl.yaml');
  const v = path.join(features, 'tpl-values.yaml');
  const valuesText = 'tplImage: "registry.local/{{ .Release.Name }}:1"\n';
  const r = renderChart(overlay({ [t]: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\ndata:\n  image: {{ tpl .Values.tplImage . }}\n', [v]: valuesText }), features, { valuesFiles: [v], release: 'rel' });
  assert.deepEqual(r.problems, []);
  const at = r.stream.text.indexOf('registry.local/rel:1');
  assert.ok(at > 0);
  const o = originAt(r.stream, at)!;
  assert.equal(o.primary.file, v);
  assert.equal(valuesText.slice(o.primary.start, o.primary.end), 'registry.local/');
});

test('hostile: templates that include each other forever stop at a named bound', () => {
  const r = renderChart(diskFiles, path.join(fixtures, 'include-forever'), {});
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!.message, /limit maxDepth/);
});

test('hostile: an alias bomb in values.yaml stops at a named bound', () => {
  const r = renderChart(diskFiles, path.join(fixtures, 'alias-bomb'), {});
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!.message, /limit maxNodesPerDocument/);
});

test('hostile: a huge range stops at the step bound, the wall-time bound too', () => {
  const r = renderChart(diskFiles, path.join(fixtures, 'huge-range'), { limits: { maxSteps: 100_000 } });
  assert.match(r.problems[0]!.message, /render stopped after 100000 steps \(limit maxSteps\)/);
  let t = 0;
  const slow = renderChart(diskFiles, path.join(fixtures, 'huge-range'), { limits: { maxMillis: 50 }, now: () => (t += 1) });
  assert.match(slow.problems[0]!.message, /limit maxMillis/);
});

test('every function the conformance README counts in real charts is defined', () => {
  const readme = path.resolve(__dirname, '../../../shared/conformance/helm/README.md');
  if (!fs.existsSync(readme)) return;
  const text = fs.readFileSync(readme, 'utf8');
  const section = text.slice(text.indexOf('Functions ('), text.indexOf('Notable for the engine'));
  const names = [...section.matchAll(/^\| `([A-Za-z0-9]+)` \| \d+ \| \d+ \|$/gm)].map((m) => m[1]!);
  assert.equal(names.length, 99);
  const defined = helmFunctions();
  assert.deepEqual(names.filter((n) => !defined.has(n) && !builtins.has(n)), []);
});

test('import-values (exports and child/parent paths) as helm v4.1.4 imports them', () => {
  // expected.yaml: `helm template r ./chart` in test/fixtures/helm/import-values, Helm v4.1.4.
  const dir = path.join(fixtures, 'import-values');
  const r = renderChart(diskFiles, path.join(dir, 'chart'), { release: 'r' });
  assert.deepEqual(r.problems, []);
  assert.equal(r.stream.text, fs.readFileSync(path.join(dir, 'expected.yaml'), 'utf8'));
});

test('a release name Helm refuses is refused', () => {
  const r = renderChart(diskFiles, features, { release: 'Not_Valid' });
  assert.equal(r.stream.text, '');
  assert.equal(r.problems[0]!.message, 'release name check failed: release name "Not_Valid": invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53');
});

test('a packed chart given as the chart renders as helm template renders it, values from inside the archive', () => {
  const archive = path.join(features, 'charts/packed-0.1.0.tgz');
  const r = renderChart(diskFiles, archive, {});
  assert.deepEqual(r.problems, []);
  assert.equal(r.stream.text, '---\n# Source: packed/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: packed\ndata:\n  msg: from the archive\n');
  const o = originAt(r.stream, r.stream.text.indexOf('from the archive'))!;
  assert.equal(o.primary.file, `${archive}#values.yaml`);
  assert.equal(o.parts[0]!.what, 'values msg');
});

test('the function names are helm v4.1.4\'s: no more, no fewer', () => {
  // helm-v4.1.4-functions.txt: each name of Sprig's map, Helm's own and Go's builtins that helm v4.1.4
  // parsed in `{{ if false }}{{ NAME }}{{ end }}` (a name it does not know is a parse error).
  const names = fs.readFileSync(path.join(fixtures, 'helm-v4.1.4-functions.txt'), 'utf8').trim().split('\n');
  const defined = new Set([...helmFunctions().keys(), ...builtins.keys()]);
  assert.deepEqual([...defined].filter((n) => !names.includes(n)).sort(), []);
  assert.deepEqual(names.filter((n) => !defined.has(n)), []);
});

test('toYaml of a value that doubles by sharing stops at the render clock (maxMillis), named', () => {
  const files = new Map<string, string>([
    ['/c/Chart.yaml', 'apiVersion: v2\nname: c\nversion: 0.1.0\n'],
    ['/c/templates/x.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  n: "{{ $d := dict }}{{ range until 18 }}{{ $d = dict "a" $d "b" $d }}{{ end }}{{ toYaml $d | len }}"\n'],
  ]);
  const list = (p: string) => {
    const out = new Set<string>();
    for (const k of files.keys()) if (k.startsWith(p + '/')) out.add(k.slice(p.length + 1).split('/')[0]!);
    return out.size > 0 ? [...out] : undefined;
  };
  // A fake clock: each look at it is 100 ms later, so the bound is hit however fast the machine is.
  let t = 0;
  const r = renderChart({ read: (p) => files.get(p), list }, '/c', { limits: { maxMillis: 1000 }, now: () => (t += 100) });
  assert.match(r.problems.map((p) => p.message).join('\n'), /render stopped after 1000 ms \(limit maxMillis\)/);
});

test("toDate of a date that does not parse is Go's zero time; mustToDate is Go's parse error (was a RangeError named as the output bound)", () => {
  const render = (t: string) => {
    const files = new Map<string, string>([['/c/Chart.yaml', 'apiVersion: v2\nname: c\nversion: 0.1.0\n'], ['/c/templates/x.yaml', t]]);
    const list = (p: string) => (p === '/c' ? ['Chart.yaml', 'templates'] : p === '/c/templates' ? ['x.yaml'] : undefined);
    return renderChart({ read: (p) => files.get(p), list }, '/c');
  };
  const zero = render('a: {{ toDate "2006" "x" | quote }}\n');
  assert.deepEqual(zero.problems, []);
  assert.match(zero.stream.text, /a: "0001-01-01 00:00:00 \+0000 UTC"/);
  const must = render('a: {{ mustToDate "2006" "x" | quote }}\n');
  assert.match(must.problems.map((p) => p.message).join('\n'), /error calling mustToDate: parsing time "x" as "2006": cannot parse "x" as "2006"/);
});
