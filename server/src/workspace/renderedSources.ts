// What the cluster really receives from a workspace's charts and overlays: every Kustomize root built
// and every Helm chart rendered in-process (the engine's renderers; nothing is run, nothing fetched),
// with the files that only feed them, so those are checked through what they build, not on their own.
import * as path from 'node:path';
import { buildKustomization, findRoots } from '../kustomize';
import { renderChart } from '../helm/render';
import type { RenderedStream, SourceFiles, SourceLocation, SourceProblem } from '../sources/origin';
import { ObjectSourcePlan } from './objectSources';

export interface RenderedSource {
  readonly kind: 'helm' | 'kustomize';
  /** The chart or kustomization folder. */
  readonly root: string;
  /** Chart.yaml or the kustomization file: where findings without a known origin go. */
  readonly rootFile: string;
  readonly stream: RenderedStream;
  readonly problems: readonly SourceProblem[];
  /** Every file the render read. */
  readonly inputs: readonly string[];
  /** The stream is not all the cluster would receive (a remote base, a failed render): never a pass. */
  readonly incomplete: boolean;
}

export interface RenderSettings {
  /** User values files for a chart folder, in order (as `helm template -f`). */
  readonly valuesFiles?: (chartDir: string) => readonly string[];
  /** Release name (default as helm template: release-name). */
  readonly release?: string;
  /** The release namespace (default: the check's default namespace). */
  readonly namespace?: string;
}

/** Builds every Kustomize root and renders every chart of the plan. */
export function renderSources(plan: ObjectSourcePlan, files: SourceFiles, settings: RenderSettings = {}): RenderedSource[] {
  const out: RenderedSource[] = [];
  for (const root of plan.kustomizations.length > 0 ? findRoots(files, plan.kustomizations) : []) {
    // Files the build looked for and did not find count as inputs: when one appears, the root is built again.
    out.push({ kind: 'kustomize', root: root.dir, rootFile: root.file, stream: root.build.stream, problems: root.build.problems, inputs: [...root.inputs, ...root.build.missing], incomplete: root.build.incomplete });
  }
  // A chart a kustomization inflates (helmCharts) is checked through it, not rendered alone as well.
  const inflated = new Set(out.flatMap((s) => s.inputs).map((f) => path.resolve(f)));
  for (const chart of plan.charts) if (!inflated.has(path.resolve(chart, 'Chart.yaml'))) out.push(renderOneChart(files, chart, settings));
  return out;
}

export function renderOneChart(files: SourceFiles, chart: string, settings: RenderSettings = {}): RenderedSource {
  const r = renderChart(files, chart, {
    ...(settings.release !== undefined ? { release: settings.release } : {}),
    ...(settings.namespace !== undefined ? { namespace: settings.namespace } : {}),
    valuesFiles: settings.valuesFiles?.(chart) ?? [],
  });
  const failed = r.problems.some((p) => p.severity === 'error');
  return { kind: 'helm', root: chart, rootFile: path.join(chart, 'Chart.yaml'), stream: r.stream, problems: r.problems, inputs: r.inputs, incomplete: failed };
}

export function buildOne(files: SourceFiles, dir: string): RenderedSource {
  const b = buildKustomization(files, dir);
  const found = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((n) => path.join(dir, n)).find((f) => files.read(f) !== undefined);
  return { kind: 'kustomize', root: dir, rootFile: found ?? path.join(dir, 'kustomization.yaml'), stream: b.stream, problems: b.problems, inputs: [...b.inputs, ...b.missing], incomplete: b.incomplete };
}

/** Files that only feed a render (a base's manifests, a chart's files): checked through it, not alone. */
export function inputsOnly(sources: readonly RenderedSource[]): Set<string> {
  const out = new Set<string>();
  for (const s of sources) for (const f of s.inputs) out.add(path.resolve(f));
  return out;
}

/** Where a finding without an origin of its own goes: the start of the chart's or overlay's root file. */
export function rootLocation(s: RenderedSource): SourceLocation {
  return { file: s.rootFile, start: 0, end: 0 };
}

/** How a source is named in messages: `kustomize overlays/prod`, `helm chart charts/web`. */
export function sourceLabel(s: RenderedSource, rel: (p: string) => string): string {
  return `${s.kind === 'helm' ? 'helm chart' : 'kustomize'} ${rel(s.root)}`;
}
