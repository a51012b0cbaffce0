// The fast reader against the `yaml` path: same documents, values, styles, spans and errors, on
// every real manifest we have, synthetic workspaces, and seeded random documents and mutations.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { MapNode, parseYaml, SeqNode, YamlCache } from '../../server/src/yaml/documents';
import { FastDocumentReader, resolvePlain, Skim, skipped } from '../../server/src/yaml/fastYaml';
import { needsShared, projectRoot, sharedRoot, yamlFiles } from '../support/helpers';
import { prng, syntheticFile } from '../support/synthetic';
import { diffParsed, diffSkimmed } from '../support/yamlDiff';


// `TI_FUZZ_SEED` and `TI_FUZZ_SCALE` run the generative tests longer, with other seeds.
const seedOffset = Number(process.env.TI_FUZZ_SEED ?? 0);
const scale = Number(process.env.TI_FUZZ_SCALE ?? 1);

/** A skim as the checks use one, and one that drops most of the random documents' keys. */
const skims: Skim[] = [
  { some: new Set(['spec', 'template']), all: new Set(['apiVersion', 'kind', 'metadata', 'items', 'containers', 'initContainers', 'ephemeralContainers']) },
  { some: new Set(['a', 'spec']), all: new Set(['name', 'kind']) },
];

function assertSame(text: string, label: string): void {
  const whole = parseYaml(text);
  const d = diffParsed(whole, parseYaml(text, undefined, { fast: false }));
  assert.equal(d, undefined, `${label}: ${d}`);
  // A skimming read gives up where a whole one does, and keeps what it keeps exactly.
  for (const skim of skims) {
    const s = diffSkimmed(parseYaml(text, undefined, { skim }), whole, skipped);
    assert.equal(s, undefined, `${label} (skimmed): ${s}`);
  }
}

/** Whether the fast reader reads a text of one document itself (rather than handing it to yaml). */
/** Each text reads as yaml reads it, by the fast reader itself (fast) or handed over to yaml. */
function assertRead(texts: readonly string[], fast: boolean): void {
  for (const text of texts) {
    assertSame(text, JSON.stringify(text));
    assert.equal(readsFast(text), fast, `${fast ? 'not read fast' : 'read fast'}: ${JSON.stringify(text)}`);
  }
}

/**
 * Counts the characters given to the `yaml` package's parseAllDocuments (the only entry the documents
 * module calls) until restore(), which returns the count.
 */
function yamlSpy(): { restore(): number } {
  const lib = createRequire(__filename)('yaml') as { parseAllDocuments: (text: string, ...rest: unknown[]) => unknown };
  const original = lib.parseAllDocuments;
  let chars = 0;
  lib.parseAllDocuments = (text: string, ...rest: unknown[]) => {
    chars += text.length;
    return original(text, ...rest);
  };
  return {
    restore: () => {
      lib.parseAllDocuments = original;
      return chars;
    },
  };
}

function readsFast(text: string): boolean {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let p = 0; p <= text.length; ) {
    const nl = text.indexOf('\n', p);
    starts.push(p);
    ends.push(nl < 0 ? text.length : nl);
    if (nl < 0) break;
    p = nl + 1;
  }
  return new FastDocumentReader(text, 1e6).read(starts, ends, 0, starts.length) !== undefined;
}

/**
 * A flow collection whose entries may be on lines of their own, as an editor or a template writes
 * them: comments and blank lines between entries, quoted and plain scalars over several lines,
 * trailing commas, and now and then what yaml refuses (lines indented no more than the key, `#`
 * without a space, two commas). `indent` is the indentation its lines should have.
 */
