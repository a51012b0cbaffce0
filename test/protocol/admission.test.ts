// Policies that are not the built-in image check, in the editor: a CEL-only allowed-repos template and a
// ValidatingAdmissionPolicy with a binding and a params object. Each gives the squiggle on the image,
// a hover that names the policy, and a quick fix that is checked again before it is offered.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { applyTextEdits, TestClient, uriOf } from './lspClient';

export const celTemplate = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sallowedreposcel
spec:
  crd:
    spec:
      names:
        kind: K8sAllowedReposCel
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: K8sNativeValidation
          source:
            variables:
              - name: untrusted
                expression: 'variables.anyObject.spec.containers.filter(c, !variables.params.repos.exists(r, c.image.startsWith(r)))'
            validations:
              - expression: 'size(variables.untrusted) == 0'
                messageExpression: '"container <" + variables.untrusted[0].name + "> has an invalid image repo <" + variables.untrusted[0].image + ">"'
`;
const celConstraint = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedReposCel
metadata:
  name: corp-only-cel
spec:
  parameters:
    repos: ["registry.corp.example/"]
`;
export const vap = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: trusted-registries
spec:
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
      messageExpression: "'image ' + object.spec.containers.filter(c, !c.image.startsWith(params.data.registry))[0].image + ' is not from ' + params.data.registry"
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
export const params = `apiVersion: v1
kind: ConfigMap
metadata:
  name: registries
  namespace: default
data:
  registry: registry.corp.example/
`;
const pod = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
`;

type Action = { title: string; edit?: { documentChanges: Array<{ textDocument: { uri: string; version: number | null }; edits: Parameters<typeof applyTextEdits>[1] }> } };

describe('policies beyond the built-in check, in the editor', () => {
  const clients: TestClient[] = [];
  after(() => clients.forEach((c) => c.process.exitCode === null && c.process.kill()));

  for (const [name, files, code, named] of [
    ['a CEL-only allowed-repos template', { 'policy/template.yaml': celTemplate, 'policy/constraint.yaml': celConstraint }, 'corp-only-cel', /corp-only-cel/],
    ['a ValidatingAdmissionPolicy with its binding and params', { 'policy/vap.yaml': vap, 'policy/params.yaml': params }, 'trusted-registries', /trusted-registries[\s\S]*trusted-registries-binding|binding[\s\S]*trusted-registries-binding/],
  ] as const) {
    test(`${name}: squiggle on the image, hover naming it, a quick fix that clears it`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-admission-'));
      for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
      fs.writeFileSync(path.join(dir, 'pod.yaml'), pod);
      const client = await TestClient.start({ folder: dir });
      clients.push(client);
      await client.scanned();
      const uri = uriOf(path.join(dir, 'pod.yaml'));
      const d = (await client.waitFor(uri, (ds) => ds.length === 1)).diagnostics[0]!;
      assert.equal(d.code, code);
      assert.equal(d.range.start.line, 7, 'the image line');
      assert.equal(d.range.start.character, 13, 'on the image value');
      client.open(uri, pod, 1);
      await client.waitFor(uri, (_ds, p) => p.version === 1);
      const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 16 } })) as { contents: { value: string } } | null;
      assert.ok(hover);
      assert.match(hover.contents.value, named);
      const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } })) as Action[];
      const fix = actions.find((a) => a.title === 'Use registry.corp.example/library/nginx:1.25');
      assert.ok(fix?.edit, JSON.stringify(actions.map((a) => a.title)));
      const fixed = applyTextEdits(pod, fix.edit.documentChanges[0]!.edits);
      await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
      await client.waitFor(uri, (ds, p) => p.version === 2 && ds.length === 0);
    });
  }
});

describe('hostile policies, as a user meets them', () => {
  const clients: TestClient[] = [];
  after(() => clients.forEach((c) => c.process.exitCode === null && c.process.kill()));
  const fixtures = path.resolve(__dirname, '..', 'fixtures', 'hostile', 'policies');

  test('the ReDoS and range templates: the CLI and the server answer within their budget; range is a warning naming its bound, ReDoS answers as OPA does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-hostile-'));
    for (const f of ['redos.yaml', 'range.yaml', 'benign.yaml', 'pod.yaml']) fs.copyFileSync(path.join(fixtures, f), path.join(dir, f));
    // The CLI, a whole process.
    const { spawnSync } = await import('node:child_process');
    const started = Date.now();
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '..', '..', 'dist', 'cli.js'), 'check', dir, '--format', 'json'], { encoding: 'utf8', timeout: 30_000 });
    assert.ok(Date.now() - started < 20_000, `${Date.now() - started} ms`);
    const report = JSON.parse(r.stdout) as { warnings: Array<{ message: string }>; violations: Array<{ message: string; constraint: { kind: string } }> };
    assert.ok(report.warnings.some((w) => /numbers\.range: .* over the limit of .* \(maxElements/.test(w.message)), JSON.stringify(report.warnings));
    assert.ok(report.violations.some((v) => v.constraint.kind === 'K8sBenign'));
    assert.ok(!report.violations.some((v) => v.constraint.kind === 'K8sRange'), 'never a deny from a template over its bound');
    // The server, over stdio.
    const client = await TestClient.start({ folder: dir });
    clients.push(client);
    const t0 = Date.now();
    await client.scanned();
    const pod = uriOf(path.join(dir, 'pod.yaml'));
    const ds = (await client.waitFor(pod, (d) => d.some((x) => /numbers\.range/.test(String(x.message))))).diagnostics;
    assert.ok(Date.now() - t0 < 20_000, `${Date.now() - t0} ms`);
    const range = ds.find((x) => /numbers\.range/.test(String(x.message)))!;
    assert.equal(range.severity, 2, 'a warning');
    assert.match(String(range.message), /maxElements/);
    assert.ok(ds.some((x) => x.code === 'benign' || /container forty runs/.test(String(x.message))), JSON.stringify(ds.map((x) => x.message)));
  });
});

describe('a workload that a pod rule does not see', () => {
  const clients: TestClient[] = [];
  after(() => clients.forEach((c) => c.process.exitCode === null && c.process.kill()));

  test("the Deployment's image hover says the VAP checks Pods, not Deployments, and that its Pods will be refused", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-podonly-'));
    fs.writeFileSync(path.join(dir, 'vap.yaml'), vap);
    fs.writeFileSync(path.join(dir, 'params.yaml'), params);
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n';
    fs.writeFileSync(path.join(dir, 'deployment.yaml'), deployment);
    const client = await TestClient.start({ folder: dir });
    clients.push(client);
    await client.scanned();
    const uri = uriOf(path.join(dir, 'deployment.yaml'));
    // The cluster admits the Deployment itself: no diagnostic.
    assert.equal(client.diagnostics.get(uri)?.diagnostics.length ?? 0, 0);
    client.open(uri, deployment, 1);
    await client.waitFor(uri, (_d, p) => p.version === 1);
    const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 9, character: 19 } })) as { contents: { value: string } } | null;
    assert.ok(hover, 'a hover on the image');
    assert.match(hover.contents.value, /trusted-registries/);
    assert.match(hover.contents.value, /checks Pods, not Deployments/);
    assert.match(hover.contents.value, /will be refused/);
    assert.match(hover.contents.value, /image nginx:1\.25 is not from registry\.corp\.example\//);
  });
});

describe('the policy side of a ValidatingAdmissionPolicy fix', () => {
  const clients: TestClient[] = [];
  after(() => clients.forEach((c) => c.process.exitCode === null && c.process.kill()));

  test("an image refused by the allow list in a VAP's params object: a quick fix adds its registry to that list, checked first; applied, the squiggle goes", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-params-fix-'));
    const policy = vap
      .replace('    apiVersion: v1\n    kind: ConfigMap', '    apiVersion: example.io/v1\n    kind: RegistryPolicy')
      .replace('"object.spec.containers.all(c, c.image.startsWith(params.data.registry))"', '"object.spec.containers.all(c, params.spec.allowed.exists(r, c.image.startsWith(r)))"')
      .replace(`"'image ' + object.spec.containers.filter(c, !c.image.startsWith(params.data.registry))[0].image + ' is not from ' + params.data.registry"`, `"'image ' + object.spec.containers[0].image + ' is not allowed'"`);
    const paramsText = 'apiVersion: example.io/v1\nkind: RegistryPolicy\nmetadata:\n  name: registries\n  namespace: default\nspec:\n  allowed:\n    - registry.corp.example/\n';
    fs.writeFileSync(path.join(dir, 'vap.yaml'), policy);
    fs.writeFileSync(path.join(dir, 'params.yaml'), paramsText);
    const quayPod = pod.replace('nginx:1.25', 'quay.io/acme/app:1');
    fs.writeFileSync(path.join(dir, 'pod.yaml'), quayPod);
    const client = await TestClient.start({ folder: dir });
    clients.push(client);
    await client.scanned();
    const uri = uriOf(path.join(dir, 'pod.yaml'));
    const d = (await client.waitFor(uri, (ds) => ds.length === 1)).diagnostics[0]!;
    assert.equal(d.message, 'image quay.io/acme/app:1 is not allowed');
    client.open(uri, quayPod, 1);
    await client.waitFor(uri, (_ds, p) => p.version === 1);
    const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } })) as Action[];
    const allow = actions.find((a) => a.title.startsWith('Allow `quay.io/` in RegistryPolicy registries'));
    assert.ok(allow?.edit, JSON.stringify(actions.map((a) => a.title)));
    const paramsUri = uriOf(path.join(dir, 'params.yaml'));
    const change = allow.edit.documentChanges[0]!;
    assert.equal(change.textDocument.uri, paramsUri);
    const fixed = applyTextEdits(paramsText, change.edits);
    assert.equal(fixed, paramsText + '    - quay.io/\n');
    fs.writeFileSync(path.join(dir, 'params.yaml'), fixed);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: paramsUri, type: 2 }] });
    await client.waitFor(uri, (ds) => ds.length === 0);
  });
});
