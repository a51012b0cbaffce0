// Go's text/template as its documentation and its own tests (exec_test.go) describe it: the
// expected outputs below are what Go prints for these templates.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Executor, FuncDef, TemplateError, TemplateSet } from '../../server/src/go/template/exec';
import { ParseError } from '../../server/src/go/template/parse';
import { plain } from '../../server/src/go/template/text';
import { FuncError, GoMap, Value } from '../../server/src/go/template/value';

function m(o: Record<string, Value>): GoMap {
  return new Map(Object.entries(o));
}

const boom: FuncDef = {
  n: 0,
  variadic: true,
  fn: () => {
    throw new FuncError('boom');
  },
};

function run(text: string, data: Value = null, funcs: Map<string, FuncDef> = new Map([['boom', boom]])): string {
  const set = new TemplateSet();
  set.add('t', text);
  return plain(new Executor(set, funcs).execute('t', data));
}

function runError(text: string, data: Value = null): string {
  try {
    run(text, data);
  } catch (e) {
    if (e instanceof TemplateError || e instanceof ParseError) return e.message;
    throw e;
  }
  return 'no error';
}

const data = m({
  s: 'str',
  n: 3n,
  f: 1.5,
  big: 1e6,
  t: true,
  l: ['a', 'b', 'c'],
  mp: m({ b: 2n, a: 1n, c: m({ d: 'deep' }) }),
  empty: [],
  nil: null,
});

test('text, actions, trim markers and comments', () => {
  assert.equal(run('hello {{.s}}!', data), 'hello str!');
  assert.equal(run('{{23 -}} < {{- 45}}'), '23<45');
  assert.equal(run('a {{- /* comment */ -}} b'), 'ab');
  assert.equal(run('a{{/* multi\nline */}}b'), 'ab');
  assert.equal(run('x\n  {{- "y" }}\n  z'), 'xy\n  z');
});

test('values print as Go prints them', () => {
  assert.equal(run('{{.n}} {{.f}} {{.big}} {{.t}} {{.l}} {{.mp}}', data), '3 1.5 1e+06 true [a b c] map[a:1 b:2 c:map[d:deep]]');
  assert.equal(run('{{1e6}} {{0.000012}} {{123456.0}} {{1234567.0}}'), '1e+06 1.2e-05 123456 1.234567e+06');
  assert.equal(run('{{.missing}}|{{.nil}}', data), '<no value>|<no value>');
  assert.equal(run("{{'a'}} {{0x1F}} {{-7}}"), '97 31 -7');
});

