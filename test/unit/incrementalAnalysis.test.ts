// A keystroke re-reads only the YAML document it touched (engine/incremental.ts): the analysis it
// gives must be the one analyzeText gives of the whole new text, whatever the edit. Random edits of
// multi-document files (typing, deleting across documents, typing `---`, breaking a document, policy
// objects, repeated keys, anchors...), each result compared with a whole re-analysis, field by field,
// down to the diagnostics' spans; chains of edits build on the incremental results themselves.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeText, buildPolicySet, checkObjects, defaultCheckOptions, defaultExpansions, FileAnalysis, violationSpan } from '../../server/src/engine';
import { mergeChanges, reanalyze, TextChange } from '../../server/src/engine/incremental';
import { constraintYaml } from '../support/helpers';
import { prng as rng } from '../support/synthetic';

const deployment = (name: string, image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: apps\n  labels:\n    app: ${name}\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: init\n        image: busybox:1.36\n      containers:\n      - name: main\n        image: ${image}\n        args: ["--port", "8080"]\n        env:\n        - {name: A, value: "1"}\n`;
const pieces = [
  deployment('web', 'nginx:1.25'),
  deployment('api', 'corp/api:2'),
  'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps}\nspec:\n  containers:\n  - {name: c, image: "docker.io/library/redis:7"}\n',
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  image: not-an-image\n',
  'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    team: a\n',
  'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: l1\n  spec:\n    containers:\n    - name: c\n      image: quay.io/x/y:1\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: s\n',
  'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cj\nspec:\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: c\n            image: &img corp/job:1\n          - name: d\n            image: *img\n',
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: dup\n  name: dup2\nspec:\n  containers:\n  - name: c\n    image: x/y\n',
  '# only a comment\n',
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: block\n  annotations:\n    note: |\n      line one\n      line two: [not, a, list\nspec:\n  containers:\n  - name: c\n    image: >-\n      corp/folded:1\n',
  constraintYaml('K8sAllowedRepos', 'in-file', '  match:\n    kinds:\n    - apiGroups: [""]\n      kinds: ["Pod"]\n  parameters:\n    repos: ["corp/"]\n'),
];
/** Files in which most documents may be edited incrementally (no constraint, no repeated key). */
const plainPieces = pieces.filter((p) => !p.includes('K8sAllowedRepos') && !p.includes('name: dup'));

/** What must agree: everything an analysis gives the server, and the violations with their spans. */
function view(a: FileAnalysis) {
  const policy = buildPolicySet([constraintPolicy, a.policy], defaultExpansions);
  const lines: number[] = [];
  for (let i = 0; i < a.lines.lineCount; i++) lines.push(a.lines.offset(i, 0));
  return {
    text: a.text,
    skipped: a.skipped,
    parsed: a.parsed,
    objects: a.objects,
    policy: a.policy,
    lines,
    reviews: a.skipped ? [] : a.reviews(defaultExpansions, { objects: true }),
    violations: checkObjects(a.objects, policy, defaultCheckOptions).map((v) => ({ message: v.message, span: violationSpan(v), constraint: v.constraint.name })),
  };
}
const constraintPolicy = analyzeText(
  'constraint.yaml',
  constraintYaml('K8sAllowedRepos', 'trusted', '  match:\n    kinds:\n    - apiGroups: ["", "apps", "batch"]\n      kinds: ["Pod", "Deployment", "CronJob"]\n  parameters:\n    repos: ["corp/"]\n'),
).policy;


const typed = ['a', 'x', '/', ':', ' ', '\n', '-', '"', "'", '[', ']', '{', '}', '#', '.', '1', '%', '&', '*', '|', '\t', '\r', '{{ .Values.x }}', '\n---\n', '---', '\n...\n', '<<<<<<< ', 'kind: ConfigMap', 'kind: Namespace', '\n  name: again', 'image: ', 'constraints.gatekeeper.sh/v1beta1', '\uFEFF'];

/** A random edit of the text: typing in image values mostly, else anything anywhere (deletions, replacements across documents). */
function randomEdit(text: string, r: () => number): { start: number; end: number; insert: string } {
  const roll = r();
  const images = [...text.matchAll(/image: /g)].map((m) => m.index! + 7);
  if (images.length > 0 && roll < 0.8) {
    // Within the value (up to its line's end), as typing in it is.
    const from = images[Math.floor(r() * images.length)]!;
    const lineEnd = text.indexOf('\n', from) < 0 ? text.length : text.indexOf('\n', from);
    const at = from + Math.floor(r() * (lineEnd - from + 1));
    if (roll < 0.65 || at === lineEnd) return { start: at, end: at, insert: 'abc/.1-'[Math.floor(r() * 7)]! };
    return { start: at, end: at + 1, insert: '' };
  }
  const start = Math.floor(r() * (text.length + 1));
  if (roll < 0.88) return { start, end: start, insert: typed[Math.floor(r() * typed.length)]! };
  if (roll < 0.92) return { start, end: Math.min(text.length, start + 1 + Math.floor(r() * 3)), insert: '' };
  if (roll < 0.97) return { start, end: Math.min(text.length, start + Math.floor(r() * 200)), insert: r() < 0.5 ? '' : typed[Math.floor(r() * typed.length)]! };
  return { start: 0, end: 0, insert: r() < 0.5 ? '# header\n' : '---\n' };
}

function fileOf(r: () => number, from: readonly string[]): string {
  const n = 2 + Math.floor(r() * 6);
  const docs: string[] = [];
  for (let i = 0; i < n; i++) docs.push(from[Math.floor(r() * from.length)]!);
  const lead = r() < 0.3 ? '---\n' : r() < 0.2 ? '# a file\n# of manifests\n---\n' : '';
  return lead + docs.join(r() < 0.2 ? '--- # next\n' : '---\n') + (r() < 0.2 ? '---\n' : '');
}

/** Runs edit chains; returns how many results were made incrementally. */
function run(seed: number, files: number, steps: number, from: readonly string[]): { incremental: number; total: number } {
  const r = rng(seed);
  let incremental = 0;
  let total = 0;
  for (let f = 0; f < files; f++) {
    let text = fileOf(r, from);
    let last = analyzeText('file.yaml', text);
    for (let s = 0; s < steps; s++) {
      // One to three edits, merged into one change as the server merges those of a turn.
      let change: TextChange | undefined;
      const edits = r() < 0.8 ? 1 : 2 + Math.floor(r() * 2);
      for (let e = 0; e < edits; e++) {
        const { start, end, insert } = randomEdit(text, r);
        text = text.slice(0, start) + insert + text.slice(end);
        change = mergeChanges(change, { start, oldEnd: end, newEnd: start + insert.length });
      }
      const whole = analyzeText('file.yaml', text);
      const made = reanalyze(last, text, change!);
      total++;
      if (made) {
        incremental++;
        assert.deepStrictEqual(view(made), view(whole), `seed ${seed}, file ${f}, step ${s}: the incremental analysis differs`);
        last = made;
      } else last = whole;
    }
  }
  return { incremental, total };
}

describe('incremental analysis of an edited document', () => {
  test('random edits of files without policy objects: equal to a whole re-analysis, most of them made incrementally', () => {
    const { incremental, total } = run(1, 160, 15, plainPieces);
    assert.ok(incremental > total / 6, `only ${incremental} of ${total} edits were incremental`);
  });

  test('typing that keeps every document readable, in a file of 40 documents: every keystroke incremental, equal to a whole re-analysis', () => {
    const r = rng(4);
    const kinds = [pieces[0]!, pieces[1]!, pieces[2]!, pieces[5]!, pieces[9]!, pieces[3]!.replace('image:', 'picture:'), pieces[4]!];
    let text = '# manifests\n---\n' + Array.from({ length: 40 }, (_, i) => kinds[i % kinds.length]!.replace(/name: (\w+)/, `name: $1-${i}`)).join('---\n');
    let last = analyzeText('big.yaml', text);
    for (let s = 0; s < 300; s++) {
      const images = [...text.matchAll(/image: [^\s"{}>|&*]/g)].map((m) => m.index! + 7);
      const from = images[Math.floor(r() * images.length)]!;
      const lineEnd = text.indexOf('\n', from);
      const roll = r();
      // A letter typed or deleted in an image value, or a container added after a Deployment's image line.
      const edit =
        roll < 0.6
          ? { start: from + 1, end: from + 1, insert: 'abcxyz/.-'[Math.floor(r() * 9)]! }
          : roll < 0.9
            ? { start: from + 1, end: Math.min(lineEnd - 1, from + 2), insert: '' }
            : text.slice(0, from).endsWith('        image: ')
              ? { start: lineEnd, end: lineEnd, insert: '\n      - name: side\n        image: corp/side:1' }
              : { start: from, end: from, insert: 'x' };
      text = text.slice(0, edit.start) + edit.insert + text.slice(edit.end);
      const made = reanalyze(last, text, { start: edit.start, oldEnd: edit.end, newEnd: edit.start + edit.insert.length });
      assert.ok(made, `step ${s}: not incremental (${JSON.stringify(edit)})`);
      assert.deepStrictEqual(view(made), view(analyzeText('big.yaml', text)), `step ${s}`);
      last = made;
    }
  });

  test('random edits of files with a constraint among the documents: equal to a whole re-analysis', () => {
    run(2, 80, 15, pieces);
  });

  test('merged changes: several edits, one change from the first text to the last', () => {
    const r = rng(3);
    for (let i = 0; i < 2000; i++) {
      const original = 'abcdefghijklmnopqrstuvwxyz'.repeat(1 + Math.floor(r() * 3));
      let text = original;
      let change: TextChange | undefined;
      for (let e = 0; e < 1 + Math.floor(r() * 4); e++) {
        const start = Math.floor(r() * (text.length + 1));
        const end = Math.min(text.length, start + Math.floor(r() * 5));
        const insert = 'XYZ'.slice(0, Math.floor(r() * 4));
        text = text.slice(0, start) + insert + text.slice(end);
        change = mergeChanges(change, { start, oldEnd: end, newEnd: start + insert.length });
      }
      const c = change!;
      assert.equal(text.slice(0, c.start), original.slice(0, c.start));
      assert.equal(text.slice(c.newEnd), original.slice(c.oldEnd));
    }
  });

  test('typing in an image value is incremental; typing `---` or into a policy object is not', () => {
    const text = [pieces[4], pieces[0], pieces[3], pieces[1]].join('---\n');
    const before = analyzeText('f.yaml', text);
    const at = text.lastIndexOf('corp/api') + 4;
    const edit = (insert: string, where = at) => ({ text: text.slice(0, where) + insert + text.slice(where), change: { start: where, oldEnd: where, newEnd: where + insert.length } });
    const typedX = edit('x');
    const made = reanalyze(before, typedX.text, typedX.change);
    assert.ok(made, 'a character in an image value re-reads its document only');
    assert.deepStrictEqual(view(made), view(analyzeText('f.yaml', typedX.text)));
    const split = edit('\n---\n');
    assert.equal(reanalyze(before, split.text, split.change), undefined, 'a new document: the whole file');
    const ns = edit('x', text.indexOf('team: a') + 6);
    assert.equal(reanalyze(before, ns.text, ns.change), undefined, 'a Namespace: the whole file');
    const cm = edit('x', text.indexOf('not-an-image'));
    assert.equal(reanalyze(before, cm.text, cm.change), undefined, 'a ConfigMap (an admission policy may read it): the whole file');
  });
});
