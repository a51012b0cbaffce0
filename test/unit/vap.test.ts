// ValidatingAdmissionPolicy behaviour beyond the conformance cases: lint of what the API server would
// refuse or what would do nothing in a cluster, expressions that files cannot answer (authorizer,
// a bound hit) reported as not evaluated, and workloads that a pod rule does not see.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { evaluateVap, lintVap, podFromTemplate, podOnlyBindings, readVapSet, vapCel, type SourcedObject } from '../../server/src/vap';
import { parseYaml, toJS } from '../../server/src/yaml/documents';

const vapRoot = path.resolve(__dirname, '..', '..', '..', 'shared', 'conformance', 'vap');
const present = fs.existsSync(path.join(vapRoot, 'index.json'));

function yaml(text: string): SourcedObject[] {
  return parseYaml(text).documents.map((d) => ({ value: toJS(d.root) }));
}

function caseFiles(name: string, ...files: string[]): SourcedObject[] {
  return files.flatMap((f) => (fs.existsSync(path.join(vapRoot, name, f)) ? yaml(fs.readFileSync(path.join(vapRoot, name, f), 'utf8')) : []));
}

const policy = `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: trusted-registry
spec:
  failurePolicy: Fail
  paramKind:
    apiVersion: v1
    kind: ConfigMap
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [pods]
  validations:
  - expression: object.spec.containers.all(c, c.image.startsWith(params.data.registry))
    messageExpression: "'images must come from ' + params.data.registry"
`;

const binding = (actions: string, extra = '') => `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: trusted-registry-binding
spec:
  policyName: trusted-registry
  validationActions: ${actions}
  paramRef:
    name: registries
    namespace: default
${extra}`;

const params = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: registries
  namespace: default
data:
  registry: registry.example.com/
`;

const pod = (image: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image }] } });

describe('VAP evaluation', () => {
  test('a params object refusing an image denies with the messageExpression, as kubectl prints it', () => {
    const set = readVapSet(yaml([policy, binding('[Deny]'), params].join('\n---\n')));
    const r = evaluateVap(set, pod('docker.io/nginx:1.27'), { cel: vapCel() });
    assert.equal(r.admitted, false);
    assert.equal(r.apiError, `pods "web" is forbidden: ValidatingAdmissionPolicy 'trusted-registry' with binding 'trusted-registry-binding' denied request: images must come from registry.example.com/`);
    assert.deepEqual(
      r.decisions.map((d) => [d.policy, d.binding, d.action, d.validationIndex, d.param]),
      [['trusted-registry', 'trusted-registry-binding', 'Deny', 0, 'default/registries']],
    );
    assert.equal(evaluateVap(set, pod('registry.example.com/nginx:1.27'), { cel: vapCel() }).decisions.length, 0);
  });

  test('Warn and Audit admit, with the warning text of the API server', () => {
    const set = readVapSet(yaml([policy, binding('[Warn, Audit]'), params].join('\n---\n')));
    const r = evaluateVap(set, pod('docker.io/nginx:1.27'), { cel: vapCel() });
    assert.equal(r.admitted, true);
    assert.deepEqual(r.decisions.map((d) => d.action), ['Warn', 'Audit']);
    assert.deepEqual(r.warnings, [`Validation failed for ValidatingAdmissionPolicy 'trusted-registry' with binding 'trusted-registry-binding': images must come from registry.example.com/`]);
  });

  test('a Deployment is not a Pod: the pod rule does not see it, and podOnlyBindings says which binding would see its Pods', () => {
    const set = readVapSet(yaml([policy, binding('[Deny]'), params].join('\n---\n')));
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'docker.io/nginx:1.27' }] } } },
    };
    assert.deepEqual(evaluateVap(set, deployment, { cel: vapCel() }).decisions, []);
    assert.deepEqual(podOnlyBindings(set, deployment), [{ policy: 'trusted-registry', binding: 'trusted-registry-binding' }]);
    assert.deepEqual(podOnlyBindings(set, pod('x')), []);
    // the Pods its ReplicaSet will create are refused, named as the API server names them (generateName)
    const pods = evaluateVap(set, podFromTemplate(deployment), { cel: vapCel() });
    assert.equal(pods.apiError, `pods "web-x0x0x" is forbidden: ValidatingAdmissionPolicy 'trusted-registry' with binding 'trusted-registry-binding' denied request: images must come from registry.example.com/`);
  });

  test('authorizer checks are not evaluated from files: the decision says so and is no verdict', () => {
    const withAuthz = policy.replace(
      '  validations:\n',
      "  validations:\n  - expression: authorizer.group('').resource('pods').check('create').allowed()\n",
    );
    const set = readVapSet(yaml([withAuthz, binding('[Deny]'), params].join('\n---\n')));
    const r = evaluateVap(set, pod('registry.example.com/nginx:1.27'), { cel: vapCel() });
    assert.equal(r.undetermined, true);
    assert.equal(r.decisions.length, 1);
    assert.match(r.decisions[0]!.notEvaluated ?? '', /authorizer/);
  });

  test('a bound hit is reported with the bound, never as a pass', () => {
    const set = readVapSet(yaml([policy, binding('[Deny]'), params].join('\n---\n')));
    const r = evaluateVap(set, pod('registry.example.com/nginx:1.27'), { cel: vapCel(), bounds: { maxCost: 2, maxMillis: 1000 } });
    assert.equal(r.undetermined, true);
    assert.match(r.decisions[0]!.notEvaluated ?? '', /cost bound/);
  });
});

describe('VAP exemption (Kubernetes Test_PolicyExemption)', () => {
  test('a catch-all policy denies a ConfigMap but never sees policies and bindings themselves', () => {
    const catchAll = `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: test-policy
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ['*']
      apiVersions: ['*']
      operations: ['*']
      resources: ['*']
  validations:
  - expression: 'false'
    message: marker denied; policy is ready
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: test-policy-binding
spec:
  policyName: test-policy
  validationActions: [Deny]
