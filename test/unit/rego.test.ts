// The Rego engine: language features and builtins as OPA evaluates them, and how the engine wires
// templates into the checks (diagnostic placement, not-evaluated reasons, budgets, inventory).
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileRego, dataDocument, evaluateRego, fromJS } from '../../server/src/rego';
import { goSprintf } from '../../server/src/rego/builtins';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildReport, defaultReportOptions } from '../../server/src/workspace/report';
import { checkTexts, needsShared, templateYaml } from '../support/helpers';
import { analyzeText } from '../../server/src/engine';
import { checkObjects, defaultCheckOptions } from '../../server/src/engine';
import { buildPolicySet } from '../../server/src/engine';
import { defaultExpansions } from '../../server/src/engine';
import { parseYaml, toJS } from '../../server/src/yaml/documents';
import { conformanceCases } from '../support/conformance';

/** Evaluates `violation` of a module against input; the messages, sorted. */
function run(rego: string, input: unknown = {}, libs: string[] = []): string[] {
  const c = compileRego(rego, libs);
  assert.ok(c.ok, c.ok ? '' : JSON.stringify(c.problem));
  const out = evaluateRego(c.policy, fromJS(input), dataDocument(undefined));
  assert.ok(out.ok, out.ok ? '' : out.error);
  return out.results.map((r) => r.msg).sort();
}

