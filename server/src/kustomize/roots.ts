// Which kustomizations of a workspace are built: the roots, that no other kustomization in the set
// includes (as a resource, base or component). Files that only feed a root are checked through it.
import type { SourceFiles } from '../sources/origin';
import { buildKustomization, type KustomizeBuild, type KustomizeLimits } from './build';
import { findKustomizationFile, kustomizationFileNames, parseKustomization } from './kustomization';
import { basename, dirname, isRemote, join, normalize } from './paths';
import { isScalar, isSeq, scalarString } from './tree';

export interface KustomizeRoot {
  /** The root's folder and kustomization file. */
  readonly dir: string;
  readonly file: string;
  /** Every file its build read (the kustomization files of its bases included). */
  readonly inputs: readonly string[];
  readonly build: KustomizeBuild;
}

/**
 * The roots among `paths` (kustomization files or their folders) and, for each, its build and inputs.
 * A kustomization that only others include is no root, nor is a component (built only inside a
 * kustomization); kustomizations that include each other in a cycle, with no root above them, are
 * built as roots (their builds report the cycle).
 */
export function findRoots(files: SourceFiles, paths: readonly string[], options: { limits?: Partial<KustomizeLimits> } = {}): KustomizeRoot[] {
  const dirs = new Map<string, string>();
  for (const p of paths) {
    const n = normalize(p);
    const dir = (kustomizationFileNames as readonly string[]).includes(basename(n)) ? dirname(n) : n;
    const found = findKustomizationFile(dir, (f) => files.read(f) !== undefined);
    if (found && 'file' in found) dirs.set(dir, found.file);
  }
  const included = new Map<string, Set<string>>();
  const components = new Set<string>();
  for (const [dir, file] of dirs) {
    const text = files.read(file);
    if (text === undefined) continue;
    const { k } = parseKustomization(dir, file, text);
    if (!k) continue;
    if (k.isComponent) components.add(dir);
    const out = new Set<string>();
    for (const field of ['resources', 'bases', 'components']) {
      const n = k.root.entries.get(field);
      if (!isSeq(n)) continue;
      for (const item of n.items) {
        if (!isScalar(item) || item.value === null) continue;
        const rel = scalarString(item);
        if (isRemote(rel)) continue;
        const target = join(dir, rel);
        if (dirs.has(target)) out.add(target);
      }
    }
    included.set(dir, out);
  }
  const includedByOthers = new Set<string>();
  for (const [dir, out] of included) for (const d of out) if (d !== dir) includedByOthers.add(d);
  // A component is only ever built inside a kustomization (kubectl refuses to build one alone).
  const roots = [...dirs.keys()].filter((d) => !includedByOthers.has(d) && !components.has(d));
  // Kustomizations no root reaches (a cycle with nothing above it) are built on their own.
  const reached = new Set<string>();
  const visit = (d: string): void => {
    if (reached.has(d)) return;
    reached.add(d);
    for (const x of included.get(d) ?? []) visit(x);
  };
  roots.forEach(visit);
  for (const d of dirs.keys()) {
    if (!reached.has(d) && !components.has(d)) {
      roots.push(d);
      visit(d);
    }
  }
  return roots.map((dir) => {
    const build = buildKustomization(files, dir, options);
    return { dir, file: dirs.get(dir)!, inputs: build.inputs, build };
  });
}
