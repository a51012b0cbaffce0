// string.format of cel-go's strings extension (ext/formatting.go), as Kubernetes enables it:
// %s (lists and maps as CEL literals, strings in them quoted, map entries sorted by key), %d, %f and
// %e (default precision 6, `%.Nf`), %b, %o, %x/%X (strings and bytes as hex of their bytes), %%.
// This is cel-go's first formatter (ext/formatting.go, strings extension versions before 4), the one
// the API server's StringsVersion(2) uses; cel-spec's newer expectations (lists printed unquoted) are
// those of formatting_v2. Not reproduced: the locale grouping golang.org/x/text applies to %f.
import { celjs, celRuntimeError, type Environment } from '../celjs';
import { chargeBuilt } from '../budget';
import { formatDouble } from '../values';
import { typeName } from './compare';
import { define, isUint, uintValue } from './define';
import { durationText, timestampText } from './time';

const intOf = (v: unknown): bigint | undefined => (typeof v === 'bigint' ? v : isUint(v) ? uintValue(v) : undefined);

function goQuote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function plainMap(v: unknown): Array<[unknown, unknown]> | undefined {
  if (v instanceof Map) return [...v];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const proto = Object.getPrototypeOf(v);
    if (proto === null || proto === Object.prototype) return Object.entries(v);
  }
  return undefined;
}

/** A member of a list or map: formatted by its type, then quoted as a CEL literal. */
function member(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (v instanceof Date) return `timestamp(${goQuote(timestampText(v))})`;
  if (isDurationValue(v)) return `duration(${goQuote(durationText(v as { seconds: bigint; nanos: number }))})`;
  if (isType(v)) return `type(${v.name})`;
  if (v instanceof Uint8Array) return `b${goQuote(new TextDecoder().decode(v))}`;
  if (typeof v === 'number') return Number.isFinite(v) ? toFixedGo(v, 6) : goQuote(formatDouble(v));
  return asString(v);
}

/** Go's strconv rounding for %.Nf: correct rounding of the exact binary value, ties to even. */
export function toFixedGo(d: number, places: number): string {
  const wide = d.toFixed(Math.min(100, places + 25));
  const dot = wide.indexOf('.');
  const keep = wide.slice(0, dot + (places > 0 ? places + 1 : 0));
  const rest = wide.slice(dot + 1 + places);
  if (!/^50*$/.test(rest)) return d.toFixed(places);
  // An exact tie: round so that the last kept digit is even.
  const lastDigit = Number(keep.replace(/\.$/, '').slice(-1));
  if (lastDigit % 2 === 0) return keep.replace(/\.$/, '') || '0';
  return d.toFixed(places);
}

const isType = (v: unknown): v is { name: string } => typeof v === 'object' && v !== null && v.constructor?.name === 'Type' && typeof (v as { name?: unknown }).name === 'string';
const isDurationValue = (v: unknown): boolean => typeof v === 'object' && v !== null && v.constructor?.name === 'Duration';

function asString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (isType(v)) return v.name;
  if (v instanceof Date) return timestampText(v);
  if (isDurationValue(v)) return durationText(v as { seconds: bigint; nanos: number });
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return formatDouble(v);
  const i = intOf(v);
  if (i !== undefined) return String(i);
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (Array.isArray(v)) return `[${v.map(member).join(', ')}]`;
  const entries = plainMap(v);
  if (entries !== undefined) {
    const pairs = entries.map(([k, x]) => {
      if (typeof k !== 'string' && typeof k !== 'boolean' && intOf(k) === undefined) throw celRuntimeError(`no formatting function for map key of type ${typeName(k)}`);
      return [typeof k === 'string' ? goQuote(k) : String(intOf(k) ?? k), member(x)] as const;
    });
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `{${pairs.map(([k, x]) => `${k}:${x}`).join(', ')}}`;
  }
  if (v instanceof celjs().Optional) throw celRuntimeError('string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given optional_type');
  return String(v);
}

function floatArg(v: unknown, clause: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  throw celRuntimeError(`${clause} clause can only be used on doubles, was given ${typeName(v)}`);
}

function special(d: number): string | undefined {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  return undefined;
}

function radix(v: unknown, base: number, clause: string, upper = false): string {
  const i = intOf(v);
  if (i !== undefined) {
    const s = i.toString(base);
    return upper ? s.toUpperCase() : s;
  }
  if (base === 2 && typeof v === 'boolean') return v ? '1' : '0';
  if (base === 16 && (typeof v === 'string' || v instanceof Uint8Array)) {
    const bytes = typeof v === 'string' ? new TextEncoder().encode(v) : v;
    const s = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    return upper ? s.toUpperCase() : s;
  }
  throw celRuntimeError(`${clause} clause can only be used on ${base === 2 ? 'integers and bools' : base === 16 ? 'integers, byte buffers, and strings' : 'integers'}, was given ${typeName(v)}`);
}

export function celFormat(format: string, args: unknown[]): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    i++;
    if (format[i] === '%') {
      out += '%';
      continue;
    }
    let precision: number | undefined;
    if (format[i] === '.') {
      const m = /^\.([0-9]+)/.exec(format.slice(i));
      if (m === null) throw celRuntimeError('could not parse formatting clause: error while parsing precision: malformed precision');
      precision = Number(m[1]);
      i += m[0].length;
    }
    const verb = format[i];
    if (verb === undefined) throw celRuntimeError('could not parse formatting clause: unexpected end of string');
    if (next >= args.length) throw celRuntimeError(`index ${next} out of range`);
    const arg = args[next++];
    switch (verb) {
      case 's':
        out += asString(arg);
        break;
      case 'd': {
        const n = intOf(arg);
        if (n === undefined) throw celRuntimeError(`decimal clause can only be used on integers, was given ${typeName(arg)}`);
        out += String(n);
        break;
      }
      case 'f': {
        const d = floatArg(arg, 'fixed-point');
        out += special(d) ?? toFixedGo(d, precision ?? 6);
        break;
      }
      case 'e': {
        const d = floatArg(arg, 'scientific');
        out += special(d) ?? d.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
        break;
      }
      case 'b':
        out += radix(arg, 2, 'binary');
        break;
      case 'o':
        out += radix(arg, 8, 'octal');
        break;
      case 'x':
      case 'X':
        out += radix(arg, 16, 'hex', verb === 'X');
        break;
      default:
        throw celRuntimeError(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
    }
  }
  chargeBuilt(out);
  return out;
}

export function registerFormat(env: Environment): void {
  define(env, 'format', 'string', ['list'], 'string', (f: string, args: unknown[]) => celFormat(f, args));
}
