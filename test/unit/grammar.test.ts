// The Rego injection grammar, tokenised as VS Code does (vscode-textmate + vscode-oniguruma, with
// VS Code's YAML grammar) over every ConstraintTemplate of the Gatekeeper library.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import { IGrammar, INITIAL, parseRawGrammar, Registry, StateStack } from 'vscode-textmate';
import { getPath, LineIndex, parseYaml, YNode } from '../../server/src/yaml/documents';
import { needsShared, projectRoot, sharedRoot } from '../support/helpers';

const ours: Record<string, string> = {
  'source.rego.trusted-images': path.join(projectRoot, 'syntaxes', 'rego.tmLanguage.json'),
  'rego.injection.yaml': path.join(projectRoot, 'syntaxes', 'rego-in-yaml.tmLanguage.json'),
  'source.cel.trusted-images': path.join(projectRoot, 'syntaxes', 'cel.tmLanguage.json'),
  'cel.injection.yaml': path.join(projectRoot, 'syntaxes', 'cel-in-yaml.tmLanguage.json'),
};

/**
 * Two YAML grammars: the classic one (tm-grammars), and the one VS Code 1.100 ships (RedCMD's, whose
 * `while` rules consume indentation level by level), read from the code-server that the editor
 * suite installs. Both must leave the injection working.
 */
const vscodeYaml = path.join(projectRoot, '.vscode-test', 'tools', 'node_modules', 'code-server', 'lib', 'vscode', 'extensions', 'yaml', 'syntaxes');
const hosts: Array<{ name: string; files: Record<string, string> | undefined; skip?: string }> = [
  { name: 'classic YAML grammar', files: { 'source.yaml': path.join(projectRoot, 'node_modules', 'tm-grammars', 'grammars', 'yaml.json') } },
  fs.existsSync(vscodeYaml)
    ? { name: "VS Code 1.100's YAML grammar", files: Object.fromEntries(fs.readdirSync(vscodeYaml).map((f) => [JSON.parse(fs.readFileSync(path.join(vscodeYaml, f), 'utf8')).scopeName, path.join(vscodeYaml, f)])) }
    : { name: "VS Code 1.100's YAML grammar", files: undefined, skip: 'code-server is not installed (npm run test:e2e installs it)' },
];

let yaml: IGrammar;

async function load(files: Record<string, string>): Promise<IGrammar> {
  const grammars = { ...files, ...ours };
  const registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (s) => new oniguruma.OnigScanner(s), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => (grammars[scope] ? parseRawGrammar(fs.readFileSync(grammars[scope]!, 'utf8'), grammars[scope]) : null),
    getInjections: (scope) => (scope === 'source.yaml' ? ['rego.injection.yaml', 'cel.injection.yaml'] : undefined),
  });
  return (await registry.loadGrammar('source.yaml'))!;
}

