// The policy side in the editor: lint diagnostics with their fix, and hovers on constraints.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { templateYaml } from '../support/helpers';
import { applyTextEdits, LspTextEdit, TestClient, uriOf } from './lspClient';

const constraint = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata:
  name: corp-only
spec:
  parameters:
    repos:
      - "corp.io/team"
      - "registry.corp.example/"
`;
const pod = (name: string, image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`;

describe('policy files in the editor', () => {
  const clients: TestClient[] = [];
  after(() => clients.forEach((c) => c.process.exitCode === null && c.process.kill()));

  test('a prefix without "/" is flagged with a fix; hovers count what an entry admits and what a constraint refuses', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-policy-'));
    fs.writeFileSync(path.join(dir, 'constraint.yaml'), constraint);
    fs.writeFileSync(path.join(dir, 'a.yaml'), pod('a', 'corp.io/team/api:1'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), pod('b', 'corp.io/team-evil/x:1'));
    fs.writeFileSync(path.join(dir, 'c.yaml'), pod('c', 'registry.corp.example/web:2'));
    fs.writeFileSync(path.join(dir, 'd.yaml'), pod('d', 'nginx'));
    const client = await TestClient.start({ folder: dir });
    clients.push(client);
    await client.scanned();
    const uri = uriOf(path.join(dir, 'constraint.yaml'));
    const diags = (await client.waitFor(uri, (d) => d.length === 1)).diagnostics;
    assert.equal(diags[0]!.severity, 2);
    assert.match(String(diags[0]!.message), /"corp.io\/team" has no trailing "\/"/);
    client.open(uri, constraint, 1);
    await client.waitFor(uri, (_d, p) => p.version === 1);

    // Hover on the entry: both look-alike and real images are admitted, and only by this entry.
    const entry = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 12 } })) as { contents: { value: string } };
    assert.match(entry.contents.value, /\*\*corp\.io\/team\*\* in K8sAllowedRepos corp-only admits 2 images in 2 files/);
    assert.match(entry.contents.value, /The only entry that admits 2: `corp\.io\/team-evil\/x:1`, `corp\.io\/team\/api:1`/);
    // Hover on the name: the violations it causes across the workspace.
    const name = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 9 } })) as { contents: { value: string } };
    assert.match(name.contents.value, /\*\*K8sAllowedRepos corp-only\*\* \(deny\): 1 violation in 1 file of the workspace, 2 repos entries/);
    assert.match(name.contents.value, /\[Show them\]\(command:trustedImages\.showViolations\?%5B%22K8sAllowedRepos%22%2C%22corp-only%22%5D/);
    // What that command asks the server for: where the violations are.
    const where = (await client.connection.sendRequest('trustedImages/violations', { kind: 'K8sAllowedRepos', name: 'corp-only' })) as Array<{ uri: string; line: number; character: number; message: string }>;
    assert.deepEqual(where.map((w) => [path.basename(w.uri), w.line, w.character]), [['d.yaml', 7, 11]]);
    assert.match(where[0]!.message, /<nginx>/);

    // The fix, then the look-alike is refused and the warning is gone.
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: diags[0]!.range,
      context: { diagnostics: diags },
    })) as Array<{ title: string; edit: { documentChanges: Array<{ edits: LspTextEdit[] }> } }>;
    assert.equal(actions[0]!.title, 'Use "corp.io/team/"');
    const fixed = applyTextEdits(constraint, actions[0]!.edit.documentChanges[0]!.edits);
    assert.match(fixed, /- "corp\.io\/team\/"\n/);
    client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    await client.waitFor(uri, (d, p) => p.version === 2 && d.length === 0);
    const evil = await client.waitFor(uriOf(path.join(dir, 'b.yaml')), (d) => d.length === 1);
    assert.match(String(evil.diagnostics[0]!.message), /<corp\.io\/team-evil\/x:1>/);
    await client.stop();
  });

  test('any ConstraintTemplate: its Rego evaluated on closed files and on each edit, squiggles on the container it names', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-rego-'));
    fs.writeFileSync(
      path.join(dir, 'template.yaml'),
      templateYaml('k8sprivileged', 'K8sPrivileged', 'package k8sprivileged\nviolation[{"msg": msg}] {\n  c := input.review.object.spec.containers[_]\n  c.securityContext.privileged\n  msg := sprintf("Privileged container is not allowed: %v", [c.name])\n}'),
    );
    fs.writeFileSync(path.join(dir, 'constraint.yaml'), 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sPrivileged\nmetadata:\n  name: no-priv\n');
    const priv = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: corp/app\n    securityContext:\n      privileged: true\n';
    fs.writeFileSync(path.join(dir, 'pod.yaml'), priv);
    const client = await TestClient.start({ folder: dir });
    clients.push(client);
    await client.scanned();
    const uri = uriOf(path.join(dir, 'pod.yaml'));
    const closed = (await client.waitFor(uri, (d) => d.length === 1)).diagnostics[0]!;
    assert.equal(closed.message, 'Privileged container is not allowed: app');
    assert.equal(closed.code, 'no-priv');
    // The message names the container, not a field: the squiggle is on the container's name.
    assert.deepEqual(closed.range.start, { line: 6, character: 10 });
    // Hover on the constraint's name: its count, from which template.
    const cUri = uriOf(path.join(dir, 'constraint.yaml'));
    client.open(cUri, fs.readFileSync(path.join(dir, 'constraint.yaml'), 'utf8'), 1);
    await client.waitFor(cUri, (_d, p) => p.version === 1);
    const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: cUri }, position: { line: 3, character: 9 } })) as { contents: { value: string } };
    assert.match(hover.contents.value, /\*\*K8sPrivileged no-priv\*\* \(deny\): 1 violation in 1 file of the workspace, from the Rego of ConstraintTemplate k8sprivileged/);
    // The status (the status item, Show Constraints) lists the Rego constraint with its engine.
    const status = (await client.connection.sendRequest('trustedImages/status', {})) as { constraints: Array<{ kind: string; name: string; engine: string; line: number }> };
    assert.deepEqual(
      status.constraints.map((c) => [c.kind, c.name, c.engine, c.line]),
      [['K8sPrivileged', 'no-priv', 'rego', 3]],
    );
    client.open(uri, priv, 1);
    await client.waitFor(uri, (_d, p) => p.version === 1);
    // The hover on the image names the Rego constraint that refuses its object, with the Rego's message.
    const imageHover = async () =>
      ((await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 13 } })) as { contents: { value: string } }).contents.value;
    const refused = await imageHover();
    assert.match(refused, /- REFUSED: \*\*K8sPrivileged no-priv\*\* \(deny\), refused by the Rego of ConstraintTemplate k8sprivileged\. \[constraint\.yaml:4\]/);
    assert.match(refused, /`Privileged container is not allowed: app`/);
    client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: priv.replace('privileged: true', 'privileged: false') }],
    });
    await client.waitFor(uri, (d, p) => p.version === 2 && d.length === 0);
    assert.match(await imageHover(), /- allowed: \*\*K8sPrivileged no-priv\*\* \(deny\), its Rego reports nothing for this object\./);
  });

  test('a template that reads data.inventory: an edit in one file re-checks the others', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-inventory-'));
    fs.writeFileSync(
      path.join(dir, 'template.yaml'),
      templateYaml('k8suniquehost', 'K8sUniqueHost', 'package k8suniquehost\nviolation[{"msg": msg}] {\n  host := input.review.object.spec.rules[_].host\n  other := data.inventory.namespace[ns][_]["Ingress"][name]\n  name != input.review.object.metadata.name\n  other.spec.rules[_].host == host\n  msg := sprintf("ingress host conflicts with an existing ingress <%v>", [name])\n}'),
    );
    fs.writeFileSync(path.join(dir, 'constraint.yaml'), 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sUniqueHost\nmetadata:\n  name: unique\nspec:\n  match:\n    kinds:\n      - apiGroups: ["networking.k8s.io"]\n        kinds: ["Ingress"]\n');
    const ing = (name: string, host: string) => `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ${name}\nspec:\n  rules:\n  - host: ${host}\n`;
    fs.writeFileSync(path.join(dir, 'a.yaml'), ing('a', 'shop.example.com'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), ing('b', 'shop.example.com'));
    const client = await TestClient.start({ folder: dir });
    clients.push(client);
    await client.scanned();
    const a = uriOf(path.join(dir, 'a.yaml'));
    const b = uriOf(path.join(dir, 'b.yaml'));
    assert.equal((await client.waitFor(b, (d) => d.length === 1)).diagnostics[0]!.message, 'ingress host conflicts with an existing ingress <a>');
    client.open(a, ing('a', 'shop.example.com'), 1);
    client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: a, version: 2 }, contentChanges: [{ text: ing('a', 'blog.example.com') }] });
    await client.waitFor(a, (d, p) => p.version === 2 && d.length === 0);
    // b is closed and unchanged: the edit of a is what clears it.
    await client.waitFor(b, (d) => d.length === 0);
  });

  test('the image hover names a ValidatingAdmissionPolicy that refuses the object, with the message its diagnostic has', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-vap-'));
    fs.writeFileSync(
      path.join(dir, 'policy.yaml'),
      'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: trusted-registry\nspec:\n  matchConstraints:\n    resourceRules:\n    - apiGroups: [""]\n      apiVersions: [v1]\n      operations: [CREATE, UPDATE]\n      resources: [pods]\n  validations:\n  - expression: object.spec.containers.all(c, c.image.startsWith("registry.example.com/"))\n    message: images must come from registry.example.com/\n' +
        '---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: trusted-registry-binding\nspec:\n  policyName: trusted-registry\n  validationActions: [Deny]\n',
    );
    fs.writeFileSync(path.join(dir, 'pod.yaml'), pod('web', 'nginx'));
    const client = await TestClient.start({ folder: dir });
    clients.push(client);
    await client.scanned();
    // Open: a closed file is read with a skim that does not yet keep admission policies whole (left to
    // the YAML reader, see mayBePolicyObject); an open document is read whole.
    const policyUri = uriOf(path.join(dir, 'policy.yaml'));
    client.open(policyUri, fs.readFileSync(path.join(dir, 'policy.yaml'), 'utf8'), 1);
    const uri = uriOf(path.join(dir, 'pod.yaml'));
    const diagnostic = (await client.waitFor(uri, (d) => d.length === 1)).diagnostics[0]!;
    const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 12 } })) as { contents: { value: string } };
    assert.match(hover.contents.value, /- REFUSED: \*\*ValidatingAdmissionPolicy trusted-registry\*\* \(deny\), refused by ValidatingAdmissionPolicy trusted-registry \(binding trusted-registry-binding\)\. \[policy\.yaml:4\]/);
    assert.ok(hover.contents.value.includes(`\`${String(diagnostic.message).replace(/`/g, "'")}\``), hover.contents.value);
    await client.stop();
  });
});
