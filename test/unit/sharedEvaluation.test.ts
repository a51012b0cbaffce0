// Evaluations shared between reviews: an object that appears again (in another file, with its keys in
// another order) takes the outcome of its first evaluation. Held equal to evaluating every review
// afresh, and the pieces (value identity, its hash, the CEL request built from the Rego value) to
// what they stand for.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { admissionDecisions, analyzeText, buildPolicySet, checkObjects, defaultExpansions, mayDecide } from '../../server/src/engine';
import { celOfRego } from '../../server/src/engine/celCheck';
import { celValue } from '../../server/src/cel';
import { equal, fromJS, hashValue, RObject, RSet, sameValue, toJS, Value } from '../../server/src/rego/value';
import { toJS as nodeJS } from '../../server/src/yaml/documents';
import { needsShared, sharedRoot, yamlFiles } from '../support/helpers';

/** A small deterministic generator of JSON-like values (with the awkward ones: -0, __proto__, big numbers). */
function generator(seed: number) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
  const scalars: unknown[] = [null, true, false, 0, -0, 1, -7, 2.5, 1e21, 2 ** 53, '', 'a', '__proto__', 'x'.repeat(40), 'x'.repeat(39) + 'y', 'é', '\0s'];
  const keys = ['a', 'b', '__proto__', '1', '10', 'name', 'spec', 'x'.repeat(40)];
  const value = (depth: number): unknown => {
    const r = next();
    if (depth > 3 || r < 0.5) return scalars[Math.floor(next() * scalars.length)];
    if (r < 0.7) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 5); i > 0; i--) Object.defineProperty(o, keys[Math.floor(next() * keys.length)]!, { value: value(depth + 1), enumerable: true, configurable: true, writable: true });
    return o;
  };
  return value;
}

/** The same value built with every object's keys inserted in reverse. */
function reversed(v: Value): Value {
  if (Array.isArray(v)) return v.map(reversed);
  if (v instanceof RObject) return RObject.fromEntries([...v.sortedEntries()].reverse().map(([k, x]) => [k, reversed(x)] as const));
  if (v instanceof RSet) return RSet.of([...v.sorted()].reverse());
  return v;
}

describe('values: identity and hash', () => {
  test('sameValue and hashValue agree with compare on generated values, whatever the insertion order', () => {
    const gen = generator(7);
    const values = Array.from({ length: 400 }, () => fromJS(gen(0)));
    for (const v of values) {
      const r = reversed(v);
      assert.ok(sameValue(v, r));
      assert.equal(hashValue(v), hashValue(r));
    }
    // Against OPA's equality (compare): equal values without a -0 are the same; the same values are equal.
    let equalPairs = 0;
    for (let i = 0; i < values.length; i++) {
      for (let j = i + 1; j < values.length; j++) {
        const [a, b] = [values[i]!, values[j]!];
        const eq = equal(a, b);
        if (eq) equalPairs++;
        if (eq && !hasNegativeZero(a) && !hasNegativeZero(b)) assert.ok(sameValue(a, b) && sameValue(b, a));
        if (sameValue(a, b)) {
          assert.ok(eq);
          assert.equal(hashValue(a), hashValue(b));
        }
      }
    }
    assert.ok(equalPairs > 100, `${equalPairs} equal pairs`);
  });

  test('values that differ are not the same: -0 and 0, 1 and "1", sets and objects, long strings that differ inside', () => {
    assert.ok(!sameValue(0, -0));
    assert.ok(!sameValue(1, '1'));
    assert.ok(!sameValue(RSet.of(['a']), RObject.fromEntries([['a', true]])));
    assert.ok(!sameValue('x'.repeat(20) + 'a' + 'x'.repeat(20), 'x'.repeat(20) + 'b' + 'x'.repeat(20)));
    assert.ok(!sameValue([1, 2], [2, 1]));
    assert.ok(!sameValue(RObject.fromEntries([['a', 1]]), RObject.fromEntries([['a', 1], ['b', 2]])));
  });
});

describe('the CEL request from the Rego value', () => {
  test('celOfRego(v) is celValue(toJS(v))', () => {
    const gen = generator(11);
    for (let i = 0; i < 400; i++) {
      const v = fromJS(gen(0));
      assert.deepStrictEqual(celOfRego(v), celValue(toJS(v)));
    }
    const withSet = RObject.fromEntries([['s', RSet.of([3, 'a', null])], [1, 'one'], ['__proto__', RObject.fromEntries([['x', 1]])]]);
    assert.deepStrictEqual(celOfRego(withSet), celValue(toJS(withSet)));
  });
});