before(async () => {
  const wasm = fs.readFileSync(path.join(projectRoot, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
});

interface Token {
  line: number;
  text: string;
  scopes: string[];
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let state: StateStack = INITIAL;
  text.split('\n').forEach((line, i) => {
    const r = yaml.tokenizeLine(line, state);
    for (const t of r.tokens) out.push({ line: i, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    state = r.ruleStack;
  });
  return out;
}

/** Line ranges [first content line, last] of every Rego block scalar of a template, from our own parser. */
function regoLines(text: string): Array<[number, number]> {
  const root = parseYaml(text).documents[0]?.root;
  const lines = new LineIndex(text);
  const blocks: YNode[] = [];
  const targets = getPath(root, 'spec', 'targets');
  for (const t of targets?.kind === 'seq' ? targets.items : []) {
    const rego = getPath(t, 'rego');
    if (rego) blocks.push(rego);
    const libs = getPath(t, 'libs');
    if (libs?.kind === 'seq') blocks.push(...libs.items);
    const code = getPath(t, 'code');
    for (const c of code?.kind === 'seq' ? code.items : []) {
      const r = getPath(c, 'source', 'rego');
      if (r) blocks.push(r);
      const l = getPath(c, 'source', 'libs');
      if (l?.kind === 'seq') blocks.push(...l.items);
    }
  }
  return blocks.map((b) => [lines.position(b.span.start).line + 1, lines.position(Math.max(b.span.start, b.span.end - 1)).line]);
}

for (const host of hosts) describe(`Rego in ConstraintTemplates (${host.name})`, host.skip ? { skip: host.skip } : needsShared('conformance/gatekeeper-library'), () => {
  before(async () => {
    yaml = await load(host.files!);
  });

  const lib = path.join(sharedRoot, 'conformance', 'gatekeeper-library');
  const templates = new Map<string, string>();
  if (fs.existsSync(lib)) {
    for (const p of fs.readdirSync(lib)) {
      for (const c of fs.existsSync(path.join(lib, p)) && fs.statSync(path.join(lib, p)).isDirectory() ? fs.readdirSync(path.join(lib, p)) : []) {
        const f = path.join(lib, p, c, 'template.yaml');
        if (fs.existsSync(f)) templates.set(fs.readFileSync(f, 'utf8'), `${p}/${c}`);
      }
    }
  }

  test(`every library template (${templates.size} distinct): Rego scopes inside the blocks, none outside`, () => {
    assert.ok(templates.size >= 45, `${templates.size} templates`);
    const seen = { keyword: 0, string: 0, comment: 0, head: 0, builtin: 0, package: 0 };
    for (const [text, name] of templates) {
      const ranges = regoLines(text);
      // Every template reads, httpsonly's too (its quoted scalar indented no deeper than its key).
      assert.deepEqual(parseYaml(text).errors, [], name);
      assert.ok(ranges.length > 0, `${name}: no Rego found by the parser`);
      const inRego = (line: number) => ranges.some(([a, b]) => line >= a && line <= b);
      const lines = text.split('\n');
      for (const t of tokenize(text)) {
        const rego = t.scopes.some((s) => s.endsWith('.rego') || s === 'meta.embedded.block.rego');
        if (inRego(t.line)) {
          if (t.text.trim() !== '') assert.ok(rego, `${name}:${t.line + 1} ${JSON.stringify(lines[t.line])}: ${t.scopes.join(' ')}`);
        } else if (t.text.trim() !== '') {
          assert.ok(!rego, `${name}:${t.line + 1} outside the Rego is Rego: ${JSON.stringify(lines[t.line])} ${t.scopes.join(' ')}`);
        }
        const last = t.scopes[t.scopes.length - 1]!;
        if (last === 'keyword.control.rego') seen.keyword++;
        if (last === 'keyword.other.package.rego' && t.text === 'package') seen.package++;
        if (last.startsWith('string.quoted.double.rego') || t.scopes.includes('string.quoted.double.rego')) seen.string++;
        if (last === 'comment.line.number-sign.rego') seen.comment++;
        if (last === 'entity.name.function.rego') seen.head++;
        if (last === 'support.function.builtin.rego') seen.builtin++;
      }
    }
    for (const [k, n] of Object.entries(seen)) assert.ok(n > 20, `${k}: ${n}`);
  });

  test('scopes of one template, token by token', () => {
    const text = [...templates.entries()].find(([, n]) => n.startsWith('allowedrepos/'))![0];
    const tokens = tokenize(text);
    const scopeOf = (word: string, line?: RegExp) => tokens.find((t) => t.text === word && (!line || line.test(text.split('\n')[t.line]!)))?.scopes.at(-1);
    assert.equal(scopeOf('package'), 'keyword.other.package.rego');
    assert.equal(scopeOf('violation'), 'entity.name.function.rego');
    assert.equal(scopeOf('not'), 'keyword.control.rego');
    assert.equal(scopeOf('sprintf'), 'support.function.builtin.rego');
    assert.equal(scopeOf('strings.any_prefix_match'), 'support.function.builtin.rego');
    assert.equal(scopeOf('input'), 'variable.language.rego');
    assert.ok(tokens.some((t) => t.text.includes('container <%v>') && t.scopes.includes('string.quoted.double.rego')));
    // The YAML around the block keeps its own scopes.
    const lines = text.split('\n');
    const targetLine = lines.findIndex((l) => /^\s*- target:/.test(l));
    const target = tokens.filter((t) => t.line === targetLine && t.scopes.some((s) => s.startsWith('entity.name.tag')));
    assert.equal(target.map((t) => t.text).join(''), 'target');
    assert.ok(tokens.filter((t) => t.line === targetLine).every((t) => !t.scopes.some((s) => s.endsWith('.rego'))));
  });

  test('a comment in Rego, a raw string, and the YAML after the block', () => {
    const text = 'spec:\n  targets:\n    - target: admission.k8s.gatekeeper.sh\n      rego: |\n        package x  # the package\n        s := `raw`\n        f(a) {\n          a == 1\n        }\n      libs:\n        - |\n          package lib.y\n  after: value\n';
    const tokens = tokenize(text);
    assert.equal(tokens.find((t) => t.text.includes('# the package'))?.scopes.at(-1), 'comment.line.number-sign.rego');
    assert.ok(tokens.find((t) => t.text.includes('raw'))?.scopes.includes('string.other.raw.rego'));
    assert.equal(tokens.find((t) => t.text === 'f')?.scopes.at(-1), 'entity.name.function.rego');
    assert.equal(tokens.find((t) => t.text === 'lib' && t.line === 11)?.scopes.includes('meta.embedded.block.rego'), true);
    const after = tokens.filter((t) => t.line === 12);
    assert.ok(after.every((t) => !t.scopes.some((s) => s.endsWith('.rego'))), JSON.stringify(after));
  });
});

/** Every CEL expression of a policy (expression, messageExpression, valueExpression anywhere). */
function celNodes(node: YNode | null | undefined, out: YNode[] = []): YNode[] {
  if (node?.kind === 'map') {
    for (const [k, v] of node.entries) {
      if ((k === 'expression' || k === 'messageExpression' || k === 'valueExpression') && v.kind === 'scalar' && typeof v.value === 'string') out.push(v);
      else celNodes(v, out);
    }
  } else if (node?.kind === 'seq') for (const v of node.items) celNodes(v, out);
  return out;
}

/** Policy files with CEL: the library's CEL templates, the VAP and Kyverno conformance policies. */
function celPolicyFiles(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, name: RegExp): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, name);
      else if (name.test(e.name)) {
        const text = fs.readFileSync(p, 'utf8');
        if (/K8sNativeValidation|ValidatingAdmissionPolicy\b|ValidatingPolicy\b/.test(text)) out.set(text, path.relative(sharedRoot, p));
      }
    }
  };
  walk(path.join(sharedRoot, 'conformance', 'gatekeeper-library'), /^template\.yaml$/);
  walk(path.join(sharedRoot, 'conformance', 'vap'), /^policy\.yaml$/);
  walk(path.join(sharedRoot, 'conformance', 'kyverno-vpol'), /\.ya?ml$/);
  return out;
}