function randomFlow(rand: () => number, depth: number, indent: string): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const under = () => pick([indent.slice(1), indent.slice(2), indent.slice(3), '']);
  const line = () => (rand() < 0.1 ? under() : indent + pick(['', '', ' ', '   ']));
  // What stands between two tokens: spaces, or line ends with comments and blank lines.
  const gap = (): string => {
    if (rand() < 0.45) return pick(['', ' ', ' ', '  ']);
    let s = pick(['', '', ' ', ' # c', '  #c', '#c']);
    for (let n = 1 + Math.floor(rand() * 2); n > 0; n--) s += '\n' + pick(['', '', '', '\n', '  \n', '# c\n', indent + '# c\n', under() + '# c\n']) + line();
    return s;
  };
  const scalars = ['a', 'nginx:1.25', 'b c', '12', 'true', '~', '"q"', "'s'", '"d\\tq"', '"a, b"', "'it''s'", '""', 'x:y', 'http://h:80/p', '-x', 'a#b', 'a # c', '"multi\n line"', "'multi\n\n  line'", '"esc\\\n  joined"', 'plain\n more', 'plain\n\n more', 'x\n -y', 'a\n #c'];
  const odd = ['-', ':', '?', '&a x', '*a', '!t x', 'a\n b: c', '"open', '', '[x', 'a]', '"\\q"', 'a\n\n', '&a', '&a,', '*a:', '*a x', '&a *b', '*a#c', '&a\n x'];
  const anchored = ['&a x', '&b "q"', '&a [1, *b]', '&c {k: *a}', '*a', '*b', '*c', '*a ', '&b-1.x y', '*b-1.x'];
  const scalar = () => pick(rand() < 0.75 ? scalars : rand() < 0.6 ? anchored : odd).replace(/\n/g, () => '\n' + (rand() < 0.2 ? '' : line()));
  const value = () => (depth < 2 && rand() < 0.25 ? (rand() < 0.2 ? pick(['&a ', '&c ', '&b  ']) : '') + randomFlow(rand, depth + 1, indent + pick(['', ' ', '  '])) : scalar());
  const seq = rand() < 0.5;
  let s = seq ? '[' : '{';
  const n = Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) {
    s += gap();
    if (seq && rand() < 0.9) s += value();
    else {
      s += pick(['a', 'k', 'image', '"q k"', "'s'", 'a', '12', '[k]', '{k: v}', '{k}']);
      // Mostly `key: value`; now and then a key alone (null) or a value on the next line.
      if (rand() < 0.9) s += pick([': ', ': ', ':', ' : ']) + (rand() < 0.8 ? pick(['', ' ']) : gap()) + value();
    }
    if (i < n - 1 || rand() < 0.25) s += gap() + pick([',', ',', ',', ',', ',,']);
  }
  return s + gap() + (rand() < 0.15 ? '\n' + under() : '') + (seq ? ']' : '}');
}

