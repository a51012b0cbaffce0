// encoding/json as Helm's toJson/fromJson use it: sorted keys, HTML-safe escapes (toJson) or not
// (toRawJson), float64 written as Go writes it, numbers read back as float64.
import { GoString, TextBuilder, Text } from '../go/template/text';
import { GoMap, GoStruct, Value, isString, maxValueChars, maxValueNodes, str, tooLarge } from '../go/template/value';

/** How encoding/json writes a float64. */
export function jsonNumber(f: number): string {
  if (!Number.isFinite(f)) throw new Error(`json: unsupported value: ${f}`);
  const abs = Math.abs(f);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    return f.toExponential().replace(/e([+-])(\d)$/, 'e$1$2');
  }
  return String(f);
}

function quote(s: string, html: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c < 0x20) {
      if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else out += '\\u00' + c.toString(16).padStart(2, '0');
    } else if (html && (ch === '<' || ch === '>' || ch === '&')) out += '\\u00' + c.toString(16);
    else if (c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16);
    else out += ch;
  }
  return out + '"';
}

/** json.Marshal of a template value; strings copied as they are keep their provenance. */
export function toJson(v: Value, html = true): GoString {
  const b = new TextBuilder();
  write(v, b, html, 0, { left: maxValueNodes });
  return b.build();
}

function write(v: Value, b: TextBuilder, html: boolean, depth: number, budget: { left: number }): void {
  if (depth > 10_000) throw new RangeError('value nested too deeply');
  if (--budget.left < 0 || b.length > maxValueChars) throw tooLarge('value converted to JSON');
  if (v === undefined || v === null) return b.add('null');
  if (typeof v === 'boolean') return b.add(v ? 'true' : 'false');
  if (typeof v === 'bigint') return b.add(v.toString());
  if (typeof v === 'number') return b.add(jsonNumber(v));
  if (isString(v)) {
    const s = str(v);
    const q = quote(s, html);
    if (v instanceof Text && q.length === s.length + 2) {
      b.add('"');
      b.add(v);
      b.add('"');
    } else b.add(q);
    return;
  }
  if (v instanceof Uint8Array) {
    let s = '';
    for (const x of v) s += String.fromCharCode(x);
    return b.add('"' + btoa(s) + '"');
  }
  if (Array.isArray(v)) {
    b.add('[');
    v.forEach((x, i) => {
      if (i) b.add(',');
      write(x, b, html, depth + 1, budget);
    });
    return b.add(']');
  }
  const entries: Array<[string, Value]> = v instanceof Map ? [...v] : v instanceof GoStruct ? [...v.fields] : [];
  entries.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  b.add('{');
  entries.forEach(([k, x], i) => {
    if (i) b.add(',');
    b.add(quote(k, html) + ':');
    write(x, b, html, depth + 1, budget);
  });
  b.add('}');
}

/** json.Unmarshal into interface{}: objects as maps, numbers as float64. */
export function fromJsonValue(x: unknown): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'string') return x;
  if (Array.isArray(x)) return x.map(fromJsonValue);
  const m: GoMap = new Map();
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) m.set(k, fromJsonValue(v));
  return m;
}