`;
    const objects = yaml(catchAll);
    const set = readVapSet(objects);
    assert.equal(evaluateVap(set, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } }, { cel: vapCel() }).admitted, false);
    for (const o of objects) assert.deepEqual(evaluateVap(set, o.value, { cel: vapCel(), operation: 'UPDATE', oldObject: o.value }).decisions, []);
  });
});

describe('VAP lint', () => {
  test('a binding naming a missing policy, a missing param, and Deny with Warn', () => {
    const lints = lintVap(readVapSet(yaml([binding('[Deny, Warn]'), policy].join('\n---\n'))), vapCel());
    const messages = lints.map((l) => `${l.severity}: ${l.message}`);
    assert.ok(messages.includes("warning: param ConfigMap 'registries' is not in the files: every request it matches is denied"), messages.join('\n'));
    assert.ok(messages.includes('error: validationActions Deny and Warn may not be used together (the API server refuses this binding)'));
    const orphan = lintVap(readVapSet(yaml(binding('[Deny]').replace('policyName: trusted-registry', 'policyName: missing'))));
    assert.deepEqual(orphan.map((l) => l.message), ["binding 'trusted-registry-binding' names ValidatingAdmissionPolicy 'missing', which is not in the files"]);
  });

  test('a CEL error is reported at its validation with its offset', () => {
    const broken = policy.replace('c.image.startsWith(params.data.registry))', 'c.image.startsWith(params.data.registry)');
    const lints = lintVap(readVapSet(yaml([broken, binding('[Deny]'), params].join('\n---\n'))), vapCel()).filter((l) => l.message.startsWith('CEL error'));
    assert.equal(lints.length, 1);
    assert.deepEqual(lints[0]!.path, ['spec', 'validations', 0, 'expression']);
    assert.equal(typeof lints[0]!.offset, 'number');
  });

  test('kubernetes-integration binding-02: a policy without a binding admits, and lint says it does nothing', { skip: present ? undefined : 'no ../shared' }, () => {
    const set = readVapSet(caseFiles('kubernetes-integration/binding-02-absent-admitted', 'policy.yaml'));
    const r = evaluateVap(set, caseFiles('kubernetes-integration/binding-02-absent-admitted', 'object.yaml')[0]!.value, { cel: vapCel() });
    assert.equal(r.admitted, true);
    assert.deepEqual(r.applied, []);
    assert.match(lintVap(set).map((l) => l.message).join('\n'), /has no ValidatingAdmissionPolicyBinding in the files: without one it does nothing/);
  });

  test("kaptest's policies match `deployments` in the core group, which never matches in a cluster (the data's caveat)", { skip: present ? undefined : 'no ../shared' }, () => {
    const set = readVapSet(caseFiles('kaptest/standard-resources--deployment-replicas--01-ok', 'policy.yaml'));
    const messages = lintVap(set).map((l) => `${l.severity}: ${l.message}`);
    assert.ok(messages.includes("error: matchConstraints.resourceRules[0]: resource 'deployments' is served by API group 'apps' or 'extensions', not ''"), messages.join('\n'));
  });
});
