// ValidatingAdmissionPolicies and Kyverno ValidatingPolicies through the engine the CLI and the server
// use: read from files beside the objects, evaluated on each object as itself, reported with the
// policy's own message and action.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzeText, buildPolicySet, checkObjects, defaultCheckOptions, defaultExpansions, paramKinds, paramObjects } from '../../server/src/engine';

const vap = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: trusted-registries
spec:
  failurePolicy: Fail
  paramKind:
    apiVersion: v1
    kind: ConfigMap
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  validations:
    - expression: "object.spec.containers.all(c, c.image.startsWith(params.data.registry))"
      messageExpression: "'images must come from ' + params.data.registry"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: trusted-registries-binding
spec:
  policyName: trusted-registries
  validationActions: [Deny]
  paramRef:
    name: registries
    namespace: default
    parameterNotFoundAction: Deny
`;
const params = `apiVersion: v1
kind: ConfigMap
metadata:
  name: registries
  namespace: default
data:
  registry: registry.corp.example/
`;
const pods = `apiVersion: v1
kind: Pod
metadata:
  name: untrusted
spec:
  containers:
    - name: app
      image: nginx:1.25
---
apiVersion: v1
kind: Pod
metadata:
  name: trusted
spec:
  containers:
    - name: app
      image: registry.corp.example/nginx:1.25
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:1.25
`;

function check(files: Record<string, string>) {
  const analyses = Object.entries(files).map(([name, text]) => analyzeText(name, text));
  const kinds = paramKinds(analyses.flatMap((a) => a.policy.admission));
  const params = analyses.flatMap((a) => paramObjects(a.file, a.objects, kinds));
  const policy = buildPolicySet(analyses.map((a) => a.policy), defaultExpansions, { params });
  return { policy, violations: analyses.flatMap((a) => checkObjects(a.objects, policy, defaultCheckOptions)) };
}

test('a VAP with a binding and a params object refuses the untrusted Pod, with its message and action', () => {
  const { policy, violations } = check({ 'vap.yaml': vap, 'params.yaml': params, 'pods.yaml': pods });
  assert.deepEqual(policy.problems, []);
  assert.equal(violations.length, 1, JSON.stringify(violations.map((v) => v.message)));
  const v = violations[0]!;
  assert.equal(v.object.name, 'untrusted');
  assert.equal(v.message, 'images must come from registry.corp.example/');
  assert.equal(v.severity, 'error');
  assert.equal(v.constraint.engine, 'vap');
  assert.equal(v.constraint.name, 'trusted-registries');
  assert.equal(v.constraint.engine === 'vap' ? v.constraint.binding : '', 'trusted-registries-binding');
  assert.equal(v.constraint.file, 'vap.yaml');
});

test('a Deployment is not a Pod to a VAP (the cluster matches workloads as themselves)', () => {
  const { violations } = check({ 'vap.yaml': vap, 'params.yaml': params, 'pods.yaml': pods });
  assert.ok(violations.every((v) => v.object.gvk.kind === 'Pod'));
});

test('Warn and Audit bindings are warnings and information', () => {
  for (const [action, severity] of [['Warn', 'warning'], ['Audit', 'info']] as const) {
    const { violations } = check({ 'vap.yaml': vap.replace('validationActions: [Deny]', `validationActions: [${action}]`), 'params.yaml': params, 'pods.yaml': pods });
    assert.deepEqual(violations.map((v) => v.severity), [severity]);
  }
});

test('a missing params object refuses everything the binding selects (parameterNotFoundAction: Deny)', () => {
  const { violations } = check({ 'vap.yaml': vap, 'pods.yaml': pods });
  assert.equal(violations.length, 2);
  assert.ok(violations.every((v) => /no params found/.test(v.message)));
});

test('a policy without a binding does nothing, and says so at its name', () => {
  const policyOnly = vap.split('---')[0]!;
  const { policy, violations } = check({ 'vap.yaml': policyOnly, 'params.yaml': params, 'pods.yaml': pods });
  assert.deepEqual(violations, []);
  const p = policy.problems.find((x) => /no ValidatingAdmissionPolicyBinding/.test(x.message));
  assert.ok(p);
  assert.equal(policyOnly.slice(p.span.start, p.span.end), 'trusted-registries');
});

const kyverno = `apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: disallow-latest-tag
spec:
  validationActions: [Deny]
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [pods]
  validations:
    - expression: "object.spec.containers.all(c, !c.image.endsWith(':latest'))"
      message: "An image tag other than latest is required."
`;

test('a Kyverno ValidatingPolicy refuses a Pod and, by autogen, the Deployment that creates it', () => {
  const latest = pods.replaceAll('nginx:1.25', 'nginx:latest');
  const { violations } = check({ 'kyverno.yaml': kyverno, 'pods.yaml': latest });
  assert.deepEqual(violations.map((v) => `${v.object.gvk.kind}/${v.object.name}: ${v.message}`).sort(), [
    'Deployment/web: An image tag other than latest is required.',
    'Pod/trusted: An image tag other than latest is required.',
    'Pod/untrusted: An image tag other than latest is required.',
  ]);
  assert.ok(violations.every((v) => v.constraint.engine === 'kyverno' && v.constraint.name === 'disallow-latest-tag'));
});

test('a policy, binding and params object defined twice are read once, as a cluster holds them, and the copies are named', () => {
  const { policy, violations } = check({ 'vap.yaml': vap, 'copy/vap.yaml': vap, 'params.yaml': params, 'copy/params.yaml': params.replace('registry.corp.example/', 'other.example/'), 'pods.yaml': pods });
  assert.equal(violations.length, 1, JSON.stringify(violations.map((v) => v.message)));
  assert.equal(violations[0]!.message, 'images must come from registry.corp.example/');
  assert.equal(violations[0]!.constraint.file, 'vap.yaml');
  assert.deepEqual(
    policy.problems.map((p) => [p.file, p.message]),
    [
      ['copy/vap.yaml', 'ValidatingAdmissionPolicy trusted-registries is defined twice (also in vap.yaml); the cluster keeps only the last one applied, so this one is not read'],
      ['copy/vap.yaml', 'ValidatingAdmissionPolicyBinding trusted-registries-binding is defined twice (also in vap.yaml); the cluster keeps only the last one applied, so this one is not read'],
      ['copy/params.yaml', 'ConfigMap default/registries is defined twice (also in params.yaml); the cluster keeps only the last one applied, so this one is not read'],
    ],
  );
  // Twenty copies of everything cost what one does: one binding, one params object, one verdict per Pod.
  const many: Record<string, string> = { 'pods.yaml': pods };
  for (let i = 0; i < 20; i++) Object.assign(many, { [`c${i}/vap.yaml`]: vap, [`c${i}/params.yaml`]: params });
  assert.equal(check(many).violations.length, 1);
});
