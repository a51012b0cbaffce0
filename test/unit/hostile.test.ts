// Hostile and broken input: every such file gets one clear entry, nothing throws or hangs, and the
// rest of the workspace is still checked. Quick fixes never corrupt a file.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { analyzeText } from '../../server/src/engine';
import { checkObjects, defaultCheckOptions } from '../../server/src/engine';
import { buildPolicySet } from '../../server/src/engine';
import { toJS } from '../../server/src/yaml/documents';
import { applyEdits, replaceScalar, TextEdit } from '../../server/src/engine';
import { defaultExpansions } from '../../server/src/engine';
import { explainAt } from '../../server/src/engine';
import { applicableConstraints, rewriteCandidates } from '../../server/src/engine';
import { decodeText } from '../../server/src/workspace/files';
import { checkTexts, constraintYaml, needsShared, projectRoot, sharedRoot } from '../support/helpers';
import { prng } from '../support/synthetic';

const constraint = constraintYaml('K8sAllowedRepos', 'corp', '  parameters:\n    repos: ["corp/"]\n');
const pod = (image: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`;

function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const p = String.fromCharCode(96 + i);
    const n = String.fromCharCode(97 + i);
    lines.push(`${n}: &${n} [${Array(9).fill('*' + p).join(',')}]`);
  }
  return lines.join('\n') + '\n';
}

/** Hostile texts, and what each must give: an error, a skip, or ordinary objects. */
/** `warning`: read (no error), with a warning from the reader (a repeated key: the last value wins, as kubectl reads it). */
const hostile: Record<string, { text: string | Buffer; expect: 'error' | 'skipped' | 'ok' | 'warning' }> = {
  'alias-bomb.yaml': { text: billionLaughs(), expect: 'error' },
  'merge-chain.yaml': { text: 'a: &a {x: 1}\n' + Array.from({ length: 200 }, (_, i) => `k${i}: &k${i}\n  <<: *${i === 0 ? 'a' : `k${i - 1}`}\n  y${i}: 1`).join('\n') + '\n', expect: 'ok' },
  'deep.yaml': { text: 'a:\n' + Array.from({ length: 10_000 }, (_, i) => ' '.repeat(i + 2) + `k${i}:`).join('\n') + ' 1\n', expect: 'error' },
  'deep-flow.yaml': { text: '['.repeat(10_000) + ']'.repeat(10_000) + '\n', expect: 'error' },
  'long-line.yaml': { text: 'apiVersion: v1\nkind: ConfigMap\ndata:\n  x: ' + 'y'.repeat(1024 * 1024) + '\n', expect: 'ok' },
  'nul.yaml': { text: 'a: 1\0\n', expect: 'skipped' },
  'latin1.yaml': { text: Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0xff, 0x0a]), expect: 'skipped' },
  'bom.yaml': { text: '\uFEFF' + pod('nginx'), expect: 'ok' },
  'crlf.yaml': { text: pod('nginx').replace(/\n/g, '\r\n'), expect: 'ok' },
  'cr.yaml': { text: pod('nginx').replace(/\n/g, '\r'), expect: 'ok' },
  'tabs.yaml': { text: 'apiVersion: v1\nkind: Pod\nmetadata:\n\tname: p\n', expect: 'error' },
  'conflict.yaml': { text: pod('nginx').replace('    image: nginx\n', '<<<<<<< HEAD\n    image: nginx\n=======\n    image: corp/x\n>>>>>>> theirs\n'), expect: 'error' },
  'helm.yaml': { text: 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: {{ .Values.image }}\n    name: {{ .Release.Name\n', expect: 'skipped' },
  'json.yaml': { text: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, null, 2), expect: 'ok' },
  'empty.yaml': { text: '', expect: 'ok' },
  'empty-docs.yaml': { text: '---\n---\n# nothing\n---\n', expect: 'ok' },
  'duplicate.yaml': { text: 'apiVersion: v1\nkind: Pod\nkind: Pod\n', expect: 'warning' },
  'garbage.yaml': { text: ']]]: [[[\n  - }{\n"unterminated\n', expect: 'error' },
};

describe('hostile input through the engine', () => {
  for (const [name, { text, expect }] of Object.entries(hostile)) {
    test(`${name}: ${expect}, bounded, no exception`, () => {
      const started = Date.now();
      const str = typeof text === 'string' ? text : text.toString('utf8');
      const a = analyzeText(name, str);
      const policy = buildPolicySet([analyzeText('c', constraint).policy], defaultExpansions);
      const violations = checkObjects(a.objects, policy, defaultCheckOptions);
      const reviews = a.reviews(defaultExpansions)!;
      for (let off = 0; off < Math.min(str.length, 2000); off += 97) explainAt(reviews, policy, defaultCheckOptions, off);
      for (const v of violations) if (v.use) rewriteCandidates(v.use.image, applicableConstraints(reviews, v.use.imageNode, policy, defaultCheckOptions), {});
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      if (expect === 'error') assert.ok(a.parsed.errors.length > 0 && !a.skipped, `${name}: ${JSON.stringify(a.parsed.errors)} ${a.skipped}`);
      if (expect === 'skipped' && typeof text === 'string') assert.ok(a.skipped, name);
      if (typeof text !== 'string') {
        // Bytes that are not UTF-8 never reach the engine as text: the file reader skips them and says why.
        const read = decodeText(text);
        assert.ok(!read.ok && read.kind === 'skipped' && /not UTF-8/.test(read.reason), `${name}: ${JSON.stringify(read)}`);
      }
      if (expect === 'ok') assert.deepEqual(a.parsed.errors, [], name);
      if (expect === 'warning') {
        assert.deepEqual(a.parsed.errors, [], name);
        assert.deepEqual((a.parsed.warnings ?? []).map((w) => w.message), ['the mapping repeats the key "kind": its last value is read, as kubectl and Gatekeeper read it, and the earlier one is ignored']);
      }
      if (/^(bom|crlf|cr|json)\.yaml$/.test(name)) {
        assert.equal(violations.length, 1, name);
        // The position is the image value's, counted as the editor counts.
        const at = a.lines.position(violations[0]!.use!.imageNode.span.start);
        assert.deepEqual(at, name === 'json.yaml' ? { line: 10, character: 17 } : { line: 6, character: 11 }, name);
      }
    });
  }

  test('the limits are named in the messages', () => {
    assert.match(analyzeText('a', billionLaughs()).parsed.errors[0]!.message, /maxNodesPerDocument/);
    assert.match(analyzeText('d', hostile['deep-flow.yaml']!.text as string).parsed.errors[0]!.message, /maxDepth/);
  });

  test('image of every YAML type, printed as Gatekeeper prints it', () => {
    const cases: Array<[string, string | undefined]> = [
      ['nginx', '<nginx>'],
      ["'single'", '<single>'],
      ['"dou\\"ble"', '<dou"ble>'],
      ['12345', '<12345>'],
      ['1.5', '<1.5>'],
      ['true', '<true>'],
      ['null', '<null>'],
      ['~', '<null>'],
      ['[a, 2]', '<["a", 2]>'],
      ['{b: 1, a: x}', '<{"a": "x", "b": 1}>'],
      ['|\n      block', '<block\n>'],
      ['!!str 123', '<123>'],
      ['0x10', '<16>'],
    ];
    for (const [written, shown] of cases) {
      const r = checkTexts({ c: constraint, p: pod(written) });
      assert.equal(r.violations.length, shown ? 1 : 0, written);
      if (shown) assert.ok(r.violations[0]!.message.includes(`has an invalid image repo ${shown}, `), `${written}: ${r.violations[0]!.message}`);
    }
    // An alias is reported where the alias is written, with the anchored value.
    const aliased = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: {i: &img nginx}}\nspec:\n  containers:\n  - name: c\n    image: *img\n';
    const r = checkTexts({ c: constraint, p: aliased });
    assert.equal(r.violations[0]!.use!.imageNode.span.start, aliased.indexOf('*img'));
  });
});

describe('memory', () => {
  test('compacted files keep no text: 60 files of 1 MB, with objects kept for Rego, leave a small heap', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(projectRoot, 'test', 'support', 'retention.ts'), '60'], { encoding: 'utf8', cwd: projectRoot });
    assert.equal(r.status, 0, r.stderr);
    const [heapMB, kept] = r.stdout.trim().split(' ').map(Number);
    assert.equal(kept, 60);
    // Had any kept string been a slice of its file's text, all 60 MB of texts would stay.
    assert.ok(heapMB! < 35, `${heapMB} MB left after GC`);
  });
});

describe('hostile files in a workspace, through the CLI', () => {
  test('the CLI finishes; each hostile file has one entry; the rest is still checked', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-hostile-'));
    for (const [name, { text }] of Object.entries(hostile)) fs.writeFileSync(path.join(dir, name), text);
    fs.writeFileSync(path.join(dir, 'constraint.yaml'), constraint);
    fs.writeFileSync(path.join(dir, 'normal.yaml'), pod('docker.io/evil'));
    // 50 MB: over the default 10 MB limit, skipped with the limit named.
    const big = fs.openSync(path.join(dir, 'huge.yaml'), 'w');
    const chunk = Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n'.repeat(20_000));
    for (let written = 0; written < 50 * 1024 * 1024; written += chunk.length) fs.writeSync(big, chunk);
    fs.closeSync(big);
    fs.mkdirSync(path.join(dir, 'folder.yaml'));
    spawnSync('mkfifo', [path.join(dir, 'fifo.yaml')]);
    fs.symlinkSync(path.join(dir, 'missing-target.yaml'), path.join(dir, 'dangling.yaml'));
    const started = Date.now();
    const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'trusted-images.js'), 'check', dir, '--format', 'json'], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 28 });
    assert.equal(r.status, 1, r.stderr);
    assert.ok(Date.now() - started < 60_000);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.violations.map((v: { file: string }) => path.basename(v.file)).sort(), ['bom.yaml', 'cr.yaml', 'crlf.yaml', 'json.yaml', 'normal.yaml']);
    const entries = new Map<string, number>();
    for (const e of [...report.errors, ...report.skipped]) entries.set(path.basename(e.file), (entries.get(path.basename(e.file)) ?? 0) + 1);
    for (const [name, { expect }] of Object.entries(hostile)) {
      if (expect === 'error' || expect === 'skipped') assert.equal(entries.get(name), 1, `${name} has one entry`);
    }
    // A repeated key is read (the last value wins) and reported once, as a warning at the repeated key.
    const duplicateEntries = [...report.errors, ...report.warnings, ...report.skipped].filter((e: { file: string }) => e.file.endsWith('duplicate.yaml'));
    assert.equal(duplicateEntries.length, 1, JSON.stringify(duplicateEntries));
    assert.ok(report.warnings.includes(duplicateEntries[0]), 'the entry is a warning');
    assert.equal(duplicateEntries[0].line, 3);
    assert.match(duplicateEntries[0].message, /the mapping repeats the key "kind": its last value is read/);
    assert.match(report.skipped.find((s: { file: string }) => s.file.endsWith('latin1.yaml'))?.reason ?? 'not skipped', /not UTF-8/);
    assert.match(report.skipped.find((s: { file: string }) => s.file.endsWith('huge.yaml')).reason, /too large: 50 MB is over the 10 MB limit \(maxFileSizeMB\)/);
  });
});

describe('quick fixes never corrupt a file', needsShared('corpus/real'), () => {
  test('every image of every real manifest rewritten: the same documents but for the image values', () => {
    const refuseAll = analyzeText('c', constraintYaml('K8sAllowedRepos', 'all', '  parameters:\n    repos: ["trusted.example/"]\n'));
    const policy = buildPolicySet([refuseAll.policy], defaultExpansions);
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.ya?ml$/.test(e.name)) files.push(p);
      }
    };
    walk(path.join(sharedRoot, 'corpus', 'real'));
    let rewritten = 0;
    let touchedFiles = 0;
    for (const f of files) {
      const a = analyzeText(f, fs.readFileSync(f, 'utf8'));
      const edits = new Map<number, TextEdit>();
      const expected = new Map<number, string>();
      for (const v of checkObjects(a.objects, policy, defaultCheckOptions)) {
        if (!v.use) continue;
        const cand = rewriteCandidates(v.use.image, applicableConstraints(a.reviews(defaultExpansions)!, v.use.imageNode, policy, defaultCheckOptions), {}).candidates[0];
        if (!cand) continue;
        const { edit } = replaceScalar(a.text, v.use.imageNode, cand.image);
        edits.set(edit.span.start, edit);
        expected.set(edit.span.start, cand.image);
      }
      if (edits.size === 0) continue;
      touchedFiles++;
      const after = analyzeText(f, applyEdits(a.text, [...edits.values()]));
      assert.equal(after.parsed.documents.length, a.parsed.documents.length, f);
      assert.equal(after.parsed.errors.length, a.parsed.errors.length, f);
      // Put the new image values back to the old ones: the documents must then be identical.
      const newImages = new Map<string, string>();
      for (const r of after.reviews(defaultExpansions)!) for (const u of r.uses) newImages.set(`${r.origin.documentIndex}:${u.path}:${r.name}`, String(u.image));
      for (const r of a.reviews(defaultExpansions)!) for (const u of r.uses) {
        const now = newImages.get(`${r.origin.documentIndex}:${u.path}:${r.name}`);
        const at = (u.imageNode.kind === 'scalar' && u.imageNode.anchor) || u.imageNode.span;
        if (expected.has(at.start)) {
          assert.equal(now, expected.get(at.start), `${f} ${u.path}`);
          rewritten++;
        }
      }
      const strip = (x: unknown): unknown => JSON.stringify(x, (k, v) => (k === 'image' ? '<image>' : typeof v === 'bigint' ? `${v}n` : v));
      for (let d = 0; d < a.parsed.documents.length; d++) {
        assert.equal(strip(toJS(after.parsed.documents[d]!.root)), strip(toJS(a.parsed.documents[d]!.root)), `${f} document ${d}`);
      }
    }
    assert.ok(rewritten > 500, `only ${rewritten} images rewritten in ${touchedFiles} files`);
  });
});

describe('engine fuzz (seeded, bounded)', () => {
  test('random mutations of manifests never throw, and each call returns quickly', () => {
    const rand = prng(Number(process.env.TI_FUZZ_SEED ?? 0) + 7);
    const scale = Number(process.env.TI_FUZZ_SCALE ?? 1);
    const seeds = [constraint, pod('nginx'), ...Object.values(hostile).map((h) => (typeof h.text === 'string' && h.text.length < 100_000 ? h.text : '')).filter(Boolean)];
    const ex = path.join(projectRoot, 'examples');
    for (const d of fs.readdirSync(ex, { recursive: true }) as string[]) if (d.endsWith('.yaml')) seeds.push(fs.readFileSync(path.join(ex, d), 'utf8'));
    const bits = ['\n', ' ', ':', '- ', '#', '&x ', '*x', '<<: *x\n', '"', "'", '[', '{', '}', ']', '|', '>', '\t', '---\n', 'image: ', 'kind: Pod\n', 'repos: []\n', '\0', '\uFEFF', '😀', '\r'];
    let slowest = 0;
    for (let i = 0; i < 3000 * scale; i++) {
      let text = seeds[Math.floor(rand() * seeds.length)]!;
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
        const at = Math.floor(rand() * (text.length + 1));
        text = rand() < 0.6 ? text.slice(0, at) + bits[Math.floor(rand() * bits.length)] + text.slice(at) : text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 8));
      }
      const started = performance.now();
      const r = checkTexts({ c: rand() < 0.5 ? constraint : text, f: text });
      const reviews = r.analyses.flatMap((x) => x.reviews(defaultExpansions)!);
      explainAt(reviews, r.policy, defaultCheckOptions, Math.floor(rand() * text.length));
      for (const v of r.violations) if (v.use) rewriteCandidates(v.use.image, applicableConstraints(reviews, v.use.imageNode, r.policy, defaultCheckOptions), { 'docker.io': 'm.example' });
      const took = performance.now() - started;
      if (took > 1000) console.log(`slow (${took.toFixed(0)} ms): ${JSON.stringify(text).slice(0, 3000)}`);
      slowest = Math.max(slowest, took);
    }
    assert.ok(slowest < 2000, `slowest input took ${slowest.toFixed(0)} ms`);
  });
});
