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
      // Quantities and semvers compare among themselves (cel-go's Comparer), by value.
      '[quantity("1Gi"), quantity("2G")].isSorted()', '![quantity("2G"), quantity("1Gi")].isSorted()',
      '[quantity("100M"), quantity("1Gi"), quantity("2")].max() == quantity("1Gi")', '[semver("1.10.0"), semver("1.9.0")].min() == semver("1.9.0")',
      '[quantity("1")].indexOf(quantity("1000m")) == 0',
      // lists.go doc examples and version 1's includes.
      '[2.0, 1.0].isSorted() == false', '[1.0, 3.0].sum() == 4.0', "[duration('1m'), duration('1s')].sum() == duration('61s')", '[1.0].indexOf(1.1) == -1',
      '[1, 2, 3].includes(2)', '![1, 2, 3].includes(4)', "'model-a'.includes('model-a')", "!'model-a'.includes('model-b')",
    ]);
    fails([['[].min()', /^min called on empty list$/], ['[].max()', /^max called on empty list$/]]);
  });

  test("cel-go's lists (version 3), math and encoders extensions, as the API server enables them", () => {
    holds([
      '[1, 2, 3, 4].slice(1, 3) == [2, 3]', '[[1], [2, 3], [4]].flatten() == [1, 2, 3, 4]', '[3, 2, 1].sort() == [1, 2, 3]', "['b', 'c', 'a'].sort() == ['a', 'b', 'c']",
      '[1, 2, 2, 3, 3, 3].distinct() == [1, 2, 3]', 'lists.range(5) == [0, 1, 2, 3, 4]', '[5, 3, 1, 2].reverse() == [2, 1, 3, 5]',
      "[{'n': 'z'}, {'n': 'a'}].sortBy(e, e.n).map(e, e.n) == ['a', 'z']",
      'math.greatest(1) == 1', 'math.greatest(1u, 2u) == 2u', 'math.greatest(-42.0, -21.5, -100.0) == -21.5', 'math.greatest([-42.0, -21.5, -100.0]) == -21.5',
      'math.least(-42.0, -21.5, -100.0) == -100.0', 'math.ceil(1.2) == 2.0', 'math.floor(-1.2) == -2.0', 'math.round(1.5) == 2.0', 'math.round(-1.5) == -2.0',
      'math.trunc(-1.3) == -1.0', 'math.abs(-1) == 1', 'math.sign(-42) == -1', 'math.isInf(1.0/0.0)', 'math.isNaN(0.0/0.0)', '!math.isFinite(0.0/0.0)', 'math.sqrt(4) == 2.0',
      'math.bitOr(1u, 2u) == 3u', 'math.bitOr(-2, -4) == -2', 'math.bitAnd(-3, -5) == -7', 'math.bitXor(3u, 5u) == 6u', 'math.bitNot(1) == -2', 'math.bitNot(0) == -1', 'math.bitNot(0u) == 18446744073709551615u',
      'math.bitShiftLeft(-1, 2) == -4', 'math.bitShiftLeft(1u, 200) == 0u', 'math.bitShiftRight(1024, 2) == 256',
      "base64.encode(b'hello') == 'aGVsbG8='", "base64.decode('aGVsbG8=') == b'hello'", "base64.decode('aGVsbG8') == b'hello'",
    ]);
    fails([
      ['[1, 2].slice(1, 3)', /cannot slice\(1, 3\), list is length 2/],
      ["[[1, 2, 3]].sort()", /list elements must be comparable/],
      ['math.abs(-9223372036854775808)', /integer overflow/],
    ]);
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
    // A constant pattern is refused when the program is built, at the pattern (cel-go's regex
    // optimizations); a pattern computed at runtime fails at runtime.
    const bad = compileCel(env, "'x'.find('[')");
    assert.deepEqual(bad.ok ? 'compiled' : bad.error, { message: 'Illegal regex: error parsing regexp: missing closing ]: `[`', offset: 9, end: 12, kind: 'type' });
    const late = run("'x'.matches(object.p)", { object: celValue({ p: '(' }) });
    assert.deepEqual(late, { ok: false, error: 'error parsing regexp: missing closing ): `(`' });
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

  test('quantity (quantity_test.go)', () => {
    holds([
      'quantity("12Mi") == quantity("12582912")', 'isQuantity("20")', 'isQuantity("20M")', 'isQuantity("20Mi")', '!isQuantity("20Mo")', '!isQuantity("10Mm")',
      'quantity("200M") == quantity("200M")', 'quantity("200M") == quantity("0.2G") && quantity("0.2G") == quantity("200M")',
      'quantity("2M") == quantity("0.002G") && quantity("2000k") == quantity("2M") && quantity("0.002G") == quantity("2000k")',
      '!(quantity("200M") == quantity("0.3G"))', 'quantity("50M").isLessThan(quantity("50Mi"))', 'quantity("50M").isLessThan(quantity("100M"))',
      '!quantity("100M").isLessThan(quantity("50M"))', 'quantity("50Mi").isGreaterThan(quantity("50M"))', 'quantity("150Mi").isGreaterThan(quantity("100Mi"))',
      '!quantity("50M").isGreaterThan(quantity("100M"))', 'quantity("200M").compareTo(quantity("0.2G")) == 0', 'quantity("50M").compareTo(quantity("50Mi")) == -1',
      'quantity("50Mi").compareTo(quantity("50M")) == 1', 'quantity("50k").add(quantity("20")) == quantity("50.02k")',
      '!quantity("50k").add(20).isLessThan(quantity("50020"))', 'quantity("50k").sub(quantity("20")) == quantity("49.98k")', 'quantity("50k").sub(20) == quantity("49980")',
      'quantity("50k").mul(2) == quantity("100000")', 'quantity("10000").div(3).asApproximateFloat() == 3333.3333', 'quantity("10k").div(2) == quantity("5000")',
      'quantity("10000").divInt(3) == quantity("3333")', 'quantity("50k").add(20).sub(quantity("100k")).asInteger() == -49980',
      'quantity("50k").add(20).sub(quantity("100k")).sub(-50000).asInteger() == 20', 'quantity("50k").asInteger() == 50000',
      '!quantity("9999999999999999999999999999999999999G").isInteger()', 'quantity("50").isInteger()', 'quantity("50.703k").asApproximateFloat() == 50703.0',
    ]);
    fails([
      ['quantity("10Mo")', /quantities must match the regular expression/],
      ['quantity("10Mm")', /unable to parse quantity's suffix/],
      ['isQuantity([1, 2, 3])', /found no matching overload for 'isQuantity/],
      ['quantity("9999999999999999999999999999999999999G").asInteger()', /cannot convert value to integer/],
    ]);
  });

  test('semver (semver_test.go)', () => {
    holds([
      'semver("1.2.3") == semver("1.2.3")', 'isSemver("1.2.3-beta.1+build.1")', '!isSemver("")', '!isSemver("v1.0.0")', '!isSemver(" 1.0.0")', '!isSemver("1. 0.0")',
      '!isSemver("1.0.0 ")', '!isSemver("01.01.01")', '!isSemver("1")', '!isSemver("1.1")', '!isSemver("", true)', '!isSemver(" 1.0.0", true)', '!isSemver("1. 0.0", true)',
      '!isSemver("1.0.0 ", true)', 'isSemver("v1.0.0", true)', 'isSemver("01.01.01", true)', 'isSemver("1", true)', 'isSemver("1.1", true)',
      'semver("v01.01", true) == semver("1.1.0")', '!(semver("1.2.3") == semver("1.0.0"))', 'semver("1.0.0").isLessThan(semver("1.2.3"))',
      '!semver("1.0.0").isLessThan(semver("1.0.0"))', 'semver("1.2.3").isGreaterThan(semver("1.0.0"))', '!semver("1.0.0").isGreaterThan(semver("1.0.0"))',
      'semver("1.2.3").compareTo(semver("1.2.3")) == 0', 'semver("1.0.0").compareTo(semver("1.2.3")) == -1', 'semver("1.2.3").compareTo(semver("1.0.0")) == 1',
      'semver("1.2.3").major() == 1', 'semver("1.2.3").minor() == 2', 'semver("1.2.3").patch() == 3',
      'semver("1.0.0-alpha").isLessThan(semver("1.0.0-alpha.1"))', 'semver("1.0.0-beta.11").isLessThan(semver("1.0.0-rc.1"))', 'semver("1.0.0-rc.1").isLessThan(semver("1.0.0"))',
    ]);
    fails([['semver("v1.0")', /No Major.Minor.Patch elements found/], ['isSemver([1, 2, 3])', /found no matching overload for 'isSemver/]]);
  });

  test('url (urls.go examples)', () => {
    holds([
      "isURL('https://user:pass@example.com:80/path?query=val#fragment')", "isURL('/absolute-path')", "!isURL('https://a:b:c/')", "!isURL('../relative-path')",
      "url('/path').getScheme() == ''", "url('https://example.com/').getScheme() == 'https'", "url('https://example.com:80/').getHost() == 'example.com:80'",
      "url('https://example.com/').getHost() == 'example.com'", "url('https://[::1]:80/').getHost() == '[::1]:80'", "url('https://[::1]/').getHost() == '[::1]'",
      "url('/path').getHost() == ''", "url('https://example.com:80/').getHostname() == 'example.com'", "url('https://127.0.0.1:80/').getHostname() == '127.0.0.1'",
      "url('https://[::1]:80/').getHostname() == '::1'", "url('/path').getHostname() == ''", "url('https://example.com:80/').getPort() == '80'",
      "url('https://example.com/').getPort() == ''", "url('/path').getPort() == ''", "url('https://example.com/path').getEscapedPath() == '/path'",
      "url('https://example.com/path with spaces/').getEscapedPath() == '/path%20with%20spaces/'", "url('https://example.com').getEscapedPath() == ''",
      "url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == {'k1': ['a'], 'k2': ['b', 'c']}",
      "url('https://example.com/path?key with spaces=value with spaces').getQuery() == {'key with spaces': ['value with spaces']}",
      "url('https://example.com/path?').getQuery().size() == 0", "url('https://example.com/path').getQuery().size() == 0",
    ]);
    fails([["url('../relative-path')", /URL parse error during conversion from string/]]);
  });

  test('ip and cidr (ip.go, cidr.go examples)', () => {
    holds([
      "isIP('127.0.0.1')", "isIP('::1')", "!isIP('127.0.0.256')", "!isIP(':::1')", "!isIP('::ffff:1.2.3.4')", "!isIP('fe80::1%eth0')", "!isIP('01.2.3.4')",
      "ip.isCanonical('127.0.0.1')", "ip.isCanonical('2001:db8::abcd')", "!ip.isCanonical('2001:DB8::ABCD')", "!ip.isCanonical('2001:db8::0:0:0:abcd')",
      "ip('127.0.0.1').family() == 4", "ip('::1').family() == 6", "ip('0.0.0.0').isUnspecified()", "!ip('127.0.0.1').isUnspecified()", "ip('::').isUnspecified()",
      "!ip('::1').isUnspecified()", "ip('127.0.0.1').isLoopback()", "!ip('192.168.0.1').isLoopback()", "ip('::1').isLoopback()", "!ip('2001:db8::abcd').isLoopback()",
      "ip('224.0.0.1').isLinkLocalMulticast()", "!ip('224.0.1.1').isLinkLocalMulticast()", "ip('ff02::1').isLinkLocalMulticast()", "!ip('fd00::1').isLinkLocalMulticast()",
      "ip('169.254.169.254').isLinkLocalUnicast()", "!ip('192.168.0.1').isLinkLocalUnicast()", "ip('fe80::1').isLinkLocalUnicast()", "!ip('fd80::1').isLinkLocalUnicast()",
      "ip('192.168.0.1').isGlobalUnicast()", "!ip('255.255.255.255').isGlobalUnicast()", "ip('2001:db8::abcd').isGlobalUnicast()", "!ip('ff00::1').isGlobalUnicast()",
      "string(ip('2001:db8:0:0:0:0:0:1')) == '2001:db8::1'", "ip('127.0.0.1') == ip('127.0.0.1')",
      "cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))", "!cidr('192.168.0.0/24').containsIP('192.168.1.1')", "cidr('192.168.0.0/24').containsCIDR('192.168.0.0/25')",
      "!cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/23'))", "cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')", "cidr('192.168.0.1/24').ip() == ip('192.168.0.1')",
      "cidr('::1/128').prefixLength() == 128", "string(cidr('2001:db8::/32')) == '2001:db8::/32'", "!isCIDR('192.168.0.0')", "isCIDR('::/0')", "!isCIDR('192.168.0.0/33')",
    ]);
    fails([["ip('127.0.0.256')", /parse error during conversion from string/], ["ip('::ffff:1.2.3.4')", /IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed/]]);
  });

  test('named formats (format_test.go)', () => {
    const names = ['dns1123Label', 'dns1123Subdomain', 'dns1035Label', 'qualifiedName', 'dns1123LabelPrefix', 'dns1123SubdomainPrefix', 'dns1035LabelPrefix', 'labelValue', 'uri', 'uuid', 'byte', 'date', 'datetime'];
    holds([
      'format.dns1123Label().validate("my-label-name") == optional.none()', 'format.dns1123Subdomain().validate("apiextensions.k8s.io") == optional.none()',
      'format.qualifiedName().validate("apiextensions.k8s.io/v1beta1") == optional.none()', 'format.dns1123LabelPrefix().validate("my-label-prefix-") == optional.none()',
      'format.dns1123SubdomainPrefix().validate("mysubdomain.prefix.-") == optional.none()', 'format.dns1035LabelPrefix().validate("my-label-prefix-") == optional.none()',
      'format.uri().validate("http://example.com") == optional.none()', 'format.uuid().validate("123e4567-e89b-12d3-a456-426614174000") == optional.none()',
      'format.byte().validate("aGVsbG8=") == optional.none()', 'format.date().validate("2021-01-01") == optional.none()', 'format.datetime().validate("2021-01-01T00:00:00Z") == optional.none()',
      `format.dns1123Label().validate("contains a space") == optional.of(["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"])`,
      `format.dns1123Subdomain().validate("contains a space") == optional.of(["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"])`,
      `format.dns1035Label().validate("contains a space") == optional.of(["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"])`,
      `format.qualifiedName().validate("contains a space") == optional.of(["name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"])`,
      `format.dns1123LabelPrefix().validate("contains a space-") == optional.of(["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"])`,
      'format.dns1123Label().validate("my-label-name") == optional.none()', 'format.dns1123Subdomain().validate("example.com") == optional.none()',
      'format.qualifiedName().validate("my.name") == optional.none()', 'format.byte().validate("aGVsbG8") == optional.of(["invalid base64"])',
      'format.date().validate("2020-01-32") == optional.of(["invalid date"])', 'format.datetime().validate("2020-01-32T00:00:00Z") == optional.of(["invalid datetime"])',
      '!format.named("unknown").hasValue()', 'format.labelValue().validate("my-cool-label-Value") == optional.none()',
      `format.labelValue().validate("my-cool-label-Value!!\\n\\n!!!") == optional.of(["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"])`,
      ...names.flatMap((a) => [`format.named("${a}").hasValue()`, `format.named("${a}").value() == format.${a}()`, ...names.filter((b) => b !== a).map((b) => `!(format.${a}() == format.${b}())`)]),
    ]);
  });

  test('two-variable comprehensions', () => {
    holds([
      '[1, 2, 3].all(i, v, i < v)', '[1, 2, 3].exists(i, v, i == 1 && v == 2)', '[1, 2, 3].existsOne(i, v, v > 2)', "{'a': 1, 'b': 2}.all(k, v, k.size() == 1 && v > 0)",
      '[1, 2, 3].transformList(i, v, i * v) == [0, 2, 6]', '[1, 2, 3].transformList(i, v, v > 1, v * 10) == [20, 30]', "{'a': 1}.transformMap(k, v, v + 1) == {'a': 2}",
      "{'a': 'x', 'b': 'y'}.transformMap(k, v, k != 'a', v + '!') == {'b': 'y!'}", '[0, 1].exists(i, v, 1 / v > 0)',
    ]);
    fails([['[0, 1].all(i, v, 1 / v > 0)', /division by zero/]]);
  });

  test('timestamps and durations: conversions as cel-go prints them', () => {
    holds([
      "string(timestamp('2009-02-13T23:31:30Z')) == '2009-02-13T23:31:30Z'", "int(timestamp('2009-02-13T23:31:30Z')) == 1234567890",
      "string(timestamp('2009-02-13T23:31:30.120Z')) == '2009-02-13T23:31:30.12Z'", "string(duration('1000000s')) == '1000000s'", "string(duration('1.5s')) == '1.5s'",
      "timestamp('2024-01-01T00:00:00Z') + duration('1h') > timestamp('2024-01-01T00:00:00Z')", "duration('1h') == duration('60m')",
    ]);
  });

  test('string.format', () => {
    holds([
      '"%s and %s".format(["a", "b"]) == "a and b"', '"%d".format([42]) == "42"', '"%s".format([[1, 2]]) == "[1, 2]"', '"%s".format([["a"]]) == "[\\"a\\"]"',
      '"%s".format([{"b": 1, "a": 2}]) == "{\\"a\\":2, \\"b\\":1}"', '"%.2f".format([1.256]) == "1.26"', '"%f".format([2.0]) == "2.000000"', '"%e".format([1234.5]) == "1.234500e+03"',
      '"%b".format([5]) == "101"', '"%o".format([8]) == "10"', '"%x".format([255]) == "ff"', '"%X".format(["hi"]) == "6869"', '"100%%".format([]) == "100%"',
      '"%s".format([null]) == "null"', '"%s".format([true]) == "true"',
      // Go's rounding (exact value, ties to even), types, timestamps and durations as cel-go prints them.
      '"%.0f".format([2.5]) == "2"', '"%.0f".format([3.5]) == "4"', '"%.1f".format([0.25]) == "0.2"', '"%.2f".format([1.005]) == "1.00"',
      '"%s".format([type("x")]) == "string"', '"%s".format([timestamp("2023-02-03T23:31:20+00:00")]) == "2023-02-03T23:31:20Z"',
      '"%s".format([duration("1h45m47s")]) == "6347s"', '"%s".format([[duration("2h")]]) == "[duration(\\"7200s\\")]"',
    ]);
    fails([['"%d".format(["a"])', /decimal clause can only be used on integers/], ['"%z".format([1])', /unrecognized formatting clause/], ['"%s %s".format(["a"])', /index 1 out of range/]]);
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
    for (const e of [
      '!optional.ofNonZeroValue(null).hasValue()', 'optional.ofNonZeroValue(42).or(optional.of(20)).value() == 42', "!optional.ofNonZeroValue('').hasValue()",
      '!optional.none().optMap(y, y + 1).hasValue()', 'optional.of(42).optMap(y, y + 1).value() == 43',
      "{'key': {'subkey': 'subvalue'}}.?key.optFlatMap(k, k.?subkey).value() == 'subvalue'", "!{'key': {}}.?key.optFlatMap(k, k.?subkey).hasValue()",
      'optional.none() == optional.none()', 'optional.of(1) == optional.of(1)', 'optional.of(1) != optional.none()', 'optional.of(1) != optional.of(2)',
      'object.?spec.?replicas.optMap(r, r + 1).orValue(0) == 3',
    ]) assert.equal(t(e), true, e);
  });

  test('has(e.f) on any operand, not only a chain of selections on a variable', () => {
    const object = celValue({ spec: { containers: [{ image: 'x' }], x: { y: 1 } } });
    const t = (e: string): unknown => {
      const r = run(e, { object });
      return r.ok ? r.value : r.error;
    };
    assert.equal(t('has(object.spec.containers[0].image)'), true);
    assert.equal(t('has(object.spec.containers[0].nope)'), false);
    assert.equal(t("has(object.spec['x'].y)"), true);
    assert.equal(t('has(object.spec.containers.filter(c, true)[0].image)'), true);
    assert.equal(t("has({'a': 1}.a)"), true);
    assert.equal(t('has({}.a)'), false);
    assert.equal(t('has(object.spec.containers[1].image)'), "index '1' out of range in list size '1'");
    assert.match(String(t('has(object.spec.containers[0].image.x)')), /invalid type for field selection/);
  });

  test('numbers: YAML/JSON integers are ints, cross-type comparisons between int, uint and double', () => {
    const object = celValue({ spec: { replicas: 3, ratio: 1.5, big: 2 ** 53 } });
    for (const e of ['object.spec.replicas == 3', 'type(object.spec.replicas) == int', 'object.spec.replicas == 3.0', 'object.spec.replicas < 3.5', 'object.spec.ratio > 1', 'dyn(1u) == 1', 'dyn(2u) < 3', 'type(object.spec.ratio) == double']) {
      assert.deepEqual(run(e, { object }), { ok: true, value: true }, e);
    }
  });

  test('int() conversions as cel-go: from uint, from double within range, from string', () => {
    holds(['int(42u) == 42', 'int(-1.9) == -1', "int('+42') == 42", "int(timestamp('2009-02-13T23:31:30Z')) == 1234567890", 'type(1) == int', "duration(duration('100s')) == duration('100s')"]);
    fails([
      ['int(18446744073709551615u)', /range error/],
      ['int(9223372036854775807.0)', /range error/],
      ['int(-9223372036854775808.0)', /range error/],
      ['int(1e99)', /range error/],
      ["int('x')", /cannot convert/],
    ]);
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

  test('extension functions: global, method and namespaced (as Kyverno declares its own)', () => {
    const ext = celEnv({
      variables: ['object'],
      functions: [
        { namespace: 'image', signature: 'registry(string): string', handler: (s: string) => s.split('/')[0]! },
        { signature: 'string.shout(): string', handler: (s: string) => `${s}!` },
        { signature: 'twice(int): int', handler: (n: bigint) => n * 2n },
      ],
    });
    const value = (e: string): unknown => {
      const c = compileCel(ext, e);
      if (!c.ok) return c.error.message;
      const r = c.program.evaluate({ object: null });
      return r.ok ? r.value : r.error;
    };
    assert.equal(value("image.registry('ghcr.io/a/b')"), 'ghcr.io');
    assert.equal(value("'hi'.shout()"), 'hi!');
    assert.equal(value('twice(21)'), 42n);
    assert.equal(value('thrice(1)'), "undeclared reference to 'thrice'");
    assert.equal(value('nothing + 1'), "undeclared reference to 'nothing'");
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

  test('bounds: exponential comprehension cost stops with bound "cost"; a tight time bound with "time"; a huge value with "size"', () => {
    const ten = '[1,2,3,4,5,6,7,8,9,10]';
    let e = 'true';
    for (const v of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) e = `${ten}.all(${v}, ${e})`;
    const c = compileCel(env, e);
    assert.ok(c.ok);
    // A generous time bound, so a loaded machine still meets the cost bound first.
    const slowMachine = { maxMillis: 120_000 };
    const r = c.program.evaluate({}, slowMachine);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.bound, 'cost');
    const small = c.program.evaluate({}, { maxCost: 1000, ...slowMachine });
    assert.equal(!small.ok && small.bound, 'cost');
    const timed = c.program.evaluate({}, { maxCost: Number.MAX_SAFE_INTEGER, maxMillis: 0 });
    assert.equal(!timed.ok && timed.bound, 'time');
    const two = compileCel(env, `${ten}.all(a, ${ten}.all(b, ${ten}.all(c, ${ten}.all(d, ${ten}.all(e, ${ten}.all(i, f, ${ten}.all(j, g, i + j >= 0)))))))`);
    assert.ok(two.ok);
    const r2 = two.program.evaluate({}, slowMachine);
    assert.equal(!r2.ok && r2.bound, 'cost');
    // Doubling a string 30 times stops at the size bound before it takes the memory.
    let doubling = 'size(x30)';
    for (let i = 30; i >= 1; i--) doubling = `cel.bind(x${i}, x${i - 1} + x${i - 1}, ${doubling})`;
    const big = compileCel(env, `cel.bind(x0, "ab", ${doubling})`);
    assert.ok(big.ok);
    const sized = big.program.evaluate({}, { maxCost: Number.MAX_SAFE_INTEGER, ...slowMachine });
    assert.equal(!sized.ok && sized.bound, 'size');
    // A cheap expression stays well inside the default budget.
    assert.deepEqual(run(`${ten}.all(a, ${ten}.all(b, a * b > 0))`), { ok: true, value: true });
  });

  test('celToString: values as messages show them', () => {
    assert.equal(celToString('a'), 'a');
    assert.equal(celToString([1n, 'b', 1.5]), '[1, "b", 1.5]');
    assert.equal(celToString(celValue({ k: [true] })), '{"k": [true]}');
  });
});