describe('fast YAML reader = yaml', () => {
  test('plain scalars resolve as the core schema does', () => {
    for (const [s, v] of [['', null], ['~', null], ['Null', null], ['true', true], ['FALSE', false], ['12', 12n], ['-3', -3n], ['0o17', 15n], ['0x1F', 31n], ['1.5', 1.5], ['.5', 0.5], ['1e3', 1000], ['.inf', Infinity], ['-.Inf', -Infinity], ['nginx', 'nginx'], ['1.2.3', '1.2.3'], ['0777', 777n], ['yes', 'yes']] as const) {
      assert.ok(Object.is(resolvePlain(s), v) || resolvePlain(s) === v, s);
    }
    assert.ok(Number.isNaN(resolvePlain('.nan')));
  });

  test('plain scalars resolve as the core schema patterns say (hand-written scan against the regular expressions)', () => {
    const reference = (s: string): unknown => {
      if (/^(?:~|[Nn]ull|NULL)?$/.test(s)) return null;
      if (/^(?:[Tt]rue|TRUE)$/.test(s)) return true;
      if (/^(?:[Ff]alse|FALSE)$/.test(s)) return false;
      if (/^0o[0-7]+$/.test(s) || /^[-+]?[0-9]+$/.test(s) || /^0x[0-9a-fA-F]+$/.test(s)) return BigInt(s);
      if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s)) return s.endsWith('nan') || s.endsWith('NaN') || s.endsWith('NAN') ? NaN : s[0] === '-' ? -Infinity : Infinity;
      if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s) || /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return parseFloat(s);
      return s;
    };
    const same = (s: string) => assert.ok(Object.is(resolvePlain(s), reference(s)), JSON.stringify(s));
    for (const s of ['+.inf', '-.nan', '+.nan', '.Nan', '0o8', '0o', '0x', '0xg', '0X1F', '-0x1', '1.e5', '.e5', '-.e1', '+', '-', '.', '..5', '1_0', '5.', '+5', '-0', '1e', '1e+', '1e+2', '1E-2', '1.5.', '12 ', ' 12', '1\n2', 'nul', 'nulll', 'tRUE', '~~']) same(s);
    // Every string of up to 4 characters over the ones that matter, and random longer ones.
    const chars = '0189+-.eExoaifnN~ ';
    const all = (prefix: string, left: number): void => {
      same(prefix);
      if (left > 0) for (const ch of chars) all(prefix + ch, left - 1);
    };
    all('', 4);
    const rand = prng(11 + seedOffset);
    const pieces = ['inf', 'Inf', 'INF', 'nan', 'NaN', 'null', 'True', 'FALSE', '0x', '0o', '.', 'e', 'E', '+', '-', '~', '1', '0', '7', '9', 'a', 'F', 'x', '_', '\n'];
    for (let i = 0; i < 20_000 * scale; i++) {
      let s = '';
      for (let k = Math.floor(rand() * 7); k > 0; k--) s += pieces[Math.floor(rand() * pieces.length)];
      same(s);
    }
  });

  // Equal output proves nothing about the fast reader if it handed every file to yaml: the bytes yaml
  // was given are counted (spied on the module the reader loads), and most must be read by the reader.
  // Floors below what is measured now: yaml is handed 0.8% of corpus/real's characters, 3.5% of the
  // library's, and 94.5% of corpus/hard's (its files are the hard cases, made to be handed over).
  const fastFloors: Record<string, number> = { 'corpus/real': 0.98, 'corpus/hard': 0.03, 'conformance/gatekeeper-library': 0.95 };
  for (const sub of ['corpus/real', 'corpus/hard', 'conformance/gatekeeper-library']) {
    test(`every file of ../shared/${sub}, and how much of it the fast reader read itself`, needsShared(sub), () => {
      let total = 0;
      let handed = 0;
      let documents = 0;
      for (const f of yamlFiles(path.join(sharedRoot, sub))) {
        const text = fs.readFileSync(f, 'utf8');
        assertSame(text, f);
        total += text.length;
        const spy = yamlSpy();
        try {
          documents += parseYaml(text).documents.length;
        } finally {
          handed += spy.restore();
        }
      }
      const fastShare = 1 - handed / total;
      console.log(`# ${sub}: ${documents} documents, ${total} characters; yaml was handed ${handed} (${(100 * (1 - fastShare)).toFixed(1)}%)`);
      assert.ok(documents > 0 && total > 0);
      assert.ok(fastShare >= fastFloors[sub]!, `the fast reader read only ${(100 * fastShare).toFixed(1)}% of ${sub} itself (floor ${100 * fastFloors[sub]!}%)`);
    });
  }

  test('the spy sees what is handed to yaml', () => {
    // A stream the fast reader leaves wholly to yaml (a directive), and one it reads itself.
    const spy = yamlSpy();
    parseYaml('%YAML 1.2\n---\na: 1\n');
    const directive = spy.restore();
    const spy2 = yamlSpy();
    parseYaml('a: 1\n');
    assert.deepEqual([directive, spy2.restore()], ['%YAML 1.2\n---\na: 1\n'.length, 0]);
  });

  test('the examples and a synthetic workspace', () => {
    for (const f of yamlFiles(path.join(projectRoot, 'examples'))) assertSame(fs.readFileSync(f, 'utf8'), f);
    const rand = prng(7);
    for (let i = 0; i < 300; i++) assertSame(syntheticFile(rand, i), `synthetic ${i}`);
  });

  test('seeded random documents in the subset and around it', () => {
    const rand = prng(2026 + seedOffset);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const scalars = ['nginx', 'nginx:1.25', 'a b c', '12', '1.5', 'true', 'null', '~', '', "'q'", "'it''s'", '"d\\tq"', '"\\u00e9"', 'x # c', '"a: b"', 'http://x:80/y', '0x1F', '-', '- x', '@x', '&a x', '*a', '!!str 5', '[a, b]', '{a: 1, b: [c]}', '[]', '{}', '"multi\n  line"', "'multi\n\n  line'", 'plain\n  continued', '|\n  lit\n  eral', '>-\n  fol\n  ded', '|+\n  keep\n'];
    // Anchors and aliases: on scalars, on blocks on the next lines, redefined, before their anchors.
    const names = ['a', 'b', 'lbl', 'x-1.y'];
    const anchor = () => `&${pick(names)}`;
    const alias = () => `*${pick(names)}`;
    const gen = (depth: number, indent: string): string => {
      const kind = depth > 3 ? 0 : Math.floor(rand() * 5);
      if (kind === 4) {
        const r = rand();
        if (r < 0.4) return ' ' + alias() + pick(['', '', ' ', ' # c', ' x', ':', ' : y']);
        // An anchored block on the next lines (or nothing after it: a null), a scalar, flow, or oddities.
        const after = pick(['', '', ' ', ' # c', '  ']);
        if (r < 0.75 && depth <= 3) return ' ' + anchor() + after + gen(depth + 1, indent);
        return ' ' + anchor() + pick([' ', ' ', '  ']) + pick([...scalars.slice(0, 12), '[a, *a]', '{k: *b}', '!!str x', '*a', '&b x', 'k: v', '- x', '|\n  lit', '"q"']).replace(/\n/g, `\n${indent}`);
      }
      if (kind === 0) return ' ' + pick(scalars).replace(/\n/g, `\n${indent}`);
      if (kind === 3) return ' ' + randomFlow(rand, 0, indent);
      if (kind === 1) {
        let s = '';
        const n = 1 + Math.floor(rand() * 3);
        for (let i = 0; i < n; i++) s += `\n${indent}- ` + gen(depth + 1, indent + '  ').trimStart();
        return s;
      }
      let s = '';
      const n = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < n; i++) s += `\n${indent}${rand() < 0.03 ? pick(['&k ', '*a ', '<<', '&k "']) : ''}${pick(['a', 'image', 'name', '"q k"', 'k2', 'a'])}:${gen(depth + 1, indent + pick(['  ', '    ']))}${rand() < 0.1 ? '  # note' : ''}`;
      return s;
    };
    for (let i = 0; i < 3000 * scale; i++) {
      const docs = 1 + Math.floor(rand() * 3);
      let text = '';
      for (let d = 0; d < docs; d++) text += (d > 0 || rand() < 0.3 ? '---\n' : '') + gen(0, '').replace(/^\n/, '') + '\n' + (rand() < 0.2 ? '\n# trailing\n' : '');
      assertSame(text, `random ${i}: ${JSON.stringify(text)}`);
    }
  });

  test('flow collections over several lines', () => {
    // Read by the fast reader itself, as yaml reads them.
    const fast = [
      'rules:\n- verbs:\n    [\n      "create",\n      "delete",\n    ]\n  resources: [pods]\n',
      'args: [\n  "echo",  # the command\n\n  "$(params.x[*])",\n]\nb: 1\n',
      'a: [\n  x\n]\n',
      'a:\n  - [a,\n    b]\n  - {k: v,\n     l: [1,\n       2]}\n',
      '{\n  apiVersion: "v1",\n  kind: "Pod",\n  spec: {\n    containers: [{\n      name: "c",\n# a comment at the margin\n      image: "nginx",\n    }],\n  },\n}\n',
      'a: [one\n  two,\n  three\n\n  four, "five\n  six", \'seven\n\n  eight\']\n',
      'a: {b:\n    1, c: [], d: {}}\n',
      'a: [x, y,]\nb: {x: 1,}\n',
      'a: [ # c\n]\n',
      '- [\n  a, b\n]\n- c\n',
      'data:\n  config: {{config_data}}\n  b: {[x]: y, c: 1, {k: v}: [z]}\n', // collections as keys: yaml keeps them, JSON cannot
    ];
    assertRead(fast, true);
    // Errors or doubts: yaml reads them (and reports the errors).
    const handed = [
      'a: [\nx]\n', // not indented more than the key
      'a: [[\n  x\n]]\n', // only the outermost bracket may close at the key's indentation
      '  a: [\n x]\n',
      'a: [#c\n x]\n', // a comment needs a space before it
      'a: [x,#c\n y]\n',
      'a: [x,,]\n',
      'a: [,]\n',
      'a: [-]\n', // a block sequence indicator
      'a: [x, -\n ]\n',
      'a: {b\n  : 1}\n', // implicit keys on one line
      'a: {"b\n  c": 1}\n',
      'a: [x\n  y: z]\n',
      'a: ["x\ny"]\n',
      'a: [x,\n',
      'a: [x] y\n',
      'a: [x\n  ]: y\n',
      'a: {{x} y}\n',
      'a: {{x}: }\n', // empty values: yaml decides
      'a: {{\n  x}}\n', // implicit keys on one line
    ];
    assertRead(handed, false);
  });

  test('seeded random flow collections over several lines', () => {
    const rand = prng(4242 + seedOffset);
    const keys = ['a', 'verbs', 'args', '"q k"'];
    for (let i = 0; i < 3000 * scale; i++) {
      const indent = ' '.repeat(Math.floor(rand() * 3) * 2);
      const child = indent + (rand() < 0.8 ? '  ' : ' ');
      const key = keys[Math.floor(rand() * keys.length)];
      let text: string;
      const r = rand();
      if (r < 0.15) text = randomFlow(rand, 0, '  ') + '\n';
      else if (r < 0.3) text = `x:\n${indent}- ${randomFlow(rand, 0, child)}\n${indent}- y\n`;
      else if (r < 0.45) text = `x:\n${indent}${key}:\n${child}${randomFlow(rand, 0, child + '  ')}\n${indent}z: 1\n`;
      else text = `x:\n${indent}${key}: ${randomFlow(rand, 0, child)}${rand() < 0.2 ? ' # c' : ''}\n${indent}z: 1\n`;
      if (!indent) text = text.replace(/^x:\n/, '');
      assertSame(text, `flow ${i}: ${JSON.stringify(text)}`);
    }
  });

  test('anchors and aliases', () => {
    // Read by the fast reader itself, as the yaml path converts them.
    const fast = [
      'metadata:\n  labels: &labels\n    app: qdrant-chatbot\nspec:\n  selector:\n    matchLabels: *labels\n  template:\n    metadata:\n      labels: *labels\n',
      'a: &x 1\nb: *x\n',
      'a: &x   1   # c\nb: *x   # c\n',
      'a: &x\n  k: v\nb: *x\n',
      'a: &x # c\n\n  k: v\nb: *x\n',
      'a: &x\n- 1\nb: *x\nc: *x\n', // a sequence at the key's indentation
      '- &x a\n- *x\n',
      '- &x\n  k: v\n- *x\n- [*x, *x]\n',
      '- &x\n  - a\n- *x\n',
      'a: &x\nb: *x\n', // an anchored null, where the anchor ends
      'a: &x   # c\nb: *x\n',
      '- &x\n- *x\n',
      '&x 1\n',
      'a: &x "q"\nb: *x\nc: &y \'s\'\nd: *y\n',
      'a: &x |\n  lit\nb: *x\n',
      'a: &x >-\n  fol\n  ded\nb: [*x]\n',
      'a:  &x  foo\n  bar\nb: *x\n',
      'a: &x 1\nb: *x\nc: &x 2\nd: *x\n', // redefined: later aliases take the later anchor
      'a: &x\n  b: &x 1\n  c: *x\nd: *x\n',
      'a: [&x 1, *x]\n',
      'a: &x [1]\nb: [*x, *x]\nc: {k: *x}\n',
      'a: &x 1\nb: [*x]\nc: [ *x ]\nd: {k: *x }\ne: [*x,*x]\n',
      'a: &x {k: &y [1, 2]}\nb: *y\nc: *x\nd: *y\n',
      'a: &x1.-_ 1\nb: *x1.-_\n',
    ];
    assertRead(fast, true);
    // Errors, merge keys and what the fast reader does not model: yaml reads them.
    const handed = [
      'a: *y\n', // unknown
      'a: *x\nb: &x 1\n', // an alias before its anchor
      'a: &x\n  b: *x\n', // refers to itself
      'a: [&x [*x]]\n',
      '&x a: 1\nb: *x\n', // anchors on keys
      '- &x a: 1\n',
      'a: &x k: v\n',
      '*x : 1\n',
      'a: &x !!str 5\nb: *x\n', // tags
      'a: &x *y\n',
      'a: &x &y 1\n',
      '&x\na: 1\n', // an anchor alone at a line's start
      'a:\n  &x\n  k: v\nb: *x\n',
      'a: &x {k: v}\nb:\n  <<: *x\n', // merge keys
      'a: &x {k: v}\nb: {<<: *x}\n',
      'a: &x 1\nb: *x y\n',
      'a: &x 1\nb: *x\n  c: 1\n',
      'a: &x 1\nb: *x,\n',
      'a: &x, 1\n',
      'a: &x#c 1\n',
      'a: &é 1\nb: *é\n', // names beyond letters, digits, `_`, `-`, `.`
      'a: &x: 1\n',
      'a: [&x, 1]\n',
      'a: [&x\n  1]\n',
      'a: [*x]\n',
      'a: [1, *x:]\n',
    ];
    assertRead(handed, false);
  });

  test('seeded random documents with anchors and aliases', () => {
    const rand = prng(777 + seedOffset);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const scalars = ['nginx', 'a b', '12', 'true', '~', '"q"', "'s'", '"a: b"', '[a, b]', '{k: v}', '[]', 'plain\n  more', '|\n  lit', '>-\n  fol\n  ded', '"multi\n  line"'];
    for (let i = 0; i < 3000 * scale; i++) {
      // Names defined so far (aliases mostly refer to them; now and then to one not yet or never defined).
      const defined: string[] = [];
      const name = () => pick(['a', 'b', 'lbl', 'c.d-1']);
      const alias = () => (defined.length > 0 && rand() < 0.92 ? '*' + pick(defined) : rand() < 0.8 ? 'x' : '*' + name());
      const flow = (depth: number): string => {
        const items: string[] = [];
        for (let n = Math.floor(rand() * 4); n > 0; n--) {
          const r = rand();
          const v = r < 0.3 ? alias() : r < 0.5 && depth < 2 ? flow(depth + 1) : pick(['x', '1', '"q"', "'s'"]);
          const a = rand() < 0.2 ? `&${name()} ` : '';
          items.push(a + v);
          if (a) defined.push(a.slice(1, -1));
        }
        const seq = rand() < 0.5;
        return seq ? `[${items.join(pick([', ', ',']))}]` : `{${items.map((v, k) => `k${k}: ${v}`).join(', ')}}`;
      };
      const gen = (depth: number, indent: string, inSeq: boolean): string => {
        const r = rand();
        if (depth > 3 || r < 0.3) {
          const v = rand() < 0.3 ? alias() + pick(['', '', ' # c', '  ']) : rand() < 0.3 ? flow(0) : pick(scalars).replace(/\n/g, `\n${indent}`);
          return ' ' + v;
        }
        if (r < 0.45) {
          // An anchored value: a scalar, flow, a block on the next lines, or nothing (a null).
          const n = name();
          const after = pick(['', '', ' # c', '  ']);
          const kind = rand();
          const value = kind < 0.3 ? ' ' + pick(scalars).replace(/\n/g, `\n${indent}`) : kind < 0.45 ? ' ' + flow(0) : kind < 0.55 ? after : after + gen(depth + 1, indent, inSeq).replace(/^ [^\n]*/, '');
          const s = ` &${n}` + (value.startsWith(' ') || value === '' || value.startsWith('\n') ? value : ' ' + value);
          defined.push(n);
          return s;
        }
        const child = indent + pick(['  ', '  ', '    ']);
        if (r < 0.7) {
          let s = '';
          for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) s += `\n${indent}-${gen(depth + 1, indent + '  ', true).replace(/^ ?/, ' ')}`;
          return s;
        }
        let s = '';
        const keys = ['a', 'b', 'labels', 'spec', 'name', 'image', 'metadata', 'containers'];
        for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) s += `\n${indent}${keys.splice(Math.floor(rand() * keys.length), 1)[0]}:${gen(depth + 1, rand() < 0.15 ? indent : child, false)}`;
        return s;
      };
      let text = gen(0, '', false).replace(/^[ \n]/, '') + '\n';
      if (rand() < 0.2) {
        if (rand() < 0.8) defined.length = 0; // anchors are per document
        text += '---\n' + gen(0, '', false).replace(/^[ \n]/, '') + '\n';
      }
      assertSame(text, `anchors ${i}: ${JSON.stringify(text)}`);
    }
  });

  test('aliases to collections are shared as the yaml path shares them, and counted as their copies', () => {
    // yaml converts the anchored collection in place, and again at its first alias: later aliases share that copy.
    const text = 'a: &x\n  k: [1]\nb: *x\nc: [*x, *x]\nd: &y\n  e: *x\n  f: [2]\ng: *y\n';
    assert.ok(readsFast(text));
    for (const doc of [parseYaml(text).documents[0]!.root, parseYaml(text, undefined, { fast: false }).documents[0]!.root]) {
      const m = doc as MapNode;
      const get = (k: string) => m.entries.get(k)!;
      const c = get('c') as SeqNode;
      assert.notEqual(get('a'), get('b'));
      assert.equal(get('b'), c.items[0]);
      assert.equal(c.items[0], c.items[1]);
      assert.equal((get('d') as MapNode).entries.get('e'), get('b'));
      assert.notEqual(get('g'), get('d'));
      assert.equal((get('g') as MapNode).entries.get('e'), get('b'));
      assert.notEqual((get('g') as MapNode).entries.get('f'), (get('d') as MapNode).entries.get('f'));
    }
    // Alias bombs: the fast reader counts every copy and hands the document over; yaml refuses it.
    let bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 7; i++) bomb += `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill('*' + String.fromCharCode(96 + i)).join(', ')}]\n`;
    assert.ok(!readsFast(bomb));
    for (const limits of [{ maxNodesPerDocument: 200_000, maxDepth: 1000 }, { maxNodesPerDocument: 60, maxDepth: 1000 }, { maxNodesPerDocument: 1000, maxDepth: 4 }]) {
      for (const t of [bomb, 'a: &a [1, 2, 3]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c]\n', 'a: &a {b: {c: 1}}\nd: {e: {f: *a}}\n', 'a: &a {b: {c: 1}}\nd: {e: *a}\n']) {
        const d = diffParsed(parseYaml(t, limits), parseYaml(t, limits, { fast: false }));
        assert.equal(d, undefined, `${JSON.stringify(limits)} ${t}: ${d}`);
      }
    }
    assert.match(parseYaml(bomb).errors[0]!.message, /maxNodesPerDocument/);
    assert.match(parseYaml('a: &a {b: {c: 1}}\nd: {e: {f: *a}}\n', { maxNodesPerDocument: 1000, maxDepth: 4 }).errors[0]!.message, /maxDepth/);
    assert.equal(parseYaml('a: &a {b: {c: 1}}\nd: {e: *a}\n', { maxNodesPerDocument: 1000, maxDepth: 4 }).errors.length, 0);
  });

  test('re-used documents move with the text before them', () => {
    const a = 'apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: c, image: nginx}]\n';
    const cache = new YamlCache();
    parseYaml(a, undefined, { cache });
    for (const b of [a.replace('kind: Pod', 'kind: PodX'), a.replace('v1', 'v'), 'x: 1\n---\n' + a]) {
      assert.equal(diffParsed(parseYaml(b, undefined, { cache }), parseYaml(b, undefined, { fast: false })), undefined, b);
    }
  });

  test('seeded mutations of real manifests', () => {
    const rand = prng(99 + seedOffset);
    const seeds = yamlFiles(path.join(projectRoot, 'examples')).map((f) => fs.readFileSync(f, 'utf8'));
    const synthetic = prng(5);
    for (let i = 0; i < 20; i++) seeds.push(syntheticFile(synthetic, i));
    seeds.push('apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nrules:\n  - apiGroups: [""]\n    verbs:\n      [\n        "create", # make\n        delete,\n\n        \'get\',\n      ]\n    resources: [pods,\n      pods/log]\n---\n{\n  kind: "Pod",\n  spec: {containers: [{\n    name: c,\n    args: [\n      "a long\n      line", plain\n      words\n    ],\n  }]},\n}\n');
    seeds.push('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chatbot\n  labels: &labels\n    app: qdrant-chatbot\nspec:\n  selector:\n    matchLabels: *labels\n  template:\n    metadata:\n      labels: *labels\n    spec:\n      containers:\n      - &c\n        name: c\n        image: &img nginx:1.25\n        args: [*img, &f "-v", *f]\n      - *c\n      initContainers: [*c]\n');
    const inserts = [' ', '  ', ':', ': ', '#', ' #', '-', '- ', '"', "'", '[', ']', '{', '}', '\n', '\n  ', '|', '>', '&a ', '*a', '\t', '---\n', 'x', ',', ',\n', '[\n', '\n]', '&labels ', '*labels', '*c', '&c\n', ' *img'];
    for (let i = 0; i < 4000 * scale; i++) {
      let text = seeds[Math.floor(rand() * seeds.length)]!;
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * text.length);
        const r = rand();
        if (r < 0.4) text = text.slice(0, at) + inserts[Math.floor(rand() * inserts.length)] + text.slice(at);
        else if (r < 0.7) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 4));
        else {
          const lines = text.split('\n');
          const l = Math.floor(rand() * lines.length);
          lines.splice(l, 0, lines[Math.floor(rand() * lines.length)]!);
          text = lines.join('\n');
        }
      }
      assertSame(text, `mutation ${i}: ${JSON.stringify(text)}`);
      // As an editor would: the unchanged documents re-used from the previous keystroke's parse.
      if (i % 10 === 0) {
        const cache = new YamlCache();
        parseYaml(seeds[i % seeds.length]!, undefined, { cache });
        const d = diffParsed(parseYaml(text, undefined, { cache }), parseYaml(text, undefined, { fast: false }));
        assert.equal(d, undefined, `cached mutation ${i}: ${d}`);
      }
    }
  });
});
