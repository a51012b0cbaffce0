// Where a built image was decided, by the README's squiggle rules: the `newName` line of the entry that
// renamed it; else the `name:` line of the last entry that rewrote its tag or digest; else the line that
// supplied the name (a resource's or patch's `image:`, a JSON patch `value:`, a replacement's source).
import type { OriginPart, SourceLocation, ValueOrigin } from '../sources/origin';
import type { ImageHistory, ImagePart, KScalar } from './tree';

/** kustomize's image.Split: name, tag, digest (a registry port is not a tag). */
export function splitImage(image: string): { name: string; tag: string; digest: string; tagAt: number; digestAt: number } {
  const slash = image.indexOf('/');
  const base = slash > 0 ? slash : 0;
  const search = image.slice(base);
  const id = search.indexOf('@');
  const ic = search.indexOf(':');
  if (ic < 0 && id < 0) return { name: image, tag: '', digest: '', tagAt: -1, digestAt: -1 };
  if (id >= 0 && (id < ic || ic < 0)) return { name: image.slice(0, base + id), tag: '', digest: image.slice(base + id + 1), tagAt: -1, digestAt: base + id + 1 };
  if (id >= 0 && ic >= 0) {
    return { name: image.slice(0, base + ic), tag: image.slice(base + ic + 1, base + id), digest: image.slice(base + id + 1), tagAt: base + ic + 1, digestAt: base + id + 1 };
  }
  return { name: image.slice(0, base + ic), tag: image.slice(base + ic + 1), digest: '', tagAt: base + ic + 1, digestAt: -1 };
}

/** The history of an image scalar: recorded by a rewrite, else read from the line that wrote it. */
export function imageHistoryOf(s: KScalar): ImageHistory | undefined {
  const p = s.prov;
  if (!p) return undefined;
  if (p.image) return p.image;
  const value = typeof s.value === 'string' ? s.value : '';
  const parts = splitImage(value);
  // The name, tag and digest are stretches of the written scalar when it is read as written.
  const q = p.verbatim && p.loc.end - p.loc.start === value.length + 2 ? 1 : 0;
  const at = (from: number, to: number): SourceLocation =>
    p.verbatim ? { file: p.loc.file, start: p.loc.start + q + from, end: p.loc.start + q + to } : p.loc;
  const part = (from: number, to: number, what: string): ImagePart => ({ from: at(from, to), verbatim: p.verbatim, what });
  return {
    name: part(0, parts.name.length, `${p.what} image name`),
    tags: parts.tagAt >= 0 ? [part(parts.tagAt, parts.tagAt + parts.tag.length, `${p.what} image tag`)] : [],
    ...(parts.digestAt >= 0 ? { digest: part(parts.digestAt, parts.digestAt + parts.digest.length, `${p.what} image digest`) } : {}),
    related: [],
  };
}

/** The origin of a built image: the squiggle line, its pieces, the other lines involved. */
export function imageOrigin(s: KScalar, value: string, includedBy: ReadonlyArray<{ from: SourceLocation; message: string }> = []): ValueOrigin {
  const h = imageHistoryOf(s);
  const p = s.prov!;
  if (!h) return { primary: p.loc, parts: [], related: [...includedBy] };
  const primary = h.newName ?? h.rewrittenBy ?? h.name.from;
  const sp = splitImage(value);
  const parts: OriginPart[] = [{ start: 0, end: sp.name.length, from: h.name.from, verbatim: h.name.verbatim, what: h.name.what }];
  if (sp.tagAt >= 0) {
    for (const t of h.tags) parts.push({ start: sp.tagAt, end: sp.tagAt + sp.tag.length, from: t.from, verbatim: t.verbatim && h.tags.length === 1, what: t.what });
  }
  if (sp.digestAt >= 0 && h.digest) parts.push({ start: sp.digestAt, end: value.length, from: h.digest.from, verbatim: h.digest.verbatim, what: h.digest.what });
  const related: Array<{ from: SourceLocation; message: string }> = [];
  const seen = new Set<string>([key(primary)]);
  for (const part of parts) {
    if (seen.has(key(part.from))) continue;
    seen.add(key(part.from));
    related.push({ from: part.from, message: `sets the ${part.what}` });
  }
  for (const r of [...h.related, ...includedBy]) {
    if (seen.has(key(r.from))) continue;
    seen.add(key(r.from));
    related.push(r);
  }
  return { primary, parts, related };
}

function key(l: SourceLocation): string {
  return `${l.file}\0${l.start}\0${l.end}`;
}
