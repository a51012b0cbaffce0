// The Rego engine against every case of Gatekeeper's policy library, evaluated directly (template,
// constraint, object and inventory, as gator verify reviews them).
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseYaml, toJS } from '../../server/src/yaml/documents';
import { compileRego, dataDocument, evaluateRego, fromJS } from '../../server/src/rego';
import { RObject } from '../../server/src/rego/value';
import { conformanceCases } from '../support/conformance';
import { needsShared } from '../support/helpers';

function docs(text: string): Record<string, unknown>[] {
  const parsed = parseYaml(text);
  if (parsed.errors.length > 0) throw new Error(parsed.errors[0]!.message);
  return parsed.documents.map((d) => toJS(d.root) as Record<string, unknown>).filter((o) => o !== null && typeof o === 'object');
}

function gvk(o: Record<string, unknown>): { group: string; version: string; kind: string } {
  const av = String(o['apiVersion'] ?? '');
  const slash = av.indexOf('/');
  return { group: slash < 0 ? '' : av.slice(0, slash), version: slash < 0 ? av : av.slice(slash + 1), kind: String(o['kind'] ?? '') };
}

const cases = conformanceCases();

describe('Rego engine: Gatekeeper library conformance', needsShared('conformance/gatekeeper-library'), () => {
  const perPolicy = new Map<string, { pass: number; total: number }>();
  test('275 cases in 50 policies', () => {
    assert.equal(cases.length, 275);
    assert.equal(new Set(cases.map((c) => c.policy)).size, 50);
  });
  for (const c of cases) {
    test(c.name, () => {
      const stat = perPolicy.get(c.policy) ?? { pass: 0, total: 0 };
      perPolicy.set(c.policy, stat);
      stat.total++;
      const template = docs(c.read('template.yaml'))[0] as any;
      const target = template.spec.targets[0];
      let rego: string = target.rego;
      let libs: string[] = target.libs ?? [];
      for (const code of target.code ?? []) if (code.engine === 'Rego') ({ rego, libs = [] } = code.source);
      const compiled = compileRego(rego, libs);
      assert.ok(compiled.ok, compiled.ok ? '' : JSON.stringify(compiled.problem));
      const constraint = docs(c.read('constraint.yaml'))[0] as any;
      const obj = docs(c.read(c.expected.objects[0]!))[0]!;
      let review: Record<string, unknown>;
      if (c.expected.admission_review) {
        review = { uid: '', resource: { group: '', version: '', resource: '' }, userInfo: {}, oldObject: null, ...((obj as any).request as object) };
      } else {
        const meta = (obj['metadata'] ?? {}) as Record<string, unknown>;
        review = { uid: '', kind: gvk(obj), resource: { group: '', version: '', resource: '' }, operation: '', userInfo: {}, object: obj, oldObject: null, options: null };
        if (meta['name'] !== undefined) review['name'] = meta['name'];
        if (meta['namespace'] !== undefined) review['namespace'] = meta['namespace'];
      }
      const inventory = new RObject();
      for (const f of c.expected.inventory ?? []) {
        for (const o of docs(c.read(f))) {
          const meta = (o['metadata'] ?? {}) as Record<string, unknown>;
          const ns = meta['namespace'] as string | undefined;
          const path = ns !== undefined ? ['namespace', ns, String(o['apiVersion']), String(o['kind']), String(meta['name'])] : ['cluster', String(o['apiVersion']), String(o['kind']), String(meta['name'])];
          let cur = inventory;
          for (const p of path.slice(0, -1)) {
            let next = cur.get(p);
            if (!(next instanceof RObject)) {
              next = new RObject();
              cur.set(p, next);
            }
            cur = next as RObject;
          }
          cur.set(path[path.length - 1]!, fromJS(o));
        }
      }
      const input = fromJS({ review, parameters: constraint.spec?.parameters ?? {} });
      const out = evaluateRego(compiled.policy, input, dataDocument(inventory));
      assert.ok(out.ok, out.ok ? '' : out.error);
      const messages = out.results.map((r) => r.msg).sort();
      assert.deepEqual(messages, c.regoMessages);
      stat.pass++;
    });
  }
  test('count per policy: all 50 policies, every case', () => {
    for (const [p, s] of perPolicy) console.log(`  ${p}: ${s.pass}/${s.total}`);
    assert.equal(perPolicy.size, 50);
    assert.deepEqual([...perPolicy].filter(([, s]) => s.pass !== s.total).map(([p]) => p), []);
  });
});

