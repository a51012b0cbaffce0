// Go RE2 patterns as JavaScript regular expressions (unicode mode), where the two agree. What RE2
// rejects (backreferences, lookaround) is a builtin error, as in OPA; what JavaScript cannot express
// here (inline flag groups, ungreedy mode) is refused, never approximated.
import { BuiltinError, UnsupportedError } from './errors';

const jsSyntax = new Set('^$\\.*+?()[]{}|/'.split(''));
const posixClasses: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\u{0}-\\u{7f}', blank: '\\t ', cntrl: '\\u{0}-\\u{1f}\\u{7f}', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};
const generalCategories = /^(?:C|Cc|Cf|Co|Cs|L|Ll|Lm|Lo|Lt|Lu|M|Mc|Me|Mn|N|Nd|Nl|No|P|Pc|Pd|Pe|Pf|Pi|Po|Ps|S|Sc|Sk|Sm|So|Z|Zl|Zp|Zs)$/;

function hex(ch: string): string {
  return '\\u{' + ch.codePointAt(0)!.toString(16) + '}';
}

export function translateRegex(pattern: string): RegExp {
  let flags = 'u';
  let i = 0;
  const lead = /^\(\?([imsU]+)\)/.exec(pattern);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'U') throw new UnsupportedError(`regex ${JSON.stringify(pattern)}: the ungreedy flag (?U) has no JavaScript equivalent`);
      if (!flags.includes(f)) flags += f;
    }
    i = lead[0].length;
  }
  let out = '';
  const n = pattern.length;
  const fail = (why: string): never => {
    throw new BuiltinError(`regex.match: error parsing regexp: ${why}: \`${pattern}\``);
  };
  /** One escape at pattern[j] === '\\'; returns [text, next index]. */
  const escape = (j: number, inClass: boolean): [string, number] => {
    const c = pattern[j + 1];
    if (c === undefined) fail('trailing backslash at end of expression');
    switch (c) {
      case 'd': case 'D': case 'w': case 'W':
        return ['\\' + c, j + 2];
      case 's':
        return [inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]', j + 2];
      case 'S':
        if (inClass) throw new UnsupportedError(`regex ${JSON.stringify(pattern)}: \\S inside a class is not translated`);
        return ['[^\\t\\n\\f\\r ]', j + 2];
      case 'b': case 'B':
        if (inClass) fail('invalid escape sequence: `\\' + c + '`');
        return ['\\' + c, j + 2];
      case 'A':
        if (inClass) fail('invalid escape sequence: `\\A`');
        return ['(?<![\\s\\S])', j + 2];
      case 'z':
        if (inClass) fail('invalid escape sequence: `\\z`');
        return ['(?![\\s\\S])', j + 2];
      case 'n': case 't': case 'r': case 'f': case 'v':
        return ['\\' + c, j + 2];
      case 'a':
        return ['\\u{7}', j + 2];
      case 'x': {
        if (pattern[j + 2] === '{') {
          const end = pattern.indexOf('}', j + 3);
          const h = end < 0 ? '' : pattern.slice(j + 3, end);
          if (!/^[0-9a-fA-F]{1,6}$/.test(h) || parseInt(h, 16) > 0x10ffff) fail('invalid escape sequence');
          return ['\\u{' + h + '}', end + 1];
        }
        const h = pattern.slice(j + 2, j + 4);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) fail('invalid escape sequence');
        return ['\\u{' + h + '}', j + 4];
      }
      case 'p': case 'P': {
        let name: string;
        let next: number;
        if (pattern[j + 2] === '{') {
          const end = pattern.indexOf('}', j + 3);
          if (end < 0) fail('invalid character class range');
          name = pattern.slice(j + 3, end);
          next = end + 1;
        } else {
          name = pattern[j + 2] ?? '';
          next = j + 3;
        }
        let neg = c === 'P';
        if (name.startsWith('^')) {
          neg = !neg;
          name = name.slice(1);
        }
        const body = name === 'Any' ? 'Any' : generalCategories.test(name) ? name : /^[A-Z][A-Za-z_]*$/.test(name) ? 'Script=' + name : fail('invalid character class range');
        return [(neg ? '\\P{' : '\\p{') + body + '}', next];
      }
      case 'Q': {
        const end = pattern.indexOf('\\E', j + 2);
        const lit = end < 0 ? pattern.slice(j + 2) : pattern.slice(j + 2, end);
        const text = Array.from(lit).map((ch) => (/[A-Za-z0-9]/.test(ch) ? ch : hex(ch))).join('');
        return [text, end < 0 ? n : end + 2];
      }
      case 'C':
        throw new UnsupportedError(`regex ${JSON.stringify(pattern)}: \\C has no JavaScript equivalent`);
    }
    if (c >= '0' && c <= '9') fail('invalid escape sequence: `\\' + c + '`');
    if (/[A-Za-z]/.test(c)) fail('invalid escape sequence: `\\' + c + '`');
    const ch = String.fromCodePoint(pattern.codePointAt(j + 1)!);
    // RE2 lets any punctuation be escaped; unicode-mode JavaScript only its syntax characters.
    return [jsSyntax.has(ch) || (inClass && ch === '-') ? '\\' + ch : hex(ch), j + 1 + ch.length];
  };
  let groups = 0;
  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      const [t, next] = escape(i, false);
      out += t;
      i = next;
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      let cls = '[';
      if (pattern[j] === '^') {
        cls += '^';
        j++;
      }
      let first = true;
      for (;;) {
        if (j >= n) fail('missing closing ]');
        const d = pattern[j]!;
        if (d === ']' && !first) break;
        first = false;
        if (d === '[' && pattern[j + 1] === ':') {
          const end = pattern.indexOf(':]', j + 2);
          let name = end < 0 ? '' : pattern.slice(j + 2, end);
          let neg = false;
          if (name.startsWith('^')) {
            neg = true;
            name = name.slice(1);
          }
          const body = posixClasses[name];
          if (body === undefined) fail('invalid character class range');
          if (neg) throw new UnsupportedError(`regex ${JSON.stringify(pattern)}: negated POSIX classes are not translated`);
          cls += body;
          j = end + 2;
          continue;
        }
        if (d === '\\') {
          const [t, next] = escape(j, true);
          cls += t;
          j = next;
          continue;
        }
        cls += d === '[' || d === ']' || d === '/' ? '\\' + d : d;
        j++;
      }
      out += cls + ']';
      i = j + 1;
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] === '?') {
        const rest = pattern.slice(i + 2);
        if (rest.startsWith(':')) {
          out += '(?:';
          i += 3;
          continue;
        }
        const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
        if (named) {
          out += `(?<${named[1]}>`;
          i += 2 + named[0].length;
          groups++;
          continue;
        }
        if (rest.startsWith('=') || rest.startsWith('!') || rest.startsWith('<=') || rest.startsWith('<!')) fail('invalid or unsupported Perl syntax: `(?' + rest[0] + '`');
        if (/^[imsU-]+[:)]/.test(rest)) throw new UnsupportedError(`regex ${JSON.stringify(pattern)}: flag groups inside the pattern have no JavaScript equivalent here`);
        fail('invalid or unsupported Perl syntax: `(?' + (rest[0] ?? '') + '`');
      }
      groups++;
      out += '(';
      i++;
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (m) {
        if (Number(m[1]) > 1000 || (m[3] !== undefined && m[3] !== '' && Number(m[3]) > 1000)) fail('invalid repeat count');
        if (m[3] !== undefined && m[3] !== '' && Number(m[3]) < Number(m[1])) fail('invalid repeat count');
        if (out === '' || /[|(]$/.test(out)) fail('missing argument to repetition operator');
        out += m[0];
        i += m[0].length;
        continue;
      }
      out += '\\{';
      i++;
      continue;
    }
    if (c === '}') {
      out += '\\}';
      i++;
      continue;
    }
    if ((c === '*' || c === '+' || c === '?') && (out === '' || /(?:^|[^\\])[|(]$/.test(out))) fail('missing argument to repetition operator: `' + c + '`');
    if (c === '/') {
      out += '\\/';
      i++;
      continue;
    }
    out += c;
    i++;
  }
  void groups;
  try {
    return new RegExp(out, flags);
  } catch (e) {
    throw new BuiltinError(`regex.match: error parsing regexp: ${(e as Error).message}`);
  }
}
