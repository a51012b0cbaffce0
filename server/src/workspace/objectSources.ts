// The object sources of a workspace on disk: which folders are Helm charts and which are kustomizations,
// and read-only access to their files for the engine's renderers (an editor's unsaved text first, then
// the disk, within the size limit; packed charts through Node's gunzip). Nothing here runs a file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { SourceFiles } from '../sources/origin';
import { decodeText } from './files';

/** Names kustomize reads as a kustomization, in its order of preference. */
export const kustomizationNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

export function isKustomizationFile(file: string): boolean {
  return (kustomizationNames as readonly string[]).includes(path.basename(file));
}

export function isChartFile(file: string): boolean {
  return path.basename(file) === 'Chart.yaml';
}

export interface ObjectSourcePlan {
  /** Folders with a Chart.yaml that are not a subchart of another chart found (charts/<name>/). */
  readonly charts: readonly string[];
  /** Folders with a kustomization file. */
  readonly kustomizations: readonly string[];
}

/** Charts and kustomizations among the files of a walk. */
export function planObjectSources(files: Iterable<string>): ObjectSourcePlan {
  const chartDirs = new Set<string>();
  const kustomizations = new Set<string>();
  for (const f of files) {
    if (isChartFile(f)) chartDirs.add(path.dirname(f));
    else if (isKustomizationFile(f)) kustomizations.add(path.dirname(f));
  }
  // A chart under another chart's charts/ folder is rendered by its parent, with the parent's values.
  const charts = [...chartDirs].filter((dir) => {
    for (let d = path.dirname(dir); ; d = path.dirname(d)) {
      if (path.basename(d) === 'charts' && chartDirs.has(path.dirname(d))) return false;
      if (path.dirname(d) === d) return true;
    }
  });
  return { charts: charts.sort(), kustomizations: [...kustomizations].sort() };
}

/** Whether a file lies inside a chart folder (its templates, values, helpers). */
export function chartOf(file: string, charts: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const c of charts) if ((file === c || file.startsWith(c + path.sep)) && (!best || c.length > best.length)) best = c;
  return best;
}

export interface DiskFilesOptions {
  /** An editor's unsaved text of a file, when it has one. */
  readonly overlay?: (file: string) => string | undefined;
  /** Files larger than this are not read. */
  readonly maxBytes: number;
  /** Called with every file a source reads, so a change to it rebuilds what read it. */
  readonly onRead?: (file: string) => void;
}

/** SourceFiles over the disk (paths as the OS gives them), with an editor's unsaved texts first. */
export function diskSourceFiles(options: DiskFilesOptions): SourceFiles {
  const statOf = (p: string): fs.Stats | undefined => {
    try {
      return fs.statSync(p);
    } catch {
      return undefined;
    }
  };
  return {
    read(p) {
      options.onRead?.(p);
      const open = options.overlay?.(p);
      if (open !== undefined) return open;
      const st = statOf(p);
      if (!st?.isFile() || st.size > options.maxBytes) return undefined;
      try {
        const r = decodeText(fs.readFileSync(p));
        return r.ok ? r.text : undefined;
      } catch {
        return undefined;
      }
    },
    list(p) {
      try {
        return fs.readdirSync(p).sort();
      } catch {
        return undefined;
      }
    },
    readBytes(p) {
      options.onRead?.(p);
      const st = statOf(p);
      if (!st?.isFile() || st.size > options.maxBytes) return undefined;
      try {
        return new Uint8Array(fs.readFileSync(p));
      } catch {
        return undefined;
      }
    },
    gunzip(bytes) {
      // Bounded: a packed chart that inflates past the limit is not read (a zip bomb).
      return new Uint8Array(zlib.gunzipSync(bytes, { maxOutputLength: Math.max(options.maxBytes, 64 * 1024 * 1024) }));
    },
  };
}
