// Seeded, bounded fuzz of the engines that read untrusted charts, overlays and policies (issue 21): the
// Go-template/Helm renderer, the Kustomize build and CEL. Seeds are the conformance data (real charts,
// real kustomizations, the CEL of the Gatekeeper library and of the VAP cases), mutated (characters,
// lines, `{{ }}` actions, huge numbers, splices of other seeds) and joined by hostile shapes (recursive
// includes and defines, self-including kustomizations, exponential comprehensions). For every input:
// no exception escapes the engine, the call returns within the bound, and what comes back is well
// formed. `TI_FUZZ_SCALE=N` multiplies the inputs, `TI_FUZZ_SEED` picks other ones (and
// test/support/fuzz.ts has TI_FUZZ_TRACE and TI_FUZZ_DUMP for finding and reducing a failing input).
// Found faults that are not fixed yet are listed in `knownIssues`, printed with each run; those that do
// not depend on time are reproduced by a test of their own, which fails once the fault is fixed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { celEnv, celValue, compileCel } from '../../server/src/cel/index';
import { renderChart } from '../../server/src/helm/render';
import { helmFunctions } from '../../server/src/helm/functions';
import { builtins } from '../../server/src/go/template/builtins';
import { buildKustomization } from '../../server/src/kustomize/index';
import type { RenderedStream, SourceProblem } from '../../server/src/sources/origin';
import { parseYaml, toJS } from '../../server/src/yaml/documents';
import { FuzzTally, fuzzScale, fuzzSeed, hugeNumbers, int, memoryFiles, mutate, pick, readTree, type Rand } from '../support/fuzz';
import { needsShared, projectRoot, sharedRoot } from '../support/helpers';
import { prng } from '../support/synthetic';

const conformance = path.join(sharedRoot, 'conformance');
/**
 * Wall time one call may take. The engines get a 1 s time budget here, so a call over 2 s (that used
 * over 1 s of CPU, so not merely waiting for a loaded machine) means a bound did not interrupt it.
 */
const boundMs = 2000;
const engineMillis = 1000;

/**
 * Faults the fuzz found that are not fixed yet: each has a minimal input and a check that says whether
 * it still happens. Inputs that show the same fault are left out of the fuzz's assertions (and counted).
 */
interface KnownIssue {
  readonly engine: 'helm' | 'kustomize' | 'cel';
  readonly what: string;
  /** Does this failure text (a crash, hang or malformed output of the fuzz) show this issue? */
  readonly matches: (failure: string) => boolean;
  /** True while the minimal input still shows the fault (left out where the fault is one of time on a loaded machine). */
  readonly reproduce?: () => boolean;
}

const knownIssues: KnownIssue[] = [
  {
    engine: 'helm',
    what:
      'a manifest that is only a directive line (`%!x`, `%YAML 1.2`, or printf\'s `%![(int=1)9]d`) renders without a problem, and the printed stream ' +
      '(`---`, `# Source:`, `%!x`) does not read as YAML. parseYaml (server/src/yaml/documents.ts) reads "%!x\\n" as no document and no error, ' +
      'so printManifests (server/src/helm/render.ts) accepts it; go-yaml, and so Helm, refuses it (`%!x`: could not find expected ' +
      'directive name; `%YAML 1.2` with no `---` after it: did not find expected <document start>)',
    matches: (f) => f.includes('directive indicator character %'),
    reproduce: () => {
      const r = renderChart(memoryFiles(new Map([['/c/Chart.yaml', 'apiVersion: v2\nname: c\nversion: 0.1.0\n'], ['/c/templates/cm.yaml', '%!x\n']])), '/c');
      return r.problems.length === 0 && parseYaml(r.stream.text).errors.length > 0;
    },
  },
  {
    engine: 'helm',
    what:
      'the render\'s wall-time bound (maxMillis) covers template execution only: the Executor starts its clock after the chart is loaded and parsed, ' +
      'and printManifests (parseYaml of every manifest) and addOrigins run after it unbounded. argo-cd spends ~0.5 s there (cold, with maxMillis 1 ' +
      'the render still takes 0.5 s), so with maxMillis 1000 a big chart can use 1.5 s of CPU; in the long runs on the loaded machine mutated ' +
      'argo-cd, bitnami-redis and cert-manager renders took 2.2-2.5 s (0.6 s each when run alone)',
    matches: (f) => /^\d+ ms: \S+\/(argo-cd|bitnami-redis|cert-manager)\/chart:/.test(f),
  },
  {
    engine: 'kustomize',
    what:
      'a kustomization.yaml of ~600 kB (a 10,000-entry images list) with a YAML error takes 1.5-1.8 s to be reported unreadable: one parseYaml call ' +
      '(the full reader, ~5x slower than on a valid file of that size), which the build\'s maxMillis cannot interrupt; maxInputChars (64 MB) admits ' +
      'files 100x that size (6 MB parses in ~4 s)',
    matches: (f) => /^\d+ ms: .*kustomization\.yaml \((?:[5-9]\d{5}|\d{7,}) chars\)/.test(f),
  },
];

