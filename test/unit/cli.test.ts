// The built command, run as CI runs it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { needsShared, projectRoot, sharedRoot, templateYaml } from '../support/helpers';

const bin = path.join(projectRoot, 'bin', 'trusted-images.js');

function run(args: string[], cwd = projectRoot) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-cli-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const constraint = 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAllowedRepos\nmetadata:\n  name: corp-only\nspec:\n  parameters:\n    repos: ["corp/"]\n';

describe('trusted-images check', () => {
  test('the bundled example: the seed denied Pod and allowed Pod, exit 1', () => {
    const r = run(['check', 'examples']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^examples\/pods\/deployment-violation\.yaml:8:14: error Invalid image repo: <nginx>, allowed repos are \["071460744267\.dkr\.ecr\.us-east-1\.amazonaws\.com\/test\/snyk"\] \[repo-is-openpolicyagent\]$/m);
    assert.doesNotMatch(r.stdout, /deployment-non-violation/);
    // The example's policy that is not about images, evaluated from its template's Rego.
    assert.match(r.stdout, /^examples\/workloads\/web\.yaml:5:9: error Deployment <web> has no <team> label: say which team owns it \[workloads-have-owners\]$/m);
    // Wave 2: the overlay's images entry, the chart's values line, the ValidatingAdmissionPolicy on its Pod.
    assert.match(r.stdout, /^examples\/overlays\/dev\/kustomization\.yaml:7:14: error Invalid image repo: <docker\.io\/acme\/shop:1\.0>/m);
    assert.match(r.stdout, /^examples\/chart\/values\.yaml:3:15: error Invalid image repo: <docker\.io\/acme\/web:2\.1>/m);
    assert.match(r.stdout, /^examples\/admission\/pod\.yaml:12:14: error image \S+\/billing:3\.2 is not approved \[approved-images\]$/m);
    assert.doesNotMatch(r.stdout, /overlays\/base|overlays\/prod|templates\/deployment/);
    assert.match(r.stdout, /8 violations \(8 deny, 0 warn, 0 dryrun\); 3 constraints/);
  });

  test('json: the stable shape, positions 1-based in UTF-16 code units', () => {
    const dir = workspace({
      'c.yaml': constraint,
      'p.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p  # 😀 日本\nspec:\n  containers:\n  - name: c\n    image: "nginx:1"  # 😀\n',
    });
    const r = run(['check', '.', '--format', 'json'], dir);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report), ['version', 'constraints', 'summary', 'violations', 'errors', 'warnings', 'skipped']);
    assert.deepEqual(report.constraints, [{ kind: 'K8sAllowedRepos', name: 'corp-only', file: 'c.yaml', line: 4, enforcementAction: 'deny', repos: ['corp/'] }]);
    assert.deepEqual(report.summary, { files: 2, documents: 2, objects: 2, images: 1, violations: 1 });
    assert.deepEqual(report.violations[0], {
      file: 'p.yaml',
      line: 8,
      column: 12,
      endLine: 8,
      endColumn: 21,
      image: 'nginx:1',
      message: 'container <c> has an invalid image repo <nginx:1>, allowed repos are ["corp/"]',
      severity: 'error',
      enforcementAction: 'deny',
      constraint: { kind: 'K8sAllowedRepos', name: 'corp-only' },
      object: { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'default' },
      container: { name: 'c', path: 'spec.containers[0]' },
    });
  });

  test('sarif: one rule per constraint, results with regions', () => {
    const dir = workspace({ 'c.yaml': constraint, 'p.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n' });
    const r = run(['check', '--format=sarif'], dir);
    const sarif = JSON.parse(r.stdout);
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs[0].tool.driver.rules[0].id, 'K8sAllowedRepos/corp-only');
    assert.deepEqual(sarif.runs[0].results[0].locations[0].physicalLocation.region, { startLine: 5, startColumn: 33, endLine: 5, endColumn: 34 });
    assert.equal(sarif.runs[0].results[0].level, 'error');
  });

  test('warn and dryrun do not fail the build', () => {
    const dir = workspace({ 'c.yaml': constraint.replace('spec:\n', 'spec:\n  enforcementAction: warn\n'), 'p.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n' });
    const r = run(['check'], dir);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /p\.yaml:5:33: warning container <c>/);
  });

  test('--constraints reads policies kept elsewhere; their files are not reported on', () => {
    const policies = workspace({ 'c.yaml': constraint });
    const dir = workspace({ 'p.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n' });
    const r = run(['check', '--constraints', policies, '--format', 'json'], dir);
    const report = JSON.parse(r.stdout);
    assert.equal(report.violations.length, 1);
    assert.equal(report.summary.files, 1);
  });

  test('--only checks the constraints of the kinds named, and exits as they decide', () => {
    const images = run(['check', 'examples', '--only', 'K8sAllowedRepos', '--format', 'json']);
    const report = JSON.parse(images.stdout);
    assert.deepEqual(report.constraints.map((c: { kind: string }) => c.kind), ['K8sAllowedRepos']);
    // The three manifests' images, the overlay's images entry and the chart's values line.
    assert.deepEqual(report.violations.map((v: { file: string }) => v.file).sort(), [
      'examples/chart/values.yaml',
      'examples/overlays/dev/kustomization.yaml',
      'examples/pods/deployment-violation.yaml',
      'examples/workloads/nightly-report.yaml',
      'examples/workloads/web.yaml',
    ]);
    assert.equal(images.code, 1);
    const labels = run(['check', 'examples', '--only=K8sRequiredTeamLabel,K8sNoSuchKind']);
    assert.match(labels.stdout, /2 violations \(2 deny, 0 warn, 0 dryrun\); 1 constraint,/);
    assert.match(labels.stderr, /--only K8sNoSuchKind: no constraint of this kind was found/);
    assert.doesNotMatch(labels.stderr, /K8sRequiredTeamLabel/);
    assert.doesNotMatch(labels.stdout, /invalid image repo|Invalid image repo/);
    // A template of a kind left out is not compiled: its Rego errors are not reported.
    const broken = templateYaml('k8sbroken', 'K8sBroken', 'package k8sbroken\nviolation[{"msg": msg}] { == }');
    const brokenConstraint = 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sBroken\nmetadata:\n  name: b\nspec:\n  matc: {}\n';
    const orphan = 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sNoTemplate\nmetadata:\n  name: o\n';
    const dir = workspace({ 't.yaml': broken, 'b.yaml': brokenConstraint, 'o.yaml': orphan, 'c.yaml': constraint, 'p.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n' });
    const all = JSON.parse(run(['check', '--format', 'json'], dir).stdout);
    assert.match(all.errors.map((e: { message: string }) => e.message).join('\n'), /ConstraintTemplate k8sbroken: rego_parse_error/);
    const onlyImages = JSON.parse(run(['check', '--format', 'json', '--only', 'K8sAllowedRepos'], dir).stdout);
    assert.deepEqual(onlyImages.errors, []);
    assert.deepEqual(onlyImages.warnings, []);
    assert.equal(onlyImages.violations.length, 1);
    const bad = run(['check', 'examples', '--only', 'K8s AllowedRepos']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--only takes constraint kinds separated by commas/);
  });

  test('bad input: YAML errors with lines, a chart rendered (its templates are not read as YAML), the rest still checked', () => {
    const dir = workspace({
      'c.yaml': constraint,
      'broken.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: x}]\n---\nfoo: [\n',
      'chart/Chart.yaml': 'name: x\n',
      'chart/templates/d.yaml': 'apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: c, image: {{ .Values.image }}}]\n',
      'tpl.yaml': 'image: {{ .Values.image }}\n  bad: [\n',
      'bin.yaml': 'a\0b',
      'latin1.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]).toString('latin1'),
      'empty.yaml': '',
    });
    fs.writeFileSync(path.join(dir, 'latin1.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    const r = run(['check', '--format', 'json'], dir);
    const report = JSON.parse(r.stdout);
    // broken.yaml's Pod, and the Pod the chart renders (its image is missing from the values: null).
    assert.deepEqual(report.violations.map((v: { file: string; image: unknown }) => [v.file, v.image]).sort(), [['broken.yaml', 'x'], ['chart/Chart.yaml', null]]);
    assert.deepEqual(report.errors.map((e: { file: string; line: number }) => [e.file, e.line]), [['broken.yaml', 7]]);
    assert.deepEqual(report.skipped.map((s: { file: string; reason: string }) => [s.file, s.reason.split(':')[0]]).sort(), [
      ['bin.yaml', 'binary'],
      ['latin1.yaml', 'not UTF-8 text'],
      ['tpl.yaml', 'template'],
    ]);
    // The chart's template is rendered, never parsed as YAML: no false error on it.
    assert.deepEqual(report.rendered.map((s: { kind: string; root: string }) => [s.kind, s.root]), [['helm', 'chart']]);
  });

  test('a huge file is skipped with the limit named', () => {
    const dir = workspace({ 'big.yaml': 'a: ' + 'x'.repeat(2 * 1024 * 1024) + '\n' });
    const report = JSON.parse(run(['check', '--format', 'json', '--max-file-size-mb', '1'], dir).stdout);
    assert.match(report.skipped[0].reason, /too large: 2\.0 MB is over the 1\.0 MB limit/);
  });

  test('exit 2: bad usage, or nothing readable', () => {
    assert.equal(run(['check', '--format', 'xml']).code, 2);
    assert.equal(run(['frobnicate']).code, 2);
    const missing = run(['check', '/nonexistent/path']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or directory/);
    assert.equal(run(['--help']).code, 0);
  });

  test('symbolic links out of the tree are not followed', () => {
    const outside = workspace({ 'p.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n' });
    const dir = workspace({ 'c.yaml': constraint });
    fs.symlinkSync(outside, path.join(dir, 'link'));
    fs.symlinkSync(dir, path.join(dir, 'loop'));
    const report = JSON.parse(run(['check', '--format', 'json'], dir).stdout);
    assert.equal(report.summary.files, 1);
  });

  test('all of ../shared/corpus/real is checked without a crash', needsShared('corpus/real'), () => {
    const r = run(['check', path.join(sharedRoot, 'corpus', 'real'), '--format', 'json']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const report = JSON.parse(r.stdout);
    const yamlFiles = fs.readFileSync(path.join(sharedRoot, 'corpus', 'real', 'FILES.txt'), 'utf8').split('\n').filter((l) => /\.ya?ml$/i.test(l.trim()));
    assert.equal(report.summary.files, yamlFiles.length);
    assert.ok(report.summary.objects > 3000);
  });

  test('a constraint whose template is evaluated by CEL is listed and reported with gator\'s messages', needsShared('conformance/gatekeeper-library'), () => {
    const dir = path.join(sharedRoot, 'conformance', 'gatekeeper-library', 'host-process', 'disallowed-init');
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { engine: string; messages: string[] };
    assert.equal(expected.engine, 'cel');
    const r = run(['check', dir, '--format', 'json']);
    const report = JSON.parse(r.stdout) as { constraints: Array<{ kind: string; name: string; line: number; repos: unknown }>; violations: Array<{ message: string }> };
    assert.deepEqual(
      report.constraints.map((c) => [c.kind, c.name, c.line, c.repos]),
      [['K8sPSPHostProcess', 'psp-host-process', 4, null]],
    );
    assert.deepEqual(report.violations.map((v) => v.message).sort(), [...expected.messages].sort());
  });
});

describe('the CLI started from V8 code cache (dist/cli.js)', () => {
  const dist = path.join(projectRoot, 'dist');
  const debug = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: projectRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, TRUSTED_IMAGES_CODE_CACHE_DEBUG: '1', ...env } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const cacheFiles = () => fs.readdirSync(dist).filter((f) => /^cli\.bundle\.[0-9a-f]{16}\.cache$/.test(f));

  test('the build leaves one cache, named by the bundle it was made for, and V8 takes it', () => {
    assert.equal(cacheFiles().length, 1);
    const r = debug(['check', 'examples']);
    assert.match(r.stderr, /^code cache: accepted$/m);
    assert.equal(r.code, 1);
  });

  test('a cache V8 refuses (bytes of another build) only costs the compile: same report', () => {
    const [file] = cacheFiles();
    const good = fs.readFileSync(path.join(dist, file!));
    const expected = debug(['check', 'examples', '--format', 'json']).stdout;
    try {
      const bad = Buffer.from(good);
      bad.fill(7, 0, 64);
      fs.writeFileSync(path.join(dist, file!), bad);
      const r = debug(['check', 'examples', '--format', 'json']);
      assert.match(r.stderr, /^code cache: rejected$/m);
      assert.equal(r.stdout, expected);
      fs.rmSync(path.join(dist, file!));
      const none = debug(['check', 'examples', '--format', 'json']);
      assert.match(none.stderr, /^code cache: none$/m);
      assert.equal(none.stdout, expected);
    } finally {
      fs.writeFileSync(path.join(dist, file!), good);
    }
  });
});
