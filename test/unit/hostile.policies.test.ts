// Hostile ConstraintTemplates through the real engine (test/fixtures/hostile/policies): a pattern that
// backtracks in JavaScript, builtins asked for huge ranges, strings and arrays. Each is answered as OPA
// answers (RE2) or reported as not evaluated with the bound it hit named: a warning on the object, never
// a pass and never a deny, within its budget, and the template beside it still gives its verdicts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { compileRego, dataDocument, evaluateRego, fromJS } from '../../server/src/rego';
import { checkTexts, projectRoot } from '../support/helpers';

const dir = path.join(projectRoot, 'test', 'fixtures', 'hostile', 'policies');
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

/** The fixture template `name` with the benign one and the Pod, checked together; and how long it took. */
function check(name: string) {
  const started = process.hrtime.bigint();
  const checked = checkTexts({ [`${name}.yaml`]: read(`${name}.yaml`), 'benign.yaml': read('benign.yaml'), 'pod.yaml': read('pod.yaml') });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const of = (kind: string) => checked.violations.filter((v) => v.constraint.kind === kind);
  return { ...checked, ms, of };
}

/** Generous for a loaded two-core machine: the point is no hang (the evaluation budget is 250 ms). */
const withinBudget = 2_000;

const bounded: Array<[file: string, kind: string, bound: RegExp]> = [
  ['range', 'K8sRange', /numbers\.range: 100000000 elements is over the limit of 1000000 elements per value \(maxElements, a bound of the budget per object\)/],
  ['width', 'K8sWidth', /sprintf: width 999999999 is over the limit of 4000000 characters \(maxStringLength, a bound of the budget per object\)/],
  ['concatgrowth', 'K8sConcatGrowth', /concat: a string of \d+ characters is over the limit of 4000000 characters \(maxStringLength, a bound of the budget per object\)/],
  ['arraygrowth', 'K8sArrayGrowth', /array\.concat: 1800000 elements is over the limit of 1000000 elements per value \(maxElements, a bound of the budget per object\)/],
  ['replacegrowth', 'K8sReplaceGrowth', /replace: a string of 400040000 characters is over the limit of 4000000 characters \(maxStringLength, a bound of the budget per object\)/],
  ['regexreplacegrowth', 'K8sRegexReplaceGrowth', /regex\.replace: the result is over the limit of 4000000 characters \(maxStringLength, a bound of the budget per object\)/],
  ['sharedjson', 'K8sSharedJson', /json\.marshal: the result is over the limit of 4000000 characters \(maxStringLength, a bound of the budget per object\)/],
  // Steps or wall time, whichever a loaded machine spends first: both are the budget, named.
  ['hugecomprehension', 'K8sHugeComprehension', /evaluation stopped after (200000 steps|250 ms) \(the budget per object\)/],
  ['hugeregex', 'K8sHugeRegex', /regex\.match: the pattern compiles to about \d+ instructions, over the limit of 50000 \(maxRegexProgram, a bound of the budget per object\)/],
  ['slowregex', 'K8sSlowRegex', /evaluation stopped after 200000 steps \(the budget per object\)/],
  // Which bound comes first depends on the machine's speed: each is named.
  ['sharedequal', 'K8sSharedEqual', /values too large to compare, print or merge: over 4000000 elements visited in one step \(maxValueWork, a bound of the budget per object\)|evaluation stopped after 250 ms \(the budget per object\)/],
  ['sharedprint', 'K8sSharedPrint', /\(maxValueWork, a bound of the budget per object\)|evaluation stopped after 250 ms \(the budget per object\)/],
  ['sharedunion', 'K8sSharedUnion', /\(maxValueWork, a bound of the budget per object\)|evaluation stopped after 250 ms \(the budget per object\)/],
];

describe('hostile templates through the engine', () => {
  test('ReDoS: regex.match("^(a+)+$") on an image of 40 a\'s and a b answers as OPA does, at once', () => {
    const { of, ms } = check('redos');
    const redos = of('K8sRedos');
    // Only the container whose image is all a's matches; nothing is left unevaluated.
    assert.deepEqual(redos.map((v) => [v.severity, v.message]), [['error', `image ${'a'.repeat(40)} is only a's`]]);
    assert.ok(!redos.some((v) => v.notEvaluated));
    assert.equal(of('K8sBenign').length, 2);
    assert.ok(ms < withinBudget, `${ms} ms`);
  });

  for (const [file, kind, bound] of bounded) {
    test(`${kind}: a warning that names the bound, never a pass or a deny, within the budget`, () => {
      const { of, ms } = check(file);
      const found = of(kind);
      assert.equal(found.length, 1, JSON.stringify(found.map((v) => v.message)));
      const v = found[0]!;
      assert.equal(v.severity, 'warning');
      assert.ok(v.notEvaluated);
      assert.match(v.message, new RegExp(`^ConstraintTemplate ${kind.toLowerCase()} is not evaluated for this object: `));
      assert.match(v.message, bound);
      // The template beside it still gives its two verdicts.
      assert.deepEqual(of('K8sBenign').map((x) => x.message).sort(), [`container forty runs ${'a'.repeat(40)}b`, `container only-as runs ${'a'.repeat(40)}`]);
      assert.ok(ms < withinBudget, `${ms} ms`);
    });
  }

  test('the whole hostile workspace is checked in a few budgets, every template answered', () => {
    const files = Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => [f, read(f)]));
    const started = process.hrtime.bigint();
    const { violations } = checkTexts(files);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const kinds = new Set(violations.map((v) => v.constraint.kind));
    for (const [, kind] of bounded) assert.ok(kinds.has(kind), kind);
    assert.ok(kinds.has('K8sRedos') && kinds.has('K8sBenign'));
    assert.equal(violations.filter((v) => v.notEvaluated).length, bounded.length);
    assert.ok(ms < bounded.length * withinBudget, `${ms} ms`);
  });
});