function report(tally: FuzzTally): void {
  console.log(`fuzz ${tally.summary()}`);
  const failures = [...tally.crashes, ...tally.hangs, ...tally.malformed];
  for (const k of knownIssues.filter((x) => x.engine === tally.engine)) {
    console.log(`fuzz ${k.engine} known issue (${failures.filter((f) => k.matches(f)).length} inputs of this run): ${k.what}`);
  }
}

/** The failures no known issue explains. */
function unexplained(tally: FuzzTally, failures: readonly string[]): string[] {
  return failures.filter((f) => !knownIssues.some((k) => k.engine === tally.engine && k.matches(f)));
}

function assertClean(tally: FuzzTally): void {
  report(tally);
  for (const [kind, list] of [['crashes', tally.crashes], ['hangs', tally.hangs], ['malformed outputs', tally.malformed]] as const) {
    const left = unexplained(tally, list);
    for (const f of left.slice(0, 20)) console.log(`fuzz ${tally.engine} ${kind}: ${f}`);
    assert.deepEqual(left.slice(0, 3), [], `${tally.engine}: ${left.length} ${kind} not in knownIssues`);
  }
}

/** The changed files of an input, each with its size (whole) and its text (cut at 1,500 characters). */
function describeFiles(files: ReadonlyMap<string, string>, changed: ReadonlySet<string>, root: string): string {
  return [...changed]
    .map((f) => {
      const text = files.get(f) ?? '';
      return `${path.relative(root, f)} (${text.length} chars) = ${JSON.stringify(text.length > 1500 ? `${text.slice(0, 1500)}...` : text)}`;
    })
    .join('; ');
}

function changedFiles(files: ReadonlyMap<string, string>, changed: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  // A hostile addition may write files it does not list (a chain of bases): keep every fz file.
  for (const [k, v] of files) if (changed.has(k) || /\/_?fz/.test(k)) out.set(k, v);
  return out;
}

const jsInternals = /Cannot read propert|Cannot create property|is not a function|is not iterable|is not defined|\[object Object\]|Invalid time value|Invalid array length|Invalid typed array length|Maximum call stack size exceeded$/;

/** Problems are located in a file, with a message; a bound that stopped the engine is named. */
function checkProblems(tally: FuzzTally, problems: readonly SourceProblem[]): void {
  for (const p of problems) {
    if (typeof p.message !== 'string' || p.message.length === 0 || typeof p.at.file !== 'string' || !(p.at.start <= p.at.end)) {
      tally.malformedOutput(`problem without message or place ${JSON.stringify(p)}`);
    }
    // A JavaScript error's own words in a problem: an exception was caught and passed on as it was.
    if (jsInternals.test(p.message)) tally.malformedOutput(`JavaScript error text in a problem: ${p.message.slice(0, 300)}`);
    const bound = /\b(?:limit|bound) (max\w+)/.exec(p.message);
    if (bound) tally.bound(bound[1]!);
  }
}

/** A stream printed without an error reads as YAML, and its origins are sorted spans of its text. */
function checkStream(tally: FuzzTally, stream: RenderedStream, problems: readonly SourceProblem[]): void {
  if (problems.some((p) => p.severity === 'error')) return;
  const parsed = parseYaml(stream.text);
  if (parsed.errors.length > 0) tally.malformedOutput(`printed stream does not read as YAML: ${parsed.errors[0]!.message}`, stream.text);
  let last = 0;
  for (const o of stream.origins) {
    if (o.start < last || o.end < o.start || o.end > stream.text.length) {
      tally.malformedOutput(`origin ${o.start}-${o.end} out of order or outside the text (${stream.text.length})`);
      break;
    }
    last = o.start;
  }
}

// ---------------------------------------------------------------------------------------------------
// Go templates / Helm

/** Charts small enough to render many times a second; the big ones join in long runs. */
const smallCharts = ['podinfo', 'microservices-demo', 'grafana', 'ingress-nginx', 'longhorn', 'kube-state-metrics', 'bitnami-nginx', 'gatekeeper'];
const bigCharts = ['cert-manager', 'bitnami-redis', 'argo-cd'];

const templateAlphabet = ['{{', '}}', '{{-', '-}}', '(', ')', '|', '$', '.', '"', '`', ':=', '=', ' ', '\n', '-', ':', '#', 'end', 'else', 'if', 'range', 'with', 'define', 'template', 'include', 'nil', '.Values', '$.', '\t', '\0', '😀', '\\'];

