// The Kubernetes CEL environment of server/src/cel, held to the behaviour of Kubernetes' own library
// tests (k8s.io/apiserver/pkg/cel/library/*_test.go) and cel-go's strings extension: each case is an
// expression that must be true, or must fail with the given error.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { celEnv, celValue, celLazyMap, compileCel, celToString } from '../../server/src/cel';

const env = celEnv({ variables: ['object', 'variables'] });

function run(expression: string, activation: Record<string, unknown> = {}): { ok: true; value: unknown } | { ok: false; error: string; bound?: string } {
  const c = compileCel(env, expression);
  if (!c.ok) return { ok: false, error: `${c.error.kind}: ${c.error.message}` };
  return c.program.evaluate({ object: null, variables: null, ...activation });
}

function holds(expressions: string[]): void {
  for (const e of expressions) {
    const r = run(e);
    assert.deepEqual(r, { ok: true, value: true }, e);
  }
}

function fails(cases: Array<[string, RegExp]>): void {
  for (const [e, error] of cases) {
    const r = run(e);
    assert.equal(r.ok, false, e);
    if (!r.ok) assert.match(r.error, error, e);
  }
}

describe('CEL: Kubernetes libraries', () => {
  test('lists: isSorted, sum, min, max, indexOf, lastIndexOf', () => {
    holds([
      '[].isSorted()', '[1, 2, 3].isSorted()', '![2, 1].isSorted()', "['a', 'b', 'b'].isSorted()",
      '[1, 2, 3].sum() == 6', '[].sum() == 0', '[1.5, 2.5].sum() == 4.0', '[1u, 2u].sum() == 3u',
      '[3, 1, 2].min() == 1', '[3, 1, 2].max() == 3', "['b', 'a'].min() == 'a'",
      '[1, 2, 2, 3].indexOf(2) == 1', '[1, 2, 2, 3].lastIndexOf(2) == 2', '[1, 2].indexOf(5) == -1',
      "['a', 'b'].indexOf('b') == 1",
    ]);
    fails([['[].min()', /empty list/], ['[].max()', /empty list/]]);
  });

  test('sets: contains, equivalent, intersects', () => {
    holds([
      'sets.contains([], [])', 'sets.contains([1, 2], [2])', '!sets.contains([1], [1, 2])', 'sets.contains([1], [dyn(1.0), dyn(1u)])',
      'sets.equivalent([1, 2], [2, 1, 1])', '!sets.equivalent([1], [1, 2])',
      'sets.intersects([1, 2], [2, 3])', '!sets.intersects([1], [])', '!sets.intersects([], [])',
    ]);
  });

  test('regex (RE2): matches, find, findAll', () => {
    holds([
      "'abc 123'.find('[0-9]+') == '123'", "'abc'.find('[0-9]+') == ''",
      "'123 abc 456'.findAll('[0-9]+') == ['123', '456']", "'123 abc 456'.findAll('[0-9]+', 1) == ['123']",
      "'123 abc 456'.findAll('[0-9]+', 0) == []", "'abc'.matches('^a')", "matches('abc', 'c$')",
      // RE2 syntax, not JavaScript's: \z is RE2's end of text; (?i) flags work.
      "'ABC'.matches('(?i)^abc\\\\z')",
    ]);
    fails([["'x'.matches('(')", /error parsing regexp: missing closing \)/], ["'x'.matches('a(?=b)')", /error parsing regexp/]]);
  });

  test('strings ext: code points, ASCII case, Go whitespace, replace, split, join, quote, reverse, charAt', () => {
    holds([
      "'😀abc'.indexOf('c') == 3", "'😀abc'.lastIndexOf('a') == 1", "'😀abc'.substring(1, 2) == 'a'", "'😀abc'.charAt(1) == 'a'",
      "'hello'.indexOf('l', 3) == 3", "'hello'.lastIndexOf('l', 2) == 2", "'abc'.charAt(3) == ''",
      "'ÀBc'.lowerAscii() == 'Àbc'", "'àbC'.upperAscii() == 'àBC'",
      "' \\t\\n x \\u00a0'.trim() == 'x'", "'\\ufeffx'.trim() == '\\ufeffx'",
      "'aXbX'.replace('X', '-') == 'a-b-'", "'aXbX'.replace('X', '-', 1) == 'a-bX'", "'ab'.replace('', '-') == '-a-b-'",
      "'a,b,c'.split(',') == ['a', 'b', 'c']", "'a,b,c'.split(',', 2) == ['a', 'b,c']", "'a,b'.split(',', 0) == []", "'ab'.split('') == ['a', 'b']",
      "['a', 'b'].join() == 'ab'", "['a', 'b'].join(', ') == 'a, b'",
      "strings.quote('a\"b\\n') == '\"a\\\\\"b\\\\n\"'", "'abc'.reverse() == 'cba'", "'😀a'.reverse() == 'a😀'",
    ]);
    fails([["'abc'.substring(2, 1)", /invalid substring range/], ["'abc'.charAt(4)", /index out of range/]]);
  });

  test('optional types: ?., .?, orValue, optional.of/none, hasValue', () => {
    const object = celValue({ spec: { replicas: 2, labels: { a: 'x' } } });
    const t = (e: string): unknown => {
      const r = run(e, { object });
      return r.ok ? r.value : r.error;
    };
    assert.equal(t('object.?spec.?replicas.orValue(1) == 2'), true);
    assert.equal(t('object.?spec.?missing.orValue(1) == 1'), true);
    assert.equal(t("object.spec.labels[?'b'].orValue('none') == 'none'"), true);
    assert.equal(t('optional.of(3).value() == 3'), true);
    assert.equal(t('!optional.none().hasValue()'), true);
    assert.equal(t("object.?spec.?labels.?a.hasValue()"), true);
  });

  test('numbers: YAML/JSON integers are ints, cross-type comparisons between int, uint and double', () => {
    const object = celValue({ spec: { replicas: 3, ratio: 1.5, big: 2 ** 53 } });
    for (const e of ['object.spec.replicas == 3', 'type(object.spec.replicas) == int', 'object.spec.replicas == 3.0', 'object.spec.replicas < 3.5', 'object.spec.ratio > 1', 'dyn(1u) == 1', 'dyn(2u) < 3', 'type(object.spec.ratio) == double']) {
      assert.deepEqual(run(e, { object }), { ok: true, value: true }, e);
    }
  });

  test('errors: kind and UTF-16 offset inside the expression', () => {
    const at = (e: string): unknown => {
      const c = compileCel(env, e);
      return c.ok ? 'compiled' : { kind: c.error.kind, offset: c.error.offset };
    };
    assert.deepEqual(at('1 +'), { kind: 'parse', offset: 3 });
    assert.deepEqual(at('nope(1)'), { kind: 'unknown-function', offset: 0 });
    assert.deepEqual(at("object.x + 'a' + 1"), { kind: 'type', offset: 0 });
    assert.deepEqual(at("'😀' + x"), { kind: 'type', offset: 7 });
  });

  test('variables: lazy, evaluated once, an error stays inside its variable', () => {
    let computed = 0;
    const variables = celLazyMap({
      a: () => (computed++, 5n),
      bad: () => {
        throw new Error('bad variable');
      },
    });
    assert.deepEqual(run('variables.a + variables.a', { variables }), { ok: true, value: 10n });
    assert.equal(computed, 1);
    assert.deepEqual(run('variables.a == 5 || variables.bad', { variables }), { ok: true, value: true });
    const r = run('variables.bad == 1', { variables });
    assert.equal(r.ok, false);
    assert.equal(computed, 1);
  });

  test('bounds: exponential comprehension cost stops with bound "cost"; a tight time bound with "time"', () => {
    const ten = '[1,2,3,4,5,6,7,8,9,10]';
    let e = 'true';
    for (const v of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) e = `${ten}.all(${v}, ${e})`;
    const c = compileCel(env, e);
    assert.ok(c.ok);
    const r = c.program.evaluate({});
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.bound, 'cost');
    const small = c.program.evaluate({}, { maxCost: 1000 });
    assert.equal(!small.ok && small.bound, 'cost');
    const timed = c.program.evaluate({}, { maxCost: Number.MAX_SAFE_INTEGER, maxMillis: 0 });
    assert.equal(!timed.ok && timed.bound, 'time');
    // A cheap expression stays well inside the default budget.
    assert.deepEqual(run(`${ten}.all(a, ${ten}.all(b, a * b > 0))`), { ok: true, value: true });
  });

  test('celToString: values as messages show them', () => {
    assert.equal(celToString('a'), 'a');
    assert.equal(celToString([1n, 'b', 1.5]), '[1, "b", 1.5]');
    assert.equal(celToString(celValue({ k: [true] })), '{"k": [true]}');
  });
});
