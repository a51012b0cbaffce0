// What the language server knows of a workspace: each file's analysis (from disk, or from the
// editor's unsaved text while it is open), the merged policy, and the violations of each file.
// No protocol here: the server only connects this to LSP messages.
import { EnginePreference, FileAnalysis } from '../engine';
import { checkReviews, CheckOptions, expansionsFor, isClusterScoped, Violation } from '../engine';
import { emptyData, inventoryOf } from '../engine';
import type { Value } from '../rego/value';
import { AdmissionObject, buildPolicySet, feedsPolicy, hasPolicyObjects, paramKindOf, paramKinds, PolicyObjects, PolicySet } from '../engine';
import { defaultExpansions, ExpansionTemplate, Review } from '../engine';

interface OpenDocument {
  readonly analysis: FileAnalysis;
  readonly version: number;
}

export interface Change {
  /** The policy side changed: every file must be checked again. */
  readonly policyChanged: boolean;
  /**
   * Objects changed while a Rego template reads data.inventory: other files' verdicts may change
   * too, so every file must be checked again (not as urgently as for a policy change).
   */
  readonly inventoryChanged?: boolean;
}

/**
 * A fingerprint of what a file contributes to the policy; equal fingerprints check equally. The objects
 * that may serve as an admission policy's params count only while the workspace has admission
 * policies, and only those of a kind some policy's paramKind names (`params`; 'all' counts every one):
 * typing in a ConfigMap, or a workspace pass reading thousands of custom resources, rebuilds nothing
 * no policy reads.
 */
function policyKey(p: PolicyObjects | undefined, params: ReadonlySet<string> | 'all' | undefined): string {
  if (!p) return '';
  const candidates = params === undefined ? [] : params === 'all' ? p.paramCandidates : p.paramCandidates.filter((o) => params.has(paramKindOf(o)));
  if (!hasPolicyObjects(p) && candidates.length === 0) return '';
  return JSON.stringify(p, (k, v) =>
    k === 'listNode' ? v?.span : k === 'rego' ? v?.source : k === 'template' ? v?.name : k === 'node' ? undefined : k === 'paramCandidates' ? (candidates.length > 0 ? candidates : undefined) : typeof v === 'bigint' ? v.toString() : v,
  );
}

/** What one constraint causes across the workspace, as the files were last checked. */
export interface ConstraintTally {
  readonly violations: number;
  readonly files: number;
}

const constraintKey = (kind: string, name: string) => `${kind}\u0000${name}`;

export class WorkspaceIndex {
  private readonly disk = new Map<string, FileAnalysis>();
  private readonly open = new Map<string, OpenDocument>();
  /** Policy files from `constraintPaths` outside the workspace folders: read for policy only. */
  private readonly extra = new Map<string, PolicyObjects>();
  private cached: PolicySet | undefined;
  private readonly violationCache = new Map<string, { analysis: FileAnalysis; policy: PolicySet; violations: Violation[]; generation: number }>();

  /** Which code decides a template with both CEL and Rego. */
  private engine: EnginePreference = 'auto';

  constructor(private options: CheckOptions) {}

  setEngine(engine: EnginePreference): void {
    if (engine === this.engine) return;
    this.engine = engine;
    this.cached = undefined;
    this.violationCache.clear();
  }

  setOptions(options: CheckOptions): void {
    this.options = options;
    this.violationCache.clear();
  }

  get checkOptions(): CheckOptions {
    return this.options;
  }

  analysis(uri: string): FileAnalysis | undefined {
    return this.open.get(uri)?.analysis ?? this.disk.get(uri);
  }

  version(uri: string): number | undefined {
    return this.open.get(uri)?.version;
  }

  isOpen(uri: string): boolean {
    return this.open.has(uri);
  }

  /** Every file that has diagnostics to publish: open documents and checked files on disk. */
  uris(): string[] {
    return [...new Set([...this.disk.keys(), ...this.open.keys()])];
  }

  get fileCount(): number {
    return this.uris().length;
  }

  private replace(before: PolicyObjects | undefined, after: PolicyObjects | undefined): Change {
    // No policy is built here: a workspace pass sets thousands of files, and building the policy after
    // each one that changed it (every policy file, every ConfigMap an admission policy may read) was
    // a second of a 2,400-file pass.
    const params = this.paramKinds();
    const policyChanged = policyKey(before, params) !== policyKey(after, params);
    if (policyChanged) this.invalidate();
    // Built when a caller reads it (the pass does not).
    const index = this;
    return {
      policyChanged,
      get inventoryChanged() {
        return index.policy().usesInventory;
      },
    };
  }

  /** The policy changed: built again when next asked for. */
  private invalidate(): void {
    this.cached = undefined;
    this.paramKindsMemo = null;
  }

