// A whole check of files on disk, as the CLI reports it (and CI reads it as JSON).
import * as path from 'node:path';
import { analyzeText, compact, FileAnalysis } from '../engine';
import { checkReviews, CheckOptions, defaultCheckOptions, expansionsFor, Severity, skimFor, Violation, violationSpan } from '../engine';
import { buildPolicySet, EnginePreference, mayHoldPolicyObjects, needsObjects, paramKinds, paramObjects, PolicyObjects } from '../engine';
import type { AdmissionObject } from '../engine';
import { LineIndex } from '../yaml/documents';
import { diskSourceFiles } from './objectSources';
import { RenderedIndex } from './renderedIndex';
import { sourceLabel } from './renderedSources';
import { defaultParseLimits, ParseLimits } from '../yaml/documents';
import { defaultExpansions, Review } from '../engine';
import type { ExpansionTemplate } from '../engine';
import { emptyData, inventoryOf } from '../engine';
import { isClusterScoped } from '../engine';
import { walkYaml } from './files';
import { allConstraints } from './policyStats';
import { FileRead, FileReader, readFiles } from './scan';

export interface ReportOptions extends CheckOptions {
  readonly constraintPaths: readonly string[];
  /** Files whose objects are data.inventory (not checked); empty: the checked files' objects. */
  readonly inventoryPaths?: readonly string[];
  readonly maxFileBytes: number;
  readonly limits: ParseLimits;
  /** Paths in the report are relative to this folder. */
  readonly cwd: string;
  /** Only constraints of these kinds are checked (all when undefined). */
  readonly onlyKinds?: readonly string[];
  /** Parse only what the checks read (the default); false parses every value, for tests. */
  readonly skim?: boolean;
  /** Which code decides a template with both CEL and Rego (default auto: Gatekeeper's choice, CEL). */
  readonly engine?: EnginePreference;
  /** Values files for the charts checked, in order (as helm template -f). */
  readonly valuesFiles?: readonly string[];
  /** Release name for the charts checked (default as helm template: release-name). */
  readonly release?: string;
}

export const defaultReportOptions: ReportOptions = {
  ...defaultCheckOptions,
  constraintPaths: [],
  maxFileBytes: 10 * 1024 * 1024,
  limits: defaultParseLimits,
  cwd: process.cwd(),
};

export interface ReportViolation {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  image: unknown;
  message: string;
  severity: Severity;
  enforcementAction: string;
  /** The policy: a constraint's kind and name, a ValidatingAdmissionPolicy with the binding that applied it, a Kyverno policy. */
  constraint: { kind: string; name: string; binding?: string };
  object: { apiVersion: string; kind: string; name: string; namespace: string };
  container: { name: unknown; path: string } | null;
  /** For an object a chart renders or an overlay builds: which one (the violation is at the line that sets the value). */
  renderedFrom?: { kind: 'helm' | 'kustomize'; root: string };
}

export interface Report {
  version: 1;
  constraints: Array<{ kind: string; name: string; file: string; line: number; enforcementAction: string; repos: readonly string[] | null }>;
  summary: { files: number; documents: number; objects: number; images: number; violations: number };
  violations: ReportViolation[];
  errors: Array<{ file: string; line: number; message: string }>;
  warnings: Array<{ file: string; line: number; message: string }>;
  skipped: Array<{ file: string; reason: string }>;
  /** The charts rendered and overlays built, with the files that only feed them (checked through them). */
  rendered?: Array<{ kind: 'helm' | 'kustomize'; root: string; inputs: number; objects: number; incomplete: boolean }>;
}

