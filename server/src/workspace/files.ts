// Finding and reading the YAML files of a workspace, within limits, never following a link out of it.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ignoredDirectories = new Set(['node_modules', '.git', '.hg', '.svn']);

export function isYamlName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith('.yaml') || lower.endsWith('.yml');
}

export interface FoundFile {
  /** Absolute path. */
  readonly path: string;
}

export interface WalkProblem {
  readonly path: string;
  readonly message: string;
}

export interface WalkResult {
  readonly files: FoundFile[];
  readonly problems: WalkProblem[];
}

export interface WalkOptions {
  /** Returns true for paths the user excluded. */
  readonly exclude?: (absolutePath: string) => boolean;
  /** Stops the walk early (cancellation). */
  readonly cancelled?: () => boolean;
}

/**
 * Every `*.yaml` / `*.yml` below the roots, in a stable order. Symbolic links are followed only when
 * they stay inside the root they were found under; each directory is visited once (no loops).
 * Directory listings are read synchronously: thousands of small round trips cost more than they save.
 */
export async function walkYaml(roots: readonly string[], options: WalkOptions = {}): Promise<WalkResult> {
  const files: FoundFile[] = [];
  const problems: WalkProblem[] = [];
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  // Let the event loop breathe every few milliseconds: the server answers requests meanwhile.
  let lastBreath = performance.now();
  const breathe = async (): Promise<void> => {
    if (performance.now() - lastBreath < 4) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    lastBreath = performance.now();
  };
  for (const r of roots) {
    const root = path.resolve(r);
    let realRoot: string;
    let st: fs.Stats;
    try {
      realRoot = fs.realpathSync(root);
      st = fs.statSync(root);
    } catch (e) {
      problems.push({ path: root, message: describeFsError(e) });
      continue;
    }
    if (st.isFile()) {
      if (!seenFiles.has(realRoot)) {
        seenFiles.add(realRoot);
        files.push({ path: root });
      }
      continue;
    }
    // [path as found, its real path]: real paths of plain subfolders need no system call.
    const stack: Array<[string, string]> = [[root, realRoot]];
    while (stack.length > 0) {
      if (options.cancelled?.()) return { files, problems };
      await breathe();
      const [dir, real] = stack.pop()!;
      if (seenDirs.has(real)) continue;
      seenDirs.add(real);
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        problems.push({ path: dir, message: describeFsError(e) });
        continue;
      }
      const subdirs: Array<[string, string]> = [];
      const here: FoundFile[] = [];
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        if ((i & 255) === 255) await breathe();
        const full = path.join(dir, entry.name);
        if (options.exclude?.(full)) continue;
        let isDir = entry.isDirectory();
        let isFile = entry.isFile();
        let target = path.join(real, entry.name);
        if (entry.isSymbolicLink()) {
          try {
            target = fs.realpathSync(full);
            if (!isInside(realRoot, target)) continue; // never leave the tree through a link
            const tst = fs.statSync(full);
            isDir = tst.isDirectory();
            isFile = tst.isFile();
          } catch {
            continue; // dangling link or a loop
          }
        }
        if (isDir) {
          if (!ignoredDirectories.has(entry.name)) subdirs.push([full, target]);
        } else if (isFile && isYamlName(entry.name)) {
          if (!seenFiles.has(target)) {
            seenFiles.add(target);
            here.push({ path: full });
          }
        }
      }
      files.push(...here);
      stack.push(...subdirs);
    }
  }
  // Path order: it decides which of two same-named constraints counts, so it must not vary.
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, problems };
}

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export type ReadResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string; readonly kind: 'skipped' | 'error' };

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a file as UTF-8 text, refusing what is not a regular file, too large, binary or not UTF-8.
 * Synchronously: a whole-workspace pass reads thousands of small files, and four thread-pool round
 * trips per file cost more than the reads themselves.
 */
export function readTextFileSync(file: string, maxBytes: number): ReadResult {
  // Most files: a stat, then one native call that opens, reads, decodes and closes (a third of the
  // time of the careful read below, for the thousands of small files of a pass). The careful read
  // decides whenever the text holds U+FFFD (invalid UTF-8 decodes to it) or the file grew meanwhile.
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return { ok: false, kind: 'skipped', reason: 'not a regular file' };
    if (st.size > maxBytes) {
      return { ok: false, kind: 'skipped', reason: `too large: ${formatMB(st.size)} MB is over the ${formatMB(maxBytes)} MB limit (maxFileSizeMB)` };
    }
    // Non-blocking, should the file have become a FIFO since the stat (Node takes numeric flags here; its types say string).
    const flag = (fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0)) as unknown as string;
    const text = fs.readFileSync(file, { encoding: 'utf8', flag });
    if (text.length <= st.size && !text.includes('\uFFFD')) {
      if (text.includes('\0')) return { ok: false, kind: 'skipped', reason: 'binary: the file holds NUL bytes' };
      // As TextDecoder reads it: without a byte order mark.
      return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
    }
  } catch (e) {
    return { ok: false, kind: 'error', reason: describeFsError(e) };
  }
  return readCarefully(file, maxBytes);
}

/** Reads the bytes and decodes them strictly: not UTF-8 is said, never replaced. */
function readCarefully(file: string, maxBytes: number): ReadResult {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { ok: false, kind: 'skipped', reason: 'not a regular file' };
    if (st.size > maxBytes) {
      return { ok: false, kind: 'skipped', reason: `too large: ${formatMB(st.size)} MB is over the ${formatMB(maxBytes)} MB limit (maxFileSizeMB)` };
    }
    const bytes = fs.readFileSync(fd);
    if (bytes.length > maxBytes) return { ok: false, kind: 'skipped', reason: `too large: over the ${formatMB(maxBytes)} MB limit (maxFileSizeMB)` };
    return decodeText(bytes);
  } catch (e) {
    return { ok: false, kind: 'error', reason: describeFsError(e) };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function decodeText(bytes: Uint8Array): ReadResult {
  if (bytes.includes(0)) return { ok: false, kind: 'skipped', reason: 'binary: the file holds NUL bytes' };
  try {
    return { ok: true, text: decoder.decode(bytes) };
  } catch {
    return { ok: false, kind: 'skipped', reason: 'not UTF-8 text' };
  }
}

function formatMB(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 10 ? mb.toFixed(0) : mb.toFixed(1);
}

export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many symbolic links (a loop)';
    case 'EISDIR':
      return 'is a directory';
    default:
      return err?.message ?? String(e);
  }
}

/**
 * Files under a `templates/` folder beside a `Chart.yaml` are Helm templates, not manifests.
 * The returned test caches what it learns about each folder.
 */
export function helmTemplateTest(): (file: string) => boolean {
  const chartDirs = new Map<string, boolean>();
  const isChartTemplates = (dir: string): boolean => {
    let v = chartDirs.get(dir);
    if (v === undefined) {
      v = path.basename(dir) === 'templates' && fs.existsSync(path.join(path.dirname(dir), 'Chart.yaml'));
      chartDirs.set(dir, v);
    }
    return v;
  };
  return (file) => {
    for (let dir = path.dirname(file); ; ) {
      if (isChartTemplates(dir)) return true;
      const parent = path.dirname(dir);
      if (parent === dir) return false;
      dir = parent;
    }
  };
}