describe('Rego language', () => {
  test('v1 syntax: import rego.v1, contains, if, in, every, some-in', () => {
    const rego = `package p
import rego.v1
violation contains {"msg": msg} if {
  some c in input.cs
  every p in c.ports { p > 1000 }
  "x" in c.tags
  msg := sprintf("%v ok", [c.name])
}`;
    assert.deepEqual(run(rego, { cs: [{ name: 'a', ports: [2000, 3000], tags: ['x'] }, { name: 'b', ports: [80], tags: ['x'] }, { name: 'c', ports: [], tags: [] }] }), ['a ok']);
  });

  test('functions with else and default, partial objects, comprehensions, sets', () => {
    const rego = `package p
default level := "none"
level := "high" { input.n > 10 } else := "low" { input.n > 0 }
grade(x) := "big" { x > 100 } else := "small"
counts[k] := n { some k; v := input.m[k]; n := count(v) }
violation[{"msg": msg}] {
  s := {x | x := input.xs[_]} | {"z"}
  msg := sprintf("%v %v %v %v %v", [level, grade(input.n), counts, s, [y | y := input.xs[_]; y != "a"]])
}`;
    assert.deepEqual(run(rego, { n: 5, m: { b: [1], a: [1, 2] }, xs: ['b', 'a'] }), ['low small {"a": 2, "b": 1} {"a", "b", "z"} ["b"]']);
    assert.deepEqual(run(rego, { n: 500, m: {}, xs: [] }), ['high big {} {"z"} []']);
  });

  test('not f(input.missing) is undefined, as OPA rewrites it (the argument is evaluated first)', () => {
    const rego = `package p
ok(x) { x == 1 }
violation[{"msg": "negated call"}] { not ok(input.missing) }
violation[{"msg": "negated ref"}] { not input.missing }`;
    assert.deepEqual(run(rego, {}), ['negated ref']);
  });

  test('with replaces input for one expression', () => {
    const rego = `package p
name := input.name
violation[{"msg": msg}] { other := name with input as {"name": "b"}; msg := sprintf("%v/%v", [name, other]) }`;
    assert.deepEqual(run(rego, { name: 'a' }), ['a/b']);
  });

  test('libs: data.lib packages, imported as in the library', () => {
    const lib = `package lib.helpers\nis_big(x) { x > 10 }`;
    const rego = `package p\nimport data.lib.helpers\nviolation[{"msg": "big"}] { helpers.is_big(input.n) }`;
    assert.deepEqual(run(rego, { n: 11 }, [lib]), ['big']);
    assert.deepEqual(run(rego, { n: 1 }, [lib]), []);
  });

  test('results kept across evaluations only for functions of their arguments alone', () => {
    const c = compileRego(`package p
label(obj) := concat(",", sort([k | obj.metadata.labels[k]]))
prefixed(s) := sprintf("%v-%v", [input.prefix, s])
violation[{"msg": msg}] { msg := sprintf("%v|%v", [label(input.obj), prefixed("x")]) }`);
    assert.ok(c.ok);
    const ev = (input: unknown) => {
      const out = evaluateRego(c.policy, fromJS(input), dataDocument(undefined));
      assert.ok(out.ok);
      return out.results.map((r) => r.msg);
    };
    assert.deepEqual(ev({ prefix: 'a', obj: { metadata: { labels: { z: 1, y: 2 } } } }), ['y,z|a-x']);
    // Another object, another prefix: neither result is taken from the first evaluation.
    assert.deepEqual(ev({ prefix: 'b', obj: { metadata: { labels: { w: 1 } } } }), ['w|b-x']);
  });

  test('conflicting function outputs are an error, as in OPA', () => {
    const c = compileRego(`package p\nf(x) := 1 { true }\nf(x) := 2 { true }\nviolation[{"msg": "m"}] { f(1) }`);
    assert.ok(c.ok);
    const out = evaluateRego(c.policy, fromJS({}), dataDocument(undefined));
    assert.ok(!out.ok && /^eval_conflict_error: functions must not produce multiple outputs/.test(out.error));
  });

  test('sprintf as Go formats: %v of collections, %d of a string, missing and extra arguments', () => {
    assert.equal(goSprintf('%v|%s|%d|%v', [fromJS(['a', 1]), 'x', 'y', 1.5]), '["a", 1]|x|%!d(string=y)|1.5');
    assert.equal(goSprintf('%v %v', ['a']), 'a %!v(MISSING)');
    assert.equal(goSprintf('%v', ['a', 2]), 'a%!(EXTRA int=2)');
    assert.equal(goSprintf('%v', [1e-7]), '1e-07');
  });

  test('regex.match with RE2 semantics; what RE2 rejects is undefined; glob.match with delimiters', () => {
    const rego = `package p
import future.keywords.in
violation[{"msg": m}] { some m in ["re2", "lookahead", "glob", "superglob", "nodelim"]; check(m) }
check("re2") { regex.match("^\\\\Qa.b\\\\E[[:digit:]]+$", "a.b12") }
check("lookahead") { not regex.match("a(?=b)", "ab") }
check("glob") { glob.match("*.github.com", [], "api.github.com"); not glob.match("*.github.com", [], "a.b.github.com") }
check("superglob") { glob.match("api.**.com", [], "api.cdn.github.com") }
check("nodelim") { glob.match("*hub.com", null, "api.cdn.github.com") }`;
    assert.deepEqual(run(rego), ['glob', 'lookahead', 'nodelim', 're2', 'superglob']);
  });

  test('syntax, unsafe variables, recursion and unsupported builtins are refused with their line', () => {
    const at = (rego: string) => {
      const c = compileRego(rego);
      assert.ok(!c.ok);
      return [c.problem.line, c.problem.message] as const;
    };
    assert.equal(at('package p\n\nviolation[{"msg": m}] {\n  m := \n}')[0], 3);
    assert.match(at('package p\nviolation[{"msg": m}] { x > 1; m := "a" }')[1], /var x is unsafe/);
    assert.match(at('package p\na { b }\nb { a }\nviolation[{"msg": "m"}] { a }')[1], /recursive/);
    assert.deepEqual(at('package p\nviolation[{"msg": "m"}] {\n  startswith(1, "a")\n}'), [2, 'rego_type_error: startswith: operand 1 must be string, not number']);
    const [line, msg] = at('package p\nviolation[{"msg": m}] {\n  r := http.send({"url": "http://x"})\n  m := "a"\n}');
    assert.equal(line, 2);
    assert.match(msg, /http\.send is not supported/);
  });
});

// ---- wiring: templates in a workspace

const constraint = (kind: string, name: string, params = '{}', kinds = '["Pod"]', group = '""') =>
  `apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n  match:\n    kinds:\n      - apiGroups: [${group}]\n        kinds: ${kinds}\n  parameters: ${params}\n`;
const privileged = `package k8sprivileged
violation[{"msg": msg}] {
  c := input.review.object.spec.containers[_]
  c.securityContext.privileged
  msg := sprintf("Privileged container is not allowed: %v, securityContext: %v", [c.name, c.securityContext])
}`;
const pod = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: app
    image: corp/app
  - name: sidecar
    image: corp/side
    securityContext:
      privileged: true