export async function buildReport(roots: readonly string[], options: ReportOptions = defaultReportOptions): Promise<Report> {
  const relCache = new Map<string, string>();
  // Most files are below the working folder: their relative path is a slice (path.relative resolves both).
  const below = options.cwd.endsWith(path.sep) ? options.cwd : options.cwd + path.sep;
  const here = options.cwd === process.cwd();
  const fastRelative = (p: string): string | undefined => {
    if (p.includes('//') || p.includes('/./') || p.includes('/../') || p.startsWith('./') || p.endsWith('/') || p.endsWith('/.') || p.endsWith('/..') || path.sep !== '/') return undefined;
    if (path.isAbsolute(p)) return p.startsWith(below) ? p.slice(below.length) : undefined;
    return here && !p.startsWith('..') && p !== '.' ? p : undefined;
  };
  const rel = (p: string) => {
    let r = relCache.get(p);
    if (r === undefined) {
      r = fastRelative(p) || path.relative(options.cwd, p) || '.';
      relCache.set(p, (r = path.sep === '/' ? r : r.split(path.sep).join('/')));
    }
    return r;
  };
  const report: Report = {
    version: 1,
    constraints: [],
    summary: { files: 0, documents: 0, objects: 0, images: 0, violations: 0 },
    violations: [],
    errors: [],
    warnings: [],
    skipped: [],
  };
  const reader = new FileReader();
  const readInput = (file: string): FileRead => reader.read(file, options.maxFileBytes);
  const only = options.onlyKinds ? new Set(options.onlyKinds) : undefined;
  const { files: inputs, problems } = await readFiles(roots, options.maxFileBytes, reader);
  const extra = await walkYaml(options.constraintPaths);
  for (const p of [...problems, ...extra.problems]) report.errors.push({ file: rel(p.path), line: 1, message: p.message });

  // Pass 1: the policy side. Only files whose text can hold a policy object are parsed now.
  const kept = new Map<string, FileAnalysis>();
  const policyParts: PolicyObjects[] = [];
  // Policy objects are read whole; the other documents of these files are skimmed as pass 2 would
  // with the standard expansions (big CRD bundles hold a Namespace and need not be kept whole).
  const pass1Skim = options.skim === false ? undefined : skimFor(defaultExpansions);
  const policyPass = (file: string, read: FileRead) => {
    if (!('text' in read) || !mayHoldPolicyObjects(read.text)) return;
    const a = analyzeText(file, read.text, { limits: options.limits, skim: pass1Skim, only });
    kept.set(file, a);
    policyParts.push(a.policy);
  };
  for (const { path: file, read } of inputs) policyPass(file, read);
  const seen = new Set(inputs.map((f) => f.path));
  const extraReads: Array<{ path: string; read: FileRead }> = [];
  for (const f of extra.files) {
    if (seen.has(f.path)) continue;
    const read = readInput(f.path);
    if ('error' in read) report.errors.push({ file: rel(f.path), line: 1, message: read.error });
    else {
      policyPass(f.path, read);
      extraReads.push({ path: f.path, read });
    }
  }
  // Objects a ValidatingAdmissionPolicyBinding may name as params: of the kinds the policies' paramKind names.
  const params: AdmissionObject[] = [];
  const kinds = paramKinds(policyParts.flatMap((p) => p.admission));
  const words = [...kinds].map((k) => k.slice(k.lastIndexOf('/') + 1));
  const mayHoldParams = (read: FileRead): read is { text: string } => kinds.size > 0 && 'text' in read && words.some((w) => read.text.includes(w));
  const engine = options.engine ?? 'auto';
  // What the inventory pass needs of the policy (expansions, whether a template reads data.inventory)
  // does not depend on the params: with params to find, the set is first built without them, and
  // when the inventory pass reads every checked file whole, the params are taken from those readings.
  const early = kinds.size > 0 ? buildPolicySet(policyParts, defaultExpansions, { engine, params: [] }) : undefined;
  const inventoryFromInputs = !options.inventoryPaths || options.inventoryPaths.length === 0;
  // data.inventory, when a template reads it: the objects of --inventory files, else of the checked files.
  const originals: Review[] = [];
  const prepared = new Map<string, { analysis: FileAnalysis; documents: number; objects: number }>();
  const collect = (file: string, text: string, templates: readonly ExpansionTemplate[], { keep, params: withParams }: { keep: boolean; params: boolean }) => {
    const a = analyzeText(file, text, { limits: options.limits, only });
    if (withParams) params.push(...paramObjects(file, a.objects, kinds));
    for (const r of a.reviews(templates, { all: true, objects: true })!) if (r.source === 'Original') originals.push(r);
    // The checked files are read once: pass 2 takes this reading (without the text and trees).
    if (keep) prepared.set(file, { analysis: compact(a, { templates, allReviews: true, objects: true }), documents: a.parsed.documents.length, objects: a.objects.length });
  };
  const collected = early !== undefined && early.usesInventory && inventoryFromInputs;
  if (collected) {
    const templates = expansionsFor(early, options);
    for (const { path: file, read } of inputs) if ('text' in read) collect(file, read.text, templates, { keep: true, params: mayHoldParams(read) });
  }
  if (kinds.size > 0) {
    for (const { path: file, read } of [...(collected ? [] : inputs), ...extraReads]) {
      if (!mayHoldParams(read)) continue;
      params.push(...paramObjects(file, analyzeText(file, read.text, { limits: options.limits, only }).objects, kinds));
    }
  }
  const policy = buildPolicySet(policyParts, defaultExpansions, { engine, params });
  const lineOf = (file: string, offset: number) => (kept.get(file)?.lines.position(offset).line ?? 0) + 1;

  for (const c of allConstraints(policy)) {
    report.constraints.push({
      kind: c.kind,
      name: c.name,
      file: rel(c.file),
      line: lineOf(c.file, c.span.start),
      enforcementAction: c.enforcementAction,
      repos: c.list ?? null,
    });
  }
  // ValidatingAdmissionPolicies (one entry per binding) and Kyverno policies.
  for (const ref of policy.admission?.refs.values() ?? []) {
    report.constraints.push({
      kind: ref.kind,
      name: ref.engine === 'vap' ? `${ref.name} (binding ${ref.binding})` : ref.name,
      file: rel(ref.file),
      line: lineOf(ref.file, ref.span.start),
      enforcementAction: ref.engine,
      repos: null,
    });
  }
  for (const p of policy.problems) {
    (p.severity === 'error' ? report.errors : report.warnings).push({ file: rel(p.file), line: lineOf(p.file, p.span.start), message: p.message });
  }

  // Pass 2: every file, one at a time; nothing of a file is kept once it is reported.
  // Rego and CEL policies and admission policies read whole objects: no skim then.
  const rego = needsObjects(policy);
  const skim = options.skim === false || rego ? undefined : skimFor(expansionsFor(policy, options));
  // Pass 1's analyses serve when they kept all that this skim keeps (not when the workspace's own
  // ExpansionTemplates walk other keys).
  const reuse = !rego && (!skim || [...skim.some].every((k) => pass1Skim!.some.has(k)));
  let data = emptyData;
  if (policy.usesInventory) {
    const templates = expansionsFor(policy, options);
    if (!inventoryFromInputs) {
      const inv = await walkYaml(options.inventoryPaths!);
      for (const p of inv.problems) report.errors.push({ file: rel(p.path), line: 1, message: `inventory: ${p.message}` });
      for (const f of inv.files) {
        const read = readInput(f.path);
        if ('text' in read) collect(f.path, read.text, templates, { keep: false, params: false });
        else if ('error' in read) report.errors.push({ file: rel(f.path), line: 1, message: `inventory: ${read.error}` });
      }
    } else if (!collected) {
      for (const { path: file, read } of inputs) if ('text' in read) collect(file, read.text, templates, { keep: true, params: false });
    }
    data = inventoryOf(originals, options, isClusterScoped);
  }
  // Charts and overlays: rendered in-process and checked as the cluster receives them; the files that only
  // feed them are checked through them.
  const rendered = new RenderedIndex();
  const sourceFiles = diskSourceFiles({ maxBytes: options.maxFileBytes });
  const valuesFiles = (options.valuesFiles ?? []).map((v) => path.resolve(options.cwd, v));
  rendered.renderAll(
    inputs.map((f) => f.path),
    sourceFiles,
    { valuesFiles: () => valuesFiles, ...(options.release !== undefined ? { release: options.release } : {}), ...(options.namespace !== '*' ? { namespace: options.namespace } : {}) },
  );
  if (rendered.all.length > 0) {
    rendered.check(policy, options, data);
    report.rendered = rendered.all.map((s) => ({ kind: s.kind, root: rel(s.root), inputs: s.inputs.length, objects: rendered.checkOf(s)?.analysis.objects.length ?? 0, incomplete: s.incomplete }));
    for (const s of rendered.all) {
      const a = rendered.checkOf(s)?.analysis;
      if (!a) continue;
      report.summary.documents += a.parsed.documents.length;
      report.summary.objects += a.objects.length;
      const images = new Set<unknown>();
      for (const r of a.reviews(expansionsFor(policy, options), { all: true, objects: rego }) ?? []) for (const u of r.uses) images.add(u.imageNode);
      report.summary.images += images.size;
    }
    const lines = new Map<string, LineIndex>();
    const linesOf = (file: string): LineIndex => {
      let l = lines.get(file);
      if (!l) lines.set(file, (l = new LineIndex(sourceFiles.read(file) ?? '')));
      return l;
    };
    for (const file of rendered.files()) {
      for (const p of rendered.problems(file)) {
        const entry = { file: rel(file), line: linesOf(file).position(p.at.start).line + 1, message: `${sourceLabel(p.source, rel)}: ${p.message}` };
        (p.severity === 'error' ? report.errors : report.warnings).push(entry);
      }
      for (const { source, finding } of rendered.findings(file)) {
        const v = finding.violation;
        const start = linesOf(file).position(finding.at.start);
        const end = linesOf(file).position(finding.at.end);
        if (v.notEvaluated) {
          report.warnings.push({ file: rel(file), line: start.line + 1, message: `${sourceLabel(source, rel)}: ${v.message}` });
          continue;
        }
        report.violations.push({
          ...toReportViolation(rendered.checkOf(source)!.analysis, v, options, rel),
          file: rel(file),
          line: start.line + 1,
          column: start.character + 1,
          endLine: end.line + 1,
          endColumn: end.character + 1,
          renderedFrom: { kind: source.kind, root: rel(source.root) },
        });
      }
    }
  }
  for (const { path: file, read } of inputs) {
    if (rendered.isInputOnly(file)) {
      report.summary.files++;
      continue;
    }
    if ('error' in read) {
      report.errors.push({ file: rel(file), line: 1, message: read.error });
      continue;
    }
    report.summary.files++;
    if ('skipped' in read) {
      report.skipped.push({ file: rel(file), reason: read.skipped });
      continue;
    }
    const ready = prepared.get(file);
    prepared.delete(file);
    const a = ready?.analysis ?? (reuse ? kept.get(file) : undefined) ?? analyzeText(file, read.text, { limits: options.limits, skim, only });
    if (a.skipped) {
      report.skipped.push({ file: rel(file), reason: a.skipped });
      continue;
    }
    for (const e of a.parsed.errors) {
      report.errors.push({ file: rel(file), line: a.lines.position(e.offset).line + 1, message: `document ${e.index + 1}: ${e.message}` });
    }
    // A repeated mapping key: read as Kubernetes reads it (the last value wins), and said.
    for (const w of a.parsed.warnings ?? []) report.warnings.push({ file: rel(file), line: a.lines.position(w.offset).line + 1, message: `document ${w.index + 1}: ${w.message}` });
    report.summary.documents += ready?.documents ?? a.parsed.documents.length;
    report.summary.objects += ready?.objects ?? a.objects.length;
    const reviews = a.reviews(expansionsFor(policy, options), { all: true, objects: rego })!;
    // Distinct image values (a workload and the Pod it generates share theirs).
    const images = new Set<unknown>();
    for (const r of reviews) for (const u of r.uses) images.add(u.imageNode);
    report.summary.images += images.size;
    for (const v of checkReviews(reviews, policy, options, data)) {
      // A template that could not be evaluated for an object is a warning, never a verdict.
      if (v.notEvaluated) report.warnings.push({ file: rel(file), line: a.lines.position(violationSpan(v).start).line + 1, message: v.message });
      else report.violations.push(toReportViolation(a, v, options, rel));
    }
  }
  const byPlace = (x: { file: string; line: number }, y: { file: string; line: number }) => (x.file < y.file ? -1 : x.file > y.file ? 1 : x.line - y.line);
  report.violations.sort((x, y) => byPlace(x, y) || x.column - y.column || (x.constraint.name < y.constraint.name ? -1 : x.constraint.name > y.constraint.name ? 1 : 0));
  report.errors.sort(byPlace);
  report.warnings.sort(byPlace);
  report.skipped.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0));
  report.summary.violations = report.violations.length;
  return report;
}

function toReportViolation(
  a: FileAnalysis,
  v: Violation,
  options: CheckOptions,
  rel: (p: string) => string,
): ReportViolation {
  const span = violationSpan(v);
  const start = a.lines.position(span.start);
  const end = a.lines.position(span.end);
  return {
    file: rel(a.file),
    line: start.line + 1,
    column: start.character + 1,
    endLine: end.line + 1,
    endColumn: end.character + 1,
    // JSON has no big integers: an image written as one is reported as a number.
    image: v.use ? jsonSafe(v.use.image) : null,
    message: v.message,
    severity: v.severity,
    enforcementAction: v.action,
    constraint: v.constraint.engine === 'vap' ? { kind: v.constraint.kind, name: v.constraint.name, binding: v.constraint.binding } : { kind: v.constraint.kind, name: v.constraint.name },
    object: {
      apiVersion: v.object.apiVersion,
      kind: v.object.gvk.kind,
      name: v.object.name,
      namespace: v.object.namespace ?? (options.namespace === '*' ? '' : options.namespace),
    },
    container: v.use ? { name: jsonSafe(v.use.name) ?? null, path: v.use.path } : null,
  };
}

function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  return v;
}
