// .helmignore as Helm's pkg/ignore reads it: one glob per line (Go's filepath.Match), `!` negates,
// a trailing `/` matches directories only, a leading `/` or an inner `/` matches the whole path,
// anything else the base name; `templates/.?*` is always ignored. Globs are matched here by a small
// matcher (no regular expressions built from chart text).

export interface IgnoreRules {
  ignored(path: string, isDir: boolean): boolean;
  /** For archive entries: a file path, with each parent directory tried as a directory first. */
  ignoredPath(path: string): boolean;
}

interface Rule {
  readonly pattern: string;
  readonly negate: boolean;
  readonly mustDir: boolean;
  readonly mode: 'root' | 'path' | 'base';
}

export function parseIgnore(text: string): IgnoreRules {
  const rules: Rule[] = [];
  const add = (line: string): void => {
    let r = line.trim();
    if (!r || r.startsWith('#')) return;
    if (r.includes('**')) return;
    let negate = false;
    if (r.startsWith('!')) {
      negate = true;
      r = r.slice(1);
    }
    let mustDir = false;
    if (r.endsWith('/')) {
      mustDir = true;
      r = r.slice(0, -1);
    }
    const mode = r.startsWith('/') ? 'root' : r.includes('/') ? 'path' : 'base';
    rules.push({ pattern: mode === 'root' ? r.slice(1) : r, negate, mustDir, mode });
  };
  for (const line of text.split('\n')) add(line);
  add('templates/.?*');
  const ignored = (path: string, isDir: boolean): boolean => {
    if (path === '' || path === '.' || path === './') return false;
    for (const r of rules) {
      if (r.mustDir && !isDir) continue;
      const subject = r.mode === 'base' ? path.slice(path.lastIndexOf('/') + 1) : path;
      const hit = globMatch(r.pattern, subject);
      if (r.negate) {
        if (hit) return false;
        continue;
      }
      if (hit) return true;
    }
    return false;
  };
  return {
    ignored,
    ignoredPath(path: string): boolean {
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) if (ignored(parts.slice(0, i).join('/'), true)) return true;
      return ignored(path, false);
    },
  };
}

/** Go's filepath.Match: `*` and `?` never cross `/`, classes `[...]` with ranges and `^`/`!`, `\` escapes. */
export function globMatch(pattern: string, name: string): boolean {
  return matchAt(pattern, 0, name, 0, 0);
}

function matchAt(p: string, pi: number, s: string, si: number, depth: number): boolean {
  if (depth > 64) return false;
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (p[pi] === '*') pi++;
      for (let k = si; k <= s.length; k++) {
        if (matchAt(p, pi, s, k, depth + 1)) return true;
        if (s[k] === '/') break;
      }
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      if (s[si] === '/') return false;
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      const end = p.indexOf(']', pi + 2);
      if (end < 0) return false;
      let body = p.slice(pi + 1, end);
      let neg = false;
      if (body[0] === '^' || body[0] === '!') {
        neg = true;
        body = body.slice(1);
      }
      const ch = s[si]!;
      let hit = false;
      for (let k = 0; k < body.length; k++) {
        let lo = body[k]!;
        if (lo === '\\') lo = body[++k] ?? '';
        let hi = lo;
        if (body[k + 1] === '-' && k + 2 < body.length) {
          hi = body[k + 2]!;
          k += 2;
        }
        if (ch >= lo && ch <= hi) hit = true;
      }
      if (hit === neg || ch === '/') return false;
      pi = end + 1;
      si++;
      continue;
    }
    let lit = c;
    if (c === '\\' && pi + 1 < p.length) {
      pi++;
      lit = p[pi]!;
    }
    if (s[si] !== lit) return false;
    pi++;
    si++;
  }
  return si === s.length;
}
