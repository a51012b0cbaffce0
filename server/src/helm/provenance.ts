// From the rendered stream's segments to each scalar's origin: the pieces of the value and where each
// comes from, the line a person edits (the values line of the first values piece, else the template),
// and the template lines that printed it.
import type { OriginPart, RenderedStream, SourceLocation, ValueOrigin } from '../sources/origin';
import { parseYaml, YNode } from '../yaml/documents';
import { GoString, Seg, Src } from '../go/template/text';

type Origins = RenderedStream['origins'];

export function originsOf(text: GoString): Origins {
  const out: Array<{ start: number; end: number; origin: ValueOrigin }> = [];
  if (typeof text === 'string' || !text.segs.length) return out;
  addOrigins(text, parseYaml(text.s).documents.map((d) => d.root), 0, out);
  out.sort((a, b) => a.start - b.start);
  return out;
}

/**
 * Adds the origins of one printed document's scalars (its nodes as parsed from its own text), shifted
 * to where the document starts in the stream.
 */
export function addOrigins(text: GoString, roots: ReadonlyArray<YNode | null>, base: number, out: Array<{ start: number; end: number; origin: ValueOrigin }>): void {
  if (typeof text === 'string' || !text.segs.length) return;
  const s = text.s;
  const segs = text.segs;
  const visit = (n: YNode | null): void => {
    if (!n) return;
    if (n.kind === 'map') {
      for (const v of n.entries.values()) visit(v);
      return;
    }
    if (n.kind === 'seq') {
      for (const v of n.items) visit(v);
      return;
    }
    if (n.anchor) return;
    const origin = originOf(s, n.span.start, n.span.end, n.value, n.style, segs);
    if (origin) out.push({ start: base + n.span.start, end: base + n.span.end, origin });
  };
  for (const r of roots) visit(r);
}

function firstSegAt(segs: readonly Seg[], offset: number): number {
  let lo = 0;
  let hi = segs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid]!.end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function loc(src: Src): SourceLocation {
  return { file: src.file, start: src.start, end: src.end };
}

function originOf(text: string, start: number, end: number, value: unknown, style: string, segs: readonly Seg[]): ValueOrigin | undefined {
  const v = typeof value === 'string' ? value : text.slice(start, end);
  // Where the value's characters start in the text, when they are written as they are.
  let base = -1;
  if (style === 'plain' && text.slice(start, start + v.length) === v) base = start;
  else if ((style === 'single' || style === 'double') && text.slice(start + 1, start + 1 + v.length) === v) base = start + 1;
  const parts: OriginPart[] = [];
  const related: Array<{ from: SourceLocation; message: string }> = [];
  const seen = new Set<string>();
  for (let i = firstSegAt(segs, start); i < segs.length && segs[i]!.start < end; i++) {
    const g = segs[i]!;
    const a = Math.max(g.start, start);
    const b = Math.min(g.end, end);
    if (b <= a) continue;
    let from = loc(g.src);
    let verbatim = g.src.verbatim && base >= 0;
    if (g.src.verbatim) {
      const off = g.src.start + (a - g.start);
      from = { file: g.src.file, start: off, end: off + (b - a) };
    }
    const ps = base >= 0 ? Math.max(0, a - base) : 0;
    const pe = base >= 0 ? Math.min(v.length, b - base) : v.length;
    if (pe <= ps && base >= 0) continue;
    if (base < 0) verbatim = false;
    parts.push({ start: ps, end: pe, from, verbatim, what: g.src.what });
    for (const via of [g.src.via, g.src.outer]) {
      if (!via) continue;
      const key = `${via.file}:${via.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      related.push({ from: loc(via), message: 'the template action that printed it' });
    }
  }
  if (!parts.length) return undefined;
  const values = parts.filter((p) => p.what.startsWith('values ') || p.what.startsWith('Chart.yaml '));
  const primaryPart = values.find((p) => p.verbatim) ?? values[0];
  let primary: SourceLocation;
  if (primaryPart) primary = primaryPart.from;
  else primary = related[0]?.from ?? parts[0]!.from;
  for (const p of values) {
    if (p === primaryPart) continue;
    related.push({ from: p.from, message: p.what });
  }
  return { primary, parts, related };
}