// The same cases through the engine the CLI and the server use: the template and constraint read as
// policy objects, the object reviewed with match and expansion, data.inventory from the inventory files.
import { analyzeText } from '../../server/src/engine';
import { checkObjects, isClusterScoped } from '../../server/src/engine';
import { buildPolicySet } from '../../server/src/engine';
import { defaultExpansions } from '../../server/src/engine';
import { inventoryOf } from '../../server/src/engine';

for (const preference of ['auto', 'rego'] as const) {
  // auto: Gatekeeper's default, CEL wherever the template has it (gator's `messages`); rego: Gatekeeper
  // with CEL disabled (`rego_messages` where the template has both).
  const title = preference === 'auto' ? "gator's default engine" : 'engine rego';
  describe(`Gatekeeper library conformance through the engine (as gator verify, ${title})`, needsShared('conformance/gatekeeper-library'), () => {
    const options = { namespace: '*', checkPodTemplates: true };
    const perPolicy = new Map<string, { pass: number; total: number; engine: string }>();
    for (const c of cases) {
      test(c.name, () => {
        const stat = perPolicy.get(c.policy) ?? { pass: 0, total: 0, engine: '' };
        perPolicy.set(c.policy, stat);
        stat.total++;
        const template = analyzeText('template.yaml', c.read('template.yaml'));
        const constraint = analyzeText('constraint.yaml', c.read('constraint.yaml'));
        const object = analyzeText(c.expected.objects[0]!, c.read(c.expected.objects[0]!));
        const policy = buildPolicySet([template.policy, constraint.policy], defaultExpansions, { engine: preference });
        assert.deepEqual(policy.problems.filter((p) => p.severity === 'error'), []);
        const inventory = (c.expected.inventory ?? []).flatMap((f) => analyzeText(f, c.read(f)).reviews(defaultExpansions, { all: true, objects: true })!);
        const data = inventoryOf(inventory.filter((r) => r.source === 'Original'), options, isClusterScoped);
        // gator verify reviews the object alone, not what expansion makes of it.
        const policyNoExpansion = { ...policy, expansions: [], workspaceExpansions: true };
        const violations = checkObjects(object.objects, policyNoExpansion, options, data);
        // The engine that decided is the one gator uses by default (or Rego, when set so).
        const engine = policy.celConstraints.length > 0 ? 'cel' : policy.regoConstraints.length > 0 ? 'rego' : 'builtin';
        stat.engine = engine;
        if (preference === 'auto') assert.equal(engine === 'cel' ? 'cel' : 'rego', c.expected.engine);
        else assert.notEqual(engine, 'cel');
        const expected = preference === 'rego' ? c.regoMessages : [...c.expected.messages].sort();
        assert.deepEqual(violations.filter((v) => v.notEvaluated).map((v) => v.message), []);
        assert.deepEqual(violations.map((v) => v.message).sort(), expected);
        stat.pass++;
      });
    }
    test('count per policy: every case through the engine', () => {
      for (const [p, s] of perPolicy) console.log(`  ${p} (${s.engine}): ${s.pass}/${s.total}`);
      const total = [...perPolicy.values()].reduce((a, s) => a + s.pass, 0);
      const cel = [...perPolicy.values()].filter((s) => s.engine === 'cel').reduce((a, s) => a + s.pass, 0);
      console.log(`  through the engine (${title}): ${total}/${cases.length} cases, ${cel} of them by CEL`);
      assert.equal(perPolicy.size, 50);
      assert.equal(total, 275);
      assert.equal(cel, preference === 'auto' ? cases.filter((c) => c.expected.engine === 'cel').length : 0);
    });
  });
}