/** Pipelines of the hostile kind: recursion, growth, huge counts, bad arguments, the network. */
const hostileActions = [
  '{{ include "fz.self" . }}',
  '{{ template "fz.tself" . }}',
  '{{ include "fz.d0" . }}',
  '{{ tpl .Values.fzTpl . }}',
  '{{ repeat 2000000000 "x" }}',
  '{{ repeat -1 "x" }}',
  '{{ printf "%0999999999d" 1 }}',
  '{{ printf "%*d" 999999999 1 }}',
  '{{ printf "%.999999999f" 1.5 }}',
  '{{ printf "%[99999999]d" 1 }}',
  '{{ until 1000000000 | len }}',
  '{{ range until 100000000 }}x{{ end }}',
  '{{ untilStep 0 10 0 }}',
  '{{ untilStep 0 100000000 1 | len }}',
  '{{ untilStep 10 0 1 }}',
  '{{ seq 1 100000000 | len }}',
  '{{ seq 0 0 10 }}',
  '{{ $x := "ab" }}{{ range until 60 }}{{ $x = print $x $x }}{{ end }}{{ len $x }}',
  '{{ $d := dict }}{{ range until 40 }}{{ $d = dict "a" $d "b" $d }}{{ end }}{{ toYaml $d | len }}',
  '{{ $l := list 1 }}{{ range until 40 }}{{ $l = concat $l $l }}{{ end }}{{ len $l }}',
  '{{ $d := dict }}{{ $_ := set $d "self" $d }}{{ toYaml $d }}',
  '{{ $l := list }}{{ $l = append $l $l }}{{ toJson $l }}',
  '{{ indent 100000000 "x" }}',
  '{{ nindent -5 "x" }}',
  '{{ wrap -1 "abc def" }}',
  '{{ trunc -1 "abc" }}',
  '{{ substr 5 2 "abc" }}',
  '{{ abbrev 2 "abcdef" }}',
  '{{ splitn "," -1 "a,b" }}',
  '{{ index (list) 5 }}',
  '{{ index (list 1) -1 }}',
  '{{ slice "abc" 3 1 }}',
  '{{ div 1 0 }}',
  '{{ mod 1 0 }}',
  '{{ divf 1 0 }}',
  '{{ add 9223372036854775807 1 }}',
  '{{ mul 9223372036854775807 9223372036854775807 }}',
  '{{ int64 "999999999999999999999" }}',
  '{{ atoi "99999999999999999999999" }}',
  '{{ float64 "1e999" }}',
  '{{ 99999999999999999999999 }}',
  '{{ 0x1p-1074 }}',
  '{{ 1e309 }}',
  '{{ regexFind "^(a+)+$" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" }}',
  '{{ regexReplaceAll "" "aaaa" "bb" }}',
  '{{ regexSplit "" "abc" -1 }}',
  '{{ regexMatch "(" "x" }}',
  '{{ regexMatch "a{1001}" "x" }}',
  '{{ fromYaml .Values.fzBomb | toJson | len }}',
  '{{ fromYaml "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" }}',
  '{{ fromJson "{\\"a\\":" }}',
  '{{ toToml .Values }}',
  '{{ fromToml "a = [[[[[[" }}',
  '{{ lookup "v1" "Pod" "" "" }}',
  '{{ getHostByName "example.com" }}',
  '{{ .Files.Get "../../../../etc/passwd" }}',
  '{{ .Files.Glob "**" | len }}',
  '{{ semverCompare ">1.x.x.x" "1" }}',
  '{{ semver "99999999999999999999999.0.0" }}',
  '{{ b64dec "!!!" }}',
  '{{ sha256sum (repeat 1000000 "x") }}',
  '{{ derivePassword 1 "long" "password" "user" "example.com" }}',
  '{{ htpasswd "user" "password" }}',
  '{{ genPrivateKey "rsa" | len }}',
  '{{ genPrivateKey "nope" }}',
  '{{ decryptAES "key" "!!!" }}',
  '{{ dateModify "999999999h" now }}',
  '{{ duration "99999999999999999999" }}',
  '{{ toDate "2006" "x" }}',
  '{{ urlParse "%zz" }}',
  '{{ fail "fuzz" }}',
  '{{ required "fuzz" nil }}',
  '{{ call .Values }}',
  '{{ .Values.a.b.c.d.e }}',
  '{{ $.Capabilities.APIVersions.Has nil }}',
  '{{ .Chart.Name | upper | lower | title | quote | squote | b64enc | b64dec }}',
];

/** Builds `{{ (((...x...))) }}`, `{{ if }}` nests and deep values: the parser and the executor recurse on them. */
function deepAction(rand: Rand): string {
  const n = pick(rand, [50, 300, 1000, 5000, 20_000]);
  switch (int(rand, 4)) {
    case 0:
      return `{{ ${'('.repeat(n)}1${')'.repeat(n)} }}`;
    case 1:
      return `${'{{ if true }}'.repeat(n)}x${'{{ end }}'.repeat(n)}`;
    case 2:
      return `{{ ${'list ('.repeat(n)}1${')'.repeat(n)} | toJson }}`;
    default:
      return `${'{{ with . }}'.repeat(n)}{{ . | toString | len }}${'{{ end }}'.repeat(n)}`;
  }
}

