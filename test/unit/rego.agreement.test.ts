// The built-in image checks are a fast path for the templates they recognise: they must give exactly
// what the templates' own Rego gives, on every review of ../shared/corpus/real and of the conformance cases.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { analyzeText } from '../../server/src/engine';
import { evaluatePolicy } from '../../server/src/engine';
import { buildPolicySet, Constraint, RegoConstraint } from '../../server/src/engine';
import { defaultExpansions, Review } from '../../server/src/engine';
import { emptyData, evaluateConstraint } from '../../server/src/engine';
import { conformanceCases, libraryRoot } from '../support/conformance';
import { constraintYaml, needsShared, sharedRoot, yamlFiles } from '../support/helpers';

const templates: Array<{ dir: string; kind: string; params: string }> = [
  { dir: 'allowedrepos', kind: 'K8sAllowedRepos', params: '    repos: ["docker.io/", "gcr.io/", "quay.io/", "registry.k8s.io/", "nginx"]\n' },
  { dir: 'allowedrepos-1.0.0', kind: 'K8sAllowedRepos', params: '    repos: ["docker.io/", "gcr.io/", "quay.io/", "registry.k8s.io/"]\n' },
  { dir: 'allowedreposv2', kind: 'K8sAllowedReposv2', params: '    allowedImages: ["docker.io/library/nginx:1.25", "gcr.io/*", "quay.io/*", "nginx"]\n' },
  { dir: 'disallowedrepos', kind: 'K8sDisallowedRepos', params: '    repos: ["docker.io/", "ghcr.io/", "nginx"]\n' },
];

function pair(t: (typeof templates)[number]) {
  const caseDir = fs.readdirSync(path.join(libraryRoot, t.dir))[0]!;
  const template = analyzeText('t.yaml', fs.readFileSync(path.join(libraryRoot, t.dir, caseDir, 'template.yaml'), 'utf8'));
  const constraint = analyzeText('c.yaml', constraintYaml(t.kind, 'agree', `  parameters:\n${t.params}`));
  const policy = buildPolicySet([template.policy, constraint.policy], defaultExpansions);
  const c = policy.constraints[0] as Constraint;
  const tpl = policy.templates[0]!;
  assert.ok(tpl.variant, `${t.dir}: the built-in check recognises the template`);
  assert.ok(tpl.rego.policy, `${t.dir}: the template's Rego compiles`);
  const viaRego: RegoConstraint = { ...c, engine: 'rego', parameters: { [t.kind === 'K8sAllowedReposv2' ? 'allowedImages' : 'repos']: c.list }, template: tpl as RegoConstraint['template'], list: undefined, listNode: undefined };
  return { c, variant: tpl.variant, viaRego, scope: {} };
}

function compare(p: ReturnType<typeof pair>, reviews: readonly Review[], where: string): number {
  let n = 0;
  for (const r of reviews) {
    const fast = [...new Set(evaluatePolicy(p.c, p.variant, r).flatMap((o) => (o.message ? [o.message] : [])))].sort();
    const out = evaluateConstraint(p.viaRego, r.rego!, r.namespace, emptyData, p.scope);
    assert.ok(out.ok, `${where}: ${out.ok ? '' : out.error}`);
    const rego = [...new Set(out.results.map((x) => x.msg))].sort();
    assert.deepEqual(fast, rego, `${where}: ${r.gvk.kind} ${r.name}`);
    n += rego.length;
  }
  return n;
}

describe('built-in image checks agree with the templates\' Rego', needsShared('corpus/real'), () => {
  for (const t of templates) {
    test(`${t.dir}: every review of corpus/real and of the conformance cases`, () => {
      const p = pair(t);
      let reviews = 0;
      let messages = 0;
      for (const file of yamlFiles(path.join(sharedRoot, 'corpus', 'real'))) {
        const a = analyzeText(file, fs.readFileSync(file, 'utf8'));
        if (a.skipped) continue;
        const rs = a.reviews(defaultExpansions, { all: true, objects: true })!;
        reviews += rs.length;
        messages += compare(p, rs, file);
      }
      for (const c of conformanceCases()) {
        const a = analyzeText(c.expected.objects[0]!, c.read(c.expected.objects[0]!));
        const rs = a.reviews(defaultExpansions, { all: true, objects: true })!;
        reviews += rs.length;
        messages += compare(p, rs, c.name);
      }
      assert.ok(reviews > 4000 && messages > 100, `${reviews} reviews, ${messages} messages`);
      console.log(`  ${t.dir}: ${reviews} reviews, ${messages} messages, identical`);
    });
  }
});
