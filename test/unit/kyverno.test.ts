// Kyverno ValidatingPolicy behaviour beyond `kyverno test`: the autogen rewrite as Kyverno's own unit
// tests state it (pkg/cel/autogen/replacement_test.go at kyverno main), policies that reach the
// cluster reported as not evaluated, and fail results turned into decisions per validationAction.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluateKyverno, kyvernoCel, kyvernoDecisions, lintKyverno, readKyvernoSet, rewriteExpression } from '../../server/src/kyverno';
import { VariableMemo } from '../../server/src/vap/celPort';
import { parseYaml, toJS } from '../../server/src/yaml/documents';

function set(text: string) {
  return readKyvernoSet(parseYaml(text).documents.map((d) => ({ value: toJS(d.root) })));
}

const restrictRegistries = `
apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: restrict-image-registries
spec:
  validationActions: [Deny]
  matchConstraints:
    resourceRules:
    - apiGroups: ['']
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [pods]
  validations:
  - expression: "object.spec.containers.all(c, c.image.startsWith('registry.example.com/'))"
    message: Images must come from registry.example.com.
`;

describe('Kyverno autogen rewrite (kyverno replacement_test.go)', () => {
  const cases: [string, 'defaults' | 'cronjobs', string][] = [
    ['object.spec', 'defaults', 'object.spec.template.spec'],
    ['oldObject.spec', 'cronjobs', 'oldObject.spec.jobTemplate.spec.template.spec'],
    ["object.metadata.labels['app']", 'defaults', "object.spec.template.metadata.labels['app']"],
    ['object.metadata.namespace', 'cronjobs', 'object.metadata.namespace'],
    [
      "object.metadata.namespace == 'foo' && object.metadata.labels['team'] == 'platform'",
      'defaults',
      "object.metadata.namespace == 'foo' && object.spec.template.metadata.labels['team'] == 'platform'",
    ],
    ['object.metadata.namespaceFoo', 'defaults', 'object.spec.template.metadata.namespaceFoo'],
    [
      "oldObject.spec.containers.size() > 0 && oldObject.metadata.name != 'skip'",
      'cronjobs',
      "oldObject.spec.jobTemplate.spec.template.spec.containers.size() > 0 && oldObject.spec.jobTemplate.spec.template.metadata.name != 'skip'",
    ],
  ];
  for (const [expr, config, want] of cases) test(`${config}: ${expr}`, () => assert.equal(rewriteExpression(expr, config), want));
});

describe('Kyverno evaluation', () => {
  test('a Deployment is judged through the autogen rule, and a fail becomes a Deny decision', () => {
    const s = set(restrictRegistries);
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } } } };
    const results = evaluateKyverno(s, deployment);
    assert.deepEqual(results.map((r) => [r.result, r.autogen]), [['fail', ['DaemonSet', 'Deployment', 'Job', 'ReplicaSet', 'StatefulSet']]]);
    assert.deepEqual(kyvernoDecisions(results).map((d) => [d.policy, d.action, d.message, d.validationIndex]), [['restrict-image-registries', 'Deny', 'Images must come from registry.example.com.', 0]]);
    // ReplicationControllers are not among Kyverno's pod controllers
    const rc = { ...deployment, apiVersion: 'v1', kind: 'ReplicationController' };
    assert.deepEqual(evaluateKyverno(s, rc).map((r) => [r.result, r.skipReason]), [['skip', 'match']]);
  });

  test('resource.Get (the cluster) is not evaluated, never a pass', () => {
    const s = set(restrictRegistries.replace(
      "object.spec.containers.all(c, c.image.startsWith('registry.example.com/'))",
      "object.spec.containers.all(c, c.image.startsWith(resource.Get('v1', 'configmaps', 'kyverno', 'registries').data.prefix))",
    ));
    const results = evaluateKyverno(s, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'registry.example.com/a:1' }] } });
    assert.equal(results[0]!.result, 'notEvaluated');
    assert.match(results[0]!.message ?? '', /resource\.Get \(reads the cluster\)/);
    assert.equal(kyvernoDecisions(results)[0]!.notEvaluated, results[0]!.message);
  });

  test('without a message, Kyverno names the failing validation by index', () => {
    const s = set(restrictRegistries.replace('    message: Images must come from registry.example.com.\n', ''));
    const results = evaluateKyverno(s, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'nginx' }] } });
    assert.equal(results[0]!.message, 'CEL expression validation failed at index 0');
  });
});

