// Kustomize's helmCharts (the HelmChartInflationGenerator, as `kustomize build --enable-helm` runs it):
// a chart under the kustomization's chartHome rendered by the engine's own Helm renderer (nothing is run
// or pulled), its objects added as resources. What they render keeps its origins: a finding on an
// inflated image lands on the values line that sets it, through the overlays' own rewrites.
import { renderChart } from '../helm/render';
import { originAt, type OriginPart, type RenderedStream, type SourceFiles, type SourceLocation, type SourceProblem, type ValueOrigin } from '../sources/origin';
import { isRemote, join } from './paths';
import { isMap, isScalar, isSeq, str, toPlain, type KNode } from './tree';

export interface InflatedChart {
  /** The rendered stream, to be read as a resource file named `path`. */
  readonly path: string;
  readonly stream: RenderedStream;
  readonly problems: readonly SourceProblem[];
  /** Files the render read (inputs of the build). */
  readonly inputs: readonly string[];
}

export interface HelmChartRequest {
  readonly dir: string;
  /** The kustomization file, and where its helmCharts entry and valuesInline are written. */
  readonly at: SourceLocation;
  readonly valuesInlineAt: SourceLocation | undefined;
}

/**
 * Renders one helmCharts entry. Undefined with a reason when the chart is not under chartHome (it
 * would be pulled from its repo, which is never done here).
 */
export function inflateChart(files: SourceFiles, entry: KNode, chartHome: string, req: HelmChartRequest): InflatedChart | { missing: string } {
  const name = str(entry, 'name');
  if (!name) return { missing: 'a helmCharts entry without name' };
  const version = str(entry, 'version');
  const repo = str(entry, 'repo');
  const home = join(req.dir, chartHome);
  const candidates = [join(home, name), ...(version ? [join(join(home, `${name}-${version}`), name)] : [])];
  const chartDir = candidates.find((c) => files.read(join(c, 'Chart.yaml')) !== undefined);
  if (!chartDir) return { missing: `helm chart ${name} is not under ${chartHome}/${repo && !isRemote(chartHome) ? ` and is not pulled from ${repo}` : ''}: the build is incomplete` };
  // valuesInline goes last (kustomize's valuesMerge: override), as a values file of its own.
  const inlinePath = `${req.at.file}#helmCharts/${name}/valuesInline`;
  const inline = isMap(entry) ? entry.entries.get('valuesInline') : undefined;
  const inlineText = inline ? JSON.stringify(toPlain(inline)) : undefined;
  const withInline: SourceFiles = { ...files, read: (p) => (p === inlinePath ? inlineText : files.read(p)), list: (p) => files.list(p) };
  const extra = isMap(entry) ? entry.entries.get('additionalValuesFiles') : undefined;
  const valuesFiles = [
    ...(str(entry, 'valuesFile') ? [join(req.dir, str(entry, 'valuesFile')!)] : []),
    ...(isSeq(extra) ? extra.items.flatMap((x) => (isScalar(x) && typeof x.value === 'string' ? [join(req.dir, x.value)] : [])) : []),
    ...(inlineText !== undefined ? [inlinePath] : []),
  ];
  const namespace = str(entry, 'namespace');
  const r = renderChart(withInline, chartDir, { release: str(entry, 'releaseName') ?? 'release-name', ...(namespace ? { namespace } : {}), valuesFiles });
  const where = (loc: SourceLocation): SourceLocation => (loc.file === inlinePath ? (req.valuesInlineAt ?? req.at) : loc);
  // A value set by valuesInline: the scalar written under valuesInline in the kustomization, found by
  // its values key (`values image.repository`), verbatim as written there.
  const inlineScalar = (what: string): SourceLocation | undefined => {
    const m = /^values (.+)$/.exec(what);
    let n: KNode | undefined = inline;
    for (const key of m ? m[1]!.split('.') : []) n = isMap(n) ? n.entries.get(key) : undefined;
    return m && isScalar(n) && n.prov?.verbatim ? n.prov.loc : undefined;
  };
  const stream: RenderedStream = {
    ...r.stream,
    origins: r.stream.origins.map((o) => ({ ...o, origin: relocate(o.origin, where, (p) => (p.from.file === inlinePath ? inlineScalar(p.what) : undefined)) })),
  };
  return {
    path: join(chartDir, `(helm template ${name})`),
    stream,
    problems: r.problems.map((p) => ({ ...p, at: where(p.at), message: `helm chart ${name}: ${p.message}` })),
    inputs: r.inputs.filter((f) => f !== inlinePath),
  };
}

function relocate(o: ValueOrigin, where: (l: SourceLocation) => SourceLocation, exact: (p: OriginPart) => SourceLocation | undefined): ValueOrigin {
  const moved = (l: SourceLocation) => where(l) !== l;
  const parts = o.parts.map((p) => {
    if (!moved(p.from)) return p;
    const at = exact(p);
    return at ? { ...p, from: at } : { ...p, from: where(p.from), verbatim: false };
  });
  const primaryPart = o.parts.findIndex((p) => p.from.file === o.primary.file && p.from.start === o.primary.start);
  return {
    primary: moved(o.primary) ? (primaryPart >= 0 ? parts[primaryPart]!.from : where(o.primary)) : o.primary,
    parts,
    related: o.related.map((r) => ({ ...r, from: where(r.from) })),
  };
}

/**
 * A built value's origin, with the places inside inflated charts' rendered text replaced by where the
 * chart's renderer says they come from (the values line, the template line).
 */
export function throughCharts(o: ValueOrigin, charts: ReadonlyMap<string, InflatedChart>): ValueOrigin {
  if (charts.size === 0) return o;
  const inChart = (l: SourceLocation) => charts.get(l.file);
  const helmOf = (l: SourceLocation): ValueOrigin | undefined => {
    const c = inChart(l);
    return c ? originAt(c.stream, l.start) : undefined;
  };
  const fallback = (l: SourceLocation): SourceLocation => ({ file: join(join(inChart(l)!.path, '..'), 'Chart.yaml'), start: 0, end: 0 });
  const loc = (l: SourceLocation): SourceLocation => (inChart(l) ? (helmOf(l)?.primary ?? fallback(l)) : l);
  const parts: OriginPart[] = [];
  for (const p of o.parts) {
    const h = inChart(p.from) ? helmOf(p.from) : undefined;
    if (!inChart(p.from)) parts.push(p);
    else if (h && h.parts.length > 0) {
      // The stretch was copied from the rendered value: its own pieces, moved to where the stretch sits.
      const shift = p.start - (h.parts[0]?.start ?? 0);
      for (const hp of h.parts) if (hp.start + shift < p.end) parts.push({ ...hp, start: hp.start + shift, end: Math.min(p.end, hp.end + shift) });
    } else parts.push({ ...p, from: loc(p.from), verbatim: false });
  }
  const primaryHelm = inChart(o.primary) ? helmOf(o.primary) : undefined;
  return {
    primary: loc(o.primary),
    parts,
    related: [...o.related.map((r) => ({ ...r, from: loc(r.from) })), ...(primaryHelm?.related ?? [])],
  };
}
