// The RE2 module every policy regex runs on, held to Go's regexp package as its documentation and its
// own examples (regexp/example_test.go, regexp/find_test.go) give it, and the Rego regex.* builtins on it
// with OPA's answers (a pattern RE2 refuses makes the call undefined in non-strict mode).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { compileRe2, estimateProgramSize, isCompiled, Re2SyntaxError, tryCompileRe2 } from '../../server/src/re2';
import { compileRego, dataDocument, evaluateRego, fromJS } from '../../server/src/rego';
import { projectRoot } from '../support/helpers';

const re = (p: string) => compileRe2(p);

describe('RE2 module: Go regexp semantics', () => {
  test('FindAllString: non-overlapping, n caps the count, no match is empty (example_test.go)', () => {
    assert.deepEqual(re('a.').findAll('paranormal', -1), ['ar', 'an', 'al']);
    assert.deepEqual(re('a.').findAll('paranormal', 2), ['ar', 'an']);
    assert.deepEqual(re('a.').findAll('graal', -1), ['aa']);
    assert.deepEqual(re('a.').findAll('none', -1), []);
  });

  test('FindAll empty matches: none right after a match, one per position otherwise (find_test.go)', () => {
    // Go: `a*` on "baaab" matches [0,0] [1,4] [5,5]; the empty match at 4, right after "aaa", is dropped.
    assert.deepEqual(re('a*').findAll('baaab', -1), ['', 'aaa', '']);
    assert.deepEqual(re('\\b').findAll('x y', -1), ['', '', '', '']);
    // Positions advance by a whole character: a surrogate pair is one rune.
    assert.deepEqual(re('x*').findAll('\u{1F600}x\u{1F600}', -1), ['', 'x', '']);
    // ^ matches at the start of the text only, wherever the next search starts; (?m) at each line.
    assert.deepEqual(re('^a').findAll('aaa', -1), ['a']);
    assert.deepEqual(re('(?m)^a').findAll('a\na', -1), ['a', 'a']);
  });

  test('FindAllStringSubmatch: groups that did not take part are unset', () => {
    assert.deepEqual(re('(a)|b').findAllSubmatch('ab', -1), [['a', 'a'], ['b', undefined]]);
    assert.deepEqual(re('(\\w+)=(\\w+)').findAllSubmatch('a=1 b=2', 1), [['a=1', 'a', '1']]);
  });

  test('Split (example_test.go)', () => {
    assert.deepEqual(re('a*').split('abaabaccadaaae', 5), ['', 'b', 'b', 'c', 'cadaaae']);
    assert.deepEqual(re('a').split('banana', -1), ['b', 'n', 'n', '']);
    assert.deepEqual(re('a').split('apple', 0), []);
    assert.deepEqual(re('a').split('grape', 1), ['grape']);
    assert.deepEqual(re('a').split('papaya', 2), ['p', 'paya']);
    assert.deepEqual(re('z+').split('pizza', -1), ['pi', 'a']);
    assert.deepEqual(re('z+').split('pizza', 0), []);
    assert.deepEqual(re('z+').split('pizza', 1), ['pizza']);
    assert.deepEqual(re('z+').split('pizza', 2), ['pi', 'a']);
  });

  test('ReplaceAllString: $1, ${1}, names, and $1W as the name "1W" (example_test.go)', () => {
    const r = re('a(x*)b');
    assert.equal(r.replaceAll('-ab-axxb-', 'T'), '-T-T-');
    assert.equal(r.replaceAll('-ab-axxb-', '$1'), '--xx-');
    assert.equal(r.replaceAll('-ab-axxb-', '$1W'), '---');
    assert.equal(r.replaceAll('-ab-axxb-', '${1}W'), '-W-xxW-');
    const named = re('a(?P<1W>x*)b');
    assert.equal(named.replaceAll('-ab-axxb-', '$1W'), '--xx-');
    assert.equal(named.replaceAll('-ab-axxb-', '${1}W'), '-W-xxW-');
    // Regexp.Expand's example, through ReplaceAll with ${name}.
    const kv = re('(?m)(?P<key>\\w+):\\s+(?P<value>\\w+)$');
    assert.equal(kv.replaceAll('option1: value1\noption2: value2', '${key}=${value}'), 'option1=value1\noption2=value2');
    assert.equal(r.replaceAll('-ab-', '$$1'), '-$1-');
    // An empty match right after a match is not replaced.
    assert.equal(re('a*').replaceAll('baaac', 'X'), 'XbXcX');
    assert.equal(re('a*').replaceAllLiteral('baaac', '$0'), '$0b$0c$0');
  });

  test('flags and classes: (?i), (?s), (?m), (?U), \\pL, [[:alpha:]], \\z', () => {
    assert.ok(re('(?i)HELLO').test('say hello'));
    assert.ok(!re('a.b').test('a\nb'));
    assert.ok(re('(?s)a.b').test('a\nb'));
    assert.ok(!re('^b$').test('a\nb'));
    assert.ok(re('(?m)^b$').test('a\nb'));
    assert.equal(re('(?U)a+').find('aaa'), 'a');
    assert.equal(re('a+?').find('aaa'), 'a');
    assert.ok(re('^\\pL+$').test('héllo'));
    assert.ok(!re('^\\pL+$').test('h3llo'));
    assert.ok(re('^\\p{Greek}+$').test('αβγ'));
    assert.ok(re('^[[:alpha:]]+$').test('abc'));
    assert.ok(!re('^[[:alpha:]]+$').test('é'), 'POSIX classes are ASCII in RE2');
    assert.ok(re('^[[:^digit:]]+$').test('abc'));
    assert.ok(!re('a\\z').test('a\n'));
    assert.ok(re('a$').test('a') && !re('a$').test('a\n'), '$ without (?m) is the end of the text, as \\z');
  });

  test('what RE2 refuses: lookaround, backreferences, repeat counts over 1000, with Go\'s message', () => {
    const refused: Array<[string, RegExp]> = [
      ['(?=x)', /invalid or unsupported Perl syntax: `\(\?=`/],
      ['a(?!x)', /invalid or unsupported Perl syntax: `\(\?!`/],
      ['(?<=x)a', /error parsing regexp/],
      ['(a)\\1', /invalid escape sequence: `\\1`/],
      ['a{1001}', /invalid repeat count/],
      ['(', /missing closing \)/],
      ['[z-a]', /invalid character class range/],
    ];
    for (const [p, message] of refused) {
      assert.throws(() => compileRe2(p), (e: unknown) => e instanceof Re2SyntaxError && message.test(e.message) && e.message.startsWith('error parsing regexp: '), p);
      assert.equal(tryCompileRe2(p), undefined);
    }
  });

  test('no pattern backtracks: ^(a+)+$ on 40 a\'s and a b answers at once, and stays linear on 100,000', () => {
    const evil = re('^(a+)+$');
    let started = process.hrtime.bigint();
    assert.equal(evil.test('a'.repeat(40) + 'b'), false);
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    assert.ok(micros < 50_000, `${micros} µs`);
    started = process.hrtime.bigint();
    assert.equal(evil.test('a'.repeat(100_000) + 'b'), false);
    assert.equal(re('(x+x+)+y').test('x'.repeat(100_000)), false);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 2_000, `${ms} ms`);
  });

  test('estimateProgramSize: the compiled size, within a factor of two, before compiling', () => {
    for (const p of ['a', '^(a+)+$', '[a-z]{1000}', '(?:[a-z]{1,50}){20}[0-9]', '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', '(?i)^(gcr\\.io|quay\\.io)/.*', '\\p{Greek}+', 'a{2,5}', '\\Qa.b\\E+', '[[:alpha:]]{10}', 'x'.repeat(1000), '[a-z]{1000}'.repeat(20)]) {
      const estimate = estimateProgramSize(p);
      const actual = re(p).programSize;
      assert.ok(estimate >= actual / 2 && estimate <= actual * 2, `${p.slice(0, 40)}: ${estimate} for ${actual}`);
    }
    assert.ok(!isCompiled('never-compiled-(x)'));
    re('never-compiled-(x)');
    assert.ok(isCompiled('never-compiled-(x)'));
  });

  test('replaceAllWithin stops at its bound instead of building the whole output', () => {
    assert.equal(re('').replaceAllWithin('abc', 'xy', 100), 'xyaxybxycxy');
    assert.equal(re('').replaceAllWithin('a'.repeat(1000), 'y'.repeat(1000), 10_000), undefined);
  });
});

