import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { goQuote, opaString, sprintf } from '../../server/src/go/fmt';

test('%v of arrays prints as OPA does: Go-quoted strings joined by ", "', () => {
  assert.equal(sprintf('are %v', [['openpolicyagent/', 'b"c']]), 'are ["openpolicyagent/", "b\\"c"]');
  assert.equal(sprintf('<%v> <%v> <%v>', ['nginx', 12345, null]), '<nginx> <12345> <null>');
  assert.equal(sprintf('%v', [[]]), '[]');
  assert.equal(opaString({ b: 1, a: [true] }), '{"a": [true], "b": 1}');
  assert.equal(sprintf('%v', [1.5]), '1.5');
  assert.equal(sprintf('%v', [12345678901234567890n]), '12345678901234567890');
});

test('Go fmt artefacts: missing and extra arguments', () => {
  assert.equal(sprintf('%v %v', ['a']), 'a %!v(MISSING)');
  assert.equal(sprintf('%v', ['a', 'b']), 'a%!(EXTRA string=b)');
  assert.equal(sprintf('100%%', []), '100%');
});

test('strconv.Quote escapes', () => {
  assert.equal(goQuote('a\nb\tc\x01'), '"a\\nb\\tc\\x01"');
  assert.equal(goQuote('日本 😀'), '"日本 😀"');
  assert.equal(goQuote('\u200b'), '"\\u200b"');
});
