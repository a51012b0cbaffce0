// Gatekeeper's K8sNativeValidation engine against every case of the policy library whose template
// carries CEL: `messages` in expected.json are gator's default engine, CEL for these templates. Objects
// are reviewed as gator verify reviews them: an AdmissionReview case uses its request, any other
// object is a request with an empty operation around the object (as the Rego conformance test does).
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseYaml } from '../../server/src/yaml/documents';
import type { YNode } from '../../server/src/yaml/nodes';
import { celValueFromYaml } from '../../server/src/cel';
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