const functionNames = [...new Set([...helmFunctions().keys(), ...builtins.keys()])].filter((f) => f !== 'now' && f !== 'uuidv4' && !f.startsWith('rand') && !f.startsWith('gen') && f !== 'shuffle');
const argumentPool = ['1', '0', '-1', '"x"', '""', '"a,b,c"', 'nil', 'true', '.', '$', '.Values', '.Release', '(list 1 "a" nil)', '(dict "a" 1)', '(dict)', '1.5', '"^a+$"', '"%s %d %v"', ...hugeNumbers.filter((h) => /^-?\d/.test(h))];

/** A random call of any function the renderer knows, with odd arguments. */
function randomCall(rand: Rand): string {
  const args = Array.from({ length: int(rand, 4) }, () => pick(rand, argumentPool)).join(' ');
  const call = `${pick(rand, functionNames)} ${args}`;
  return rand() < 0.3 ? `{{ ${pick(rand, argumentPool)} | ${call} }}` : `{{ ${call} }}`;
}

/** Defines for the hostile actions: self recursion, mutual recursion through template, a doubling chain. */
function fuzzHelpers(depth: number): string {
  let out = '{{- define "fz.self" -}}{{ include "fz.self" . }}{{- end -}}\n{{- define "fz.tself" -}}x{{ template "fz.tself" . }}{{- end -}}\n';
  for (let i = 0; i < depth; i++) out += `{{- define "fz.d${i}" -}}{{ include "fz.d${i + 1}" . }}{{ include "fz.d${i + 1}" . }}{{- end -}}\n`;
  return `${out}{{- define "fz.d${depth}" -}}ab{{- end -}}\n`;
}

const fuzzValues = `fzTpl: '{{ tpl .Values.fzTpl . }}'
fzBomb: |
  a: &a ["x","x","x","x","x","x","x","x","x"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
`;

const miniChart = (dir: string): Map<string, string> =>
  new Map([
    [`${dir}/Chart.yaml`, 'apiVersion: v2\nname: fz\nversion: 0.1.0\n'],
    [`${dir}/values.yaml`, `image:\n  repository: nginx\n  tag: "1.25"\nreplicas: 1\n${fuzzValues}`],
    [`${dir}/templates/_helpers.tpl`, '{{- define "fz.name" -}}{{ .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}\n'],
    [`${dir}/templates/pod.yaml`, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ include "fz.name" . }}\n  labels:\n    n: {{ .Values.replicas | quote }}\nspec:\n  containers:\n    - name: c\n      image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'],
  ]);

/** A user values file of the odd kinds: not a map, nested deep, an alias bomb, huge numbers, repeated keys. */
function hostileValues(rand: Rand): string {
  const n = pick(rand, [10, 500, 5000]);
  switch (int(rand, 6)) {
    case 0:
      return pick(rand, ['[1, 2]', '"text"', '42', '~', '', '---\na: 1\n---\nb: 2\n']);
    case 1:
      return `${Array.from({ length: n }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n')} 1\n`;
    case 2:
      return `deep: ${'['.repeat(n)}${']'.repeat(n)}\n`;
    case 3:
      return `image:\n  tag: ${pick(rand, hugeNumbers)}\nreplicaCount: ${pick(rand, hugeNumbers)}\nglobal: {imageRegistry: ${pick(rand, hugeNumbers)}}\n`;
    case 4:
      return fuzzValues.replace('fzTpl', 'image').replace('fzBomb: |\n', 'bomb:\n');
    default:
      return 'image:\n  repository: a\nimage:\n  repository: b\n<<: {x: 1}\n';
  }
}

