// The fast reader against the `yaml` path: same documents, values, styles, spans and errors, on
// every real manifest we have, synthetic workspaces, and seeded random documents and mutations.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { parseYaml, YamlCache } from '../../server/src/engine/documents';
import { resolvePlain, Skim, skipped } from '../../server/src/engine/fastYaml';
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

describe('fast YAML reader = yaml', () => {
  test('plain scalars resolve as the core schema does', () => {
    for (const [s, v] of [['', null], ['~', null], ['Null', null], ['true', true], ['FALSE', false], ['12', 12n], ['-3', -3n], ['0o17', 15n], ['0x1F', 31n], ['1.5', 1.5], ['.5', 0.5], ['1e3', 1000], ['.inf', Infinity], ['-.Inf', -Infinity], ['nginx', 'nginx'], ['1.2.3', '1.2.3'], ['0777', 777n], ['yes', 'yes']] as const) {
      assert.ok(Object.is(resolvePlain(s), v) || resolvePlain(s) === v, s);
    }
    assert.ok(Number.isNaN(resolvePlain('.nan')));
  });

  for (const sub of ['corpus/real', 'corpus/hard', 'conformance/gatekeeper-library']) {
    test(`every file of ../shared/${sub}`, needsShared(sub), () => {
      for (const f of yamlFiles(path.join(sharedRoot, sub))) assertSame(fs.readFileSync(f, 'utf8'), f);
    });
  }

  test('the examples and a synthetic workspace', () => {
    for (const f of yamlFiles(path.join(projectRoot, 'examples'))) assertSame(fs.readFileSync(f, 'utf8'), f);
    const rand = prng(7);
    for (let i = 0; i < 300; i++) assertSame(syntheticFile(rand, i), `synthetic ${i}`);
  });

  test('seeded random documents in the subset and around it', () => {
    const rand = prng(2026 + seedOffset);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const scalars = ['nginx', 'nginx:1.25', 'a b c', '12', '1.5', 'true', 'null', '~', '', "'q'", "'it''s'", '"d\\tq"', '"\\u00e9"', 'x # c', '"a: b"', 'http://x:80/y', '0x1F', '-', '- x', '@x', '&a x', '*a', '!!str 5', '[a, b]', '{a: 1, b: [c]}', '[]', '{}', '"multi\n  line"', "'multi\n\n  line'", 'plain\n  continued', '|\n  lit\n  eral', '>-\n  fol\n  ded', '|+\n  keep\n'];
    const gen = (depth: number, indent: string): string => {
      const kind = depth > 3 ? 0 : Math.floor(rand() * 3);
      if (kind === 0) return ' ' + pick(scalars).replace(/\n/g, `\n${indent}`);
      if (kind === 1) {
        let s = '';
        const n = 1 + Math.floor(rand() * 3);
        for (let i = 0; i < n; i++) s += `\n${indent}- ` + gen(depth + 1, indent + '  ').trimStart();
        return s;
      }
      let s = '';
      const n = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < n; i++) s += `\n${indent}${pick(['a', 'image', 'name', '"q k"', 'k2', 'a'])}:${gen(depth + 1, indent + pick(['  ', '    ']))}${rand() < 0.1 ? '  # note' : ''}`;
      return s;
    };
    for (let i = 0; i < 3000 * scale; i++) {
      const docs = 1 + Math.floor(rand() * 3);
      let text = '';
      for (let d = 0; d < docs; d++) text += (d > 0 || rand() < 0.3 ? '---\n' : '') + gen(0, '').replace(/^\n/, '') + '\n' + (rand() < 0.2 ? '\n# trailing\n' : '');
      assertSame(text, `random ${i}: ${JSON.stringify(text)}`);
    }
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
    const inserts = [' ', '  ', ':', ': ', '#', ' #', '-', '- ', '"', "'", '[', ']', '{', '}', '\n', '\n  ', '|', '>', '&a ', '*a', '\t', '---\n', 'x'];
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