describe('Kyverno lint', () => {
  const root = path.resolve(__dirname, '..', '..', '..', 'shared', 'conformance', 'kyverno-vpol');
  test("the Kyverno library's ValidatingPolicies (checked by kyverno's CI) lint clean", { skip: fs.existsSync(root) ? undefined : 'no ../shared' }, () => {
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory() && e.name !== 'kyverno-test') walk(path.join(d, e.name));
        else if (e.isFile() && e.name.endsWith('.yaml')) files.push(path.join(d, e.name));
      }
    };
    walk(root);
    const s = readKyvernoSet(files.flatMap((f) => parseYaml(fs.readFileSync(f, 'utf8')).documents.map((d) => ({ value: toJS(d.root) }))));
    assert.equal(s.policies.length, 83);
    assert.deepEqual(lintKyverno(s).map((l) => l.message), []);
  });

  test('a policy reading the cluster is flagged as not evaluated from files', () => {
    const s = set(restrictRegistries.replace("c.image.startsWith('registry.example.com/')", "c.image.startsWith(globalContext.Get('registries', '').prefix)"));
    assert.deepEqual(lintKyverno(s).map((l) => [l.severity, l.path.join('.')]), [['info', 'spec.validations.0.expression']]);
  });
});

describe("Kyverno's image library (kyverno/sdk extensions/cel/libs/image lib_test.go)", () => {
  const ref = 'registry.k8s.io/kube-apiserver-arm64';
  const digest = 'sha256:6aefddb645ee6963afd681b1845c661d0ea4c3b20ab9db86d9e753b203d385f2';
  const cases: [string, unknown][] = [
    [`isImage("${ref}:latest")`, true],
    [`isImage("${ref}:@")`, false],
    [`parseImageReference("${ref}").containsDigest()`, false],
    [`parseImageReference("${ref}@${digest}").containsDigest()`, true],
    [`parseImageReference("${ref}:latest@${digest}").containsDigest()`, true],
    [`parseImageReference("${ref}").registry() == "registry.k8s.io"`, true],
    [`parseImageReference("${ref}").repository() == "kube-apiserver-arm64"`, true],
    [`parseImageReference("${ref}:testtag").identifier()`, 'testtag'],
    [`parseImageReference("${ref}").identifier()`, 'latest'],
    [`parseImageReference("${ref}:latest@${digest}").identifier()`, digest],
    [`parseImageReference("${ref}@${digest}").tag()`, ''],
    [`parseImageReference("${ref}:testtag").digest()`, ''],
    [`parseImageReference("${ref}@${digest}").digest()`, digest],
  ];
  const run = (expression: string) => {
    const c = kyvernoCel().compile(expression, ['object'], []);
    assert.ok(c.ok, expression);
    return c.program.evaluate({ values: { object: null }, variables: new VariableMemo([], () => ({ ok: true, value: null })) }, { maxCost: 100_000, maxMillis: 1000 });
  };
  for (const [expression, value] of cases) test(expression, () => assert.deepEqual(run(expression), { ok: true, value }));
  test('an invalid reference is a runtime error worded as go-containerregistry', () => {
    assert.deepEqual(run(`parseImageReference("${ref}:@")`), { ok: false, error: `could not parse reference: ${ref}:@` });
  });
});

describe('Kyverno PolicyException (vpol engine.go)', () => {
  const exception = (extra: string) => `
apiVersion: policies.kyverno.io/v1alpha1
kind: PolicyException
metadata:
  name: legacy
  namespace: team-a
spec:
  policyRefs:
  - name: restrict-image-registries
    kind: ValidatingPolicy
  matchConditions:
  - name: legacy-pod
    expression: "object.metadata.name == 'legacy'"
${extra}`;
  const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'a', image: 'nginx' }] } });

  test('a matching exception skips the policy, and says which exception', () => {
    const s = set([restrictRegistries, exception('')].join('\n---\n'));
    const [legacy] = evaluateKyverno(s, pod('legacy'));
    assert.deepEqual([legacy!.result, legacy!.skipReason, legacy!.message], ['skip', 'exception', 'rule is skipped due to policy exception: team-a/legacy']);
    assert.equal(evaluateKyverno(s, pod('other'))[0]!.result, 'fail');
  });

  test('reportResult: pass reports a pass', () => {
    const s = set([restrictRegistries, exception('  reportResult: pass')].join('\n---\n'));
    assert.equal(evaluateKyverno(s, pod('legacy'))[0]!.result, 'pass');
  });

  test('an exception with images only fills exceptions.allowedImages for the policy to read', () => {
    const policy = restrictRegistries.replace(
      "object.spec.containers.all(c, c.image.startsWith('registry.example.com/'))",
      "object.spec.containers.all(c, c.image.startsWith('registry.example.com/') || c.image in exceptions.allowedImages)",
    );
    const s = set([policy, exception('  images: [nginx]')].join('\n---\n'));
    assert.equal(evaluateKyverno(s, pod('legacy'))[0]!.result, 'pass');
    assert.equal(evaluateKyverno(s, pod('other'))[0]!.result, 'fail');
  });
});
