// The in-process Kustomize build against `kubectl kustomize` (Kustomize v5.7.1) on the 59 cases of
// ../shared/conformance/kustomize: every build object-equal to expected.yaml (documents parsed and
// compared in order), and every built image's origin on the line the case says sets it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { buildKustomization, type KustomizeBuild } from '../../server/src/kustomize';
import { originAt, type SourceFiles } from '../../server/src/sources/origin';
import { parseYaml, toJS, type YNode } from '../../server/src/yaml/documents';
import { needsShared, sharedRoot } from '../support/helpers';

const casesRoot = path.join(sharedRoot, 'conformance', 'kustomize');

interface ImageSource {
  doc_index: number;
  container_path: string;
  image: string;
  file: string;
  line: number;
  via: string;
  name_from: { file: string; line: number };
  tag_from: Array<{ file: string; line: number }>;
  digest_from: { file: string; line: number } | null;
}

interface Case {
  name: string;
  entry: string;
  documents: number;
  images: number;
  image_sources: ImageSource[];
}

/**
 * Cases whose build is known not to equal kubectl's, by name, with the reason. A case listed here
 * that starts passing fails the suite (so the list stays true).
 */
const knownFailures: ReadonlyMap<string, string> = new Map();

/** A case's tree/ as SourceFiles, paths relative to tree/ (as case.json writes them). */
function treeFiles(root: string): SourceFiles {
  const abs = (p: string): string => path.join(root, p);
  return {
    read(p) {
      try {
        return fs.statSync(abs(p)).isFile() ? fs.readFileSync(abs(p), 'utf8') : undefined;
      } catch {
        return undefined;
      }
    },
    list(p) {
      try {
        return fs.statSync(abs(p)).isDirectory() ? fs.readdirSync(abs(p)) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** The documents of a stream as plain data; integers compared by value whichever reader made them. */
function documentsOf(text: string): unknown[] {
  const parsed = parseYaml(text);
  assert.deepEqual(parsed.errors, [], 'the stream parses');
  return parsed.documents.filter((d) => d.root !== null).map((d) => normal(toJS(d.root)));
}

function normal(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(normal);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)]));
  return v;
}

/** The `image` scalar of a container (`spec.template.spec.containers[0]`) in a document of the stream. */
function imageNode(text: string, docIndex: number, containerPath: string): YNode | undefined {
  const docs = parseYaml(text).documents.filter((d) => d.root !== null);
  let node: YNode | null | undefined = docs[docIndex]?.root;
  for (const seg of containerPath.split('.')) {
    const m = /^(.*?)(?:\[(\d+)\])?$/.exec(seg)!;
    node = node?.kind === 'map' ? node.entries.get(m[1]!) : undefined;
    if (m[2] !== undefined) node = node?.kind === 'seq' ? node.items[Number(m[2])] : undefined;
  }
  return node?.kind === 'map' ? node.entries.get('image') : undefined;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

const caseNames = fs.existsSync(casesRoot)
  ? fs
      .readdirSync(casesRoot)
      .filter((d) => fs.existsSync(path.join(casesRoot, d, 'case.json')))
      .sort()
  : [];

describe('Kustomize conformance (kubectl kustomize v1.35.2 / Kustomize v5.7.1)', needsShared('conformance/kustomize'), () => {
  test('all 59 cases are present', () => {
    assert.equal(caseNames.length, 59);
  });

  const outcomes = new Map<string, boolean>();
  const timings: string[] = [];

  for (const name of caseNames) {
    const dir = path.join(casesRoot, name);
    const c = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as Case;
    const files = treeFiles(path.join(dir, 'tree'));
    let build: KustomizeBuild | undefined;
    const buildOnce = (): KustomizeBuild => {
      if (!build) {
        const t0 = performance.now();
        build = buildKustomization(files, c.entry);
        timings.push(`${name} ${(performance.now() - t0).toFixed(1)} ms`);
      }
      return build;
    };

    test(`${name}: objects equal kubectl kustomize's`, () => {
      const b = buildOnce();
      let failure: unknown;
      try {
        assert.deepEqual(
          b.problems.filter((p) => p.severity === 'error'),
          [],
        );
        assert.equal(b.incomplete, false);
        const got = documentsOf(b.stream.text);
        assert.deepEqual(got, documentsOf(fs.readFileSync(path.join(dir, 'expected.yaml'), 'utf8')));
        assert.equal(got.length, c.documents);
      } catch (e) {
        failure = e;
      }
      outcomes.set(name, failure === undefined);
      const known = knownFailures.get(name);
      if (known !== undefined) assert.ok(failure !== undefined, `${name} now passes: remove it from knownFailures (${known})`);
      else if (failure !== undefined) throw failure;
    });

    test(`${name}: each image's origin is the line that sets it, its parts the lines of its name, tag and digest (${c.images} images)`, { skip: knownFailures.has(name) ? knownFailures.get(name) : false }, () => {
      const b = buildOnce();
      const wrong: string[] = [];
      for (const s of c.image_sources) {
        const node = imageNode(b.stream.text, s.doc_index, s.container_path);
        assert.ok(node && node.kind === 'scalar', `document ${s.doc_index} has ${s.container_path}.image`);
        assert.equal(node.value, s.image);
        const o = originAt(b.stream, node.span.start);
        const line = (l: { file: string; start: number }): string => `${l.file}:${lineAt(files.read(l.file) ?? '', l.start)}`;
        const at = o ? line(o.primary) : 'no origin';
        if (at !== `${s.file}:${s.line}`) wrong.push(`${s.container_path}: ${at}, want ${s.file}:${s.line} (${s.via})`);
        // The parts: the name from offset 0, tags after a ':', the digest after an '@'.
        const value = s.image;
        const parts = o?.parts ?? [];
        const got = {
          name: parts.filter((p) => p.start === 0).map((p) => line(p.from)),
          tags: parts.filter((p) => p.start > 0 && value[p.start - 1] === ':').map((p) => line(p.from)),
          digest: parts.filter((p) => p.start > 0 && value[p.start - 1] === '@').map((p) => line(p.from)),
        };
        const want = {
          name: [`${s.name_from.file}:${s.name_from.line}`],
          tags: s.tag_from.map((t) => `${t.file}:${t.line}`),
          digest: s.digest_from ? [`${s.digest_from.file}:${s.digest_from.line}`] : [],
        };
        if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${s.container_path} parts: ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      }
      assert.deepEqual(wrong, []);
    });
  }

  test('the known failures are exactly the cases that fail', () => {
    const failing = caseNames.filter((n) => outcomes.get(n) === false);
    assert.deepEqual(failing, [...knownFailures.keys()].sort());
    assert.equal(outcomes.size, caseNames.length);
    if (process.env['KUSTOMIZE_TIMINGS']) console.log(timings.join('\n'));
  });
});
