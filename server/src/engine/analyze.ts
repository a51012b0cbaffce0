// One file's text -> everything the checks need from it, computed once and cached by the front ends.
import { collectPolicyObjects, noPolicyObjects, PolicyObjects } from './constraints';
import { defaultParseLimits, LineIndex, ParsedFile, parseYaml, ParseLimits, YamlCache } from './documents';
import { Skim } from './fastYaml';
import { K8sObject, objectsOf } from './objects';

export interface FileAnalysis {
  readonly file: string;
  readonly text: string;
  readonly parsed: ParsedFile;
  readonly objects: readonly K8sObject[];
  readonly policy: PolicyObjects;
  /** Set when the file is not a manifest (a Helm template, binary data): nothing else is read. */
  readonly skipped: string | undefined;
  readonly lines: LineIndex;
}

const BOM = '\uFEFF';

/** Editors show text without its BOM; positions are counted the same way. */
export function withoutBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

export function skippedFile(file: string, text: string, reason: string): FileAnalysis {
  return withLazyLines({ file, text, parsed: { documents: [], errors: [] }, objects: [], policy: noPolicyObjects, skipped: reason });
}

/** Line starts are found when a position is first asked for: most files never need one. */
function withLazyLines(a: Omit<FileAnalysis, 'lines'>): FileAnalysis {
  let lines: LineIndex | undefined;
  return Object.defineProperty(a, 'lines', { get: () => (lines ??= new LineIndex(a.text)), enumerable: false }) as FileAnalysis;
}

/**
 * `cache` (kept per editor document) lets a keystroke re-read only the document it changed; `skim`
 * (see skimFor) keeps only what the checks read of objects that are not policy objects.
 */
export function analyzeText(file: string, rawText: string, limits: ParseLimits = defaultParseLimits, cache?: YamlCache, skim?: Skim): FileAnalysis {
  const text = withoutBom(rawText);
  if (text.includes('\0')) return skippedFile(file, text, 'binary: the file holds NUL bytes');
  const conflict = /^(?:<<<<<<<|>>>>>>>)(?: |$)/m.exec(text);
  if (conflict) {
    const parsed = { documents: [], errors: [{ index: 0, offset: conflict.index, message: 'merge conflict markers: resolve the conflict to check this file' }] };
    return withLazyLines({ file, text, parsed, objects: [], policy: noPolicyObjects, skipped: undefined });
  }
  // Go's YAML readers (and editors) take a lone CR as a line break; `yaml` does not. Same length,
  // so every offset stays where it was.
  const source = text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
  const parsed = parseYaml(source, limits, { ...(cache ? { cache } : {}), ...(skim ? { skim } : {}) });
  if (parsed.errors.length > 0 && text.includes('{{')) {
    return skippedFile(file, text, 'template: holds {{ }} and is not YAML until rendered (Helm or another template engine)');
  }
  const objects: K8sObject[] = [];
  for (const doc of parsed.documents) objects.push(...objectsOf(doc));
  const policy = collectPolicyObjects(file, objects);
  return withLazyLines({ file, text, parsed, objects, policy, skipped: undefined });
}