for (const host of hosts) describe(`CEL in policies (${host.name})`, host.skip ? { skip: host.skip } : needsShared('conformance/vap'), () => {
  before(async () => {
    yaml = await load(host.files!);
  });
  const files = celPolicyFiles();

  test(`every CEL expression of the policy files is CEL, and nothing else is`, () => {
    assert.ok(files.size > 100, `${files.size} files`);
    let expressions = 0;
    const seen = { variable: 0, fn: 0, string: 0, operator: 0 };
    for (const [text, name] of files) {
      const lines = new LineIndex(text);
      const textLines = text.split('\n');
      const ranges = new Map<number, Array<[number, number]>>();
      for (const doc of parseYaml(text).documents) {
        for (const n of celNodes(doc.root)) {
          expressions++;
          const a = lines.position(n.span.start);
          const b = lines.position(Math.max(n.span.start, n.span.end - 1));
          for (let l = a.line; l <= b.line; l++) {
            const list = ranges.get(l) ?? [];
            list.push([l === a.line ? a.character : 0, l === b.line ? b.character + 1 : Number.MAX_SAFE_INTEGER]);
            ranges.set(l, list);
          }
        }
      }
      let state: StateStack = INITIAL;
      textLines.forEach((line, l) => {
        const r = yaml.tokenizeLine(line, state);
        state = r.ruleStack;
        for (const t of r.tokens) {
          const tokenText = line.slice(t.startIndex, t.endIndex);
          if (tokenText.trim() === '') continue;
          const cel = t.scopes.some((sc) => sc.endsWith('.cel'));
          const inside = (ranges.get(l) ?? []).some(([x, y]) => t.startIndex >= x && t.startIndex < y);
          const quoting = t.scopes.some((sc) => sc.startsWith('punctuation.definition.string') || sc.startsWith('keyword.control.flow.block-scalar') || sc.startsWith('constant.character.escape.yaml'));
          if (inside && !quoting) assert.ok(cel, `${name}:${l + 1} ${JSON.stringify(tokenText)} is not CEL: ${t.scopes.join(' ')}`);
          if (!inside) assert.ok(!cel, `${name}:${l + 1} ${JSON.stringify(tokenText)} outside an expression is CEL: ${t.scopes.join(' ')}`);
          const last = t.scopes[t.scopes.length - 1]!;
          if (last === 'variable.language.cel') seen.variable++;
          if (last.startsWith('support.function')) seen.fn++;
          if (t.scopes.some((sc) => sc.startsWith('string.quoted') && sc.endsWith('.cel'))) seen.string++;
          if (last.startsWith('keyword.operator')) seen.operator++;
        }
      });
    }
    assert.ok(expressions > 500, `${expressions} expressions`);
    for (const [k, n] of Object.entries(seen)) assert.ok(n > 50, `${k}: ${n}`);
  });

  test('an expression in each YAML form', () => {
    const text = [
      'validations:',
      '  - expression: "object.spec.replicas <= 5 && has(object.metadata.labels)"',
      "    messageExpression: 'object.metadata.name + '' is too big'''",
      '  - expression: object.spec.containers.all(c, c.image.startsWith("registry/"))  # plain',
      '  - expression: |',
      '      object.spec.containers.exists(c,',
      "        c.image.matches('^x'))",
      '    message: object.spec is not CEL here',
      '',
    ].join('\n');
    const tokens = tokenize(text);
    const scope = (word: string, line: number) => tokens.find((t) => t.line === line && t.text === word)?.scopes.at(-1);
    assert.equal(scope('object', 1), 'variable.language.cel');
    assert.equal(scope('has', 1), 'support.function.macro.cel');
    assert.equal(scope('&&', 1), 'keyword.operator.logical.cel');
    assert.equal(scope('object', 2), 'variable.language.cel');
    assert.equal(scope('all', 3), 'support.function.macro.cel');
    assert.equal(scope('startsWith', 3), 'support.function.cel');
    assert.equal(tokens.find((t) => t.line === 3 && t.text.includes('# plain'))?.scopes.at(-1), 'comment.line.number-sign.yaml');
    assert.equal(scope('exists', 5), 'support.function.macro.cel');
    assert.equal(scope('matches', 6), 'support.function.cel');
    assert.ok(tokens.filter((t) => t.line === 7).every((t) => !t.scopes.some((sc) => sc.endsWith('.cel'))));
  });
});
