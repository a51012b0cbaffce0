// Built objects -> the YAML stream `kubectl kustomize` prints (block style, keys sorted as Go's JSON
// encoder sorts them), recording for each scalar printed with a known origin the span it occupies.
import type { SourceLocation, ValueOrigin } from '../sources/origin';
import { imageOrigin } from './provenance';
import type { KMap, KNode, KScalar } from './tree';

export interface Emitted {
  readonly text: string;
  readonly origins: Array<{ start: number; end: number; origin: ValueOrigin }>;
}

/** A built object, and the lines that included it (innermost first), shown with its images. */
export interface EmittedObject {
  readonly obj: KMap;
  readonly includedBy: readonly SourceLocation[];
}

export function emitStream(docs: readonly EmittedObject[]): Emitted {
  const w = new Writer();
  docs.forEach((d, i) => {
    if (i > 0) w.put('---\n');
    w.includedBy = d.includedBy.map((from) => ({ from, message: `included by ${from.file}` }));
    w.mapBody(d.obj, 0, false);
  });
  return { text: w.out.join(''), origins: w.origins };
}

class Writer {
  readonly out: string[] = [];
  readonly origins: Array<{ start: number; end: number; origin: ValueOrigin }> = [];
  private pos = 0;
  includedBy: Array<{ from: SourceLocation; message: string }> = [];

  put(s: string): void {
    this.out.push(s);
    this.pos += s.length;
  }

  /** A map's entries at `indent`; `inline`: the first entry continues the current line (after `- `). */
  mapBody(m: KMap, indent: number, inline: boolean): void {
    const keys = [...m.entries.keys()].sort(byCodePoint);
    keys.forEach((k, i) => {
      if (!(inline && i === 0)) this.put(' '.repeat(indent));
      this.put(renderString(k) + ':');
      this.value(m.entries.get(k)!, indent, k);
    });
  }

  /** The value after `key:` (or after `- `): scalars and empty collections on the line, others below. */
  private value(v: KNode, indent: number, key: string | undefined): void {
    if (v.kind === 'scalar') {
      this.put(' ');
      this.scalar(v, key);
      this.put('\n');
    } else if (v.kind === 'map') {
      if (v.entries.size === 0) this.put(' {}\n');
      else {
        this.put('\n');
        this.mapBody(v, indent + 2, false);
      }
    } else if (v.items.length === 0) this.put(' []\n');
    else {
      this.put('\n');
      this.seqBody(v.items, indent);
    }
  }

  private seqBody(items: readonly KNode[], indent: number): void {
    for (const item of items) {
      this.put(' '.repeat(indent) + '-');
      if (item.kind === 'map' && item.entries.size > 0) {
        this.put(' ');
        this.mapBody(item, indent + 2, true);
      } else if (item.kind === 'seq' && item.items.length > 0) {
        this.put('\n');
        this.seqBody(item.items, indent + 2);
      } else this.value(item, indent, undefined);
    }
  }

  private scalar(s: KScalar, key: string | undefined): void {
    const text = renderScalar(s);
    const start = this.pos;
    this.put(text);
    if (s.prov) {
      const value = s.value === null ? '' : typeof s.value === 'string' ? s.value : text;
      const origin = key === 'image' && typeof s.value === 'string' ? imageOrigin(s, value, this.includedBy) : plainOrigin(s, value);
      this.origins.push({ start, end: this.pos, origin });
    }
  }
}

function plainOrigin(s: KScalar, value: string): ValueOrigin {
  const p = s.prov!;
  const parts = p.parts ?? [{ start: 0, end: value.length, from: p.loc, verbatim: p.verbatim, what: p.what }];
  return { primary: p.loc, parts, related: [] };
}

function byCodePoint(a: string, b: string): number {
  // Go sorts map keys by bytes; for the keys manifests use, UTF-16 order is the same.
  return a < b ? -1 : a > b ? 1 : 0;
}

export function renderScalar(s: KScalar): string {
  const v = s.value;
  if (typeof v === 'string') {
    // Go's YAML reads a plain date as a timestamp, and kustomize prints it as one.
    if (s.text !== undefined && /^\d{4}-\d{1,2}-\d{1,2}$/.test(s.text)) return renderString(goDate(s.text));
    return s.text !== undefined && s.text === v ? s.text : renderString(v);
  }
  if (s.text !== undefined) return typeof v === 'number' || typeof v === 'bigint' ? goNumber(s.text) : s.text;
  if (v === null) return 'null';
  return String(v);
}

/**
 * An integer as kustomize prints it: Go's YAML reads 0755 and 0o755 as octal and 0x1F as hex, and
 * kustomize prints the decimal value.
 */
function goNumber(text: string): string {
  const m = /^([-+]?)(?:0o?([0-7]+)|0x([0-9a-fA-F]+))$/.exec(text);
  if (!m) return text;
  const n = m[2] !== undefined ? BigInt('0o' + m[2]) : BigInt('0x' + m[3]!);
  return (m[1] === '-' ? '-' : '') + n.toString();
}

function goDate(d: string): string {
  const [y, m, day] = d.split('-');
  return `${y}-${m!.padStart(2, '0')}-${day!.padStart(2, '0')}T00:00:00Z`;
}

const notPlainWords = /^(?:~|null|true|false|yes|no|on|off|y|n|=|<<)$/i;
const numberLike = /^[-+]?(?:\.?[0-9]|\.(?:inf|nan)\b)/i;

/** A string as a plain scalar when every YAML reader reads it back as that string, else quoted. */
export function renderString(s: string): string {
  if (
    s === '' ||
    /^\s|\s$/.test(s) ||
    /[\x00-\x1f\x7f\u0085\u2028\u2029\ufeff]/.test(s) ||
    /^[-?:,[\]{}#&*!|>'"%@`]/.test(s) ||
    /: |:$| #/.test(s) ||
    notPlainWords.test(s) ||
    numberLike.test(s)
  )
    return JSON.stringify(s);
  return s;
}

/** A location's line (1-based), for messages. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export type { SourceLocation };