  /**
   * The kinds the workspace's admission policies read as params (undefined: it has none), without
   * building the policy; kept until the policy changes (a change of the policies themselves changes
   * a file's fingerprint whatever these kinds are).
   */
  private paramKinds(): ReadonlySet<string> | undefined {
    if (this.paramKindsMemo !== null) return this.paramKindsMemo;
    const objects: AdmissionObject[] = [];
    for (const { analysis } of this.open.values()) objects.push(...analysis.policy.admission);
    for (const [uri, a] of this.disk) if (!this.open.has(uri)) objects.push(...a.policy.admission);
    for (const [uri, p] of this.extra) if (!this.disk.has(uri) && !this.open.has(uri)) objects.push(...p.admission);
    return (this.paramKindsMemo = objects.length > 0 ? paramKinds(objects) : undefined);
  }
  private paramKindsMemo: ReadonlySet<string> | undefined | null = null;

  setDisk(uri: string, analysis: FileAnalysis): Change {
    this.generation++;
    this.stale.delete(uri);
    const before = this.analysis(uri)?.policy;
    this.disk.set(uri, analysis);
    return this.open.has(uri) ? { policyChanged: false } : this.replace(before, analysis.policy);
  }

  removeDisk(uri: string): Change {
    this.generation++;
    const before = this.disk.get(uri);
    this.disk.delete(uri);
    this.violationCache.delete(uri);
    if (!this.open.has(uri)) this.tally(uri, []);
    return this.open.has(uri) ? { policyChanged: false } : this.replace(before?.policy, undefined);
  }

  /** Forgets every disk file the predicate selects (a removed workspace folder); returns them. */
  removeDiskWhere(test: (uri: string) => boolean): { removed: string[]; change: Change } {
    const removed = [...this.disk.keys()].filter(test);
    let policyChanged = false;
    let inventoryChanged = false;
    for (const uri of removed) {
      const change = this.removeDisk(uri);
      policyChanged ||= change.policyChanged;
      inventoryChanged ||= change.inventoryChanged === true;
    }
    return { removed, change: { policyChanged, inventoryChanged } };
  }

  setOpen(uri: string, analysis: FileAnalysis, version: number): Change {
    this.generation++;
    const before = this.analysis(uri)?.policy;
    this.open.set(uri, { analysis, version });
    return this.replace(before, analysis.policy);
  }

  /** The document closes: its disk version (if any) counts again. */
  close(uri: string): Change {
    this.generation++;
    const before = this.open.get(uri)?.analysis.policy;
    this.open.delete(uri);
    this.violationCache.delete(uri);
    if (!this.disk.has(uri)) this.tally(uri, []);
    return this.replace(before, this.disk.get(uri)?.policy);
  }

  setExtraPolicy(entries: ReadonlyMap<string, PolicyObjects>): Change {
    const before = [...this.extra.values()].map((p) => policyKey(p, 'all')).join('\n');
    this.extra.clear();
    for (const [k, v] of entries) this.extra.set(k, v);
    const changed = before !== [...this.extra.values()].map((p) => policyKey(p, 'all')).join('\n');
    if (changed) this.invalidate();
    return { policyChanged: changed };
  }

  /** How many times the policy was built (a pass should build it a few times, not once per file). */
  get policyBuilds(): number {
    return this.builds;
  }
  private builds = 0;

  policy(): PolicySet {
    if (!this.cached) {
      const parts: PolicyObjects[] = [];
      for (const uri of this.uris()) {
        const a = this.analysis(uri);
        if (a && feedsPolicy(a.policy)) {
          parts.push(a.policy);
        }
      }
      for (const [uri, p] of this.extra) if (!this.disk.has(uri) && !this.open.has(uri)) parts.push(p);
      this.cached = buildPolicySet(parts, defaultExpansions, { engine: this.engine });
      this.builds++;
    }
    return this.cached;
  }

  /** The expansion templates in force: the workspace's, or the defaults (unless switched off). */
  templates(): readonly ExpansionTemplate[] {
    return expansionsFor(this.policy(), this.options);
  }

  /**
   * The reviews of a file under the templates in force. A closed file keeps them only for the
   * templates it was read with: when those change, it is listed in `stale` and must be read again.
   */
  reviews(uri: string): readonly Review[] {
    const analysis = this.analysis(uri);
    if (!analysis || analysis.skipped) return [];
    const r = analysis.reviews(this.templates(), { all: this.needsAllReviews(), objects: this.needsObjects() });
    if (r) return r;
    this.stale.add(uri);
    return [];
  }

  /**
   * Whether a review that runs no image can still be refused: only by a match error, which only a
   * namespaceSelector gives. Closed files keep such reviews only while a constraint has one.
   */
  needsAllReviews(): boolean {
    const p = this.policy();
    return this.needsObjects() || p.constraints.some((c) => c.match.namespaceSelector !== undefined);
  }

