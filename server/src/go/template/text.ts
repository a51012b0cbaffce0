// Strings that remember where their characters come from. A template copies text around (output,
// printf "%s", default, trimSuffix, toYaml...); each copy keeps the segments of its pieces, so the
// rendered image string still knows which values line wrote its registry.

/** Where a stretch of text comes from. */
export interface Src {
  readonly file: string;
  /** For a verbatim source: the file offsets of exactly the stretch. For a computed one: the input span. */
  readonly start: number;
  readonly end: number;
  /** True when the stretch is the file's text as written. */
  readonly verbatim: boolean;
  /** What this is, for people: `values image.repository`, `template`. */
  readonly what: string;
  /** The action that printed it first, when known (the template line). */
  readonly via?: Src;
  /** The outermost action that printed it (an include's caller), when known. */
  readonly outer?: Src;
}

/** A stretch [start, end) of a Text and its source. */
export interface Seg {
  readonly start: number;
  readonly end: number;
  readonly src: Src;
}

/** A Go string with provenance. */
export class Text {
  constructor(
    readonly s: string,
    readonly segs: readonly Seg[],
  ) {}

  get length(): number {
    return this.s.length;
  }

  toString(): string {
    return this.s;
  }

  /** The stretch [a, b) with its segments cut to it. */
  slice(a: number, b: number = this.s.length): Text | string {
    if (a <= 0 && b >= this.s.length) return this;
    const segs: Seg[] = [];
    for (const g of this.segs) {
      if (g.end <= a || g.start >= b) continue;
      const s = Math.max(a, g.start);
      const e = Math.min(b, g.end);
      segs.push({ start: s - a, end: e - a, src: cutSrc(g, s, e) });
    }
    const str = this.s.slice(a, b);
    return segs.length ? new Text(str, segs) : str;
  }
}

function cutSrc(g: Seg, s: number, e: number): Src {
  if (!g.src.verbatim || (s === g.start && e === g.end)) return g.src;
  const off = g.src.start + (s - g.start);
  return { ...g.src, start: off, end: off + (e - s) };
}

/** A Go string: plain, or with provenance. */
export type GoString = string | Text;

export function plain(v: GoString): string {
  return typeof v === 'string' ? v : v.s;
}

export function isText(v: unknown): v is Text {
  return v instanceof Text;
}

/** A Text whose whole length is one source. */
export function sourced(s: string, src: Src): Text | string {
  return s.length === 0 ? s : new Text(s, [{ start: 0, end: s.length, src }]);
}

/**
 * Text computed from inputs (upper, printf "%d", b64enc): not editable in place, but still tied to
 * the inputs' first source so a diagnostic can point at the values line that fed it.
 */
export function computed(s: string, ...inputs: unknown[]): GoString {
  if (s.length === 0) return s;
  for (const i of inputs) {
    const src = firstSrc(i);
    if (src) return new Text(s, [{ start: 0, end: s.length, src: src.verbatim ? { ...src, verbatim: false } : src }]);
  }
  return s;
}

function firstSrc(v: unknown): Src | undefined {
  if (v instanceof Text) {
    for (const g of v.segs) if (g.src.what !== 'template') return g.src;
    return v.segs[0]?.src;
  }
  return undefined;
}

/** Segments one built text keeps at most. */
const maxSegments = 500_000;

/** Appends strings and Texts, keeping segments. */
export class TextBuilder {
  private readonly parts: string[] = [];
  private readonly segs: Seg[] = [];
  private len = 0;

  get length(): number {
    return this.len;
  }

  add(v: GoString, via?: Src): void {
    if (typeof v === 'string') {
      if (v.length) {
        this.parts.push(v);
        this.len += v.length;
      }
      return;
    }
    if (!v.s.length) return;
    this.parts.push(v.s);
    // Provenance of a huge output is not worth its memory: past the cap the text is kept plain.
    if (this.segs.length + v.segs.length > maxSegments) {
      this.len += v.s.length;
      return;
    }
    for (const g of v.segs) {
      const src = via ? { ...g.src, via: g.src.via ?? via, outer: via } : g.src;
      this.segs.push({ start: g.start + this.len, end: g.end + this.len, src });
    }
    this.len += v.s.length;
  }

  /** Adds s, each character tied to src (a computed value printed by an action). */
  addSourced(s: string, src: Src | undefined): void {
    if (!src) return this.add(s);
    this.add(sourced(s, src));
  }

  build(): GoString {
    const s = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    if (this.parts.length > 1) {
      this.parts.length = 0;
      this.parts.push(s);
    }
    return this.segs.length ? new Text(s, this.segs.slice()) : s;
  }
}

export function concatText(...vs: GoString[]): GoString {
  const b = new TextBuilder();
  for (const v of vs) b.add(v);
  return b.build();
}

/** Replaces every occurrence of `from` (non-empty) by `to`, keeping the segments of the text around. */
export function replaceAllText(v: GoString, from: string, to: GoString): GoString {
  const s = plain(v);
  if (!from.length || !s.includes(from)) return v;
  if (typeof v === 'string' && typeof to === 'string') return s.split(from).join(to);
  const b = new TextBuilder();
  let i = 0;
  for (;;) {
    const j = s.indexOf(from, i);
    if (j < 0) break;
    b.add(sliceOf(v, i, j));
    b.add(to);
    i = j + from.length;
  }
  b.add(sliceOf(v, i, s.length));
  return b.build();
}

export function sliceOf(v: GoString, a: number, b?: number): GoString {
  return typeof v === 'string' ? v.slice(a, b) : v.slice(a, b);
}

/** Splits on a separator, each piece keeping its segments. */
export function splitText(v: GoString, sep: string, n = -1): GoString[] {
  const s = plain(v);
  const out: GoString[] = [];
  if (sep === '') {
    for (let i = 0; i < s.length && (n < 0 || out.length < n - 1); i++) out.push(sliceOf(v, i, i + 1));
    if (out.length < s.length) out.push(sliceOf(v, out.length));
    return out;
  }
  let i = 0;
  while (n < 0 || out.length < n - 1) {
    const j = s.indexOf(sep, i);
    if (j < 0) break;
    out.push(sliceOf(v, i, j));
    i = j + sep.length;
  }
  out.push(sliceOf(v, i));
  return out;
}

const ws = ' \t\n\r\v\f\u0085\u00a0';
export function trimSpaceText(v: GoString): GoString {
  const s = plain(v);
  let a = 0;
  let b = s.length;
  while (a < b && isUnicodeSpace(s[a]!)) a++;
  while (b > a && isUnicodeSpace(s[b - 1]!)) b--;
  return sliceOf(v, a, b);
}

export function isUnicodeSpace(c: string): boolean {
  return ws.includes(c) || /\s/u.test(c);
}
