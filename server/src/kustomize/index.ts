// The Kustomize object source: build a kustomization in-process as `kubectl kustomize` (v5.7) does,
// with the origin of every built value, and find the kustomizations of a workspace that are roots.
export { buildKustomization, defaultKustomizeLimits, type KustomizeBuild, type KustomizeLimits } from './build';
export { findRoots, type KustomizeRoot } from './roots';
export { kustomizationFileNames } from './kustomization';
