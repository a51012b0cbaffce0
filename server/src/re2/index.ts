// Every regular expression a policy, a chart or a kustomization brings runs here: Go's RE2 syntax and
// semantics (re2js, a port of RE2), in time linear in the input, so no pattern can backtrack. Rego's
// regex.*, CEL's matches()/find(), Sprig's regex* and Kustomize's image names all come through this
// module, whatever engine they belong to.
import { RE2JS } from 're2js';

/** A pattern RE2 refuses; the message is Go's (`error parsing regexp: ...`). */
export class Re2SyntaxError extends Error {}

export interface Re2 {
  readonly source: string;
  /** Whether the pattern matches anywhere in s (Go's MatchString). */
  test(s: string): boolean;
  /** The leftmost match, or undefined (Go's FindString gives "" for both "no match" and an empty match). */
  find(s: string): string | undefined;
  /** [start, end) of the leftmost match in UTF-16 units. */
  findIndex(s: string): [number, number] | undefined;
  /** The leftmost match and its groups (undefined for a group that did not take part). */
  findSubmatch(s: string): Array<string | undefined> | undefined;
  /** Successive non-overlapping matches, at most n of them (n < 0: all), as Go's FindAllString. */
  findAll(s: string, n?: number): string[];
  /** As findAll, with groups: Go's FindAllStringSubmatch. */
  findAllSubmatch(s: string, n?: number): Array<Array<string | undefined>>;
  /** Go's ReplaceAllString: `$1`, `${name}` in repl are expanded. */
  replaceAll(s: string, repl: string): string;
  /**
   * replaceAll, stopped as soon as its output would pass maxLength characters (undefined then): a
   * short input and an empty-matching pattern can ask for a copy of repl at every position.
   */
  replaceAllWithin(s: string, repl: string, maxLength: number): string | undefined;
  /** Go's ReplaceAllLiteralString. */
  replaceAllLiteral(s: string, repl: string): string;
  /** Go's Regexp.Split. */
  split(s: string, n: number): string[];
  /** Names of the capturing groups, by index (index 0: the whole match, ''). */
  readonly groupNames: readonly string[];
  /**
   * Instructions of the compiled program. A search costs up to (input length x programSize): linear
   * in the input, but `(?:[a-z]{1,50}){20}` on 100 kB is seconds. Callers with a budget charge it first.
   */
  readonly programSize: number;
}

const cache = new Map<string, Re2 | Re2SyntaxError>();
const maxCached = 512;

/** Compiles a Go regular expression; throws Re2SyntaxError with Go's message when RE2 refuses it. */
export function compileRe2(pattern: string): Re2 {
  const hit = cache.get(pattern);
  if (hit !== undefined) {
    if (hit instanceof Re2SyntaxError) throw hit;
    return hit;
  }
  let out: Re2 | Re2SyntaxError;
  try {
    out = new GoRegexp(pattern, RE2JS.compile(pattern));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    out = new Re2SyntaxError(message.startsWith('error parsing regexp') ? message : `error parsing regexp: ${message}`);
  }
  if (cache.size >= maxCached) cache.clear();
  cache.set(pattern, out);
  if (out instanceof Re2SyntaxError) throw out;
  return out;
}

/** Whether compileRe2(pattern) is answered from the cache (no compiling to pay for). */
export function isCompiled(pattern: string): boolean {
  return cache.has(pattern);
}

/**
 * About how many instructions `pattern` compiles to, read without compiling it: RE2 expands `x{n}`
 * into n copies of x, so `[a-z]{1000}` repeated a thousand times (11 kB) is a million instructions, a
 * second of re2js's compiling. Callers with a budget charge (or refuse) this before compiling. An
 * estimate in the same terms as programSize: one per literal, class, operator and group boundary.
 */
export function estimateProgramSize(pattern: string): number {
  const outer: number[] = [];
  let size = 0;
  /** The size of the last atom: what a repetition repeats. */
  let last = 0;
  const n = pattern.length;
  for (let i = 0; i < n; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 92 /* \ */) {
      const e = pattern[i + 1];
      if (e === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const stop = end < 0 ? n : end;
        size += stop - (i + 2);
        last = 1;
        i = end < 0 ? n : end + 1;
        continue;
      }
      i++;
      if ((e === 'p' || e === 'P' || e === 'x') && pattern[i + 1] === '{') {
        const close = pattern.indexOf('}', i + 2);
        i = close < 0 ? n : close;
      }
      size += 1;
      last = 1;
      continue;
    }
    if (c === 91 /* [ */) {
      // A class is one instruction, however many ranges it lists.
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < n && pattern[i] !== ']') {
        if (pattern[i] === '\\') i++;
        else if (pattern[i] === '[' && pattern[i + 1] === ':') {
          const close = pattern.indexOf(':]', i + 2);
          if (close >= 0) i = close + 1;
        }
        i++;
      }
      size += 1;
      last = 1;
      continue;
    }
    if (c === 40 /* ( */) {
      outer.push(size);
      size = 0;
      last = 0;
      continue;
    }
    if (c === 41 /* ) */) {
      const group = size + 2;
      size = (outer.pop() ?? 0) + group;
      last = group;
      continue;
    }
    if (c === 123 /* { */) {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i, i + 24));
      if (m) {
        // x{n,m}: n copies, then m - n optional ones (a copy and a split each).
        const min = Number(m[1]);
        const max = m[2] ? Math.max(Number(m[2]), min) : min;
        const times = Math.max(1, min + 2 * (max - min) + (m[2] === '' ? 1 : 0));
        size += last * (times - 1) + 1;
        last *= times;
        i += m[0].length - 1;
        continue;
      }
    }
    if (c === 42 /* * */ || c === 43 /* + */ || c === 63 /* ? */ || c === 124 /* | */) {
      size += 1;
      last += 1;
      continue;
    }
    size += 1;
    last = 1;
  }
  while (outer.length > 0) size += outer.pop()!;
  return size + 2;
}

