// Go values as templates see them. Helm's values come from JSON, so they are float64, string, bool,
// []interface{} and map[string]interface{}; template literals and len are int.
//   undefined  - no value (an invalid reflect.Value: a missing map key)
//   null       - nil
//   bigint     - int (and the int64 of Sprig's arithmetic)
//   number     - float64
//   string | Text - string (Text keeps where its characters come from)
//   Value[]    - []interface{}
//   GoMap      - map[string]interface{}
//   GoStruct   - a struct or pointer with fields and methods (.Release, .Files, .Capabilities)
import { GoString, Text, plain } from './text';

export type Value = undefined | null | boolean | bigint | number | string | Text | Value[] | GoMap | GoStruct | Uint8Array;
export type GoMap = Map<string, Value>;

export type Method = (args: Value[]) => Value;

export class GoStruct {
  constructor(
    /** Go's type name, for %T and messages: `*chart.Metadata`. */
    readonly type: string,
    readonly fields: Map<string, Value>,
    readonly methods: Readonly<Record<string, Method>> = {},
    /** How %v prints it, when it is not the field list (a version's String()). */
    readonly stringer?: () => string,
    /** For map types with methods (Helm's files): what range iterates. */
    readonly mapView?: () => GoMap,
    /** For slice types with methods (Helm's VersionSet): what range, len and index see. */
    readonly listView?: () => Value[],
  ) {}
}

/** An error Go's template package or a function raised: stops the render. */
export class ExecError extends Error {}

/** An error a function returns (Go's `error` result): wrapped as "error calling NAME: ...". */
export class FuncError extends ExecError {
  constructor(
    message: string,
    /** fail and required: Helm reports the user's text alone. */
    readonly user = false,
  ) {
    super(message);
  }
}

export function isMap(v: Value): v is GoMap {
  return v instanceof Map;
}

export function isString(v: Value): v is string | Text {
  return typeof v === 'string' || v instanceof Text;
}

export function str(v: Value): string {
  return typeof v === 'string' ? v : v instanceof Text ? v.s : '';
}

/** reflect.Kind names, as Sprig's kindOf prints them. */
export function kindOf(v: Value): string {
  if (v === undefined || v === null) return 'invalid';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float64';
  if (isString(v)) return 'string';
  if (Array.isArray(v) || v instanceof Uint8Array) return 'slice';
  if (v instanceof Map) return 'map';
  return v.type.startsWith('*') ? 'ptr' : 'struct';
}

/** Go's %T. */
export function typeName(v: Value): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float64';
  if (isString(v)) return 'string';
  if (v instanceof Uint8Array) return '[]uint8';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Map) return 'map[string]interface {}';
  return v.type;
}

/** text/template's isTrue. */
export function truth(v: Value): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (isString(v)) return str(v).length > 0;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64), as fmt's %v prints a float64: %e from 1e+06 or below 1e-04. */
export function formatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const digits = shortestDigits(f);
  const e = digits.exp;
  // strconv: with the shortest precision, the exponent form is chosen as if the precision were 6.
  if (e < -4 || e >= 6) {
    const mant = digits.d.length > 1 ? digits.d[0] + '.' + digits.d.slice(1) : digits.d;
    const es = Math.abs(e) < 10 ? '0' + Math.abs(e) : String(Math.abs(e));
    return (f < 0 ? '-' : '') + mant + 'e' + (e < 0 ? '-' : '+') + es;
  }
  return String(f);
}

/** Shortest round-trip digits of |f| and the decimal exponent of the first digit. */
function shortestDigits(f: number): { d: string; exp: number } {
  const s = Math.abs(f).toExponential();
  const [m, e] = s.split('e');
  return { d: m!.replace('.', ''), exp: Number(e) };
}

/** fmt's %v of a value (Println/Print of one operand). */
export function formatV(v: Value, top = true): string {
  const budget = { left: maxValueChars };
  return formatIn(v, top, budget);
}

/**
 * The most characters one value may print to, and the most nodes one copy or conversion may visit:
 * a list of lists shared at every level is small in memory and exponential when printed.
 */
export const maxValueChars = 20_000_000;
export const maxValueNodes = 2_000_000;

/** A value too large to print, copy or convert: the message names the bound. */
export function tooLarge(what: string): ExecError {
  return new ExecError(`${what} larger than the bound (limit maxOutput)`);
}

function formatIn(v: Value, top: boolean, budget: { left: number }): string {
  const out = formatNode(v, top, budget);
  budget.left -= out.length;
  if (budget.left < 0) throw tooLarge('printed value');
  return out;
}

function formatNode(v: Value, top: boolean, budget: { left: number }): string {
  if (v === undefined) return top ? '<no value>' : '<nil>';
  if (v === null) return '<nil>';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return fmtFloat64(v);
  if (isString(v)) return str(v);
  if (v instanceof Uint8Array) return '[' + Array.from(v).join(' ') + ']';
  if (Array.isArray(v)) return '[' + v.map((x) => formatIn(x, false, budget)).join(' ') + ']';
  if (v instanceof Map) {
    const keys = [...v.keys()].sort(compareStrings);
    return 'map[' + keys.map((k) => k + ':' + formatIn(v.get(k), false, budget)).join(' ') + ']';
  }
  if (v.stringer) return v.stringer();
  return '{' + [...v.fields.values()].map((x) => formatIn(x, false, budget)).join(' ') + '}';
}

/** %v of a float64: strconv 'g' shortest, exponent when exp < -4 || exp >= 21. */
export function fmtFloat64(f: number): string {
  return formatFloat(f);
}

export function compareStrings(a: string, b: string): number {
  // Go compares strings bytewise (UTF-8); for the BMP outside surrogates UTF-16 order is the same.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What an action prints for a value. */
export function printed(v: Value): GoString {
  if (v instanceof Text) return v;
  return formatV(v);
}

/** Go's reflect.DeepEqual over template values (strings compared without provenance). */
export function deepEqual(a: Value, b: Value): boolean {
  if (isString(a) && isString(b)) return str(a) === str(b);
  if (a === b) return true;
  if (a === undefined || a === null || b === undefined || b === null) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, x] of a) if (!b.has(k) || !deepEqual(x, b.get(k))) return false;
    return true;
  }
  return false;
}

/** A deep copy of maps and lists (leaves shared: strings are immutable). */
export function deepCopy(v: Value, budget = { left: maxValueNodes }): Value {
  if (--budget.left < 0) throw tooLarge('copied value');
  if (Array.isArray(v)) return v.map((x) => deepCopy(x, budget));
  if (v instanceof Map) {
    const m: GoMap = new Map();
    for (const [k, x] of v) m.set(k, deepCopy(x, budget));
    return m;
  }
  return v;
}

/** Go's len. */
export function goLen(v: Value): number | undefined {
  if (isString(v)) return new TextEncoder().encode(str(v)).length;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length;
  if (v instanceof Map) return v.size;
  if (v instanceof GoStruct && v.mapView) return v.mapView().size;
  if (v instanceof GoStruct && v.listView) return v.listView().length;
  return undefined;
}

export function plainOf(v: GoString): string {
  return plain(v);
}
