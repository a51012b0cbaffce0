// OPA's glob.match (gobwas/glob) as an RE2 pattern: `*` stops at delimiters, `**` does not, `?` one
// character that is not a delimiter, `[a-z]`/`[!a-z]` classes, `{a,b}` alternatives. RE2 runs it in
// linear time: `*a*a*a*b` cannot backtrack on a long input.
import { BuiltinError } from './errors';

function lit(ch: string): string {
  return '\\x{' + ch.codePointAt(0)!.toString(16) + '}';
}

/** The RE2 pattern of a glob (compiled by the caller, within its budget); a glob gobwas refuses is a BuiltinError. */
export function globToRe2Pattern(pattern: string, delimiters: readonly string[]): string {
  const delims = delimiters.map((d) => Array.from(d).map(lit).join('')).join('');
  const notDelim = delims === '' ? '(?s:.)' : `[^${delims}]`;
  const chars = Array.from(pattern);
  let i = 0;
  const parse = (inAlt: boolean): string => {
    let out = '';
    while (i < chars.length) {
      const c = chars[i]!;
      if (inAlt && (c === ',' || c === '}')) return out;
      i++;
      switch (c) {
        case '*':
          if (chars[i] === '*') {
            i++;
            out += '(?s:.)*';
          } else out += notDelim + '*';
          break;
        case '?':
          out += notDelim;
          break;
        case '\\':
          if (i >= chars.length) throw new BuiltinError(`glob.match: unexpected end of input in ${JSON.stringify(pattern)}`);
          out += lit(chars[i++]!);
          break;
        case '[': {
          let cls = '[';
          if (chars[i] === '!') {
            cls += '^';
            i++;
          }
          let any = false;
          while (i < chars.length && chars[i] !== ']') {
            const a = chars[i++]!;
            if (chars[i] === '-' && i + 1 < chars.length && chars[i + 1] !== ']') {
              const b = chars[i + 1]!;
              i += 2;
              cls += lit(a) + '-' + lit(b);
            } else cls += lit(a);
            any = true;
          }
          if (i >= chars.length || !any) throw new BuiltinError(`glob.match: unexpected end of input in ${JSON.stringify(pattern)}`);
          i++;
          out += cls + ']';
          break;
        }
        case '{': {
          const alts: string[] = [];
          for (;;) {
            alts.push(parse(true));
            if (i >= chars.length) throw new BuiltinError(`glob.match: unexpected end of input in ${JSON.stringify(pattern)}`);
            const d = chars[i++];
            if (d === '}') break;
          }
          out += '(?:' + alts.join('|') + ')';
          break;
        }
        default:
          out += lit(c);
      }
    }
    if (inAlt) throw new BuiltinError(`glob.match: unexpected end of input in ${JSON.stringify(pattern)}`);
    return out;
  };
  return '^(?:' + parse(false) + ')$';
}