`;

function textAt(text: string, offset: number): string {
  return text.slice(offset, offset + 20).split('\n')[0]!;
}

describe('Rego templates in a workspace', () => {
  test('a violation is shown on the field the message quotes, in the container it names', () => {
    const { violations, analyses } = checkTexts({ 't.yaml': templateYaml('k8sprivileged', 'K8sPrivileged', privileged), 'c.yaml': constraint('K8sPrivileged', 'no-priv'), 'p.yaml': pod });
    assert.equal(violations.length, 1);
    assert.equal(violations[0]!.message, 'Privileged container is not allowed: sidecar, securityContext: {"privileged": true}');
    assert.equal(textAt(analyses[2]!.text, violations[0]!.at!.start), 'securityContext:');
    assert.equal(analyses[2]!.lines.position(violations[0]!.at!.start).line, 10);
  });

  test('the Pods that workloads create are reviewed, with the [Implied by] prefix only for workspace ExpansionTemplates', () => {
    const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: x\n        image: corp/x\n        securityContext: {privileged: true}\n`;
    const { messages } = checkTexts({ 't.yaml': templateYaml('k8sprivileged', 'K8sPrivileged', privileged), 'c.yaml': constraint('K8sPrivileged', 'no-priv'), 'd.yaml': deployment });
    assert.deepEqual(messages, ['Privileged container is not allowed: x, securityContext: {"privileged": true}']);
  });

  test('a template that does not compile: an error at its line in the rego block; its constraints are not evaluated', () => {
    const t = templateYaml('k8sbroken', 'K8sBroken', 'package k8sbroken\nviolation[{"msg": msg}] {\n  msg := sprintf("%v", [input.review.object.metadata.name]\n}');
    const { policy, analyses, violations } = checkTexts({ 't.yaml': t, 'c.yaml': constraint('K8sBroken', 'b'), 'p.yaml': pod });
    assert.deepEqual(violations, []);
    const err = policy.problems.find((p) => p.file === 't.yaml')!;
    assert.match(err.message, /ConstraintTemplate k8sbroken: rego_parse_error: .* \(rego line 4\)/);
    // rego line 4 (the `}` where `)` was due) is line 16 of the file.
    assert.equal(analyses[0]!.lines.position(err.span.start).line, 15);
    const warn = policy.problems.find((p) => p.file === 'c.yaml')!;
    assert.match(warn.message, /K8sBroken b is not evaluated: ConstraintTemplate k8sbroken does not compile/);
  });

  test('templates with CEL: CEL decides, as Gatekeeper 3.18+ does by default (no fallback to the Rego); with the engine set to rego, the Rego, and CEL-only templates are not evaluated', () => {
    const cel = (withRego: boolean) => `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8scel
spec:
  crd:
    spec:
      names:
        kind: K8sCel
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: K8sNativeValidation
          source:
            validations:
              - expression: "false"
                message: "cel says no"
${withRego ? `        - engine: Rego
          source:
            rego: |
              package k8scel
              violation[{"msg": "rego says no"}] { true }
` : ''}`;
    const run = (withRego: boolean, preference: 'auto' | 'rego') => {
      const analyses = [analyzeText('t.yaml', cel(withRego)), analyzeText('c.yaml', constraint('K8sCel', 'c')), analyzeText('p.yaml', pod)];
      const policy = buildPolicySet(analyses.map((a) => a.policy), defaultExpansions, { engine: preference });
      return { messages: analyses.flatMap((a) => checkObjects(a.objects, policy, defaultCheckOptions)).map((v) => v.message), problems: policy.problems.map((p) => p.message) };
    };
    assert.deepEqual(run(false, 'auto'), { messages: ['cel says no'], problems: [] });
    assert.deepEqual(run(true, 'auto'), { messages: ['cel says no'], problems: [] });
    assert.deepEqual(run(true, 'rego'), { messages: ['rego says no'], problems: [] });
    const only = run(false, 'rego');
    assert.deepEqual(only.messages, []);
    assert.equal(only.problems.length, 1);
    assert.match(only.problems[0]!, /K8sCel c is not evaluated: ConstraintTemplate k8scel has only CEL, and the engine is set to rego/);
  });

  test('a runaway template is stopped by its budget, named in the message, and the check goes on', () => {
    const t = templateYaml('k8sslow', 'K8sSlow', 'package k8sslow\nviolation[{"msg": "done"}] {\n  n := count([1 | numbers.range(1, 3000)[_]; numbers.range(1, 3000)[_]])\n  n < 0\n}');
    const started = Date.now();
    const { violations } = checkTexts({ 't.yaml': t, 'c.yaml': constraint('K8sSlow', 's'), 'p.yaml': pod });
    assert.ok(Date.now() - started < 5000);
    assert.equal(violations.length, 1);
    assert.ok(violations[0]!.notEvaluated);
    assert.match(violations[0]!.message, /ConstraintTemplate k8sslow is not evaluated for this object: evaluation stopped after 200000 steps \(the budget per object\)/);
  });

  test('data.inventory is the workspace (or --inventory): two Ingresses with one host refuse each other', async () => {
    const unique = `package k8suniquehost
violation[{"msg": msg}] {
  host := input.review.object.spec.rules[_].host
  other := data.inventory.namespace[ns][_]["Ingress"][name]
  not same(ns, name)
  other.spec.rules[_].host == host
  msg := sprintf("ingress host conflicts with an existing ingress <%v>", [name])
}
same(ns, name) { ns == input.review.object.metadata.namespace; name == input.review.object.metadata.name }`;
    const ing = (name: string) => `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ${name}\n  namespace: web\nspec:\n  rules:\n  - host: shop.example.com\n`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-inventory-'));
    fs.mkdirSync(path.join(dir, 'repo'));
    fs.mkdirSync(path.join(dir, 'cluster'));
    fs.writeFileSync(path.join(dir, 'repo', 't.yaml'), templateYaml('k8suniquehost', 'K8sUniqueHost', unique));
    fs.writeFileSync(path.join(dir, 'repo', 'c.yaml'), constraint('K8sUniqueHost', 'u', '{}', '["Ingress"]', '"networking.k8s.io"'));
    fs.writeFileSync(path.join(dir, 'repo', 'a.yaml'), ing('a'));
    fs.writeFileSync(path.join(dir, 'repo', 'b.yaml'), ing('b'));
    fs.writeFileSync(path.join(dir, 'cluster', 'live.yaml'), ing('live'));
    const options = { ...defaultReportOptions, cwd: dir };
    const inWorkspace = await buildReport([path.join(dir, 'repo')], options);
    assert.deepEqual(inWorkspace.violations.map((v) => [v.file, v.line, v.message]), [
      ['repo/a.yaml', 8, 'ingress host conflicts with an existing ingress <b>'],
      ['repo/b.yaml', 8, 'ingress host conflicts with an existing ingress <a>'],
    ]);
    // --inventory: those objects are the data, and only they; they are not checked themselves.
    const withCluster = await buildReport([path.join(dir, 'repo')], { ...options, inventoryPaths: [path.join(dir, 'cluster')] });
    assert.deepEqual(withCluster.violations.map((v) => [v.file, v.message]), [
      ['repo/a.yaml', 'ingress host conflicts with an existing ingress <live>'],
      ['repo/b.yaml', 'ingress host conflicts with an existing ingress <live>'],
    ]);
  });

  test('outcomes kept per document are asked again for another namespace, parameters or inventory', () => {
    const t = templateYaml('k8sns', 'K8sNs', 'package k8sns\nviolation[{"msg": msg}] { msg := sprintf("%v in %v (%v)", [input.review.object.metadata.name, input.review.namespace, input.parameters.tag]) }');
    const p = analyzeText('p.yaml', pod);
    const policyWith = (tag: string) => buildPolicySet([analyzeText('t.yaml', t).policy, analyzeText('c.yaml', constraint('K8sNs', 'n', `{tag: ${tag}}`)).policy], defaultExpansions);
    const one = policyWith('one');
    const msgs = (policy: typeof one, namespace: string) => checkObjects(p.objects, policy, { namespace, checkPodTemplates: true }).map((v) => v.message);
    assert.deepEqual(msgs(one, 'a'), ['p in a (one)']);
    assert.deepEqual(msgs(one, 'b'), ['p in b (one)']);
    assert.deepEqual(msgs(policyWith('two'), 'a'), ['p in a (two)']);
    assert.deepEqual(msgs(one, 'a'), ['p in a (one)']);
  });

  test('an AdmissionReview file is reviewed as its request (an UPDATE here)', () => {
    const t = templateYaml('k8snoupdate', 'K8sNoUpdate', 'package k8snoupdate\nviolation[{"msg": msg}] {\n  input.review.operation == "UPDATE"\n  msg := sprintf("%v updated", [input.review.object.metadata.name])\n}');
    const review = `apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\nrequest:\n  operation: UPDATE\n  kind: {group: "", version: v1, kind: Pod}\n  object:\n    apiVersion: v1\n    kind: Pod\n    metadata: {name: p}\n    spec: {containers: [{name: c, image: x}]}\n`;
    assert.deepEqual(checkTexts({ 't.yaml': t, 'c.yaml': constraint('K8sNoUpdate', 'n'), 'r.yaml': review }).messages, ['p updated']);
    // A plain object is a CREATE.
    assert.deepEqual(checkTexts({ 't.yaml': t, 'c.yaml': constraint('K8sNoUpdate', 'n'), 'p.yaml': pod }).messages, []);
  });
});

