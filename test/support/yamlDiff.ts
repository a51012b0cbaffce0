// Compares the fast reader with the `yaml` path: the first difference, or undefined when equal.
import { ParsedFile, YNode } from '../../server/src/engine/documents';

function same(a: unknown, b: unknown): boolean {
  return Object.is(a, b) || (typeof a === 'bigint' && typeof b === 'bigint' && a === b);
}

function diffNode(a: YNode | null, b: YNode | null, path: string): string | undefined {
  if (a === null || b === null) return a === b ? undefined : `${path}: null vs node`;
  if (a.kind !== b.kind) return `${path}: kind ${a.kind} vs ${b.kind}`;
  if (a.span.start !== b.span.start) return `${path}: start ${a.span.start} vs ${b.span.start}`;
  if (a.kind === 'scalar' && b.kind === 'scalar') {
    if (!same(a.value, b.value)) return `${path}: value ${JSON.stringify(String(a.value))} vs ${JSON.stringify(String(b.value))}`;
    if (a.span.end !== b.span.end) return `${path}: end ${a.span.end} vs ${b.span.end}`;
    if (a.style !== b.style) return `${path}: style ${a.style} vs ${b.style}`;
    if (a.anchor?.start !== b.anchor?.start) return `${path}: anchor`;
    return undefined;
  }
  if (a.kind === 'seq' && b.kind === 'seq') {
    if (a.items.length !== b.items.length) return `${path}: ${a.items.length} vs ${b.items.length} items`;
    for (let i = 0; i < a.items.length; i++) {
      const d = diffNode(a.items[i]!, b.items[i]!, `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a.kind === 'map' && b.kind === 'map') {
    const ka = [...a.entries.keys()];
    const kb = [...b.entries.keys()];
    if (ka.join('\0') !== kb.join('\0')) return `${path}: keys ${ka} vs ${kb}`;
    for (const k of ka) {
      if (a.keySpans.get(k)?.start !== b.keySpans.get(k)?.start || a.keySpans.get(k)?.end !== b.keySpans.get(k)?.end) return `${path}.${k}: key span`;
      const d = diffNode(a.entries.get(k)!, b.entries.get(k)!, `${path}.${k}`);
      if (d) return d;
    }
  }
  return undefined;
}

export function diffParsed(fast: ParsedFile, slow: ParsedFile): string | undefined {
  if (fast.documents.length !== slow.documents.length) return `documents ${fast.documents.length} vs ${slow.documents.length}`;
  if (fast.errors.length !== slow.errors.length) return `errors ${fast.errors.length} vs ${slow.errors.length}`;
  for (let i = 0; i < fast.errors.length; i++) {
    const a = fast.errors[i]!;
    const b = slow.errors[i]!;
    if (a.index !== b.index || a.message !== b.message || a.offset !== b.offset) return `error ${i}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  for (let i = 0; i < fast.documents.length; i++) {
    if (fast.documents[i]!.index !== slow.documents[i]!.index) return `document ${i} index`;
    const d = diffNode(fast.documents[i]!.root, slow.documents[i]!.root, `doc${i}`);
    if (d) return d;
  }
  return undefined;
}

/**
 * Compares a skimming parse with a whole one: the same documents and errors (a skim gives up exactly
 * where a whole read does), and every node the skim kept equal to the whole read's; a value it did not
 * keep is `dropped` (the shared placeholder). Key spans are not kept in skimmed documents.
 */
export function diffSkimmed(skimmed: ParsedFile, whole: ParsedFile, dropped: YNode): string | undefined {
  if (skimmed.documents.length !== whole.documents.length) return `documents ${skimmed.documents.length} vs ${whole.documents.length}`;
  if (skimmed.errors.length !== whole.errors.length) return `errors ${skimmed.errors.length} vs ${whole.errors.length}`;
  for (let i = 0; i < skimmed.errors.length; i++) {
    const a = skimmed.errors[i]!;
    const b = whole.errors[i]!;
    if (a.index !== b.index || a.message !== b.message || a.offset !== b.offset) return `error ${i}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  const walk = (a: YNode | null, b: YNode | null, path: string): string | undefined => {
    if (a === dropped) return undefined;
    if (a === null || b === null) return a === b ? undefined : `${path}: null vs node`;
    if (a.kind !== b.kind) return `${path}: kind ${a.kind} vs ${b.kind}`;
    if (a.span.start !== b.span.start || a.span.end !== b.span.end) return `${path}: span`;
    if (a.kind === 'scalar' && b.kind === 'scalar') return same(a.value, b.value) && a.style === b.style ? undefined : `${path}: value`;
    if (a.kind === 'seq' && b.kind === 'seq') {
      if (a.items.length !== b.items.length) return `${path}: ${a.items.length} vs ${b.items.length} items`;
      for (let i = 0; i < a.items.length; i++) {
        const d = walk(a.items[i]!, b.items[i]!, `${path}[${i}]`);
        if (d) return d;
      }
      return undefined;
    }
    if (a.kind === 'map' && b.kind === 'map') {
      const ka = [...a.entries.keys()];
      const kb = [...b.entries.keys()];
      if (ka.join('\0') !== kb.join('\0')) return `${path}: keys ${ka} vs ${kb}`;
      for (const k of ka) {
        const d = walk(a.entries.get(k)!, b.entries.get(k)!, `${path}.${k}`);
        if (d) return d;
      }
    }
    return undefined;
  };
  for (let i = 0; i < skimmed.documents.length; i++) {
    if (skimmed.documents[i]!.index !== whole.documents[i]!.index) return `document ${i} index`;
    const d = walk(skimmed.documents[i]!.root, whole.documents[i]!.root, `doc${i}`);
    if (d) return d;
  }
  return undefined;
}
