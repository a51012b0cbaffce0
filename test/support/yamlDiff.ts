// Compares the fast reader with the `yaml` path, and a skimming read with a whole one: the first
// difference, or undefined when equal.
import { ParsedFile, YNode } from '../../server/src/yaml/documents';

function same(a: unknown, b: unknown): boolean {
  return Object.is(a, b) || (typeof a === 'bigint' && typeof b === 'bigint' && a === b);
}

/**
 * The whole comparison checks key spans and anchors; a skim keeps neither, but its kept collections
 * must end where the whole read's do, and a value it dropped (`dropped`) is not compared.
 */
interface Skimmed {
  readonly dropped: YNode;
}

function diffNode(a: YNode | null, b: YNode | null, path: string, skim: Skimmed | undefined): string | undefined {
  if (skim && a === skim.dropped) return undefined;
  if (a === null || b === null) return a === b ? undefined : `${path}: null vs node`;
  if (a.kind !== b.kind) return `${path}: kind ${a.kind} vs ${b.kind}`;
  if (a.span.start !== b.span.start) return `${path}: start ${a.span.start} vs ${b.span.start}`;
  if (skim && a.span.end !== b.span.end) return `${path}: end ${a.span.end} vs ${b.span.end}`;
  if (a.kind === 'scalar' && b.kind === 'scalar') {
    if (!same(a.value, b.value)) return `${path}: value ${JSON.stringify(String(a.value))} vs ${JSON.stringify(String(b.value))}`;
    if (a.span.end !== b.span.end) return `${path}: end ${a.span.end} vs ${b.span.end}`;
    if (a.style !== b.style) return `${path}: style ${a.style} vs ${b.style}`;
    if (!skim && a.anchor?.start !== b.anchor?.start) return `${path}: anchor`;
    return undefined;
  }
  if (a.kind === 'seq' && b.kind === 'seq') {
    if (a.items.length !== b.items.length) return `${path}: ${a.items.length} vs ${b.items.length} items`;
    for (let i = 0; i < a.items.length; i++) {
      const d = diffNode(a.items[i]!, b.items[i]!, `${path}[${i}]`, skim);
      if (d) return d;
    }
    return undefined;
  }
  if (a.kind === 'map' && b.kind === 'map') {
    const ka = [...a.entries.keys()];
    const kb = [...b.entries.keys()];
    if (ka.join('\0') !== kb.join('\0')) return `${path}: keys ${ka} vs ${kb}`;
    for (const k of ka) {
      if (!skim && (a.keySpans.get(k)?.start !== b.keySpans.get(k)?.start || a.keySpans.get(k)?.end !== b.keySpans.get(k)?.end)) return `${path}.${k}: key span`;
      const d = diffNode(a.entries.get(k)!, b.entries.get(k)!, `${path}.${k}`, skim);
      if (d) return d;
    }
  }
  return undefined;
}

function diffFiles(a: ParsedFile, b: ParsedFile, skim: Skimmed | undefined): string | undefined {
  if (a.documents.length !== b.documents.length) return `documents ${a.documents.length} vs ${b.documents.length}`;
  if (a.errors.length !== b.errors.length) return `errors ${a.errors.length} vs ${b.errors.length}`;
  for (let i = 0; i < a.errors.length; i++) {
    const x = a.errors[i]!;
    const y = b.errors[i]!;
    if (x.index !== y.index || x.message !== y.message || x.offset !== y.offset) return `error ${i}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
  }
  for (let i = 0; i < a.documents.length; i++) {
    if (a.documents[i]!.index !== b.documents[i]!.index) return `document ${i} index`;
    const d = diffNode(a.documents[i]!.root, b.documents[i]!.root, `doc${i}`, skim);
    if (d) return d;
  }
  return undefined;
}

export function diffParsed(fast: ParsedFile, slow: ParsedFile): string | undefined {
  return diffFiles(fast, slow, undefined);
}

/**
 * Compares a skimming parse with a whole one: the same documents and errors (a skim gives up exactly
 * where a whole read does), and every node the skim kept equal to the whole read's; a value it did not
 * keep is `dropped` (the shared placeholder). Key spans are not kept in skimmed documents.
 */
export function diffSkimmed(skimmed: ParsedFile, whole: ParsedFile, dropped: YNode): string | undefined {
  return diffFiles(skimmed, whole, { dropped });
}