/** The value of a Rego expression as JSON (OPA's json.marshal), or undefined when it is undefined. */
function value(expr: string): unknown {
  const c = compileRego(`package t\nviolation[{"msg": msg}] {\n  x := ${expr}\n  msg := json.marshal(x)\n}`);
  assert.ok(c.ok, c.ok ? '' : JSON.stringify(c.problem));
  const out = evaluateRego(c.policy, fromJS({}), dataDocument(undefined));
  assert.ok(out.ok, out.ok ? '' : out.error);
  return out.results.length === 0 ? undefined : JSON.parse(out.results[0]!.msg);
}

describe('Rego regex.* builtins on RE2', () => {
  test('regex.match and re_match', () => {
    assert.equal(value('regex.match("^quay\\\\.io/", "gcr.io/x")'), false);
    assert.equal(value('regex.match("^quay\\\\.io/", "quay.io/x")'), true);
    assert.equal(value('re_match("(?i)^NGINX", "nginx:1.25")'), true);
    assert.equal(value('regex.match("(?U)a+", "aaa")'), true, '(?U) is RE2 syntax: it runs now');
  });

  test('a pattern RE2 refuses makes the call undefined (OPA non-strict), and regex.is_valid false', () => {
    assert.equal(value('regex.match("(?=x)", "x")'), undefined);
    assert.equal(value('regex.match("(a)\\\\1", "aa")'), undefined);
    assert.equal(value('regex.is_valid("(?=x)")'), false);
    assert.equal(value('regex.is_valid("a{1001}")'), false);
    assert.equal(value('regex.is_valid("^a+$")'), true);
    assert.equal(value('regex.is_valid(5)'), false);
  });

  test('regex.find_n, regex.find_all_string_submatch_n, regex.split, regex.replace', () => {
    assert.deepEqual(value('regex.find_n("a.", "paranormal", -1)'), ['ar', 'an', 'al']);
    assert.deepEqual(value('regex.find_n("a.", "paranormal", 2)'), ['ar', 'an']);
    assert.deepEqual(value('regex.find_n("a*", "baaab", -1)'), ['', 'aaa', '']);
    assert.deepEqual(value('regex.find_n("x", "abc", -1)'), []);
    // Go's FindAllStringSubmatch gives "" for a group that did not take part.
    assert.deepEqual(value('regex.find_all_string_submatch_n("(a)|b", "ab", -1)'), [['a', 'a'], ['b', '']]);
    assert.deepEqual(value('regex.find_all_string_submatch_n("([a-z]+)/([a-z]+)", "gcr.io/a/b x/y", -1)'), [['io/a', 'io', 'a'], ['x/y', 'x', 'y']]);
    assert.deepEqual(value('regex.split("a", "banana")'), ['b', 'n', 'n', '']);
    assert.deepEqual(value('regex.split("z+", "pizza")'), ['pi', 'a']);
    assert.equal(value('regex.replace("-ab-axxb-", "a(x*)b", "${1}W")'), '-W-xxW-');
    assert.equal(value('regex.replace("-ab-axxb-", "a(x*)b", "$1W")'), '---');
  });

  test('^(a+)+$ on an image of 40 a\'s and a b: false in microseconds, not a hang', () => {
    const started = process.hrtime.bigint();
    assert.equal(value(`regex.match("^(a+)+$", "${'a'.repeat(40)}b")`), false);
    assert.equal(value(`regex.match("^(a+)+$", "${'a'.repeat(40)}")`), true);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 250, `${ms} ms`);
  });

  test('glob.match runs on RE2 too: *a*a*a*a*b on a long input is linear', () => {
    const started = process.hrtime.bigint();
    assert.equal(value(`glob.match("*a*a*a*a*a*a*b", [], "${'a'.repeat(5000)}")`), false);
    assert.equal(value('glob.match("*.example.com", ["."], "a.example.com")'), true);
    assert.equal(value('glob.match("*.example.com", ["."], "a.b.example.com")'), false);
    assert.equal(value('glob.match("**.example.com", ["."], "a.b.example.com")'), true);
    assert.equal(value('glob.match("{gcr,quay}.io/*", ["/"], "quay.io/x")'), true);
    assert.equal(value('glob.match("[!a-c]x", [], "dx")'), true);
    assert.equal(value('glob.match("[z-a]", [], "x")'), undefined, 'a reversed range is refused');
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 1_000, `${ms} ms`);
  });
});

describe('no policy regex reaches JavaScript RegExp', () => {
  test('the Rego engine builds no RegExp from a string (regex.*, glob.match and re_match go through server/src/re2)', () => {
    const dir = path.join(projectRoot, 'server', 'src', 'rego');
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      assert.ok(!/new RegExp\(|RegExp\(/.test(text), `${f} builds a RegExp`);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'regex.ts')), 'the RE2-to-JavaScript translation is gone');
  });
});
