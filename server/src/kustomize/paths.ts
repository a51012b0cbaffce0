// POSIX paths as the caller gave the root (no fs: a kustomization names files relative to its folder).

export function normalize(p: string): string {
  // A URI (file:///repo/app) keeps its scheme and authority; its path is normalized.
  const uri = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(\/.*)?$/i.exec(p);
  if (uri) return uri[1]! + normalize(uri[2] ?? '/');
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const s = out.join('/');
  return abs ? '/' + s : s === '' ? '.' : s;
}

export function join(dir: string, rel: string): string {
  if (rel.startsWith('/')) {
    const uri = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(dir);
    return normalize(uri ? uri[0] + rel : rel);
  }
  return normalize(dir === '' || dir === '.' ? rel : `${dir}/${rel}`);
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '.';
  const uri = /^[a-z][a-z0-9+.-]*:\/\/[^/]*\/?$/i.exec(p.slice(0, i + 1));
  if (uri) return p.slice(0, i + 1);
  return i === 0 ? '/' : p.slice(0, i);
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Whether p is root or inside it (kustomize's default load restrictor). */
export function isWithin(root: string, p: string): boolean {
  const r = normalize(root);
  const q = normalize(p);
  if (r === '.') return !q.startsWith('../') && q !== '..' && !q.startsWith('/');
  return q === r || q.startsWith(r.endsWith('/') ? r : r + '/');
}

/** A remote resource: a URL or a git reference kustomize would fetch. */
export function isRemote(ref: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(ref) || /^git@/.test(ref) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(ref) || /\.git(\/\/|\?|$)/.test(ref) || ref.includes('?ref=');
}