/** Where a hostile piece goes: a new template, a new line of a template, or inside an existing action's output. */
function inject(rand: Rand, files: Map<string, string>, chartDir: string, piece: string, changed: Set<string>): void {
  const templates = [...files.keys()].filter((k) => k.startsWith(`${chartDir}/templates/`) && /\.(ya?ml|tpl)$/.test(k));
  if (templates.length === 0 || rand() < 0.4) {
    const name = `${chartDir}/templates/fz${int(rand, 3)}.yaml`;
    files.set(name, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fz\ndata:\n  v: ${JSON.stringify(piece)}\n  w: ${piece}\n`);
    changed.add(name);
    return;
  }
  const t = pick(rand, templates);
  const text = files.get(t)!;
  const at = rand() < 0.5 ? text.length : text.indexOf('\n', int(rand, text.length)) + 1;
  files.set(t, text.slice(0, at) + piece + '\n' + text.slice(at));
  changed.add(t);
}

describe('fuzz: object and policy sources (seeded, bounded)', { ...needsShared('conformance/helm') }, () => {
  test('Go templates / Helm: mutated charts and hostile templates render or report, within the bound', () => {
    const rand = prng(2101 + fuzzSeed);
    const names = fuzzScale > 1 ? [...smallCharts, ...bigCharts] : smallCharts;
    const charts = names.map((c) => ({ dir: path.join(conformance, 'helm', c, 'chart'), files: readTree(path.join(conformance, 'helm', c, 'chart')) }));
    charts.push({ dir: '/fz/chart', files: miniChart('/fz/chart') });
    const allTexts = charts.flatMap((c) => [...c.files.values()]);
    const userValues = names.flatMap((c) => {
      const dir = path.join(conformance, 'helm', c, 'scenarios');
      return fs.readdirSync(dir).filter((sc) => fs.existsSync(path.join(dir, sc, 'values.yaml'))).map((sc) => fs.readFileSync(path.join(dir, sc, 'values.yaml'), 'utf8'));
    });
    const tally = new FuzzTally('helm', boundMs);
    for (let i = 0; i < 250 * fuzzScale; i++) {
      // The mini chart renders in a millisecond: most inputs go there, the real charts give realistic shapes.
      const chart = rand() < 0.5 ? charts[charts.length - 1]! : pick(rand, charts);
      const files = new Map(chart.files);
      const changed = new Set<string>();
      const editable = [...files.keys()].filter((k) => /\/templates\/.*\.(ya?ml|tpl)$|\/values\.yaml$|\/Chart\.yaml$/.test(k));
      const edits = int(rand, 4);
      for (let e = 0; e < edits; e++) {
        const f = rand() < 0.08 ? `${chart.dir}/Chart.yaml` : pick(rand, editable);
        let text = files.get(f) ?? '';
        for (let k = 0, n = 1 + int(rand, 4); k < n; k++) text = mutate(rand, text, pick(rand, allTexts), templateAlphabet);
        files.set(f, text);
        changed.add(f);
      }
      const r = rand();
      let piece = '';
      if (r < 0.45 || edits === 0) {
        files.set(`${chart.dir}/templates/_fz.tpl`, fuzzHelpers(pick(rand, [3, 12, 40])));
        files.set(`${chart.dir}/values.yaml`, `${files.get(`${chart.dir}/values.yaml`) ?? ''}\n${fuzzValues}`);
        piece = pick(rand, hostileActions);
      } else if (r < 0.75) piece = randomCall(rand);
      else if (r < 0.85) piece = deepAction(rand);
      if (piece !== '') inject(rand, files, chart.dir, piece, changed);
      // The injected piece first: the files are cut at 1,500 characters.
      const describeInput = (): string => `${chart.dir}: ${piece !== '' ? `injected ${JSON.stringify(piece.slice(0, 300))}; ` : ''}${describeFiles(files, changed, chart.dir)}`;
      // A user values file (`-f`) as well, now and then: a scenario's, mutated, or a hostile one.
      const valuesFiles: string[] = [];
      if (rand() < 0.15) {
        const v = '/fz-values.yaml';
        files.set(v, rand() < 0.5 ? mutate(rand, pick(rand, userValues), pick(rand, allTexts), templateAlphabet) : hostileValues(rand));
        valuesFiles.push(v);
        changed.add(v);
      }
      const out = tally.run(describeInput, () => renderChart(memoryFiles(files), chart.dir, { valuesFiles, limits: { maxMillis: engineMillis } }), () => changedFiles(files, changed));
      if (out === undefined) continue;
      checkProblems(tally, out.problems);
      checkStream(tally, out.stream, out.problems);
    }
    assertClean(tally);
  });

  test('Kustomize: mutated and self-including kustomizations build or report, within the bound', { ...needsShared('conformance/kustomize') }, () => {
    const rand = prng(2102 + fuzzSeed);
    const cases = fs
      .readdirSync(path.join(conformance, 'kustomize'))
      .filter((c) => fs.existsSync(path.join(conformance, 'kustomize', c, 'case.json')))
      // The whole Argo CD install is 2 MB of output: it joins in long runs.
      .filter((c) => fuzzScale > 1 || !/^argocd-cluster-install$|^gatekeeper-config-default$/.test(c))
      .map((c) => {
        const tree = path.join(conformance, 'kustomize', c, 'tree');
        const entry = (JSON.parse(fs.readFileSync(path.join(conformance, 'kustomize', c, 'case.json'), 'utf8')) as { entry: string }).entry;
        return { name: c, tree, entry: path.join(tree, entry), files: readTree(tree) };
      });
    const allTexts = cases.flatMap((c) => [...c.files.values()].filter((t) => t.length < 20_000));
    const alphabet = ['\n', ' ', '  ', ':', '- ', '#', '"', "'", '[', ']', '{', '}', '&a ', '*a', '<<: *a\n', '../', './', '/', '..', '---\n', 'resources:\n- ', 'bases:\n- ', 'components:\n- ', 'patches:\n- path: ', 'images:\n- name: ', '$patch: delete', '~1', '\0', '😀', '\t'];
    const tally = new FuzzTally('kustomize', boundMs);
    for (let i = 0; i < 150 * fuzzScale; i++) {
      const c = pick(rand, cases);
      const files = new Map(c.files);
      const changed = new Set<string>();
      const kustomizations = [...files.keys()].filter((k) => /\/(kustomization\.ya?ml|Kustomization)$/.test(k));
      const edits = int(rand, 4);
      for (let e = 0; e < edits; e++) {
        const f = rand() < 0.7 ? pick(rand, kustomizations) : pick(rand, [...files.keys()]);
        let text = files.get(f)!;
        for (let k = 0, n = 1 + int(rand, 4); k < n; k++) text = mutate(rand, text, pick(rand, allTexts), alphabet);
        files.set(f, text);
        changed.add(f);
      }
      hostileKustomization(rand, files, c.entry, kustomizations, changed);
      const describeInput = (): string => `${c.name}: ${describeFiles(files, changed, c.tree)}`;
      const out = tally.run(describeInput, () => buildKustomization(memoryFiles(files), c.entry, { limits: { maxMillis: engineMillis } }), () => changedFiles(files, changed));
      if (out === undefined) continue;
      checkProblems(tally, out.problems);
      // The build turns any exception of its own into an "internal error" problem: that is a crash.
      for (const p of out.problems) if (p.message.startsWith('internal error')) tally.crashes.push(`${p.message}\n  input: ${describeInput().slice(0, 2000)}`);
      if (!out.incomplete) checkStream(tally, out.stream, out.problems);
    }
    assertClean(tally);
  });

  test('CEL: mutated and generated expressions compile or report, and evaluate within the bound', { ...needsShared('conformance/vap') }, () => {
    const rand = prng(2103 + fuzzSeed);
    const seeds = celSeeds();
    assert.ok(seeds.length > 200, `only ${seeds.length} CEL expressions found in the conformance data`);
    const env = celEnv({ variables: ['object', 'oldObject', 'params', 'request', 'namespaceObject', 'variables', 'authorizer'] });
    const activation = celActivation();
    const alphabet = ['.', '(', ')', '[', ']', '{', '}', ',', '?', ':', '!', '&&', '||', '==', '!=', '<', '>=', '+', '-', '*', '/', '%', ' in ', '"', "'", '`', '\\', 'r"', 'b"', '\'\'\'', '"""', 'u', '0x', '1', '-9223372036854775808', '.all(x, ', '.exists(x, ', '.map(x, ', '.filter(x, ', '.exists_one(x, ', 'has(', 'size(', 'x', 'null', '.?', '[?', '😀', '\0', '\n'];
    const tally = new FuzzTally('cel', boundMs);
    let compiled = 0;
    const byKind = new Map<string, number>();
    for (let i = 0; i < 2000 * fuzzScale; i++) {
      let expression: string;
      const r = rand();
      const kind = r < 0.58 ? 'mutated' : r < 0.96 ? 'generated' : 'hostile';
      if (kind === 'mutated') {
        expression = pick(rand, seeds);
        for (let k = 0, n = 1 + int(rand, 4); k < n; k++) expression = mutate(rand, expression, pick(rand, seeds), alphabet);
      } else if (kind === 'generated') expression = randomCel(rand, 0);
      else expression = hostileCel(rand);
      const started = Date.now();
      const describeInput = (): string => JSON.stringify(expression);
      const out = tally.run(describeInput, () => {
        const c = compileCel(env, expression);
        if (!c.ok) return { compile: c.error };
        return { result: c.program.evaluate(activation, { maxMillis: engineMillis }) };
      });
      byKind.set(kind, (byKind.get(kind) ?? 0) + Date.now() - started);
      if (out === undefined) continue;
      const e = out.compile;
      if (e !== undefined) {
        if (!(e.offset >= 0 && e.offset <= expression.length && e.end >= e.offset && e.end <= expression.length) || typeof e.message !== 'string' || e.message.length === 0) {
          tally.malformedOutput(`compile error ${JSON.stringify(e)} outside the expression (${expression.length})`);
        }
        continue;
      }
      compiled++;
      const res = out.result!;
      if (res.ok ? res.value === undefined : typeof res.error !== 'string' || res.error.length === 0) tally.malformedOutput(`evaluation gave ${JSON.stringify(res)}`);
      if (!res.ok && res.bound !== undefined) tally.bound(res.bound);
    }
    console.log(`fuzz cel: ${compiled} of ${tally.inputs} expressions compiled and were evaluated; ms by kind: ${[...byKind].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    assertClean(tally);
  });

  for (const k of knownIssues) {
    const reproduce = k.reproduce;
    if (reproduce === undefined) continue;
    test(`known issue still open (${k.engine}): ${k.what.slice(0, 100)}...`, () => {
      assert.equal(reproduce(), true, 'fixed: remove it from knownIssues in test/unit/fuzz.sources.test.ts');
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// Kustomize

/** Cycles, self inclusion, remote and escaping paths, long lists: added to a build's kustomizations. */
function hostileKustomization(rand: Rand, files: Map<string, string>, entry: string, kustomizations: readonly string[], changed: Set<string>): void {
  const r = rand();
  if (r > 0.5) return;
  const top = kustomizations.find((k) => path.dirname(k) === entry) ?? pick(rand, kustomizations);
  const target = rand() < 0.6 ? top : pick(rand, kustomizations);
  const dir = path.dirname(target);
  const text = files.get(target) ?? '';
  const add = (section: string, item: string): void => {
    files.set(target, `${files.get(target)}\n${section}:\n- ${item}\n`);
    changed.add(target);
  };
  const s = int(rand, 9);
  if (s === 0) add('resources', '.');
  else if (s === 1) add('resources', pick(rand, ['./', '../' + path.basename(dir), path.relative(dir, entry) || '.']));
  else if (s === 2) {
    // Two folders that include each other.
    files.set(`${dir}/fzloop/kustomization.yaml`, 'resources:\n- ..\n');
    changed.add(`${dir}/fzloop/kustomization.yaml`);
    add('resources', 'fzloop');
  } else if (s === 3) add('components', '.');
  else if (s === 4) add('resources', pick(rand, ['https://github.com/kubernetes-sigs/kustomize//examples/helloworld?ref=v5.0.0', 'github.com/org/repo//x', '/etc', '../../../../../../../../etc', 'file:///etc/passwd']));
  else if (s === 5) {
    const n = pick(rand, [100, 1000, 10_000]);
    const entries = Array.from({ length: n }, (_, i) => `- name: img${i % 50}\n  newName: reg.example/img${i}\n  newTag: "${i}"`).join('\n');
    files.set(target, `${text}\nimages:\n${entries}\n`);
    changed.add(target);
  } else if (s === 6) {
    // A base used many times over: each level uses the one below twice.
    const depth = pick(rand, [4, 10, 20]);
    for (let d = 0; d < depth; d++) files.set(`${dir}/fzchain${d}/kustomization.yaml`, `resources:\n- ../fzchain${d + 1}\n- ../fzchain${d + 1}\nnamePrefix: p${d}-\n`);
    files.set(`${dir}/fzchain${depth}/kustomization.yaml`, 'resources:\n- cm.yaml\n');
    files.set(`${dir}/fzchain${depth}/cm.yaml`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n');
    changed.add(`${dir}/fzchain0/kustomization.yaml`);
    add('resources', 'fzchain0');
  } else if (s === 7) {
    files.set(`${dir}/fzbomb.yaml`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a: &a ["x","x","x","x","x","x","x","x","x"]\n  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n');
    changed.add(`${dir}/fzbomb.yaml`);
    add('resources', 'fzbomb.yaml');
  } else {
    const deep = pick(rand, [100, 2000, 50_000]);
    files.set(`${dir}/fzdeep.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: ${'['.repeat(deep)}${']'.repeat(deep)}\n`);
    changed.add(`${dir}/fzdeep.yaml`);
    add('resources', 'fzdeep.yaml');
  }
}

// ---------------------------------------------------------------------------------------------------
// CEL

/** The CEL of the Gatekeeper library's templates and of the VAP cases' policies. */
function celSeeds(): string[] {
  const files: string[] = [];
  const gk = path.join(conformance, 'gatekeeper-library');
  for (const d of fs.readdirSync(gk)) {
    const dir = path.join(gk, d);
    if (!fs.statSync(dir).isDirectory()) continue;
    const first = fs.readdirSync(dir).find((c) => fs.existsSync(path.join(dir, c, 'template.yaml')));
    if (first !== undefined) files.push(path.join(dir, first, 'template.yaml'));
  }
  for (const f of fs.readdirSync(path.join(conformance, 'vap'), { recursive: true }) as string[]) if (f.endsWith('policy.yaml')) files.push(path.join(conformance, 'vap', f));
  const out = new Set<string>();
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'string' && /^(expression|messageExpression|valueExpression)$/.test(key)) out.add(v);
    else if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  for (const f of files) for (const d of parseYaml(fs.readFileSync(f, 'utf8')).documents) walk(toJS(d.root), '');
  return [...out];
}

function celActivation(): Record<string, unknown> {
  const pods = fs.readdirSync(path.join(projectRoot, 'examples', 'pods')).filter((f) => f.endsWith('.yaml'));
  const object = toJS(parseYaml(fs.readFileSync(path.join(projectRoot, 'examples', 'pods', pods[0]!), 'utf8')).documents[0]!.root);
  return {
    object: celValue(object),
    oldObject: celValue(null),
    params: celValue({ repos: ['registry.example/'], exemptImages: [], limit: 3, labels: [{ key: 'a', allowedRegex: '^a+$' }] }),
    request: celValue({ operation: 'CREATE', name: 'p', namespace: 'default', userInfo: { username: 'u', groups: ['g'] } }),
    namespaceObject: celValue({ metadata: { name: 'default', labels: { a: 'b' } } }),
    variables: celValue({ containers: [], anyObject: object, params: {} }),
    authorizer: celValue(null),
  };
}

const celLeaves = ['object', 'object.spec', 'object.spec.containers', 'object.metadata.name', 'params', 'request.operation', 'variables.containers', '1', '0', '-1', '1u', '1.5', '"a"', '""', 'b"x"', 'true', 'null', '[]', '{}', '[1, 2, 3]', '{"a": 1}', '9223372036854775807', '-9223372036854775808', '18446744073709551615u', '1e308', 'x', 'y', 'optional.none()', 'duration("1h")', 'timestamp("2024-01-01T00:00:00Z")'];
const celUnary = ['!', '-', 'size', 'string', 'int', 'uint', 'double', 'type', 'has', 'dyn', 'bytes', 'quantity', 'isQuantity', 'url', 'ip', 'cidr', 'semver', 'optional.of'];
const celBinary = ['+', '-', '*', '/', '%', '==', '!=', '<', '<=', '>', '>=', '&&', '||', 'in'];
const celMethods = ['size()', 'startsWith("a")', 'endsWith("a")', 'contains("a")', 'matches("^(a+)+$")', 'matches(x)', 'find("a*")', 'findAll("", -1)', 'split("")', 'split(",", -1)', 'join("")', 'lowerAscii()', 'upperAscii()', 'replace("", "aa")', 'trim()', 'substring(5, 2)', 'charAt(-1)', 'indexOf("")', 'lastIndexOf("a")', 'format([1, "a"])', 'isSorted()', 'sum()', 'min()', 'max()', 'indexOf(1)', 'reverse()', 'sort()', 'distinct()', 'flatten()', 'flatten(99999)', 'slice(1, 0)', 'orValue(1)', 'value()', 'hasValue()', 'getScheme()', 'compareTo(1)', 'isGreaterThan(quantity("1"))', 'add(1)', 'asInteger()', 'getHours()', 'keys()'];
const celComprehensions = ['all', 'exists', 'exists_one', 'map', 'filter'];

/** A random expression over the operators, functions and comprehensions the environment has. */
function randomCel(rand: Rand, depth: number): string {
  if (depth > 5 || rand() < 0.25) return pick(rand, celLeaves);
  const sub = (): string => randomCel(rand, depth + 1);
  switch (int(rand, 9)) {
    case 0:
      return `${sub()} ${pick(rand, celBinary)} ${sub()}`;
    case 1: {
      const f = pick(rand, celUnary);
      return f.length === 1 ? `${f}${sub()}` : `${f}(${sub()})`;
    }
    case 2:
      return `${sub()}.${pick(rand, celMethods)}`;
    case 3:
      return `${sub()} ? ${sub()} : ${sub()}`;
    case 4: {
      const c = pick(rand, celComprehensions);
      return rand() < 0.2 && c !== 'exists_one' ? `${sub()}.${c}(x, y, ${sub()})` : `${sub()}.${c}(x, ${sub()})`;
    }
    case 5:
      return `${sub()}[${sub()}]`;
    case 6:
      return `[${sub()}, ${sub()}]`;
    case 7:
      return `{${sub()}: ${sub()}}`;
    default:
      return `(${sub()})`;
  }
}

/** Expressions built to cost: nested comprehensions, doubling, deep nesting, catastrophic regexes. */
function hostileCel(rand: Rand): string {
  const n = pick(rand, [3, 6, 10, 20]);
  const range = `[${Array.from({ length: 20 }, (_, i) => i).join(', ')}]`;
  switch (int(rand, 8)) {
    case 0: {
      let e = 'x0';
      for (let i = n; i > 0; i--) e = `${range}.map(x${i}, ${e.replace('x0', `x${i}`)})`;
      return `${e}.size() > 0`;
    }
    case 1: {
      let e = 'true';
      for (let i = 0; i < n; i++) e = `${range}.all(x${i}, ${e})`;
      return e;
    }
    case 2: {
      // The text doubles too: 2^10 copies is an expression of 10 kB.
      let e = '"ab"';
      for (let i = 0; i < Math.min(n, 10); i++) e = `(${e} + ${e})`;
      return `size(${e}) > 0`;
    }
    case 3:
      return `${'('.repeat(n * 100)}1${')'.repeat(n * 100)}`;
    case 4:
      return `${'['.repeat(n * 100)}${']'.repeat(n * 100)}`;
    case 5:
      return `"${'a'.repeat(n * 3)}!".matches("^(a+)+$")`;
    case 6:
      return `${Array.from({ length: n * 50 }, () => '1').join(' + ')} > 0`;
    default: {
      let e = '[1, 2]';
      for (let i = 0; i < Math.min(n, 10); i++) e = `(${e} + ${e})`;
      return `${e}.size()`;
    }
  }
}
