// Quoted scalars whose continuation lines are indented no deeper than their key. The `yaml` package
// refuses them ("Missing closing quote"); Go's YAML readers (and so Gatekeeper, kubectl and gator)
// accept them: libyaml does not check the indentation of a quoted scalar's lines. The library's
// httpsonly template is one. The repair keeps every offset: the scalar's line breaks become spaces
// for `yaml`, and its value is then set to what Go reads (the lines folded).

export interface QuotedFix {
  /** Offset of the opening quote. */
  readonly start: number;
  /** The value Go reads. */
  readonly value: string;
}

/** The quoted scalar that `yaml` could not close near errorOffset, joined onto one line. */
export function repairQuoted(text: string, errorOffset: number): { text: string; fix: QuotedFix } | undefined {
  const lineStart = text.lastIndexOf('\n', Math.max(0, errorOffset - 1)) + 1;
  // The scalar opens on the line where `yaml` expected its close: the first quote after `key: ` or `- `.
  const line = text.slice(lineStart, text.indexOf('\n', lineStart) < 0 ? text.length : text.indexOf('\n', lineStart));
  const m = /^(\s*(?:-\s+)*(?:[^\s#'"][^#]*?:\s+)?)(["'])/.exec(line);
  if (!m) return undefined;
  const open = lineStart + m[1]!.length;
  const quote = m[2]!;
  const close = closingQuote(text, open, quote);
  if (close === undefined || text.lastIndexOf('\n', close) < open) return undefined;
  const value = foldQuoted(text.slice(open + 1, close), quote === '"');
  if (value === undefined) return undefined;
  const inner = text.slice(open, close).replace(/[\r\n]/g, ' ');
  return { text: text.slice(0, open) + inner + text.slice(close), fix: { start: open, value } };
}

function closingQuote(text: string, open: number, quote: string): number | undefined {
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' && /^(?:---|\.\.\.)(?:\s|$)/.test(text.slice(i + 1, i + 5))) return undefined;
    if (quote === '"' && c === '\\') {
      i++;
      continue;
    }
    if (c === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        i++;
        continue;
      }
      return i;
    }
  }
  return undefined;
}

const escapes: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/',
  '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};

/** libyaml's reading of a quoted scalar's content: lines folded, escapes decoded. */
export function foldQuoted(body: string, double: boolean): string | undefined {
  let out = '';
  let i = 0;
  const n = body.length;
  const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';
  const isBreak = (c: string | undefined): boolean => c === '\n' || c === '\r';
  while (i < n) {
    const c = body[i]!;
    if (isBlank(c) || isBreak(c)) {
      let blanks = '';
      while (isBlank(body[i])) blanks += body[i++];
      if (!isBreak(body[i])) {
        out += blanks;
        continue;
      }
      let breaks = 0;
      while (i < n && (isBlank(body[i]) || isBreak(body[i]))) {
        if (body[i] === '\r' && body[i + 1] === '\n') i++;
        if (isBreak(body[i])) breaks++;
        i++;
      }
      out += breaks === 1 ? ' ' : '\n'.repeat(breaks - 1);
      continue;
    }
    if (double && c === '\\') {
      const e = body[i + 1];
      if (isBreak(e)) {
        // An escaped line break: the lines join with nothing between them.
        i += 2;
        if (e === '\r' && body[i] === '\n') i++;
        while (isBlank(body[i]) || isBreak(body[i])) i++;
        continue;
      }
      if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = body.slice(i + 2, i + 2 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) return undefined;
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + len;
        continue;
      }
      const s = e === undefined ? undefined : escapes[e];
      if (s === undefined) return undefined;
      out += s;
      i += 2;
      continue;
    }
    if (!double && c === "'" && body[i + 1] === "'") {
      out += "'";
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