function hasNegativeZero(v: Value): boolean {
  if (Object.is(v, -0)) return true;
  if (Array.isArray(v)) return v.some(hasNegativeZero);
  if (v instanceof RObject) return v.sortedEntries().some(([, x]) => hasNegativeZero(x));
  return false;
}

describe('shared evaluations give what fresh ones give (the Gatekeeper library)', { ...needsShared('corpus/real/gatekeeper-library') }, () => {
  test('every example, twice and with its keys reordered, against every library constraint', () => {
    const root = path.join(sharedRoot, 'corpus', 'real', 'gatekeeper-library', 'library');
    const files = yamlFiles(root).filter((f) => f.includes(`${path.sep}samples${path.sep}`) || path.basename(f) === 'template.yaml');
    const policyFiles = files.filter((f) => path.basename(f) === 'template.yaml' || path.basename(f) === 'constraint.yaml');
    const objectFiles = files.filter((f) => !policyFiles.includes(f));
    assert.ok(policyFiles.length > 100 && objectFiles.length > 200, `${policyFiles.length} policy files, ${objectFiles.length} examples`);
    const policies = policyFiles.map((f) => analyzeText(f, fs.readFileSync(f, 'utf8')).policy);
    const shared = buildPolicySet(policies, defaultExpansions);
    assert.ok(shared.regoConstraints.length > 20 && shared.celConstraints.length > 20);
    const messages = (vs: ReturnType<typeof checkObjects>) => vs.map((v) => `${v.constraint.kind}/${v.constraint.name}: ${v.message}${v.notEvaluated ? ' (not evaluated)' : ''}`).sort();
    let compared = 0;
    for (const f of objectFiles) {
      const text = fs.readFileSync(f, 'utf8');
      // Fresh: a policy set of its own (new constraints: nothing shared with any other review).
      const fresh = messages(checkObjects(analyzeText(f, text).objects, buildPolicySet(policies, defaultExpansions)));
      const first = messages(checkObjects(analyzeText(f, text).objects, shared));
      const again = messages(checkObjects(analyzeText(`${f}.copy`, text).objects, shared));
      // The same objects written as JSON with their keys reversed: other nodes, the same values.
      const docs = analyzeText(f, text).objects.map((o) => JSON.stringify(reverseKeys(toJS(fromJS(nodeJS(o.node))))));
      const reordered = messages(checkObjects(analyzeText(`${f}.json.yaml`, docs.join('\n---\n')).objects, shared));
      assert.deepEqual(first, fresh, f);
      assert.deepEqual(again, fresh, `${f} (again)`);
      assert.deepEqual(reordered, fresh, `${f} (keys reordered)`);
      compared += fresh.length;
    }
    assert.ok(compared > 100, `${compared} violations compared`);
  });
});

function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
  return v;
}

describe('admission policies: an object no policy rule names is not evaluated', { ...needsShared('conformance/vap') }, () => {
  test('mayDecide false only where admissionDecisions gives nothing (VAP and Kyverno conformance cases, each against its own objects and the next case\'s)', () => {
    const roots = [path.join(sharedRoot, 'conformance', 'vap'), path.join(sharedRoot, 'conformance', 'kyverno-vpol')].filter((r) => fs.existsSync(r));
    const caseDirs: string[] = [];
    for (const root of roots) {
      const dirs = new Set(yamlFiles(root).map((f) => path.dirname(f)));
      caseDirs.push(...[...dirs].sort());
    }
    const analysesOf = (dir: string) => yamlFiles(dir).filter((f) => path.dirname(f) === dir || path.dirname(path.dirname(f)) === dir).map((f) => analyzeText(f, fs.readFileSync(f, 'utf8')));
    let filtered = 0;
    let decided = 0;
    for (let i = 0; i < caseDirs.length; i++) {
      const own = analysesOf(caseDirs[i]!);
      const admission = buildPolicySet(own.map((a) => a.policy), defaultExpansions).admission;
      if (!admission) continue;
      const next = i + 1 < caseDirs.length ? analysesOf(caseDirs[i + 1]!) : [];
      for (const a of [...own, ...next]) {
        for (const o of a.objects) {
          const json = nodeJS(o.node) as { apiVersion?: unknown; kind?: unknown };
          if (typeof json?.apiVersion !== 'string' || typeof json.kind !== 'string') continue;
          if (mayDecide(admission, json.apiVersion, json.kind)) continue;
          filtered++;
          for (const ns of ['default', undefined]) {
            const decisions = admissionDecisions(admission, toJS(fromJS(json)), ns);
            decided += decisions.length;
            assert.deepEqual(decisions, [], `${a.file}: ${json.kind}`);
          }
        }
      }
    }
    assert.equal(decided, 0);
    assert.ok(filtered > 50, `${filtered} objects left out`);
  });
});