describe('builtins as OPA gives them, within the bounds', () => {
  // One expression evaluated through a template of its own, on the fixture Pod: its verdicts.
  const valueOf = (expr: string) => {
    const t = `apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata:\n  name: k8sr\nspec:\n  crd:\n    spec:\n      names:\n        kind: K8sR\n  targets:\n    - target: admission.k8s.gatekeeper.sh\n      rego: |\n        package k8sr\n        violation[{"msg": msg}] {\n          msg := json.marshal(${expr})\n        }\n`;
    const c = 'apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sR\nmetadata:\n  name: r\nspec:\n  match:\n    kinds:\n      - apiGroups: [""]\n        kinds: ["Pod"]\n';
    return checkTexts({ 't.yaml': t, 'c.yaml': c, 'pod.yaml': read('pod.yaml') }).violations.map((v) => [v.severity, v.message]);
  };

  test('numbers.range and numbers.range_step: inclusive, both directions; a step under 1 is undefined', () => {
    assert.deepEqual(valueOf('numbers.range(1, 4)'), [['error', '[1,2,3,4]']]);
    assert.deepEqual(valueOf('numbers.range(2, -1)'), [['error', '[2,1,0,-1]']]);
    assert.deepEqual(valueOf('numbers.range_step(0, 10, 4)'), [['error', '[0,4,8]']]);
    assert.deepEqual(valueOf('numbers.range_step(10, 0, 5)'), [['error', '[10,5,0]']]);
    assert.deepEqual(valueOf('numbers.range_step(0, 10, 0)'), []);
    assert.deepEqual(valueOf('count(numbers.range(1, 1000000))'), [['error', '1000000']], 'the bound itself is allowed');
  });

  test('numbers.range_step over the bound is a warning that names it', () => {
    const [found] = valueOf('numbers.range_step(0, 10000000000, 2)');
    assert.equal(found![0], 'warning');
    assert.match(found![1]!, /numbers\.range_step: 5000000001 elements is over the limit of 1000000 elements per value \(maxElements, a bound of the budget per object\)/);
  });

  test('sprintf: %q of a number that is no code point prints U+FFFD as Go does (was a RangeError)', () => {
    assert.deepEqual(valueOf('sprintf("%q %q %q", [97, 39, 99999999])'), [['error', `"'a' '\\\\'' '\ufffd'"`]]);
  });

  test('sprintf: a precision JavaScript cannot print is reported as not evaluated, not guessed', () => {
    const [found] = valueOf('sprintf("%.200f", [0.1])');
    assert.equal(found![0], 'warning');
    assert.match(found![1]!, /sprintf: a precision of 200 digits is not evaluated/);
  });
});

describe('compiling hostile templates', () => {
  test('a body of 4,000 expressions written in reverse order is ordered in n log n (it took 22 s)', () => {
    const lines: string[] = [];
    for (let i = 4000; i > 0; i--) lines.push(`  x${i} := x${i - 1} + 1`);
    const rego = `package k8schain\nviolation[{"msg": msg}] {\n${lines.join('\n')}\n  x0 := 1\n  msg := sprintf("%v", [x4000])\n}`;
    const started = process.hrtime.bigint();
    const compiled = compileRego(rego);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(compiled.ok, compiled.ok ? '' : compiled.problem.message);
    assert.ok(ms < 5_000, `${ms} ms`);
    const out = evaluateRego(compiled.policy, fromJS({}), dataDocument(undefined));
    assert.deepEqual(out.ok && out.results.map((r) => r.msg), ['4001']);
  });
});

describe('a template that hits a bound is counted over its budget', () => {
  test('after three objects it is not evaluated again: its cost is paid three times, not once per object', () => {
    const pods = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`pod${i}.yaml`, read('pod.yaml').replace('name: hostile-target', `name: p${i}`)]),
    );
    const { violations } = checkTexts({ 'sharedjson.yaml': read('sharedjson.yaml'), ...pods });
    const messages = violations.map((v) => v.message.replace(/\d{4,}/g, 'N'));
    assert.equal(messages.filter((m) => /is not evaluated for this object: json\.marshal: the result is over the limit of N characters \(maxStringLength/.test(m)).length, 3);
    assert.equal(messages.filter((m) => m === 'ConstraintTemplate k8ssharedjson is not evaluated: it ran over its budget on 3 objects').length, 3);
    assert.ok(violations.every((v) => v.severity === 'warning' && v.notEvaluated));
  });
});
