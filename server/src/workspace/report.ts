// A whole check of files on disk, as the CLI reports it (and CI reads it as JSON).
import * as path from 'node:path';
import { FileAnalysis } from '../engine';
import { checkReviews, CheckOptions, defaultCheckOptions, expansionsFor, Severity, skimFor, Violation, violationSpan } from '../engine';
import { buildPolicySet, mayHoldPolicyObjects, PolicyObjects } from '../engine';
import { defaultParseLimits, ParseLimits } from '../yaml/documents';
import { defaultExpansions, Review } from '../engine';
import { emptyData, inventoryOf } from '../engine';
import { isClusterScoped } from '../engine';
import { walkYaml } from './files';
import { allConstraints } from './policyStats';
import { analyzeFile, FileRead, FileReader, keepCompact, readFiles } from './scan';

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
  constraint: { kind: string; name: string };
  object: { apiVersion: string; kind: string; name: string; namespace: string };
  container: { name: unknown; path: string } | null;
}

export interface Report {
  version: 1;
  constraints: Array<{ kind: string; name: string; file: string; line: number; enforcementAction: string; repos: readonly string[] | null }>;
  summary: { files: number; documents: number; objects: number; images: number; violations: number };
  violations: ReportViolation[];
  errors: Array<{ file: string; line: number; message: string }>;
  warnings: Array<{ file: string; line: number; message: string }>;
  skipped: Array<{ file: string; reason: string }>;
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
    const a = analyzeFile(file, read.text, { limits: options.limits, skim: pass1Skim, only });
    kept.set(file, a);
    policyParts.push(a.policy);
  };
  for (const { path: file, read } of inputs) policyPass(file, read);
  const seen = new Set(inputs.map((f) => f.path));
  for (const f of extra.files) {
    if (seen.has(f.path)) continue;
    const read = readInput(f.path);
    if ('error' in read) report.errors.push({ file: rel(f.path), line: 1, message: read.error });
    else policyPass(f.path, read);
  }
  const policy = buildPolicySet(policyParts, defaultExpansions);
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
  for (const p of policy.problems) {
    (p.severity === 'error' ? report.errors : report.warnings).push({ file: rel(p.file), line: lineOf(p.file, p.span.start), message: p.message });
  }

  // Pass 2: every file, one at a time; nothing of a file is kept once it is reported.
  // Rego and CEL policies and admission policies read whole objects: no skim then.
  const rego = policy.regoConstraints.length > 0 || policy.celConstraints.length > 0 || policy.admission !== undefined;
  const skim = options.skim === false || rego ? undefined : skimFor(expansionsFor(policy, options));
  // Pass 1's analyses serve when they kept all that this skim keeps (not when the workspace's own
  // ExpansionTemplates walk other keys).
  const reuse = !rego && (!skim || [...skim.some].every((k) => pass1Skim!.some.has(k)));
  // data.inventory, when a template reads it: the objects of --inventory files, else of the checked files.
  let data = emptyData;
  const prepared = new Map<string, { analysis: FileAnalysis; documents: number; objects: number }>();
  if (policy.usesInventory) {
    const originals: Review[] = [];
    const templates = expansionsFor(policy, options);
    const collect = (file: string, text: string, { keep }: { keep: boolean }) => {
      const a = analyzeFile(file, text, { limits: options.limits, only });
      for (const r of a.reviews(templates, true, true)!) if (r.source === 'Original') originals.push(r);
      // The checked files are read once: pass 2 takes this reading (without the text and trees).
      if (keep) prepared.set(file, { analysis: keepCompact(a, { templates, allReviews: true, objects: true }), documents: a.parsed.documents.length, objects: a.objects.length });
    };
    if (options.inventoryPaths && options.inventoryPaths.length > 0) {
      const inv = await walkYaml(options.inventoryPaths);
      for (const p of inv.problems) report.errors.push({ file: rel(p.path), line: 1, message: `inventory: ${p.message}` });
      for (const f of inv.files) {
        const read = readInput(f.path);
        if ('text' in read) collect(f.path, read.text, { keep: false });
        else if ('error' in read) report.errors.push({ file: rel(f.path), line: 1, message: `inventory: ${read.error}` });
      }
    } else {
      for (const { path: file, read } of inputs) if ('text' in read) collect(file, read.text, { keep: true });
    }
    data = inventoryOf(originals, options, isClusterScoped);
  }
  for (const { path: file, read } of inputs) {
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
    const a = ready?.analysis ?? (reuse ? kept.get(file) : undefined) ?? analyzeFile(file, read.text, { limits: options.limits, skim, only });
    if (a.skipped) {
      report.skipped.push({ file: rel(file), reason: a.skipped });
      continue;
    }
    for (const e of a.parsed.errors) {
      report.errors.push({ file: rel(file), line: a.lines.position(e.offset).line + 1, message: `document ${e.index + 1}: ${e.message}` });
    }
    report.summary.documents += ready?.documents ?? a.parsed.documents.length;
    report.summary.objects += ready?.objects ?? a.objects.length;
    const reviews = a.reviews(expansionsFor(policy, options), true, rego)!;
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
    constraint: { kind: v.constraint.kind, name: v.constraint.name },
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
