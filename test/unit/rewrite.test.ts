// Image references, rewrite candidates, and the edits that apply them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { analyzeText } from '../../server/src/engine';
import { checkObjects, defaultCheckOptions } from '../../server/src/engine';
import { buildPolicySet } from '../../server/src/engine';
import { getPath, MapNode, YNode } from '../../server/src/yaml/documents';
import { appendToList, applyEdits, replaceScalar } from '../../server/src/engine';
import { defaultExpansions } from '../../server/src/engine';
import { parseImageRef } from '../../server/src/engine';
import { applicableConstraints, rewriteCandidates } from '../../server/src/engine';
import { checkTexts, constraintYaml, needsShared, projectRoot, sharedRoot } from '../support/helpers';

describe('image references', () => {
  const cases: Array<[string, string, string, string | undefined, string | undefined]> = [
    // raw, registry, path, tag, digest
    ['nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['nginx:1.25', 'docker.io', 'library/nginx', '1.25', undefined],
    ['bitnami/redis:7', 'docker.io', 'bitnami/redis', '7', undefined],
    ['docker.io/nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['index.docker.io/library/nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['ghcr.io/org/app:v1', 'ghcr.io', 'org/app', 'v1', undefined],
    ['localhost/app', 'localhost', 'app', undefined, undefined],
    ['localhost:5000/team/app:dev', 'localhost:5000', 'team/app', 'dev', undefined],
    ['registry.example:443/a/b/c', 'registry.example:443', 'a/b/c', undefined, undefined],
    [`nginx@sha256:${'a'.repeat(64)}`, 'docker.io', 'library/nginx', undefined, `sha256:${'a'.repeat(64)}`],
    [`quay.io/x/y:1.0@sha256:${'b'.repeat(64)}`, 'quay.io', 'x/y', '1.0', `sha256:${'b'.repeat(64)}`],
    ['Corp/app', 'Corp', 'app', undefined, undefined],
  ];
  for (const [raw, registry, p, tag, digest] of cases) {
    test(raw, () => {
      const r = parseImageRef(raw)!;
      assert.deepEqual([r.registry, r.path, r.tag, r.digest], [registry, p, tag, digest]);
    });
  }
  test('not references', () => {
    for (const raw of ['', 'a b', 'nginx@sha256:xyz', 'x:bad tag']) assert.equal(parseImageRef(raw), undefined, raw);
  });
});

describe('rewrite candidates', () => {
  const policy = (kind: string, list: string, param = 'repos') =>
    checkTexts({ c: constraintYaml(kind, 'c', `  parameters:\n    ${param}: ${list}\n`) }).policy.constraints;
  const mirrors = { 'docker.io': 'registry.corp.example/dockerhub', 'ghcr.io': 'registry.corp.example/ghcr/' };

  test('a mirror keeps the repository path, tag and digest, and is preferred', () => {
    const cs = policy('K8sAllowedRepos', '["registry.corp.example/"]');
    const r = rewriteCandidates('nginx:1.25', cs, mirrors);
    assert.deepEqual(r.candidates[0], { image: 'registry.corp.example/dockerhub/library/nginx:1.25', origin: 'mirror', preferred: true });
    assert.equal(rewriteCandidates('ghcr.io/o/a@sha256:' + 'c'.repeat(64), cs, mirrors).candidates[0]!.image, `registry.corp.example/ghcr/o/a@sha256:${'c'.repeat(64)}`);
  });

  test('one candidate per allowed prefix; a prefix without / gets one', () => {
    const cs = policy('K8sAllowedRepos', '["corp.io/", "mirror.io/team"]');
    assert.deepEqual(rewriteCandidates('bitnami/redis:7', cs, {}).candidates.map((c) => c.image), ['corp.io/bitnami/redis:7', 'mirror.io/team/bitnami/redis:7']);
  });

  test('never a candidate that still violates: the mirror is dropped when the constraint refuses it', () => {
    const cs = policy('K8sAllowedRepos', '["corp.io/"]');
    const r = rewriteCandidates('nginx', cs, mirrors);
    assert.deepEqual(r.candidates.map((c) => c.image), ['corp.io/library/nginx']);
    assert.equal(r.candidates[0]!.preferred, true);
  });

  test('every applicable constraint must allow it', () => {
    const both = [...policy('K8sAllowedRepos', '["corp.io/"]'), ...policy('K8sDisallowedRepos', '["corp.io/library/"]')];
    const r = rewriteCandidates('nginx', both, {});
    assert.deepEqual(r.candidates, []);
    assert.match(r.reason!, /every applicable constraint/);
  });

  test('v2: an exact entry of the same repository as is, a * entry as a prefix', () => {
    const cs = policy('K8sAllowedReposv2', '["ubuntu:20.04", "redis:7", "corp/*"]', 'allowedImages');
    assert.deepEqual(rewriteCandidates('ubuntu:22.04', cs, {}).candidates.map((c) => c.image), ['ubuntu:20.04', 'corp/library/ubuntu:22.04']);
  });

  test('disallowed repos get mirror rewrites only; non-strings get none', () => {
    const cs = policy('K8sDisallowedRepos', '["docker.io/", "nginx"]');
    assert.deepEqual(rewriteCandidates('nginx', cs, mirrors).candidates.map((c) => c.image), ['registry.corp.example/dockerhub/library/nginx']);
    assert.deepEqual(rewriteCandidates('nginx', cs, {}).candidates, []);
    assert.deepEqual(rewriteCandidates(12, cs, mirrors).candidates, []);
  });
});

const imageOf = (containers: YNode): YNode => {
  assert.ok(containers.kind === 'seq' && containers.items[0]?.kind === 'map');
  return (containers.items[0] as MapNode).entries.get('image')!;
};

describe('edits', () => {
  const first = (text: string) => getPath(analyzeText('f', text).objects[0]!.node, 'spec', 'containers')!;

  test('quoting style is kept, the rest byte for byte', () => {
    for (const [written, expected] of [
      ['nginx  # the web', 'corp/nginx  # the web'],
      ["'nginx'", "'corp/nginx'"],
      ['"nginx"', '"corp/nginx"'],
    ]) {
      const text = `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: ${written}\n`;
      const { edit } = replaceScalar(text, imageOf(first(text)), 'corp/nginx');
      assert.equal(applyEdits(text, [edit]), text.replace(written, expected));
    }
  });

  test('an aliased image is edited at its anchor', () => {
    const text = 'apiVersion: v1\nkind: Pod\nx: &img nginx\nspec:\n  containers:\n  - name: c\n    image: *img\n';
    const r = replaceScalar(text, imageOf(first(text)), 'corp/nginx');
    assert.equal(r.atAnchor, true);
    assert.equal(applyEdits(text, [r.edit]), text.replace('&img nginx', '&img corp/nginx'));
  });

  test('a block scalar becomes a quoted scalar and keeps its line break', () => {
    const text = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: |-\n      nginx\n    tty: true\n';
    const out = applyEdits(text, [replaceScalar(text, imageOf(first(text)), 'corp/nginx').edit]);
    assert.equal(out, 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: "corp/nginx"\n    tty: true\n');
  });

  test('a list gains an entry in its own style: flow and block, with comments kept', () => {
    const flow = 'repos: ["a/", "b/"]  # trusted\n';
    const list = (t: string) => analyzeText('f', t).parsed.documents[0]!.root!;
    assert.equal(applyEdits(flow, [appendToList(flow, getPath(list(flow), 'repos')!, 'c/')!]), 'repos: ["a/", "b/", "c/"]  # trusted\n');
    const block = 'repos:\n  - a/  # first\n  - b/\nother: 1\n';
    assert.equal(applyEdits(block, [appendToList(block, getPath(list(block), 'repos')!, 'c/')!]), 'repos:\n  - a/  # first\n  - b/\n  - c/\nother: 1\n');
    const empty = 'repos: []\n';
    assert.equal(applyEdits(empty, [appendToList(empty, getPath(list(empty), 'repos')!, 'c/')!]), 'repos: ["c/"]\n');
  });
});

describe('no fix yields a violating image', needsShared('conformance/gatekeeper-library'), () => {
  test('across the conformance cases and the examples, every candidate clears its violation', () => {
    const workspaces: Array<Record<string, string>> = [];
    const lib = path.join(sharedRoot, 'conformance', 'gatekeeper-library');
    for (const p of ['allowedrepos', 'allowedrepos-1.0.0', 'allowedreposv2', 'disallowedrepos']) {
      for (const c of fs.readdirSync(path.join(lib, p))) {
        const dir = path.join(lib, p, c);
        workspaces.push(Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')])));
      }
    }
    const ex = path.join(projectRoot, 'examples');
    const exampleFiles: Record<string, string> = {};
    for (const d of fs.readdirSync(ex, { recursive: true }) as string[]) if (d.endsWith('.yaml')) exampleFiles[d] = fs.readFileSync(path.join(ex, d), 'utf8');
    workspaces.push(exampleFiles);
    const mirrors = { 'docker.io': 'mirror.example/hub', 'k8s.gcr.io': 'mirror.example/k8s' };
    let fixed = 0;
    for (const files of workspaces) {
      const analyses = Object.entries(files).map(([n, t]) => analyzeText(n, t));
      const policy = buildPolicySet(analyses.map((a) => a.policy), defaultExpansions);
      for (const a of analyses) {
        for (const v of checkObjects(a.objects, policy, defaultCheckOptions)) {
          if (!v.use) continue;
          const cs = applicableConstraints(a.reviews(defaultExpansions)!, v.use.imageNode, policy, defaultCheckOptions);
          for (const cand of rewriteCandidates(v.use.image, cs, mirrors).candidates) {
            const { edit } = replaceScalar(a.text, v.use.imageNode, cand.image);
            const after = analyzeText(a.file, applyEdits(a.text, [edit]));
            const left = checkObjects(after.objects, policy, defaultCheckOptions).filter((x) => x.use && x.use.imageNode.span.start === edit.span.start);
            assert.deepEqual(left.map((x) => x.message), [], `${a.file}: ${cand.image}`);
            fixed++;
          }
        }
      }
    }
    assert.ok(fixed >= 20, `only ${fixed} fixes were tried`);
  });
});
