// Gatekeeper's K8sNativeValidation engine against every case of the policy library whose template
// carries CEL: `messages` in expected.json are gator's default engine, CEL for these templates. Objects
// are reviewed as gator verify reviews them: an AdmissionReview case uses its request, any other
// object is a request with an empty operation around the object (as the Rego conformance test does).
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseYaml } from '../../server/src/yaml/documents';
import type { YNode } from '../../server/src/yaml/nodes';
import { celValue, celValueFromYaml } from '../../server/src/cel';
import { compileGatekeeperCel, evaluateGatekeeperCel, gatekeeperCelSource, type GatekeeperCelReview } from '../../server/src/cel/gatekeeper';
import { conformanceCases } from '../support/conformance';
import { needsShared } from '../support/helpers';

type Obj = Record<string, unknown>;

function firstDoc(text: string): Obj {
  const parsed = parseYaml(text);
  if (parsed.errors.length > 0) throw new Error(parsed.errors[0]!.message);
  const root = parsed.documents[0]!.root as YNode;
  return celValueFromYaml(root, text) as Obj;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function review(obj: Obj, admissionReview: boolean, constraint: Obj): GatekeeperCelReview {
  let request: Obj;
  if (admissionReview) {
    request = obj['request'] as Obj;
  } else {
    const meta = (obj['metadata'] ?? {}) as Obj;
    const av = str(obj['apiVersion']) ?? '';
    const slash = av.indexOf('/');
    request = {
      kind: { group: slash < 0 ? '' : av.slice(0, slash), version: slash < 0 ? av : av.slice(slash + 1), kind: str(obj['kind']) ?? '' },
      resource: { group: '', version: '', resource: '' },
      userInfo: {},
      object: obj,
      ...(meta['name'] !== undefined ? { name: meta['name'] } : {}),
      ...(meta['namespace'] !== undefined ? { namespace: meta['namespace'] } : {}),
    };
  }
  const ns = str(request['namespace']);
  return {
    object: request['object'] ?? null,
    oldObject: request['oldObject'] ?? null,
    request,
    constraint,
    namespaceObject: ns ? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } : null,
  };
}

const cases = conformanceCases().filter((c) => c.read('template.yaml').includes('K8sNativeValidation'));

describe('CEL engine: Gatekeeper library conformance (K8sNativeValidation)', needsShared('conformance/gatekeeper-library'), () => {
  const perPolicy = new Map<string, { pass: number; total: number }>();
  test('131 cases in 16 policies carry CEL', () => {
    assert.equal(cases.length, 131);
    assert.equal(new Set(cases.map((c) => c.policy)).size, 16);
    assert.ok(cases.every((c) => c.expected.engine === 'cel'));
  });
  for (const c of cases) {
    test(c.name, () => {
      const stat = perPolicy.get(c.policy) ?? { pass: 0, total: 0 };
      perPolicy.set(c.policy, stat);
      stat.total++;
      const template = firstDoc(c.read('template.yaml'));
      const compiled = compileGatekeeperCel(gatekeeperCelSource(template));
      assert.ok(compiled.ok, compiled.ok ? '' : JSON.stringify(compiled.problems));
      const constraint = firstDoc(c.read('constraint.yaml'));
      const obj = firstDoc(c.read(c.expected.objects[0]!));
      const out = evaluateGatekeeperCel(compiled.policy, review(obj, c.expected.admission_review === true, constraint));
      assert.ok(out.ok, out.ok ? '' : out.error);
      assert.deepEqual([...out.messages].sort(), [...c.expected.messages].sort());
      stat.pass++;
    });
  }
  test('count per policy: all 16 policies, every case', () => {
    for (const [p, s] of perPolicy) console.log(`  ${p}: ${s.pass}/${s.total}`);
    assert.equal(perPolicy.size, 16);
    assert.deepEqual([...perPolicy].filter(([, s]) => s.pass !== s.total).map(([p, s]) => `${p} ${s.pass}/${s.total}`), []);
  });
});

