// Problems of the policy side as written, each at its node, some with their fix.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyEdits } from '../../server/src/engine';
import { checkTexts, constraintYaml } from '../support/helpers';

const problemsOf = (files: Record<string, string>) => checkTexts(files).policy.problems;
const textAt = (files: Record<string, string>, p: { file: string; span: { start: number; end: number } }) => files[p.file]!.slice(p.span.start, p.span.end);

describe('policy lint', () => {
  test('a prefix without a trailing / admits look-alikes: warning, with a fix that keeps the quoting', () => {
    const files = { c: constraintYaml('K8sAllowedRepos', 'c', '  parameters:\n    repos:\n    - "docker.io/myorg"  # ours\n    - myregistry.io\n    - ok.io/\n    - "nginx:"\n') };
    const ps = problemsOf(files);
    assert.deepEqual(ps.map((p) => [p.severity, textAt(files, p)]), [['warning', '"docker.io/myorg"'], ['warning', 'myregistry.io']]);
    assert.match(ps[0]!.message, /has no trailing "\/" or ":": it also admits look-alikes such as "docker.io\/myorg-evil\/app"/);
    assert.match(ps[1]!.message, /"myregistry.io.attacker.example\/app"/);
    const fixed = applyEdits(files.c, ps.map((p) => ({ span: p.fix!.span, newText: p.fix!.newText })));
    assert.match(fixed, /- "docker.io\/myorg\/"  # ours\n    - myregistry.io\/\n/);
    assert.deepEqual(checkTexts({ c: fixed }).policy.problems, []);
  });

  test("v2: '*' not at the end is literal; exact entries are fine; a prefix entry wants its /", () => {
    const files = { c: constraintYaml('K8sAllowedReposv2', 'c', '  parameters:\n    allowedImages: ["corp/*/app", "ubuntu:22.04", "corp*", "ok/*"]\n') };
    const ps = problemsOf(files);
    assert.deepEqual(ps.map((p) => textAt(files, p)), ['"corp/*/app"', '"corp*"']);
    assert.match(ps[0]!.message, /'\*' works only at the end/);
    assert.equal(ps[1]!.fix!.newText, '"corp/*"');
  });

  test('duplicates, and an empty list (deliberate?)', () => {
    const dup = { c: constraintYaml('K8sAllowedRepos', 'c', '  parameters:\n    repos: ["a/", "b/", "a/"]\n') };
    assert.deepEqual(problemsOf(dup).map((p) => [p.severity, textAt(dup, p)]), [['warning', '"a/"']]);
    assert.equal(problemsOf(dup)[0]!.span.start, dup.c.lastIndexOf('"a/"'));
    const empty = problemsOf({ c: constraintYaml('K8sAllowedRepos', 'c', '  parameters:\n    repos: []\n') });
    assert.deepEqual(empty.map((p) => p.severity), ['info']);
    assert.match(empty[0]!.message, /refuses every image/);
  });

  test('a misspelt match field is dropped by Gatekeeper: warning with a suggestion', () => {
    const files = { c: constraintYaml('K8sAllowedRepos', 'c', '  match:\n    namespace: ["prod"]\n    kinds:\n    - apiGroup: [""]\n      kinds: ["Pod"]\n    labelSelector:\n      matchLabel: {a: b}\n  parameters:\n    repos: ["a/"]\n') };
    const ps = problemsOf(files);
    assert.deepEqual(ps.map((p) => textAt(files, p)), ['namespace', 'apiGroup', 'matchLabel']);
    assert.match(ps[0]!.message, /spec\.match\.namespace is not a field Gatekeeper knows.*did you mean namespaces\?/);
    assert.match(ps[1]!.message, /did you mean apiGroups\?/);
  });

  test("parameters against the workspace template's schema, at the offending node", () => {
    const template = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8srequiredlabels
spec:
  crd:
    spec:
      names:
        kind: K8sRequiredLabels
      validation:
        openAPIV3Schema:
          type: object
          properties:
            message:
              type: string
            labels:
              type: array
              items:
                type: object
                properties:
                  key: {type: string}
                  allowedRegex: {type: string}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8srequiredlabels
        violation[{"msg": "never"}] { false }
`;
    const c = constraintYaml('K8sRequiredLabels', 'owner', '  parameters:\n    message: 12\n    labels:\n    - key: owner\n      allowedRegex: [x]\n');
    const files = { t: template, c };
    const ps = problemsOf(files);
    assert.deepEqual(ps.map((p) => [p.severity, textAt(files, p)]), [['error', '12'], ['error', '[x]']]);
    assert.match(ps[0]!.message, /spec\.parameters\.message: must be a string, not an integer/);
    assert.match(ps[1]!.message, /spec\.parameters\.labels\[0\]\.allowedRegex: must be a string, not an array/);
    // Without the template, the kind is unknown here.
    const alone = problemsOf({ c });
    assert.deepEqual(alone.map((p) => p.severity), ['info']);
    assert.match(alone[0]!.message, /no ConstraintTemplate in the workspace defines the kind K8sRequiredLabels/);
  });
});
