// Glob patterns for the `exclude` setting: `**`, `*`, `?`, `{a,b}` and `[...]`, matched against
// paths relative to the workspace folder with `/` separators. A pattern without a `/` matches a
// file or folder name at any depth, as .gitignore and VS Code's files.exclude users expect.

export function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += '[' + glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A test for relative paths: true when any pattern matches the path or one of its parent folders. */
export function globMatcher(patterns: readonly string[]): (relativePath: string) => boolean {
  const compiled = patterns
    .map((p) => p.trim().replace(/^\.\//, '').replace(/\/+$/, ''))
    .filter((p) => p !== '')
    .map((p) => globToRegExp(p.includes('/') ? p : `**/${p}`));
  if (compiled.length === 0) return () => false;
  return (rel) => {
    const parts = rel.split('/');
    for (let n = parts.length; n > 0; n--) {
      const prefix = parts.slice(0, n).join('/');
      if (compiled.some((r) => r.test(prefix))) return true;
    }
    return false;
  };
}
