// The verdicts, case by case, through the real parser and the whole engine.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeText } from '../../server/src/engine';
import { hasPolicyObjects, mayHoldPolicyObjects } from '../../server/src/engine';
import { checkTexts, constraintYaml, needsShared, sharedRoot, templateYaml, yamlFiles } from '../support/helpers';

const allowed = (repos: string, extra = '') => constraintYaml('K8sAllowedRepos', 'trusted', `${extra}  parameters:\n    repos: ${repos}\n`);
const pod = (image: string, extra = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n${extra}spec:\n  containers:\n  - name: c\n    image: ${image}\n`;
const msg = (image: string, repos = '["corp/"]') => `container <c> has an invalid image repo <${image}>, allowed repos are ${repos}`;

describe('K8sAllowedRepos', () => {
  test('prefix on the raw string: no registry normalisation, case sensitive', () => {
    assert.deepEqual(checkTexts({ c: allowed('["docker.io/"]'), p: pod('nginx') }).messages, [msg('nginx', '["docker.io/"]')]);
    assert.deepEqual(checkTexts({ c: allowed('["corp/"]'), p: pod('CORP/x') }).messages, [msg('CORP/x')]);
    assert.deepEqual(checkTexts({ c: allowed('["corp/"]'), p: pod('corp/x') }).messages, []);
  });

  test('repos: [] refuses every image; no repos refuses none', () => {
    assert.deepEqual(checkTexts({ c: allowed('[]'), p: pod('corp/x') }).messages, [msg('corp/x', '[]')]);
    const noRepos = constraintYaml('K8sAllowedRepos', 'trusted', '  parameters: {}\n');
    assert.deepEqual(checkTexts({ c: noRepos, p: pod('anything') }).messages, []);
  });

  test('an image that is not a string is refused and printed as Gatekeeper prints it', () => {
    assert.deepEqual(checkTexts({ c: allowed('["corp/"]'), p: pod('12345') }).messages, [msg('12345')]);
    assert.deepEqual(checkTexts({ c: allowed('["corp/"]'), p: pod('null') }).messages, [msg('null')]);
    assert.deepEqual(checkTexts({ c: allowed('["corp/"]'), p: pod('[a, 1]') }).messages, [msg('["a", 1]')]);
  });

  test('a container without name or image gives no violation', () => {
    const noName = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - image: nginx\n  - name: x\n';
    assert.deepEqual(checkTexts({ c: allowed('["corp/"]'), p: noName }).messages, []);
  });

  test('identical messages of one object merge, as a Rego set does', () => {
    const twice = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: nginx}\n  - {name: c, image: nginx}\n';
    assert.equal(checkTexts({ c: allowed('["corp/"]'), p: twice }).violations.length, 1);
  });

  test('init and ephemeral containers are checked with their own messages', () => {
    const p = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers: [{name: i, image: a}]\n  ephemeralContainers: [{name: e, image: b}]\n';
    assert.deepEqual(checkTexts({ c: allowed('["corp/"]'), p }).messages, [
      'ephemeralContainer <e> has an invalid image repo <b>, allowed repos are ["corp/"]',
      'initContainer <i> has an invalid image repo <a>, allowed repos are ["corp/"]',
    ]);
  });

  test('parameters that do not fit the schema: the constraint is refused and reported, not applied', () => {
    const r = checkTexts({ c: allowed('"corp/"'), p: pod('nginx') });
    assert.deepEqual(r.messages, []);
    assert.match(r.policy.problems[0]!.message, /repos must be a list of strings/);
  });
});

describe('K8sAllowedReposv2 and K8sDisallowedRepos', () => {
  test('v2: exact entries, and prefixes ending in *', () => {
    const c = constraintYaml('K8sAllowedReposv2', 'v2', '  parameters:\n    allowedImages: ["corp/*", "ubuntu:20.04"]\n');
    assert.deepEqual(checkTexts({ c, p: pod('ubuntu:20.04') }).messages, []);
    assert.deepEqual(checkTexts({ c, p: pod('corp/x:1') }).messages, []);
    assert.deepEqual(checkTexts({ c, p: pod('ubuntu:20.04.1') }).messages, [
      'container <c> has an invalid image <ubuntu:20.04.1>, allowed images are ["corp/*", "ubuntu:20.04"]',
    ]);
  });

  test('disallowed: a non-string image is not refused (startswith is undefined)', () => {
    const c = constraintYaml('K8sDisallowedRepos', 'd', '  parameters:\n    repos: ["bad/"]\n');
    assert.deepEqual(checkTexts({ c, p: pod('bad/x') }).messages, ['container <c> has an invalid image repo <bad/x>, disallowed repos are ["bad/"]']);
    assert.deepEqual(checkTexts({ c, p: pod('123') }).messages, []);
  });
});

describe('match', () => {
  const kinds = '  match:\n    kinds:\n    - apiGroups: [""]\n      kinds: ["Pod"]\n';
  test('kinds: a Deployment is not a Pod, but the Pod it creates is', () => {
    const deploy = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: nginx}]\n';
    const r = checkTexts({ c: allowed('["corp/"]', kinds), d: deploy });
    assert.deepEqual(r.messages, [msg('nginx')]);
    assert.equal(r.violations[0]!.object.gvk.kind, 'Deployment');
    assert.equal(r.violations[0]!.use!.path, 'spec.template.spec.containers[0]');
    // Without pod templates, only Pods are checked.
    assert.deepEqual(checkTexts({ c: allowed('["corp/"]', kinds), d: deploy }, { checkPodTemplates: false }).messages, []);
    // Old API versions are not expanded.
    assert.deepEqual(checkTexts({ c: allowed('["corp/"]', kinds), d: deploy.replace('apps/v1', 'extensions/v1beta1') }).messages, []);
  });

  test('CronJob -> Job -> Pod', () => {
    const cron = 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: n}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: c, image: busybox}]\n';
    const r = checkTexts({ c: allowed('["corp/"]', kinds), d: cron });
    assert.deepEqual(r.messages, [msg('busybox')]);
    assert.equal(r.violations[0]!.use!.path, 'spec.jobTemplate.spec.template.spec.containers[0]');
  });

  test('namespaces and excludedNamespaces with wildcards; objects default to the default namespace', () => {
    const ns = (rule: string) => allowed('["corp/"]', `  match:\n    ${rule}\n`);
    assert.equal(checkTexts({ c: ns('namespaces: ["kube-*"]'), p: pod('x', '  namespace: kube-system\n') }).violations.length, 1);
    assert.equal(checkTexts({ c: ns('namespaces: ["*-system"]'), p: pod('x', '  namespace: kube-system\n') }).violations.length, 1);
    assert.equal(checkTexts({ c: ns('namespaces: ["prod"]'), p: pod('x', '  namespace: kube-system\n') }).violations.length, 0);
    assert.equal(checkTexts({ c: ns('excludedNamespaces: ["kube-*"]'), p: pod('x', '  namespace: kube-system\n') }).violations.length, 0);
    assert.equal(checkTexts({ c: ns('namespaces: ["default"]'), p: pod('x') }).violations.length, 1);
    assert.equal(checkTexts({ c: ns('namespaces: ["prod"]'), p: pod('x') }).violations.length, 0);
    assert.equal(checkTexts({ c: ns('namespaces: ["prod"]'), p: pod('x') }, { namespace: 'prod' }).violations.length, 1);
    assert.equal(checkTexts({ c: ns('namespaces: ["prod"]'), p: pod('x') }, { namespace: '*' }).violations.length, 1);
  });

  test('labelSelector against the pod template labels of an expanded Pod', () => {
    const c = allowed('["corp/"]', '  match:\n    labelSelector:\n      matchExpressions:\n      - {key: tier, operator: In, values: [web]}\n');
    const deploy = (labels: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, labels: {tier: web}}\nspec:\n  template:\n    metadata: {labels: ${labels}}\n    spec:\n      containers: [{name: c, image: nginx}]\n`;
    assert.equal(checkTexts({ c, d: deploy('{tier: web}') }).violations.length, 1);
    assert.equal(checkTexts({ c, d: deploy('{tier: db}') }).violations.length, 0);
  });

  test('namespaceSelector reads the Namespace in the workspace; without it, Gatekeeper cannot match', () => {
    const c = allowed('["corp/"]', '  match:\n    kinds: [{apiGroups: [""], kinds: ["Pod"]}]\n    namespaceSelector:\n      matchLabels: {team: a}\n');
    const ns = (labels: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels: ${labels}\n`;
    const p = pod('nginx', '  namespace: apps\n');
    assert.equal(checkTexts({ c, n: ns('{team: a}'), p }).violations.length, 1);
    assert.equal(checkTexts({ c, n: ns('{team: b}'), p }).violations.length, 0);
    assert.deepEqual(checkTexts({ c, p }).messages, [
      'unable to match constraints: error matching the requested object: p :failed to run Match criteria: namespace selector for namespace-scoped object but missing Namespace',
    ]);
    // The API server labels every Namespace with its name.
    const byName = allowed('["corp/"]', '  match:\n    namespaceSelector:\n      matchLabels: {kubernetes.io/metadata.name: apps}\n');
    assert.equal(checkTexts({ c: byName, n: ns('{}'), p }).violations.length, 1);
  });

  test('scope, name and source', () => {
    const m = (rule: string) => allowed('["corp/"]', `  match:\n    ${rule}\n`);
    assert.equal(checkTexts({ c: m('scope: Namespaced'), p: pod('x') }).violations.length, 1);
    assert.equal(checkTexts({ c: m('scope: Cluster'), p: pod('x') }).violations.length, 0);
    assert.equal(checkTexts({ c: m('name: "p*"'), p: pod('x') }).violations.length, 1);
    assert.equal(checkTexts({ c: m('name: "q*"'), p: pod('x') }).violations.length, 0);
    const deploy = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: nginx}]\n';
    assert.equal(checkTexts({ c: m('source: Original'), d: deploy }).violations.length, 0);
    assert.equal(checkTexts({ c: m('source: Generated'), d: deploy }).violations.length, 1);
    // The expanded Pod is named <parent>-pod.
    assert.equal(checkTexts({ c: m('name: web-pod'), d: deploy }).violations.length, 1);
  });
});

describe('enforcement actions', () => {
  test('deny, warn, dryrun give error, warning, info', () => {
    for (const [action, severity] of [['deny', 'error'], ['warn', 'warning'], ['dryrun', 'info']]) {
      const r = checkTexts({ c: allowed('["corp/"]', `  enforcementAction: ${action}\n`), p: pod('x') });
      assert.equal(r.violations[0]!.severity, severity);
    }
  });

  test('scoped: only the actions for validation.gatekeeper.sh or *', () => {
    const scoped = (points: string) =>
      allowed('["corp/"]', `  enforcementAction: scoped\n  scopedEnforcementActions:\n  - action: warn\n    enforcementPoints: [{name: "${points}"}]\n`);
    assert.equal(checkTexts({ c: scoped('validation.gatekeeper.sh'), p: pod('x') }).violations[0]!.action, 'warn');
    assert.equal(checkTexts({ c: scoped('*'), p: pod('x') }).violations[0]!.action, 'warn');
    const auditOnly = checkTexts({ c: scoped('audit.gatekeeper.sh'), p: pod('x') });
    assert.equal(auditOnly.violations.length, 0);
    assert.match(auditOnly.policy.problems[0]!.message, /not checked/);
  });

  test('an action Gatekeeper does not accept: the constraint is refused, with its message', () => {
    const r = checkTexts({ c: allowed('["corp/"]', '  enforcementAction: Deny\n'), p: pod('x') });
    assert.equal(r.violations.length, 0);
    assert.match(r.policy.problems[0]!.message, /unrecognized enforcementAction: "Deny" is not within the supported list \[deny dryrun warn scoped\]/);
  });
});

describe('templates and expansion templates in the workspace', () => {
  const seedTemplate = templateYaml(
    'k8sallowedrepos',
    'K8sAllowedRepos',
    `package k8sallowedrepos
violation[{"msg": msg}] {
  input.review.kind.kind == "Pod"
  image := input.review.object.spec.containers[_].image
  satisfied := [good | repo = input.parameters.repos[_] ; good = startswith(image, repo)]
  not any(satisfied)
  msg := sprintf("Invalid image repo: <%v>, allowed repos are %v", [image, input.parameters.repos])
}`,
    'templates.gatekeeper.sh/v1beta1',
  );
  test("the workspace template's message is used", () => {
    const r = checkTexts({ t: seedTemplate, c: allowed('["corp/"]'), p: pod('nginx') });
    assert.deepEqual(r.policy.problems, []);
    assert.deepEqual(r.messages, ['Invalid image repo: <nginx>, allowed repos are ["corp/"]']);
  });

  test('v1 Rego syntax is recognised too', () => {
    const v1 = seedTemplate.replace('violation[{"msg": msg}] {', 'violation contains {"msg": msg} if {').replace('Invalid image repo', 'Untrusted image');
    assert.deepEqual(checkTexts({ t: v1, c: allowed('["corp/"]'), p: pod('nginx') }).messages, ['Untrusted image: <nginx>, allowed repos are ["corp/"]']);
  });

  test('a Rego the built-in check does not know is evaluated as written, and says so', () => {
    const other = seedTemplate.replace(/violation\[[\s\S]*\}\n$/, 'violation[{"msg": msg}] { c := input.review.object.spec.containers[_]; not startswith(c.image, "corp/"); msg := sprintf("only corp/, not %v", [c.image]) }\n');
    const r = checkTexts({ t: other, c: allowed('["other/"]'), p: pod('nginx') });
    assert.deepEqual(r.messages, ['only corp/, not nginx']);
    assert.match(r.policy.problems[0]!.message, /not a variant the built-in image check knows; K8sAllowedRepos constraints are evaluated from its Rego/);
    // The message names the image: the squiggle is on the image value.
    const v = r.violations[0]!;
    assert.equal(r.analyses[2]!.text.slice(v.at!.start, v.at!.end), 'nginx');
  });

  test('workspace ExpansionTemplates replace the defaults: prefix and action override', () => {
    const et = `apiVersion: expansion.gatekeeper.sh/v1beta1
kind: ExpansionTemplate
metadata:
  name: expand-deployments
spec:
  applyTo:
    - groups: ["apps"]
      kinds: ["Deployment"]
      versions: ["v1"]
  templateSource: "spec.template"
  enforcementAction: warn
  generatedGVK:
    kind: Pod
    group: ""
    version: v1
`;
    const deploy = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: nginx}]\n';
    const cron = 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: n}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: c, image: busybox}]\n';
    const r = checkTexts({ et, c: allowed('["corp/"]'), d: deploy, cron });
    assert.deepEqual(r.messages, [`[Implied by expand-deployments] ${msg('nginx')}`]);
    assert.equal(r.violations[0]!.action, 'warn');
  });
});

describe('the policy pre-filter (files the CLI reads first, for constraints, templates and Namespaces)', () => {
  const holds = (text: string) => hasPolicyObjects(analyzeText('f.yaml', text).policy);

  test('every way of writing a Namespace or a Gatekeeper object passes it', () => {
    const texts = [
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n',
      'apiVersion: v1\r\nkind: Namespace\r\nmetadata:\r\n  name: a\r\n',
      'apiVersion: v1\nmetadata: {name: a}\nkind: Namespace',
      'apiVersion: v1\nkind: "Namespace"  # the team\nmetadata:\n  name: a\n',
      "{apiVersion: v1, kind: 'Namespace', metadata: {name: a}}",
      '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}',
      'apiVersion: v1\nkind: >-\n  Namespace\nmetadata:\n  name: a\n',
      'apiVersion: v1\nkind: "Names\\x70ace"\nmetadata:\n  name: a\n',
      'apiVersion: v1\nkind: "Name\\\n  space"\nmetadata:\n  name: a\n',
      'apiVersion: v1\nkind: "Namesp\\u0061ce"\nmetadata:\n  name: a\n',
      'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n',
      constraintYaml('K8sAllowedRepos', 'c', '  parameters:\n    repos: ["a/"]\n').replace('gatekeeper.sh', 'gatekeeper\\x2esh').replace('apiVersion: ', 'apiVersion: "').replace('/v1beta1', '/v1beta1"'),
    ];
    for (const t of texts) {
      assert.ok(holds(t), `the test text holds a policy object: ${JSON.stringify(t)}`);
      assert.ok(mayHoldPolicyObjects(t), JSON.stringify(t));
    }
  });

  test('the word in prose or in longer names does not', () => {
    for (const t of ['description: the Namespace of the object\n', 'allNamespaces: true\n', 'kind: NamespaceList\n', 'msg: "say \\"hi\\" \\t"\n']) assert.equal(mayHoldPolicyObjects(t), false, t);
  });

  // (corpus/hard holds none.)
  for (const sub of ['corpus/real', 'conformance/gatekeeper-library']) {
    test(`no file of ../shared/${sub} with a policy object is filtered out`, needsShared(sub), () => {
      let withPolicy = 0;
      for (const f of yamlFiles(path.join(sharedRoot, sub))) {
        const text = fs.readFileSync(f, 'utf8');
        if (!holds(text)) continue;
        withPolicy++;
        assert.ok(mayHoldPolicyObjects(text), f);
      }
      assert.ok(withPolicy > 10, `${withPolicy} files with policy objects`);
    });
  }
});
