// OPA's sprintf: Go's fmt over OPA values. `%v` of a string prints it raw; inside arrays and objects
// values print as OPA's ast.Value.String() does: strings quoted Go-style, `[a, b]`, `{"k": v}`.

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else if (isGoPrintable(ch, cp)) out += ch;
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
function isGoPrintable(ch: string, cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp >= 0xd800 && cp <= 0xdfff) return false; // lone surrogate: Go sees invalid UTF-8
  return printable.test(ch);
}

/** How OPA prints a value nested in a collection (ast.Value.String()). */
export function opaString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goQuote(v);
    case 'number':
      return goNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (typeof v === 'object') {
    // Collections reaching messages (a constraint's list) are never changed: printed once.
    let text = printed.get(v as object);
    if (text === undefined) {
      if (Array.isArray(v)) text = '[' + v.map(opaString).join(', ') + ']';
      else {
        // OPA objects print with keys in sorted order.
        const keys = Object.keys(v as object).sort(compareKeys);
        text = '{' + keys.map((k) => `${goQuote(k)}: ${opaString((v as Record<string, unknown>)[k])}`).join(', ') + '}';
      }
      printed.set(v as object, text);
    }
    return text;
  }
  return String(v);
}

const printed = new WeakMap<object, string>();

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON numbers as Go's encoding/json writes float64 and OPA prints json.Number. */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(n);
}

/** `%v` of a top-level argument: strings print raw, everything else as OPA prints it. */
export function opaV(v: unknown): string {
  return typeof v === 'string' ? v : opaString(v);
}

/** A subset of Go's fmt.Sprintf as OPA's sprintf uses it: %v, %s, %d, %%, with Go's error artefacts. */
export function sprintf(format: string, args: readonly unknown[]): string {
  // Built as parts and joined: one flat string, not a chain of pieces that messages would keep.
  const out: string[] = [];
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    if (format.charCodeAt(i) !== 37 /* % */) {
      // The run of text up to the next verb, in one piece.
      const next = format.indexOf('%', i);
      const end = next < 0 ? format.length : next;
      out.push(format.slice(i, end));
      i = end - 1;
      continue;
    }
    const verb = format[++i];
    if (verb === undefined) {
      out.push('%!(NOVERB)');
      break;
    }
    if (verb === '%') {
      out.push('%');
      continue;
    }
    if (argi >= args.length) {
      out.push(`%!${verb}(MISSING)`);
      continue;
    }
    const a = args[argi++];
    out.push(verb === 'd' && typeof a !== 'number' && typeof a !== 'bigint' ? `%!d(${goTypeName(a)}=${opaV(a)})` : opaV(a));
  }
  if (argi < args.length) {
    out.push('%!(EXTRA ' + args.slice(argi).map((a) => `${goTypeName(a)}=${opaV(a)}`).join(', ') + ')');
  }
  return out.join('');
}

function goTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (v === null) return '<nil>';
  if (typeof v === 'object') return 'map[string]interface {}';
  return 'json.Number';
}
