// Go's fmt.Sprintf, Sprint and Sprintln over template values, with Go's error artefacts
// (%!d(string=x), %!s(MISSING), %!(EXTRA ...)). A string printed by %s or %v as it is keeps its
// provenance; anything formatted is computed text tied to its argument.
import { goQuote } from '../fmt';
import { GoString, Text, TextBuilder, computed, sliceOf } from './text';
import { FuncError, Value, formatFloat, formatV, isString, str, typeName } from './value';

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

export function sprintf(format: GoString, args: readonly Value[]): GoString {
  const f = typeof format === 'string' ? format : format.s;
  const out = new TextBuilder();
  let argi = 0;
  let i = 0;
  while (i < f.length) {
    const next = f.indexOf('%', i);
    const end = next < 0 ? f.length : next;
    if (end > i) out.add(sliceOf(format, i, end));
    if (next < 0) break;
    i = next + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    flags: for (; i < f.length; i++) {
      switch (f[i]) {
        case '-':
          spec.minus = true;
          spec.zero = false;
          break;
        case '+':
          spec.plus = true;
          break;
        case '#':
          spec.sharp = true;
          break;
        case ' ':
          spec.space = true;
          break;
        case '0':
          spec.zero = !spec.minus;
          break;
        default:
          break flags;
      }
    }
    if (f[i] === '*') {
      i++;
      const a = args[argi++];
      if (typeof a === 'bigint') {
        spec.width = Number(a);
        if (spec.width < 0) {
          spec.minus = true;
          spec.width = -spec.width;
        }
      } else out.add('%!(BADWIDTH)');
    } else {
      const m = /^\d+/.exec(f.slice(i, i + 10));
      if (m) {
        spec.width = Number(m[0]);
        i += m[0].length;
      }
    }
    if (f[i] === '.') {
      i++;
      if (f[i] === '*') {
        i++;
        const a = args[argi++];
        if (typeof a === 'bigint') spec.prec = Number(a);
        else out.add('%!(BADPREC)');
      } else {
        const m = /^\d+/.exec(f.slice(i, i + 10));
        spec.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    if (i >= f.length) {
      out.add('%!(NOVERB)');
      break;
    }
    const cp = f.codePointAt(i)!;
    const verb = String.fromCodePoint(cp);
    i += verb.length;
    if (verb === '%') {
      out.add('%');
      continue;
    }
    if (argi >= args.length) {
      out.add(`%!${verb}(MISSING)`);
      continue;
    }
    const a = args[argi++];
    out.add(formatOne(a, verb, spec));
  }
  if (argi < args.length) {
    out.add('%!(EXTRA ' + args.slice(argi).map((a) => `${typeName(a)}=${formatV(a, false)}`).join(', ') + ')');
  }
  return out.build();
}

function pad(s: string, spec: Spec, numeric = false): string {
  const w = spec.width ?? 0;
  if (w > 1_000_000) throw new FuncError(`printf width ${w} larger than the bound (limit maxOutput)`);
  const n = [...s].length;
  if (n >= w) return s;
  if (spec.minus) return s + ' '.repeat(w - n);
  if (spec.zero && numeric) {
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
    return sign + '0'.repeat(w - n) + s.slice(sign.length);
  }
  if (spec.zero && !numeric) return '0'.repeat(w - n) + s;
  return ' '.repeat(w - n) + s;
}

function bad(verb: string, a: Value): string {
  if (a === null || a === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(a)}=${formatV(a, false)})`;
}

function formatOne(a: Value, verb: string, spec: Spec): GoString {
  if ((spec.prec ?? 0) > 1_000_000) throw new FuncError(`printf precision ${spec.prec} larger than the bound (limit maxOutput)`);
  if (verb === 'T') return pad(typeName(a), spec);
  if (verb === 'v') {
    // %+v and %#v are fmt's plusV and sharpV (field names, Go syntax), not a sign or an alternate form.
    if (spec.sharp && isString(a)) return computed(pad(goQuote(str(a)), { ...spec, sharp: false }), a);
    spec = { ...spec, plus: false, sharp: false };
  }
  if (a === null || a === undefined) return verb === 'v' ? pad('<nil>', spec) : bad(verb, a);
  if (isString(a)) {
    const s = str(a);
    switch (verb) {
      case 'v':
      case 's': {
        if (spec.prec === undefined && (spec.width ?? 0) <= [...s].length) return a;
        const t = spec.prec !== undefined ? [...s].slice(0, spec.prec).join('') : s;
        return computed(pad(t, spec), a);
      }
      case 'q':
        return computed(pad(spec.sharp && !s.includes('`') ? '`' + s + '`' : goQuote(s), spec), a);
      case 'x':
      case 'X': {
        let h = Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join(spec.space ? ' ' : '');
        if (verb === 'X') h = h.toUpperCase();
        return computed(pad(h, spec), a);
      }
      default:
        return bad(verb, a);
    }
  }
  if (typeof a === 'boolean') return verb === 'v' || verb === 't' ? pad(String(a), spec) : bad(verb, a);
  if (typeof a === 'bigint') return formatInt(a, verb, spec) ?? bad(verb, a);
  if (typeof a === 'number') return formatFloatVerb(a, verb, spec) ?? bad(verb, a);
  if (Array.isArray(a)) {
    if (verb === 'v' && !spec.width) return formatV(a, false);
    return '[' + a.map((x) => plainOf(formatOne(x, verb, spec))).join(' ') + ']';
  }
  if (a instanceof Map) {
    if (verb === 'v') return pad(formatV(a, false), spec);
    const keys = [...a.keys()].sort();
    return 'map[' + keys.map((k) => plainOf(formatOne(k, verb, spec)) + ':' + plainOf(formatOne(a.get(k), verb, spec))).join(' ') + ']';
  }
  if (a instanceof Uint8Array) {
    if (verb === 's') return new TextDecoder().decode(a);
    return formatV(a, false);
  }
  return verb === 'v' || verb === 's' ? pad(formatV(a, false), spec) : bad(verb, a);
}

