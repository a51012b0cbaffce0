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
 * Every `*.yaml` / `*.yml` below the roots. Symbolic links are followed only when they stay inside
 * the root they were found under; directories are visited once (no loops).
 */
export async function walkYaml(roots: readonly string[], options: WalkOptions = {}): Promise<WalkResult> {
  const files: FoundFile[] = [];
  const problems: WalkProblem[] = [];
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  for (const r of roots) {
    const root = path.resolve(r);
    let realRoot: string;
    let st: fs.Stats;
    try {
      realRoot = await fs.promises.realpath(root);
      st = await fs.promises.stat(root);
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
    const stack = [root];
    while (stack.length > 0) {
      if (options.cancelled?.()) return { files, problems };
      const dir = stack.pop()!;
      let real: string;
      let entries: fs.Dirent[];
      try {
        real = await fs.promises.realpath(dir);
        if (seenDirs.has(real)) continue;
        seenDirs.add(real);
        entries = await fs.promises.readdir(dir, { withFileTypes: true });
      } catch (e) {
        problems.push({ path: dir, message: describeFsError(e) });
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (options.exclude?.(full)) continue;
        let isDir = entry.isDirectory();
        let isFile = entry.isFile();
        if (entry.isSymbolicLink()) {
          try {
            const target = await fs.promises.realpath(full);
            if (!isInside(realRoot, target)) continue; // never leave the tree through a link
            const tst = await fs.promises.stat(full);
            isDir = tst.isDirectory();
            isFile = tst.isFile();
          } catch {
            continue; // dangling link or a loop
          }
        }
        if (isDir) {
          if (!ignoredDirectories.has(entry.name)) stack.push(full);
        } else if (isFile && isYamlName(entry.name)) {
          files.push({ path: full });
        }
      }
    }
  }
  return { files, problems };
}

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export type ReadResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string; readonly kind: 'skipped' | 'error' };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads a file as UTF-8 text, refusing what is not a regular file, too large, binary or not UTF-8. */
export async function readTextFile(file: string, maxBytes: number): Promise<ReadResult> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    // O_NONBLOCK: opening a FIFO named *.yaml must not wait for a writer.
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = await handle.stat();
    if (!st.isFile()) return { ok: false, kind: 'skipped', reason: 'not a regular file' };
    if (st.size > maxBytes) {
      return { ok: false, kind: 'skipped', reason: `too large: ${formatMB(st.size)} MB is over the ${formatMB(maxBytes)} MB limit (maxFileSizeMB)` };
    }
    const bytes = await handle.readFile();
    if (bytes.length > maxBytes) return { ok: false, kind: 'skipped', reason: `too large: over the ${formatMB(maxBytes)} MB limit (maxFileSizeMB)` };
    return decodeText(bytes);
  } catch (e) {
    return { ok: false, kind: 'error', reason: describeFsError(e) };
  } finally {
    await handle?.close().catch(() => undefined);
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
