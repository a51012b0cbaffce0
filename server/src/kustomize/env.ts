// What the transformers of a build share: the builder's services (reading files within the root,
// reporting, the time bound) and the objects accumulated so far.
import type { SourceLocation } from '../sources/origin';
import type { TransformerConfig } from './fieldSpecs';
import type { LoadedKustomization } from './kustomization';
import type { Resource } from './resource';
import { isMap, isScalar, isSeq, type KNode } from './tree';
import type { VarDef } from './vars';

export interface Env {
  /** Reads a file named relative to the kustomization (within its root); undefined after reporting. */
  readInput(k: LoadedKustomization, rel: string, at: SourceLocation): { path: string; text: string } | undefined;
  /** Parses the YAML documents of a file (errors reported). */
  parseFile(path: string, text: string): KNode[];
  report(at: SourceLocation, message: string, severity?: 'error' | 'warning'): void;
  markIncomplete(): void;
  /** Checks the wall-time budget (throws when it is spent). */
  tick(): void;
}

export interface Accumulator {
  resources: Resource[];
  /** Ids of `resources` while objects are only being added (undefined once a transformer ran). */
  ids?: Set<string> | undefined;
  config: TransformerConfig;
  vars: VarDef[];
}

export function locOf(n: KNode | undefined, k: LoadedKustomization): SourceLocation {
  if (isScalar(n) && n.prov) return n.prov.loc;
  if (isMap(n)) for (const v of n.entries.values()) if (isScalar(v) && v.prov) return v.prov.loc;
  if (isSeq(n)) for (const v of n.items) if (isScalar(v) && v.prov) return v.prov.loc;
  return { file: k.file, start: 0, end: 0 };
}