function plainOf(s: GoString): string {
  return typeof s === 'string' ? s : (s as Text).s;
}

function sign(neg: boolean, spec: Spec): string {
  return neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
}

function formatInt(n: bigint, verb: string, spec: Spec): string | undefined {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let digits: string;
  switch (verb) {
    case 'v':
    case 'd':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      break;
    case 'o':
      digits = (spec.sharp ? '0' : '') + abs.toString(8);
      break;
    case 'O':
      digits = '0o' + abs.toString(8);
      break;
    case 'x':
      digits = (spec.sharp ? '0x' : '') + abs.toString(16);
      break;
    case 'X':
      digits = (spec.sharp ? '0X' : '') + abs.toString(16).toUpperCase();
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(n)), spec);
    case 'q':
      return pad(quoteRune(Number(n)), spec);
    case 'U':
      return pad('U+' + abs.toString(16).toUpperCase().padStart(4, '0'), spec);
    default:
      return undefined;
  }
  if (spec.prec !== undefined) digits = digits.padStart(spec.prec, '0');
  return pad(sign(neg, spec) + digits, spec, spec.prec === undefined);
}

function formatFloatVerb(f: number, verb: string, spec: Spec): string | undefined {
  let s: string;
  const neg = f < 0 || Object.is(f, -0);
  const abs = Math.abs(f);
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      s = spec.prec !== undefined ? gPrec(abs, spec.prec) : formatFloat(abs);
      if (verb === 'G') s = s.toUpperCase();
      break;
    case 'f':
    case 'F':
      s = abs.toFixed(Math.min(spec.prec ?? 6, 100));
      break;
    case 'e':
    case 'E':
      s = goExp(abs.toExponential(Math.min(spec.prec ?? 6, 100)));
      if (verb === 'E') s = s.toUpperCase();
      break;
    default:
      return undefined;
  }
  if (!Number.isFinite(f)) s = Number.isNaN(f) ? 'NaN' : 'Inf';
  return pad(sign(neg && !Number.isNaN(f), spec) + s, spec, Number.isFinite(f));
}

function goExp(s: string): string {
  // JS: 1.5e+0, Go: 1.5e+00.
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function gPrec(f: number, prec: number): string {
  if (prec === 0) prec = 1;
  const e = f === 0 ? 0 : Math.floor(Math.log10(f));
  if (e < -4 || e >= prec) return goExp(f.toExponential(prec - 1).replace(/\.?0+e/, 'e'));
  const t = f.toPrecision(prec);
  return t.includes('.') ? t.replace(/\.?0+$/, '') : t;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly Value[]): GoString {
  const out = new TextBuilder();
  args.forEach((a, i) => {
    if (i > 0 && !isString(a) && !isString(args[i - 1])) out.add(' ');
    out.add(sprintOne(a));
  });
  return out.build();
}

/** fmt.Sprintln: spaces always, newline at the end. */
export function sprintln(args: readonly Value[]): GoString {
  const out = new TextBuilder();
  args.forEach((a, i) => {
    if (i > 0) out.add(' ');
    out.add(sprintOne(a));
  });
  out.add('\n');
  return out.build();
}

function sprintOne(a: Value): GoString {
  if (isString(a)) return a;
  return formatV(a === undefined ? null : a, false);
}

/** strconv.QuoteRune. */
function quoteRune(r: number): string {
  if (r === 39) return "'\\''";
  const q = goQuote(String.fromCodePoint(r));
  return "'" + q.slice(1, -1).replace(/\\"/g, '"') + "'";
}