/** compileRe2 that answers undefined instead of throwing. */
export function tryCompileRe2(pattern: string): Re2 | undefined {
  try {
    return compileRe2(pattern);
  } catch {
    return undefined;
  }
}

type Match = { start: number; end: number; groups: Array<[number, number] | undefined> };

class GoRegexp implements Re2 {
  readonly groupNames: readonly string[];
  readonly programSize: number;
  constructor(
    readonly source: string,
    private readonly re: RE2JS,
  ) {
    const n = re.groupCount();
    const names: string[] = new Array(n + 1).fill('');
    const named = re.namedGroups() as Record<string, number>;
    for (const [name, i] of Object.entries(named)) names[i] = name;
    this.groupNames = names;
    this.programSize = re.programSize();
  }

  test(s: string): boolean {
    return this.re.matcher(s).find();
  }

  find(s: string): string | undefined {
    const m = this.re.matcher(s);
    return m.find() ? (m.group() ?? '') : undefined;
  }

  findIndex(s: string): [number, number] | undefined {
    const m = this.re.matcher(s);
    return m.find() ? [m.start(), m.end()] : undefined;
  }

  findSubmatch(s: string): Array<string | undefined> | undefined {
    const [m] = this.matches(s, 1);
    return m && groupsOf(s, m);
  }

  findAll(s: string, n = -1): string[] {
    return this.matches(s, n).map((m) => s.slice(m.start, m.end));
  }

  findAllSubmatch(s: string, n = -1): Array<Array<string | undefined>> {
    return this.matches(s, n).map((m) => groupsOf(s, m));
  }

  replaceAll(s: string, repl: string): string {
    return this.replace(s, (m) => this.expand(repl, s, m))!;
  }

  replaceAllWithin(s: string, repl: string, maxLength: number): string | undefined {
    return this.replace(s, (m) => this.expand(repl, s, m), maxLength);
  }

  replaceAllLiteral(s: string, repl: string): string {
    return this.replace(s, () => repl)!;
  }

  split(s: string, n: number): string[] {
    // Go: n == 0 -> nil; a pattern that matches the empty string at 0 splits every character.
    if (n === 0) return [];
    if (this.source.length > 0 && s.length === 0) return [''];
    const out: string[] = [];
    let beg = 0;
    let end = 0;
    for (const m of this.matches(s, n)) {
      if (n > 0 && out.length === n - 1) break;
      end = m.start;
      if (m.end !== 0) out.push(s.slice(beg, end));
      beg = m.end;
    }
    if (end !== s.length) out.push(s.slice(beg));
    return out;
  }

  /** Go's allMatches: non-overlapping, and an empty match right after a match is skipped. */
  private matches(s: string, n: number): Match[] {
    const out: Match[] = [];
    const m = this.re.matcher(s);
    let pos = 0;
    let prevEnd = -1;
    while (pos <= s.length && (n < 0 || out.length < n)) {
      if (!m.find(pos)) break;
      const start = m.start();
      const end = m.end();
      let accept = true;
      if (end === start && start === prevEnd) accept = false;
      if (accept) {
        const groups: Match['groups'] = [];
        for (let g = 1; g <= m.groupCount(); g++) {
          const gs = m.start(g);
          groups.push(gs < 0 ? undefined : [gs, m.end(g)]);
        }
        out.push({ start, end, groups });
        prevEnd = end;
      }
      if (end > start) pos = end;
      else pos = start + (s.codePointAt(start)! > 0xffff ? 2 : 1);
    }
    return out;
  }

  private replace(s: string, f: (m: Match) => string, maxLength = Infinity): string | undefined {
    let out = '';
    let last = 0;
    for (const m of this.matches(s, -1)) {
      out += s.slice(last, m.start) + f(m);
      last = m.end;
      if (out.length > maxLength) return undefined;
    }
    out += s.slice(last);
    return out.length > maxLength ? undefined : out;
  }

  /** Go's Regexp.Expand: $1, ${1}, $name, ${name}, $$. */
  private expand(template: string, s: string, m: Match): string {
    let out = '';
    for (let i = 0; i < template.length; i++) {
      const c = template[i]!;
      if (c !== '$' || i + 1 >= template.length) {
        out += c;
        continue;
      }
      if (template[i + 1] === '$') {
        out += '$';
        i++;
        continue;
      }
      let name: string;
      let next: number;
      if (template[i + 1] === '{') {
        const close = template.indexOf('}', i + 2);
        const inner = close < 0 ? '' : template.slice(i + 2, close);
        if (close < 0 || !/^[A-Za-z0-9_]+$/.test(inner)) {
          out += c;
          continue;
        }
        name = inner;
        next = close + 1;
      } else {
        const word = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
        if (!word) {
          out += c;
          continue;
        }
        name = word[0];
        next = i + 1 + name.length;
      }
      out += this.group(name, s, m);
      i = next - 1;
    }
    return out;
  }

  private group(name: string, s: string, m: Match): string {
    let index = /^[0-9]+$/.test(name) ? Number(name) : this.groupNames.indexOf(name);
    if (index < 0 || index > m.groups.length) return '';
    if (index === 0) return s.slice(m.start, m.end);
    const g = m.groups[index - 1];
    return g ? s.slice(g[0], g[1]) : '';
  }
}

function groupsOf(s: string, m: Match): Array<string | undefined> {
  return [s.slice(m.start, m.end), ...m.groups.map((g) => (g ? s.slice(g[0], g[1]) : undefined))];
}
