// End-to-end, inside the VS Code extension host, through the public API only, on a copy of
// test/e2e/fixture (the launchers copy it: these tests edit and save files). Every wait is on an event
// and bounded; nothing sleeps.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'trusted-images.trusted-images';
const SOURCE = 'trusted-images';
const SEED = 'repo-is-openpolicyagent';
const SECOND = 'no-public-ghcr';
const TRUSTED = '071460744267.dkr.ecr.us-east-1.amazonaws.com/test/snyk';
const seedMessage = (image: string) => `Invalid image repo: <${image}>, allowed repos are ["${TRUSTED}"]`;

let folder: vscode.Uri;
const file = (rel: string) => vscode.Uri.joinPath(folder, rel);
const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? d.code.value : d.code);
const show = (ds: readonly vscode.Diagnostic[]) =>
  JSON.stringify(ds.map((d) => `${d.range.start.line}:${d.range.start.character} ${vscode.DiagnosticSeverity[d.severity]} [${codeOf(d)}] ${d.message}`));

/** Resolves when `test` holds for the diagnostics of `uri`, now or after a change; fails after `ms`. */
function diagnostics(uri: vscode.Uri, test: (ds: vscode.Diagnostic[]) => boolean, what: string, ms = 20_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const ds = ours(uri);
      if (!test(ds)) return false;
      done();
      resolve(ds);
      return true;
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${ms} ms waiting for ${what} in ${vscode.workspace.asRelativePath(uri)}; it has ${show(ours(uri))}`));
    }, ms);
    const done = () => {
      sub.dispose();
      clearTimeout(timer);
    };
    check();
  });
}
const count = (uri: vscode.Uri, n: number, ms?: number) => diagnostics(uri, (ds) => ds.length === n, `${n} diagnostic(s)`, ms);

/** Bounds a promise that has no event to wait on. */
async function within<T>(p: Thenable<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  try {
    return await Promise.race([Promise.resolve(p), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function open(rel: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(file(rel));
  return vscode.window.showTextDocument(doc, { preview: false });
}

async function replaceAll(doc: vscode.TextDocument, from: string, to: string): Promise<void> {
  const text = doc.getText();
  const at = text.indexOf(from);
  assert.ok(at >= 0, `"${from}" is not in ${doc.uri.path}`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + from.length)), to);
  assert.equal(await vscode.workspace.applyEdit(edit), true);
}

async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = await within(vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position), 10_000, 'hover');
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

describe('Trusted Images in VS Code', () => {
  before(async function () {
    this.timeout(60_000);
    assert.ok(vscode.workspace.workspaceFolders?.length, 'the tests need the fixture workspace open');
    folder = vscode.workspace.workspaceFolders![0]!.uri;
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    // The harness checks this line: the extension under test is the packaged .vsix, not the source tree.
    console.log(`extension under test: ${ext.packageJSON.version} at ${ext.extensionPath}`);
    await within(ext.activate(), 30_000, 'activating the extension');
  });

  it('contributes and registers its commands', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = (ext.packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command);
    const expected = ['trustedImages.showConstraints', 'trustedImages.restartServer', 'trustedImages.showOutput', 'trustedImages.fixAllInWorkspace', 'trustedImages.showViolations'];
    assert.deepEqual([...contributed].sort(), [...expected].sort());
    // fixAllInWorkspace is the server's executeCommand: registered once the client has started.
    await count(file('pods/denied.yaml'), 1, 30_000);
    const registered = await vscode.commands.getCommands(true);
    for (const c of expected) assert.ok(registered.includes(c), `${c} is not registered`);
  });

  it('reports files that were never opened, with range, severity, code, message and related information', async () => {
    const [d] = await count(file('pods/denied.yaml'), 1);
    assert.deepEqual([d!.range.start.line, d!.range.start.character, d!.range.end.line, d!.range.end.character], [8, 13, 8, 23]);
    assert.equal(d!.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(codeOf(d!), SEED);
    assert.equal(d!.message, seedMessage('nginx:1.25'));
    assert.ok(typeof d!.code === 'object' && d!.code.target.path.endsWith('/policy/constraint.yaml'), 'the code links to the constraint');
    assert.ok(d!.relatedInformation?.some((r) => r.location.uri.path.endsWith('/policy/constraint.yaml')), 'related information points at the constraint');
    assert.equal(vscode.workspace.textDocuments.some((t) => t.uri.toString() === file('pods/denied.yaml').toString()), false, 'the file was not opened');

    // Workloads are checked as the Pods they create.
    const [web] = await count(file('workloads/web.yaml'), 1);
    assert.deepEqual([web!.range.start.line, web!.range.start.character], [24, 17]);
    assert.equal(web!.message, seedMessage('prom/statsd-exporter:v0.26.0'));
    const [cron] = await count(file('workloads/nightly-report.yaml'), 1);
    assert.deepEqual([cron!.range.start.line, cron!.range.start.character], [14, 21]);
    // Clean files: the allowed Pod, and a DaemonSet in a namespace the constraint does not match.
    assert.deepEqual(ours(file('pods/allowed.yaml')), []);
    assert.deepEqual(ours(file('workloads/kube-system-agent.yaml')), []);
  });

  it('applies both constraints, each with its own severity and code', async () => {
    const ds = await count(file('pods/tools.yaml'), 2);
    const bySeverity = [...ds].sort((a, b) => a.severity - b.severity);
    assert.deepEqual(
      bySeverity.map((d) => [vscode.DiagnosticSeverity[d.severity], codeOf(d), d.range.start.line, d.range.start.character, d.range.end.character]),
      [
        ['Error', SEED, 8, 13, 37],
        ['Warning', SECOND, 8, 13, 37],
      ],
    );
    assert.equal(bySeverity[1]!.message, 'container <tool> has an invalid image repo <ghcr.io/example/tool:2.0>, disallowed repos are ["ghcr.io/"]');
  });

  it('checks every document of a multi-document file, and only Pods', async () => {
    const ds = await count(file('multi.yaml'), 2);
    assert.deepEqual(
      ds.map((d) => [d.range.start.line, d.message]).sort(),
      [
        [24, seedMessage('redis:7')],
        [33, seedMessage('docker.io/library/postgres:16')],
      ],
    );
  });

  it('follows unsaved edits of an open file', async () => {
    const editor = await open('pods/allowed.yaml');
    await count(editor.document.uri, 0);
    await replaceAll(editor.document, `${TRUSTED}:latest`, 'quay.io/evil/miner:1');
    const [d] = await count(editor.document.uri, 1);
    assert.equal(d!.message, seedMessage('quay.io/evil/miner:1'));
    await within(vscode.commands.executeCommand('workbench.action.files.revert'), 10_000, 'revert');
    await count(editor.document.uri, 0);
  });

  it('hovers on an image name the deciding constraint and every verdict', async () => {
    const denied = file('pods/denied.yaml');
    await open('pods/denied.yaml');
    const text = await hoverText(denied, new vscode.Position(8, 16));
    assert.match(text, /REFUSED: \*\*K8sAllowedRepos repo-is-openpolicyagent\*\* \(deny\), refused: matches none of/);
    assert.match(text, /allowed: \*\*K8sDisallowedRepos no-public-ghcr\*\* \(warn\)/);
    assert.match(text, /constraint\.yaml:4/);
    await open('pods/tools.yaml');
    const both = await hoverText(file('pods/tools.yaml'), new vscode.Position(8, 20));
    assert.match(both, /REFUSED: \*\*K8sAllowedRepos repo-is-openpolicyagent\*\* \(deny\)/);
    assert.match(both, /REFUSED: \*\*K8sDisallowedRepos no-public-ghcr\*\* \(warn\), refused: starts with "ghcr.io\/"/);
    // Not on an image: nothing from Trusted Images.
    assert.doesNotMatch(await hoverText(denied, new vscode.Position(2, 2)), /Trusted Images/);
  });

  it('a quick fix from executeCodeActionProvider, applied with workspace.applyEdit, clears its diagnostic', async () => {
    const editor = await open('pods/denied.yaml');
    const uri = editor.document.uri;
    const [d] = await count(uri, 1);
    const actions = await within(
      vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d!.range, vscode.CodeActionKind.QuickFix.value, 10),
      10_000,
      'code actions',
    );
    const ourActions = actions.filter((a) => /^Use |untrusted images|in constraint/.test(a.title));
    // VS Code orders them: the preferred fix first; the rest keep no promised order.
    assert.deepEqual(
      ourActions.map((a) => a.title).sort(),
      [
        `Use ${TRUSTED}/dockerhub/library/nginx:1.25`,
        `Use ${TRUSTED}/library/nginx:1.25`,
        'Fix all untrusted images in this file',
        `Allow \`nginx:\` in constraint ${SEED}`,
      ].sort(),
      `actions: ${JSON.stringify(actions.map((a) => [a.title, a.kind?.value, a.isPreferred, a.diagnostics?.length]))}`,
    );
    const preferred = ourActions[0]!;
    assert.equal(preferred.title, `Use ${TRUSTED}/dockerhub/library/nginx:1.25`);
    assert.equal(preferred.isPreferred, true);
    assert.ok(preferred.edit, 'the rewrite carries its edit');
    // The allow action is resolved lazily; asked to resolve, it edits the constraint file.
    const allow = ourActions.find((a) => a.title.startsWith('Allow'))!;
    assert.ok(allow.edit?.entries().some(([u]) => u.path.endsWith('/policy/constraint.yaml')), 'the allow action edits the constraint');
    assert.equal(await vscode.workspace.applyEdit(preferred.edit!), true);
    await count(uri, 0);
    assert.equal(editor.document.lineAt(8).text, `      image: ${TRUSTED}/dockerhub/library/nginx:1.25`);
  });

  it('fixes every image on save with editor.codeActionsOnSave = source.fixAll.trustedImages', async () => {
    const onSave = { 'source.fixAll.trustedImages': 'explicit' };
    const config = () => vscode.workspace.getConfiguration('editor', { languageId: 'yaml' });
    await config().update('codeActionsOnSave', onSave, vscode.ConfigurationTarget.Workspace, true);
    try {
      assert.deepEqual(config().get('codeActionsOnSave'), onSave);
      const editor = await open('fix-on-save.yaml');
      const uri = editor.document.uri;
      await count(uri, 2);
      // An edit the server must have seen before the save: the image it reports changes.
      await replaceAll(editor.document, 'nginx:1.25', 'nginx:1.27');
      await diagnostics(uri, (ds) => ds.some((d) => d.message === seedMessage('nginx:1.27')), 'the edited image');
      const saved = new Promise<void>((resolve) => {
        const sub = vscode.workspace.onDidSaveTextDocument((d) => {
          if (d.uri.toString() !== uri.toString()) return;
          sub.dispose();
          resolve();
        });
      });
      await within(vscode.commands.executeCommand('workbench.action.files.save'), 20_000, 'the save command');
      await within(saved, 20_000, 'the document to be saved');
      const text = editor.document.getText();
      assert.equal(editor.document.isDirty, false);
      assert.match(text, new RegExp(`image: ${TRUSTED}/dockerhub/library/nginx:1\\.27\\n`), `saved text:\n${text}`);
      assert.match(text, new RegExp(`image: '${TRUSTED}/dockerhub/library/busybox:1\\.36'\\n`), `saved text:\n${text}`);
      assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), text, 'the fixed text is what was written');
      await count(uri, 0);
    } finally {
      await config().update('codeActionsOnSave', undefined, vscode.ConfigurationTarget.Workspace, true);
    }
  });

  it('editing a constraint re-checks other files: unsaved, reverted, then on disk', async () => {
    const cron = file('workloads/nightly-report.yaml');
    const multi = file('multi.yaml');
    await count(cron, 1);
    await count(multi, 2);
    const editor = await open('policy/constraint.yaml');
    const wider = `repos: ["${TRUSTED}", "busybox:", "redis:"]`;
    // Unsaved: the open constraint's text counts.
    await replaceAll(editor.document, `repos: ["${TRUSTED}"]`, wider);
    await count(cron, 0);
    const [left] = await count(multi, 1);
    assert.equal(left!.range.start.line, 33);
    // Reverted: back to the file on disk.
    await within(vscode.commands.executeCommand('workbench.action.files.revert'), 10_000, 'revert');
    await count(cron, 1);
    await count(multi, 2);
    // Closed, then changed on disk: the file watcher re-checks.
    await within(vscode.commands.executeCommand('workbench.action.closeActiveEditor'), 10_000, 'close');
    const disk = new TextDecoder().decode(await vscode.workspace.fs.readFile(editor.document.uri));
    await vscode.workspace.fs.writeFile(editor.document.uri, new TextEncoder().encode(disk.replace(`repos: ["${TRUSTED}"]`, wider)));
    await count(cron, 0, 30_000);
    await count(multi, 1);
    await vscode.workspace.fs.writeFile(editor.document.uri, new TextEncoder().encode(disk));
    await count(cron, 1, 30_000);
  });

  it('the commands run: Show Output, Restart Server (diagnostics come back from the new server)', async () => {
    await within(vscode.commands.executeCommand('trustedImages.showOutput'), 10_000, 'show output');
    await within(vscode.commands.executeCommand('trustedImages.restartServer'), 30_000, 'restart');
    // The restarted server checks the workspace again, and follows edits.
    const editor = await open('pods/allowed.yaml');
    await replaceAll(editor.document, `${TRUSTED}:latest`, 'quay.io/evil/miner:2');
    await diagnostics(editor.document.uri, (ds) => ds.some((d) => d.message === seedMessage('quay.io/evil/miner:2')), 'the edited image refused', 30_000);
    await count(file('workloads/nightly-report.yaml'), 1);
    await within(vscode.commands.executeCommand('workbench.action.files.revert'), 10_000, 'revert');
    await count(editor.document.uri, 0);
  });
});

