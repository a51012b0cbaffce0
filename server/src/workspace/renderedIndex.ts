// What the workspace's charts and overlays give the cluster, kept between checks: each source rendered
// once and rendered again only when a file it read changes; its findings grouped by the file they
// belong in (the values file, the overlay, the base), for the CLI's report and the server's diagnostics.
import * as path from 'node:path';
import { checkRendered, CheckOptions, PolicySet, RenderedCheck, RenderedFinding } from '../engine';
import type { Value } from '../rego/value';
import type { SourceFiles, SourceLocation } from '../sources/origin';
import { planObjectSources } from './objectSources';
import { inputsOnly, renderOneChart, buildOne, RenderedSource, RenderSettings, renderSources, rootLocation } from './renderedSources';

function symmetricDifference(a: ReadonlySet<string>, b: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const f of a) if (!b.has(f)) out.push(f);
  for (const f of b) if (!a.has(f)) out.push(f);
  return out;
}

export interface PlacedFinding {
  readonly source: RenderedSource;
  readonly finding: RenderedFinding;
}

export interface PlacedProblem {
  readonly source: RenderedSource;
  readonly at: SourceLocation;
  readonly message: string;
  readonly severity: 'error' | 'warning' | 'info';
}

export class RenderedIndex {
  private sources: RenderedSource[] = [];
  private inputs = new Set<string>();
  private checks = new Map<RenderedSource, RenderedCheck>();
  private findingsByFile = new Map<string, PlacedFinding[]>();
  private problemsByFile = new Map<string, PlacedProblem[]>();

  /** Renders every chart and Kustomize root among `files` (all the workspace's YAML files, as paths). */
  renderAll(files: Iterable<string>, read: SourceFiles, settings: RenderSettings): void {
    this.sources = renderSources(planObjectSources(files), read, settings);
    this.inputs = inputsOnly(this.sources);
    this.checks.clear();
  }

  /**
   * Renders again the sources that read `file` or whose folder holds it (a new values file, template,
   * patch). Undefined when none did; else the files that became, or stopped being, inputs only.
   */
  renderAgain(file: string, read: SourceFiles, settings: RenderSettings): string[] | undefined {
    const abs = path.resolve(file);
    // Every keystroke of an open document asks: most files feed no render.
    if (!this.inputs.has(abs) && !this.sources.some((s) => abs.startsWith(path.resolve(s.root) + path.sep))) return undefined;
    let changed = false;
    this.sources = this.sources.map((s) => {
      if (!abs.startsWith(path.resolve(s.root) + path.sep) && !s.inputs.some((f) => path.resolve(f) === abs)) return s;
      changed = true;
      this.checks.delete(s);
      return s.kind === 'helm' ? renderOneChart(read, s.root, settings) : buildOne(read, s.root);
    });
    if (!changed) return undefined;
    const before = this.inputs;
    this.inputs = inputsOnly(this.sources);
    return symmetricDifference(before, this.inputs);
  }

  /** Renders everything again; the files that became, or stopped being, inputs only. */
  renderAllAgain(files: Iterable<string>, read: SourceFiles, settings: RenderSettings): string[] {
    const before = this.inputs;
    this.renderAll(files, read, settings);
    return symmetricDifference(before, this.inputs);
  }

  get all(): readonly RenderedSource[] {
    return this.sources;
  }

  /** Whether a file only feeds a render: it is checked through what it renders, not on its own. */
  isInputOnly(file: string): boolean {
    return this.inputs.has(path.resolve(file));
  }

  /**
   * Checks every rendered stream and groups the findings by the file they belong in. Returns the files
   * whose findings or problems may have changed since the last call.
   */
  check(policy: PolicySet, options: CheckOptions, data?: Value): Set<string> {
    const touched = new Set<string>([...this.findingsByFile.keys(), ...this.problemsByFile.keys()]);
    this.findingsByFile.clear();
    this.problemsByFile.clear();
    for (const s of this.sources) {
      const c = checkRendered(s.stream, policy, options, rootLocation(s), data);
      this.checks.set(s, c);
      for (const finding of c.findings) this.push(this.findingsByFile, finding.at.file, { source: s, finding });
      for (const p of s.problems) this.push(this.problemsByFile, p.at.file, { source: s, at: p.at, message: p.message, severity: p.severity });
      for (const p of c.problems) this.push(this.problemsByFile, p.at.file, { source: s, at: p.at, message: p.message, severity: 'warning' });
      if (s.incomplete && !s.problems.some((p) => p.severity === 'error')) {
        this.push(this.problemsByFile, s.rootFile, { source: s, at: rootLocation(s), message: `${s.kind === 'helm' ? 'the chart' : 'the kustomization'} is not fully rendered here, so what it gives the cluster is not all checked`, severity: 'warning' });
      }
    }
    for (const f of [...this.findingsByFile.keys(), ...this.problemsByFile.keys()]) touched.add(f);
    return touched;
  }

  findings(file: string): readonly PlacedFinding[] {
    return this.findingsByFile.get(path.resolve(file)) ?? [];
  }

  problems(file: string): readonly PlacedProblem[] {
    return this.problemsByFile.get(path.resolve(file)) ?? [];
  }

  /** Every file that has findings or problems. */
  files(): string[] {
    return [...new Set([...this.findingsByFile.keys(), ...this.problemsByFile.keys()])];
  }

  checkOf(s: RenderedSource): RenderedCheck | undefined {
    return this.checks.get(s);
  }

  private push<T>(map: Map<string, T[]>, file: string, v: T): void {
    const key = path.resolve(file);
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    list.push(v);
  }
}
