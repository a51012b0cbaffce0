// The house's floors, held by the import graph: the YAML reader, Go's fmt and the RE2 module at the
// bottom, then the policy languages (Rego, CEL), then the engine and its object sources, then the
// workspace layer, then the front ends. Arrows point down only, nothing below the workspace touches
// Node's I/O or the editor, and no two source files import each other, however indirectly.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../support/helpers';

const floors: Record<string, number> = {
  yaml: 0, go: 0, re2: 0,
  rego: 1, cel: 1,
  engine: 2, sources: 2, helm: 2, kustomize: 2, vap: 2, kyverno: 2,
  workspace: 3,
  server: 4, cli: 4, shared: 4,
};
const pureFloor = 2;
/** What code at or below the engine floor may not import: I/O, processes, the editor, the protocol. */
const impure = /^(node:)?(fs|fs\/promises|child_process|net|http|https|zlib|worker_threads|os)$|^vscode($|-)|^vscode-languageserver/;

interface SourceFile {
  readonly file: string;
  readonly area: string;
  readonly imports: ReadonlyArray<{ spec: string; resolved: string | undefined }>;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.ts$/.test(e.name) && !/\.d\.ts$/.test(e.name)) out.push(p);
  }
  return out;
}

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  return undefined;
}

function readGraph(): SourceFile[] {
  const serverSrc = path.join(projectRoot, 'server', 'src');
  const files = [...sourceFiles(serverSrc), ...sourceFiles(path.join(projectRoot, 'client', 'src'))];
  return files.map((file) => {
    const text = fs.readFileSync(file, 'utf8');
    const imports: Array<{ spec: string; resolved: string | undefined }> = [];
    // import ... from '...', export ... from '...', import('...'), require('...')
    const re = /(?:^|[\n;])\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[\n;])\s*import\s*['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      imports.push({ spec, resolved: resolve(file, spec) });
    }
    const rel = path.relative(serverSrc, file);
    const area = rel.startsWith('..') ? 'client' : rel.split(path.sep)[0]!;
    return { file, area, imports };
  });
}

const graph = readGraph();
const show = (f: string) => path.relative(projectRoot, f);

test('every server source folder has a floor', () => {
  const unknown = [...new Set(graph.filter((f) => f.area !== 'client' && floors[f.area] === undefined).map((f) => f.area))];
  assert.deepEqual(unknown, [], `folders under server/src without a floor in this test: ${unknown.join(', ')}`);
});

test('imports point down the floors only', () => {
  const wrong: string[] = [];
  for (const f of graph) {
    if (f.area === 'client') continue;
    const floor = floors[f.area];
    if (floor === undefined) continue;
    for (const i of f.imports) {
      if (!i.resolved) continue;
      const target = graph.find((g) => g.file === i.resolved);
      if (!target || target.area === 'client') continue;
      const to = floors[target.area];
      if (to !== undefined && to > floor) wrong.push(`${show(f.file)} (${f.area}, floor ${floor}) imports ${show(i.resolved)} (${target.area}, floor ${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the engine and everything below it stay pure: no I/O, no editor, no protocol', () => {
  const wrong: string[] = [];
  for (const f of graph) {
    const floor = floors[f.area];
    if (floor === undefined || floor > pureFloor) continue;
    for (const i of f.imports) if (impure.test(i.spec)) wrong.push(`${show(f.file)} imports ${i.spec}`);
  }
  assert.deepEqual(wrong, []);
});

test('the VS Code client knows the server only through the protocol and the shared types', () => {
  const wrong: string[] = [];
  for (const f of graph) {
    if (f.area !== 'client') continue;
    for (const i of f.imports) {
      if (!i.resolved) continue;
      const target = graph.find((g) => g.file === i.resolved);
      if (target && target.area !== 'client' && target.area !== 'shared') wrong.push(`${show(f.file)} imports ${show(i.resolved)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no import cycles between source files', () => {
  // Tarjan's strongly connected components over the resolved imports.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  const edges = new Map(graph.map((f) => [f.file, f.imports.flatMap((i) => (i.resolved ? [i.resolved] : []))]));
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(show(w));
      } while (w !== v);
      if (scc.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const f of graph) if (!index.has(f.file)) visit(f.file);
  assert.deepEqual(cycles, []);
});