  /** Whether reviews must carry their objects: Rego and CEL constraints and admission policies are evaluated on them. */
  needsObjects(): boolean {
    const p = this.policy();
    return p.regoConstraints.length > 0 || p.celConstraints.length > 0 || p.admission !== undefined;
  }

  private inventoryCache: { generation: number; policy: PolicySet; data: Value } | undefined;
  private generation = 0;

  /** data.inventory: every file's objects, when a Rego template reads it (rebuilt after changes). */
  data(): Value {
    const policy = this.policy();
    if (!policy.usesInventory) return emptyData;
    const hit = this.inventoryCache;
    if (hit && hit.generation === this.generation && hit.policy === policy) return hit.data;
    const data = inventoryOf(this.uris().flatMap((uri) => this.reviews(uri)), this.options, isClusterScoped);
    this.inventoryCache = { generation: this.generation, policy, data };
    return data;
  }

  /** Closed files whose reviews were made for other expansion templates: to be read again. */
  private readonly stale = new Set<string>();

  /** The files to read again (see reviews()); the set is emptied. */
  takeStale(): string[] {
    const uris = [...this.stale];
    this.stale.clear();
    return uris;
  }

  violations(uri: string): Violation[] {
    const analysis = this.analysis(uri);
    if (!analysis) return [];
    const policy = this.policy();
    const hit = this.violationCache.get(uri);
    const generation = policy.usesInventory ? this.generation : 0;
    if (hit && hit.analysis === analysis && hit.policy === policy && hit.generation === generation) return hit.violations;
    const data = this.data();
    const violations = this.open.has(uri) ? this.checkEach(this.reviews(uri), policy, data) : checkReviews(this.reviews(uri), policy, this.options, data);
    this.tally(uri, violations);
    // Open documents are asked again on every hover and code action; closed files only when published.
    if (this.open.has(uri)) this.violationCache.set(uri, { analysis, policy, violations, generation });
    return violations;
  }

  /**
   * The violations of each review of the open documents, while the policy, options and data stay: a
   * keystroke's analysis keeps the reviews of the objects it did not change (see engine/incremental),
   * whose verdicts are then kept too. A review is checked on its own as it is among the others.
   */
  private reviewVerdicts: { policy: PolicySet; options: CheckOptions; data: Value; verdicts: WeakMap<Review, Violation[]> } | undefined;

  private checkEach(reviews: readonly Review[], policy: PolicySet, data: Value): Violation[] {
    let v = this.reviewVerdicts;
    if (!v || v.policy !== policy || v.options !== this.options || v.data !== data) this.reviewVerdicts = v = { policy, options: this.options, data, verdicts: new WeakMap() };
    const out: Violation[] = [];
    for (const r of reviews) {
      let found = v.verdicts.get(r);
      if (!found) v.verdicts.set(r, (found = checkReviews([r], policy, this.options, data)));
      for (const x of found) out.push(x);
    }
    return out;
  }

  /** Per file: violations per constraint, from its last check. */
  private readonly fileTallies = new Map<string, Map<string, number>>();
  /** Per constraint: the files it has violations in, and how many in all. */
  private readonly constraintFiles = new Map<string, Set<string>>();
  private readonly constraintViolations = new Map<string, number>();

  /** Keeps a file's latest violations counted per constraint: workspace-wide answers read the sums. */
  private tally(uri: string, violations: readonly Violation[]): void {
    const before = this.fileTallies.get(uri);
    if (!before && violations.length === 0) return;
    for (const [key, n] of before ?? []) {
      this.constraintViolations.set(key, (this.constraintViolations.get(key) ?? 0) - n);
      this.constraintFiles.get(key)?.delete(uri);
    }
    if (violations.length === 0) {
      this.fileTallies.delete(uri);
      return;
    }
    const now = new Map<string, number>();
    for (const v of violations) {
      const key = constraintKey(v.constraint.kind, v.constraint.name);
      now.set(key, (now.get(key) ?? 0) + 1);
    }
    for (const [key, n] of now) {
      this.constraintViolations.set(key, (this.constraintViolations.get(key) ?? 0) + n);
      let files = this.constraintFiles.get(key);
      if (!files) this.constraintFiles.set(key, (files = new Set()));
      files.add(uri);
    }
    this.fileTallies.set(uri, now);
  }

  /** A constraint's violations and files, as each file was last checked (published): no file is checked now. */
  constraintTally(kind: string, name: string): ConstraintTally {
    const key = constraintKey(kind, name);
    return { violations: this.constraintViolations.get(key) ?? 0, files: this.constraintFiles.get(key)?.size ?? 0 };
  }

  /** The files where a constraint had violations when last checked. */
  filesViolating(kind: string, name: string): string[] {
    return [...(this.constraintFiles.get(constraintKey(kind, name)) ?? [])];
  }
}