// The validator's rules the library cases do not reach (k8s.io/apiserver validatingadmissionpolicy
// validator.go and frameworks' k8scel driver): compile errors at their entry and offset, variables
// evaluated lazily with errors kept inside them, messageExpression fallbacks, the default message,
// matchCondition, failurePolicy.
describe('CEL engine: Gatekeeper K8sNativeValidation rules', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  const reviewOf = (parameters: unknown, operation?: string): GatekeeperCelReview => ({
    object: celValue(pod),
    oldObject: null,
    request: celValue({ kind: { group: '', version: 'v1', kind: 'Pod' }, ...(operation ? { operation } : {}), namespace: 'ns', name: 'p' }),
    constraint: celValue({ kind: 'K8sTest', metadata: { name: 'c' }, spec: parameters === null ? {} : { parameters } }),
    namespaceObject: celValue({ metadata: { name: 'ns' } }),
  });
  const messages = (source: unknown, parameters: unknown = {}, operation?: string): string[] | string => {
    const c = compileGatekeeperCel(source);
    if (!c.ok) return JSON.stringify(c.problems);
    const r = evaluateGatekeeperCel(c.policy, reviewOf(parameters, operation));
    return r.ok ? r.messages : `${r.bound}: ${r.error}`;
  };

  test('compile errors name their entry and the offset inside its expression', () => {
    const c = compileGatekeeperCel({
      variables: [{ name: 'ok', expression: 'true' }, { name: 'broken', expression: 'object.spec +' }],
      validations: [{ expression: 'variables.ok' }, { expression: 'nope(1)', messageExpression: '"a" + 1' }],
      matchCondition: [{ name: 'm', expression: ')' }],
    });
    assert.ok(!c.ok);
    if (c.ok) return;
    assert.deepEqual(
      c.problems.map((p) => [p.part, p.index, p.name ?? null, p.error.kind, p.error.offset]),
      [
        ['variable', 1, 'broken', 'parse', 13],
        ['matchCondition', 0, 'm', 'parse', 0],
        ['validation', 1, null, 'unknown-function', 0],
        ['messageExpression', 1, null, 'type', 0],
      ],
    );
    const reserved = compileGatekeeperCel({ variables: [{ name: 'params', expression: '1' }], validations: [] });
    assert.ok(!reserved.ok);
    // The validator compiles validations and match conditions for bool, messageExpressions for string.
    const typed = compileGatekeeperCel({ validations: [{ expression: '1 + 1', messageExpression: '2' }, { expression: 'object.x', messageExpression: 'object.y' }] });
    assert.deepEqual(typed.ok ? [] : typed.problems.map((p) => [p.part, p.index, p.error.kind, p.error.message]), [
      ['validation', 0, 'type', 'must evaluate to bool, not int'],
      ['messageExpression', 0, 'type', 'must evaluate to string, not int'],
    ]);
  });

  test('variables.params is the constraint spec.parameters, params the constraint; variables.anyObject the object', () => {
    assert.deepEqual(messages({ validations: [{ expression: 'variables.params.x == 1 && params.metadata.name == "c" && variables.anyObject.metadata.name == "p"', message: 'no' }] }, { x: 1 }), []);
    // A constraint without spec.parameters: variables.params is null.
    assert.deepEqual(messages({ validations: [{ expression: 'variables.params == null', message: 'no' }] }, null), []);
  });

  test('a failing variable fails only the expressions that read it', () => {
    const source = {
      variables: [{ name: 'bad', expression: 'object.spec.missing.field' }, { name: 'good', expression: 'object.metadata.name' }],
      validations: [{ expression: 'variables.good == "x"', message: 'good failed' }, { expression: 'variables.bad == 1', message: 'bad' }],
      failurePolicy: 'Ignore',
    };
    assert.deepEqual(messages(source), ['good failed']);
  });

  test('messages: messageExpression (trimmed), falling back to message, then to "failed expression: <expression>"', () => {
    assert.deepEqual(messages({ validations: [{ expression: 'false', messageExpression: '"  from expression  "', message: 'plain' }] }), ['from expression']);
    assert.deepEqual(messages({ validations: [{ expression: 'false', messageExpression: 'object.nope', message: 'plain' }] }), ['plain']);
    assert.deepEqual(messages({ validations: [{ expression: 'false', messageExpression: '"two\\nlines"', message: 'plain' }] }), ['plain']);
    assert.deepEqual(messages({ validations: [{ expression: 'false', messageExpression: '"   "', message: 'plain' }] }), ['plain']);
    assert.deepEqual(messages({ validations: [{ expression: ' 1 == 2 ' }] }), ['failed expression: 1 == 2']);
  });

  test('matchCondition false: no violation; true: validations run', () => {
    const source = (cond: string) => ({ matchCondition: [{ name: 'only-updates', expression: cond }], validations: [{ expression: 'false', message: 'denied' }] });
    assert.deepEqual(messages(source('request.operation == "UPDATE"'), {}, 'CREATE'), []);
    assert.deepEqual(messages(source('request.operation == "UPDATE"'), {}, 'UPDATE'), ['denied']);
  });

  test('an expression that fails to evaluate is a violation under failurePolicy Fail (the default), none under Ignore', () => {
    const fail = messages({ validations: [{ expression: 'object.spec.nope == 1', message: 'x' }] });
    assert.ok(Array.isArray(fail) && fail.length === 1 && fail[0]!.startsWith("expression 'object.spec.nope == 1' resulted in error: "), String(fail));
    assert.deepEqual(messages({ validations: [{ expression: 'object.spec.nope == 1', message: 'x' }], failurePolicy: 'Ignore' }), []);
  });

  test('a hit bound is an error naming the bound, never a pass', () => {
    const ten = '[1,2,3,4,5,6,7,8,9,10]';
    let e = 'true';
    for (const v of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) e = `${ten}.all(${v}, ${e})`;
    const c = compileGatekeeperCel({ variables: [{ name: 'slow', expression: e }], validations: [{ expression: 'variables.slow', message: 'x' }], failurePolicy: 'Ignore' });
    assert.ok(c.ok);
    if (!c.ok) return;
    // A generous time bound, so a loaded machine still meets the cost bound first.
    const out = evaluateGatekeeperCel(c.policy, reviewOf({}), { maxMillis: 120_000 });
    assert.deepEqual(out.ok ? out.messages : out.bound, 'cost');
    const timed = evaluateGatekeeperCel(c.policy, reviewOf({}), { maxMillis: 0, maxCost: Number.MAX_SAFE_INTEGER });
    assert.deepEqual(timed.ok ? timed.messages : timed.bound, 'time');
  });
});