describe('Rego engine: hostile templates', needsShared('conformance/gatekeeper-library'), () => {
  test('mutated library templates never throw: each compiles or is refused with a position, and evaluates or says why', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const sources = conformanceSources();
    let compiled = 0;
    let refused = 0;
    let evaluated = 0;
    let failed = 0;
    // What an evaluation may stop with (rego/eval.ts, rego/index.ts); an UnsupportedError names its feature.
    const evalErrors = /^(evaluation stopped after \d+ (steps|ms) \(the budget per object\)|evaluation stopped: the template nests too deeply|eval_conflict_error: |var \S+ is unsafe|function \S+ used as a value|regex )/;
    const alphabet = '{}[]()"`:=,;|&.\n _xinotsomeelse!<>+-*/%#';
    for (const { rego, libs, input } of sources) {
      for (let i = 0; i < 40; i++) {
        let text = rego;
        for (let m = 0; m < 1 + Math.floor(rand() * 3); m++) {
          const at = Math.floor(rand() * text.length);
          const r = rand();
          if (r < 0.4) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 8));
          else if (r < 0.8) text = text.slice(0, at) + alphabet[Math.floor(rand() * alphabet.length)] + text.slice(at);
          else text = text.slice(0, at) + text.slice(at, at + 40) + text.slice(at);
        }
        const c = compileRego(text, libs);
        if (!c.ok) {
          refused++;
          assert.ok(c.problem.line >= 0 && c.problem.col >= 0 && /^rego_/.test(c.problem.message));
          continue;
        }
        compiled++;
        const out = evaluateRego(c.policy, fromJS(input), dataDocument(undefined), { maxSteps: 50_000, maxMillis: 200 });
        if (out.ok) {
          // Violations as Gatekeeper reads them, within the step budget.
          evaluated++;
          assert.ok(out.steps <= 50_000, `${out.steps} steps`);
          for (const r of out.results) assert.equal(typeof r.msg, 'string');
        } else {
          // One of the engine's named outcomes (a budget names itself), never a JavaScript error's text.
          failed++;
          assert.match(out.error, evalErrors, text);
          if (/^evaluation stopped after/.test(out.error)) assert.match(out.error, /(50000 steps|200 ms) \(the budget per object\)$/);
        }
      }
    }
    assert.ok(compiled > 100 && refused > 100, `${compiled} compiled, ${refused} refused`);
    assert.ok(evaluated > 100, `${evaluated} evaluated, ${failed} stopped with an error`);
  });

  test('deep nesting is refused, not a crash', () => {
    const c = compileRego(`package p\nviolation[{"msg": "m"}] { x := ${'['.repeat(20000)}${']'.repeat(20000)} }`);
    assert.ok(!c.ok && /nests too deeply/.test(c.problem.message));
  });
});

function conformanceSources(): Array<{ rego: string; libs: string[]; input: unknown }> {
  const out: Array<{ rego: string; libs: string[]; input: unknown }> = [];
  const seen = new Set<string>();
  for (const c of conformanceCases()) {
    if (seen.has(c.policy)) continue;
    seen.add(c.policy);
    const t = toJS(parseYaml(c.read('template.yaml')).documents[0]!.root) as any;
    const target = t.spec.targets[0];
    let rego: string = target.rego;
    let libs: string[] = target.libs ?? [];
    for (const code of target.code ?? []) if (code.engine === 'Rego') ({ rego, libs = [] } = code.source);
    const object = toJS(parseYaml(c.read(c.expected.objects[0]!)).documents[0]!.root);
    out.push({ rego, libs, input: { review: { kind: { group: '', version: 'v1', kind: 'Pod' }, object, operation: 'CREATE' }, parameters: {} } });
  }
  return out;
}
