// JS values in and out of CEL. Kubernetes decodes JSON and YAML integers as int64, so an integral
// number (or a bigint) becomes a CEL int and any other number a double; objects become maps with no
// prototype (a key like "__proto__" or "constructor" is just a key). The library represents int as
// bigint, uint as its UnsignedInt, double as number, list as Array and map as a plain object or Map.
import { celjs, celRuntimeError } from './celjs';

export function celValue(json: unknown): unknown {
  switch (typeof json) {
    case 'number':
      return Number.isInteger(json) ? BigInt(json) : json;
    case 'bigint':
    case 'string':
    case 'boolean':
      return json;
    case 'undefined':
      return null;
    case 'object': {
      if (json === null) return null;
      if (Array.isArray(json)) return json.map(celValue);
      if (json instanceof Uint8Array) return json;
      if (json instanceof Map) {
        const out = new Map<unknown, unknown>();
        for (const [k, v] of json) out.set(celValue(k), celValue(v));
        return out;
      }
      const out: Record<string, unknown> = Object.create(null);
      for (const [k, v] of Object.entries(json)) out[k] = celValue(v);
      return out;
    }
    default:
      return null;
  }
}

/**
 * A map whose entries are computed on first access and then kept (a value or an error, so a failing
 * entry fails every expression that reads it, and only those). compute throws to fail the entry.
 */
export function celLazyMap(entries: Readonly<Record<string, () => unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, compute] of Object.entries(entries)) {
    let state: { value: unknown } | { error: unknown } | undefined;
    let computing = false;
    Object.defineProperty(out, name, {
      enumerable: true,
      get() {
        if (state === undefined) {
          if (computing) throw celRuntimeError(`variable ${name} refers to itself`);
          computing = true;
          try {
            state = { value: compute() };
          } catch (e) {
            state = { error: e };
          } finally {
            computing = false;
          }
        }
        if ('error' in state) throw state.error;
        return state.value;
      },
    });
  }
  return out;
}

function isUint(v: unknown): boolean {
  return typeof v === 'object' && v !== null && v.constructor?.name === 'UnsignedInt';
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64) as cel-go's string(double) prints it. */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return '+Inf';
  if (d === -Infinity) return '-Inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(d)));
  if (exp < -4 || exp >= 21) {
    // JS: 1e+21, Go: 1e+21; JS: 1.5e-7, Go: 1.5e-07
    return d.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(d);
}

/** A CEL value as text for messages: strings bare, lists and maps in cel-go's %v-like form. */
export function celToString(v: unknown): string {
  return show(v, false);
}

function show(v: unknown, nested: boolean): string {
  switch (typeof v) {
    case 'string':
      return nested ? JSON.stringify(v) : v;
    case 'bigint':
    case 'boolean':
      return String(v);
    case 'number':
      return formatDouble(v);
    case 'undefined':
      return 'null';
    case 'object': {
      if (v === null) return 'null';
      if (isUint(v)) return `${String(v)}u`;
      if (Array.isArray(v)) return `[${v.map((x) => show(x, true)).join(', ')}]`;
      if (v instanceof Uint8Array) return `b${JSON.stringify(new TextDecoder().decode(v))}`;
      if (v instanceof celjs().Optional) return v.hasValue() ? `optional.of(${show(v.value(), true)})` : 'optional.none()';
      if (v instanceof Map) return `{${[...v].map(([k, x]) => `${show(k, true)}: ${show(x, true)}`).join(', ')}}`;
      const proto = Object.getPrototypeOf(v);
      if (proto === null || proto === Object.prototype) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${show(x, true)}`).join(', ')}}`;
      return String(v);
    }
    default:
      return String(v);
  }
}

interface YamlScalar {
  readonly kind: 'scalar';
  readonly value: string | number | bigint | boolean | null;
  readonly span: { readonly start: number; readonly end: number };
  readonly style: string;
}
interface YamlMap {
  readonly kind: 'map';
  readonly entries: ReadonlyMap<string, YamlNode>;
}
interface YamlSeq {
  readonly kind: 'seq';
  readonly items: readonly YamlNode[];
}
type YamlNode = YamlScalar | YamlMap | YamlSeq;

/**
 * A YAML node (server/src/yaml/nodes.ts) as Kubernetes decodes it: a plain number written as an
 * integer (`3`, `-1`, `0x1f`) is an int, any other number (`1.0`, `1e3`) a double, which the parsed
 * number alone cannot tell apart; text is the document the node's spans point into.
 */
export function celValueFromYaml(node: YamlNode | null | undefined, text: string): unknown {
  if (node === null || node === undefined) return null;
  switch (node.kind) {
    case 'scalar': {
      const v = node.value;
      if (typeof v === 'bigint') return v;
      if (typeof v !== 'number') return v;
      if (node.style === 'plain' && Number.isInteger(v) && /^[-+]?(?:[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$/.test(text.slice(node.span.start, node.span.end).trim())) return BigInt(v);
      return v;
    }
    case 'seq':
      return node.items.map((x) => celValueFromYaml(x, text));
    case 'map': {
      const out: Record<string, unknown> = Object.create(null);
      for (const [k, v] of node.entries) out[k] = celValueFromYaml(v, text);
      return out;
    }
  }
}
