// Tokens of Rego, with 0-based line and column (UTF-16 units) for diagnostics inside a template.

export type TokenKind = 'ident' | 'string' | 'number' | 'punct' | 'newline' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** For strings: the decoded value; for the rest: the text. */
  readonly value: string;
  readonly line: number;
  readonly col: number;
  /** Whether whitespace (not a newline) came before it: `f (x)` is not a call in Rego. */
  readonly spaceBefore: boolean;
}

export class RegoSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly col: number) {
    super(message);
  }
}

const puncts = [':=', '==', '!=', '<=', '>=', '{', '}', '[', ']', '(', ')', '.', ',', ';', ':', '=', '<', '>', '+', '-', '*', '/', '%', '|', '&'];

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}
function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 0;
  let lineStart = 0;
  let space = false;
  const n = src.length;
  const push = (kind: TokenKind, value: string, start: number): void => {
    out.push({ kind, value, line, col: start - lineStart, spaceBefore: space });
    space = false;
  };
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      push('newline', '\n', i);
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      space = true;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(src[i]!)) i++;
      push('ident', src.slice(start, i), start);
      continue;
    }
    if (isDigit(c)) {
      while (isDigit(src[i])) i++;
      if (src[i] === '.' && isDigit(src[i + 1])) {
        i++;
        while (isDigit(src[i])) i++;
      }
      if (src[i] === 'e' || src[i] === 'E') {
        let j = i + 1;
        if (src[j] === '+' || src[j] === '-') j++;
        if (isDigit(src[j])) {
          i = j;
          while (isDigit(src[i])) i++;
        }
      }
      push('number', src.slice(start, i), start);
      continue;
    }
    if (c === '"') {
      i++;
      let s = '';
      for (;;) {
        if (i >= n || src[i] === '\n') throw new RegoSyntaxError('unterminated string', line, start - lineStart);
        const d = src[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\') {
          const e = src[i + 1];
          i += 2;
          switch (e) {
            case '"': s += '"'; break;
            case '\\': s += '\\'; break;
            case '/': s += '/'; break;
            case 'b': s += '\b'; break;
            case 'f': s += '\f'; break;
            case 'n': s += '\n'; break;
            case 'r': s += '\r'; break;
            case 't': s += '\t'; break;
            case 'u': {
              const hex = src.slice(i, i + 4);
              if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new RegoSyntaxError('invalid \\u escape in string', line, i - 2 - lineStart);
              s += String.fromCharCode(parseInt(hex, 16));
              i += 4;
              break;
            }
            default:
              throw new RegoSyntaxError(`invalid escape \\${e ?? ''} in string`, line, i - 2 - lineStart);
          }
          continue;
        }
        s += d;
        i++;
      }
      push('string', s, start);
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw new RegoSyntaxError('unterminated raw string', line, start - lineStart);
      const raw = src.slice(i + 1, end);
      push('string', raw, start);
      // A raw string may span lines.
      for (let j = i + 1; j < end; j++) {
        if (src[j] === '\n') {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 1;
      continue;
    }
    const p = puncts.find((q) => src.startsWith(q, i));
    if (p === undefined) throw new RegoSyntaxError(`unexpected character ${JSON.stringify(c)}`, line, start - lineStart);
    i += p.length;
    push('punct', p, start);
  }
  push('eof', '', i);
  return out;
}