test('missing keys and nil: a chain through a missing key fails as Go words it', () => {
  assert.match(runError('{{.missing.x}}', data), /nil pointer evaluating interface \{\}\.x/);
  assert.equal(run('{{$x := .missing}}{{$x.y}}', data), '<no value>');
  assert.match(runError('{{.s.x}}', data), /can't evaluate field x in type string/);
});

test('variables, declaration and assignment', () => {
  assert.equal(run('{{$x := "a"}}{{$x}}{{$x = "b"}}{{$x}}'), 'ab');
  assert.equal(run('{{$x := 0}}{{range .l}}{{$x = .}}{{end}}{{$x}}', data), 'c');
  assert.equal(run('{{with $y := .s}}{{$y}}{{end}}', data), 'str');
  assert.equal(run('{{range $i, $e := .l}}{{$i}}={{$e}} {{end}}', data), '0=a 1=b 2=c ');
  assert.equal(run('{{define "T"}}{{$}}{{end}}{{template "T" "dot"}}'), 'dot');
  assert.match(runError('{{$u}}'), /undefined variable "\$u"/);
});

test('if, else if, with, range and their else branches; Go truth', () => {
  assert.equal(run('{{if .empty}}a{{else if .nil}}b{{else if .n}}c{{else}}d{{end}}', data), 'c');
  assert.equal(run('{{if 0}}x{{else}}y{{end}}{{if ""}}x{{else}}y{{end}}{{if .mp}}z{{end}}', data), 'yyz');
  assert.equal(run('{{with .missing}}x{{else}}none{{end}}', data), 'none');
  assert.equal(run('{{with .mp.c}}{{.d}}{{end}}', data), 'deep');
  assert.equal(run('{{range .empty}}x{{else}}empty{{end}}', data), 'empty');
  assert.equal(run('{{range $k, $v := .mp}}{{$k}}{{end}}', data), 'abc');
  assert.equal(run('{{range 3}}{{.}}{{end}}'), '012');
  assert.equal(run('{{range .l}}{{if eq . "b"}}{{continue}}{{end}}{{if eq . "c"}}{{break}}{{end}}{{.}}{{end}}', data), 'a');
  assert.equal(run('{{with .nil}}x{{else with .s}}{{.}}{{end}}', data), 'str');
});

test('define, template and block; a later define wins', () => {
  assert.equal(run('{{define "a"}}A{{.}}{{end}}{{template "a" 1}}{{template "a"}}'), 'A1A<no value>');
  assert.equal(run('{{block "b" .s}}[{{.}}]{{end}}', data), '[str]');
  const set = new TemplateSet();
  set.add('one', '{{define "x"}}first{{end}}');
  set.add('two', '{{define "x"}}second{{end}}{{template "x"}}');
  assert.equal(plain(new Executor(set, new Map()).execute('two', null)), 'second');
  assert.match(runError('{{template "nope"}}'), /template "nope" not defined/);
});

test('comparisons: eq with several arguments, Go type rules, nil', () => {
  assert.equal(run('{{eq 1 2 3 1}} {{eq "a" "b"}} {{ne 1 2}}', data), 'true false true');
  assert.equal(run('{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1.5 2.5}}'), 'true true true false');
  assert.match(runError('{{eq 1 1.0}}'), /error calling eq: incompatible types for comparison/);
  assert.match(runError('{{lt true false}}'), /invalid type for comparison/);
  assert.equal(run('{{eq .s "x"}}', data), 'false');
  assert.equal(run('{{eq .missing "x"}}', data), 'false');
});

test('and and or short-circuit and return an operand', () => {
  assert.equal(run('{{and 1 0 (boom)}}'), '0');
  assert.equal(run('{{or 0 "" "x" (boom)}}'), 'x');
  assert.equal(run('{{and 1 "y"}} {{or 0 ""}} {{not 0}}'), 'y  true');
  assert.match(runError('{{and 1 (boom)}}'), /error calling boom: boom/);
});

test('printf, print and println as fmt does', () => {
  assert.equal(run('{{printf "%s-%d-%v-%q-%t" "s" 3 1.5 "q" true}}'), 's-3-1.5-"q"-true');
  assert.equal(run('{{printf "%d" "x"}} {{printf "%s" nil}} {{printf "%s %s" "a"}} {{printf "%s" "a" 2}}'), '%!d(string=x) %!s(<nil>) a %!s(MISSING) a%!(EXTRA int=2)');
  assert.equal(run('{{printf "%5.2f|%-4s|%05d|%x|%X|%o|%c" 3.14159 "ab" 42 "hi" 255 8 65}}'), ' 3.14|ab  |00042|6869|FF|10|A');
  assert.equal(run('{{printf "%v %v" .mp .l}}', data), 'map[a:1 b:2 c:map[d:deep]] [a b c]');
  assert.equal(run('{{printf "%T %T %T %T" 1 1.5 "s" .l}}', data), 'int float64 string []interface {}');
  assert.equal(run('{{print 1 2 "a" 3 "b"}}'), '1 2a3b');
  assert.equal(run('{{println 1 "a"}}'), '1 a\n');
  assert.equal(run('{{"x" | printf "%s-%s" "a"}}'), 'a-x');
  assert.equal(run('{{printf "%6.3v|%e|%g" 3.14159 1234.5678 0.00001}}'), '  3.14|1.234568e+03|1e-05');
});

test('index, len, slice', () => {
  assert.equal(run('{{index .l 1}} {{index .mp "a"}} {{index .mp "c" "d"}} {{index .mp "zz"}}', data), 'b 1 deep <no value>');
  assert.equal(run('{{len .l}} {{len .s}} {{len .mp}}', data), '3 3 3');
  assert.equal(run('{{slice .l 1 2}} {{slice .s 1}}', data), '[b] tr');
  assert.match(runError('{{index .l 5}}', data), /error calling index: index out of range: 5/);
  assert.match(runError('{{len 3}}'), /error calling len: len of type int/);
});

test('html, js, urlquery', () => {
  assert.equal(run('{{html "<a href=\'x\'>&"}}'), '&lt;a href=&#39;x&#39;&gt;&amp;');
  assert.equal(run('{{js "it\'s <b>"}}'), "it\\'s \\u003Cb\\u003E");
  assert.equal(run('{{urlquery "a b&c"}}'), 'a+b%26c');
});

test('parse errors are Go\'s', () => {
  assert.match(runError('{{end}}'), /unexpected \{\{end\}\}/);
  assert.match(runError('{{if 1}}x'), /unexpected EOF/);
  assert.match(runError('{{.s'), /unclosed action/);
  assert.match(runError('{{break}}'), /\{\{break\}\} outside \{\{range\}\}/);
  assert.match(runError('{{nofunc 1}}'), /function "nofunc" not defined/);
});

test('function arity is checked as Go does', () => {
  const f = new Map<string, FuncDef>([['two', { n: 2, fn: (a) => a.length === 2 }]]);
  const set = new TemplateSet();
  set.add('t', '{{two 1}}');
  assert.throws(() => new Executor(set, f).execute('t', null), /wrong number of args for two: want 2 got 1/);
  set.add('u', '{{1 | two 2}}');
  assert.equal(plain(new Executor(set, f).execute('u', null)), 'true');
});

test('a template that calls itself forever stops at the depth bound, named', () => {
  const set = new TemplateSet();
  set.add('t', '{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}');
  assert.throws(() => new Executor(set, new Map(), { maxSteps: 1e7, maxOutput: 1e6, maxDepth: 200, maxMillis: 10_000 }).execute('t', null), /limit maxDepth/);
});

test('a huge range stops at the step bound, named', () => {
  const set = new TemplateSet();
  set.add('t', '{{range 100000000}}x{{end}}');
  assert.throws(() => new Executor(set, new Map(), { maxSteps: 100_000, maxOutput: 1e9, maxDepth: 100, maxMillis: 10_000 }).execute('t', null), /limit maxSteps/);
});

test('output past the size bound stops the render, named', () => {
  const set = new TemplateSet();
  set.add('t', '{{range 100000}}0123456789{{end}}');
  assert.throws(() => new Executor(set, new Map(), { maxSteps: 1e7, maxOutput: 10_000, maxDepth: 100, maxMillis: 10_000 }).execute('t', null), /output larger than 10000 characters \(limit maxOutput\)/);
});

test('nesting past the parse bound is a parse error that names it', () => {
  assert.match(runError('{{if 1}}'.repeat(5000) + '{{end}}'.repeat(5000)), /max depth of nested expressions exceeded \(300\) \(limit maxDepth\)/);
  assert.match(runError('{{' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '}}'), /limit maxDepth/);
});

test('a value doubled until it is huge stops at the output bound, named', () => {
  const set = new TemplateSet();
  set.add('t', '{{$x := "ab"}}{{range 64}}{{$x = printf "%s%s" $x $x}}{{end}}');
  const funcs = new Map<string, FuncDef>();
  assert.throws(() => new Executor(set, funcs, { maxSteps: 1e6, maxOutput: 100_000, maxDepth: 100, maxMillis: 10_000 }).execute('t', null), /printf made a string of \d+ characters \(limit maxOutput\)/);
  set.add('u', '{{$l := list 1}}{{range 64}}{{$l = list $l $l}}{{end}}{{$l}}');
  const list: FuncDef = { n: 0, variadic: true, fn: (a) => a.slice() };
  assert.throws(() => new Executor(set, new Map([['list', list]])).execute('u', null), /limit maxOutput/);
});