/**
 * Wave 2 in a real VS Code: what charts render, overlays build and ValidatingAdmissionPolicies refuse.
 * The files are written into the workspace here and deleted at the end, so the suite's other counts
 * (and the UI checks that follow) see the fixture as it is.
 */
describe('Trusted Images in VS Code: charts, overlays, admission policies', () => {
  const written: vscode.Uri[] = [];
  async function write(files: Record<string, string>): Promise<void> {
    // One at a time, the files a render reads first, each then opened as a person who writes it has it:
    // the server hears of it at once (didOpen), not only when the file watcher reports a new folder's
    // files, which it does late or not at all on some machines. Arrival through the watcher alone is
    // covered by the protocol tests (test/protocol/rendered.test.ts).
    for (const [rel, text] of Object.entries(files)) {
      const uri = file(rel);
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      written.push(uri);
      await vscode.workspace.openTextDocument(uri);
    }
  }
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const uri of written.reverse()) await vscode.workspace.fs.delete(uri, { useTrash: false }).then(undefined, () => undefined);
    for (const uri of written) await count(uri, 0, 30_000).catch(() => undefined);
  });

  async function quickFix(uri: vscode.Uri, d: vscode.Diagnostic, title: RegExp): Promise<void> {
    const actions = await within(vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range, vscode.CodeActionKind.QuickFix.value, 10), 10_000, 'code actions');
    const fix = actions.find((a) => title.test(a.title));
    assert.ok(fix?.edit, `actions: ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.equal(await vscode.workspace.applyEdit(fix.edit), true);
  }

  it('an overlay whose images entry sets an untrusted registry: the squiggle on that line, none on the base, a quick fix that clears it', async () => {
    await write({
      'overlays/base/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: shop\n          image: shop:1.0\n',
      'overlays/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'overlays/prod/kustomization.yaml': `resources:\n  - ../base\nnamePrefix: prod-\nimages:\n  - name: shop\n    newName: ${TRUSTED}/shop\n`,
      'overlays/dev/kustomization.yaml': 'resources:\n  - ../base\nnamePrefix: dev-\nimages:\n  - name: shop\n    newName: docker.io/acme/shop\n',
    });
    const dev = file('overlays/dev/kustomization.yaml');
    const [d] = await count(dev, 1, 30_000);
    assert.equal(d!.range.start.line, 5, `the newName line: ${show([d!])}`);
    assert.match(d!.message, /docker\.io\/acme\/shop:1\.0/);
    assert.equal(codeOf(d!), SEED);
    // Every overlay rewrites the base's image: the base line shows nothing, and prod is trusted.
    await count(file('overlays/base/deployment.yaml'), 0);
    await count(file('overlays/prod/kustomization.yaml'), 0);
    // Code actions are asked of an open document, as the editor asks them.
    await open('overlays/dev/kustomization.yaml');
    await quickFix(dev, d!, new RegExp(`^Use ${TRUSTED.replace(/\./g, '\\.')}/`));
    await count(dev, 0, 30_000);
    const doc = await vscode.workspace.openTextDocument(dev);
    assert.match(doc.lineAt(5).text, new RegExp(`newName: ${TRUSTED.replace(/\./g, '\\.')}/`));
  });

  it("an untrusted image.repository in a chart's values.yaml: the squiggle on that line, a hover with the rendered image and the template, a quick fix that clears it", async () => {
    await write({
      'charts/web/templates/deployment.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'charts/web/values.yaml': 'image:\n  repository: docker.io/acme/web\n  tag: "2.1"\n',
    });
    const values = file('charts/web/values.yaml');
    const [d] = await count(values, 1, 30_000);
    assert.equal(d!.range.start.line, 1, `the image.repository line: ${show([d!])}`);
    assert.match(d!.message, /docker\.io\/acme\/web:2\.1/);
    await open('charts/web/values.yaml');
    const hover = await hoverText(values, new vscode.Position(1, 20));
    assert.match(hover, /docker\.io\/acme\/web:2\.1/);
    assert.match(hover, /values image\.repository/);
    assert.match(hover, /deployment\.yaml/);
    await quickFix(values, d!, new RegExp(`^Use ${TRUSTED.replace(/\./g, '\\.')}/`));
    await count(values, 0, 30_000);
  });

  it('a ValidatingAdmissionPolicy with a binding and a params object refusing an image: squiggle, hover naming the policy and the binding, a quick fix that clears it', async () => {
    const approved = `${TRUSTED}/approved/`;
    await write({
      'admission/params.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: registries\n  namespace: default\ndata:\n  registry: ${approved}\n`,
      'admission/policy.yaml': [
        'apiVersion: admissionregistration.k8s.io/v1',
        'kind: ValidatingAdmissionPolicy',
        'metadata:',
        '  name: approved-images',
        'spec:',
        '  paramKind:',
        '    apiVersion: v1',
        '    kind: ConfigMap',
        '  matchConstraints:',
        '    objectSelector:',
        '      matchLabels:',
        '        admission-demo: "true"',
        '    resourceRules:',
        '      - apiGroups: [""]',
        '        apiVersions: ["v1"]',
        '        operations: ["CREATE", "UPDATE"]',
        '        resources: ["pods"]',
        '  validations:',
        '    - expression: "object.spec.containers.all(c, c.image.startsWith(params.data.registry))"',
        "      messageExpression: \"'image ' + object.spec.containers.filter(c, !c.image.startsWith(params.data.registry))[0].image + ' is not approved'\"",
        '---',
        'apiVersion: admissionregistration.k8s.io/v1',
        'kind: ValidatingAdmissionPolicyBinding',
        'metadata:',
        '  name: approved-images-binding',
        'spec:',
        '  policyName: approved-images',
        '  validationActions: [Deny]',
        '  paramRef:',
        '    name: registries',
        '    namespace: default',
        '    parameterNotFoundAction: Deny',
        '',
      ].join('\n'),
      'admission/pod.yaml': `apiVersion: v1\nkind: Pod\nmetadata:\n  name: demo\n  labels:\n    admission-demo: "true"\nspec:\n  containers:\n    - name: demo\n      image: ${TRUSTED}/other/demo:1\n`,
    });
    const pod = file('admission/pod.yaml');
    const [d] = await count(pod, 1, 30_000);
    assert.equal(codeOf(d!), 'approved-images');
    assert.equal(d!.range.start.line, 9, `the image line: ${show([d!])}`);
    assert.equal(d!.message, `image ${TRUSTED}/other/demo:1 is not approved`);
    await open('admission/pod.yaml');
    const hover = await hoverText(pod, new vscode.Position(9, 20));
    assert.match(hover, /approved-images/);
    assert.match(hover, /approved-images-binding/);
    await quickFix(pod, d!, new RegExp(`^Use ${approved.replace(/\./g, '\\.')}`));
    await count(pod, 0, 30_000);
  });
});
