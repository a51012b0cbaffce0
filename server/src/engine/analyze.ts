// One file's text -> everything the checks need from it, computed once and cached by the front ends.
import { collectPolicyObjects, hasPolicyObjects, noPolicyObjects, PolicyObjects } from './constraints';
import { defaultParseLimits, LineIndex, ParsedFile, parseYaml, ParseLimits, YamlCache, YNode } from '../yaml/documents';
import { Skim } from '../yaml/fastYaml';
import { ExpansionTemplate, ObjectRef, Review, reviewsOf, templatesKey } from './expansion';
import { K8sObject, objectsOf } from './objects';
import { ownString, RegoSubject } from './regoCheck';

/** Which reviews a caller needs of a file. */
export interface ReviewOptions {
  /** Every review, also those that run no image (default: true). */
  readonly all?: boolean;
  /** Reviews carry their object (the AdmissionRequest Rego, CEL and admission policies read). */
  readonly objects?: boolean;
}

export interface FileAnalysis {
  readonly file: string;
  /** The text; '' in a compact analysis (see compact()). */
  readonly text: string;
  /** The documents, the errors of those not read, and warnings (parsed.warnings: repeated keys). */
  readonly parsed: ParsedFile;
  /** The objects, with their syntax trees; none in a compact analysis. */
  readonly objects: readonly K8sObject[];
  readonly policy: PolicyObjects;
  /** Set when the file is not a manifest (a Helm template, binary data): nothing else is read. */
  readonly skipped: string | undefined;
  readonly lines: LineIndex;
  /**
   * The reviews of the objects under these expansion templates (memoised); undefined when this is a
   * compact analysis made for other templates: the file must then be read again.
   */
  reviews(templates: readonly ExpansionTemplate[], options?: ReviewOptions): readonly Review[] | undefined;
}

const BOM = '\uFEFF';

/** Editors show text without its BOM; positions are counted the same way. */
export function withoutBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

export function skippedFile(file: string, text: string, reason: string): FileAnalysis {
  return withLazyLines({ file, text, parsed: { documents: [], errors: [] }, objects: [], policy: noPolicyObjects, skipped: reason });
}

/**
 * Line starts are found when a position is first asked for: most files never need one. A class, not
 * an object with its own getter: V8 gives an object that gets a closure as accessor a hidden class of
 * its own, and that class (old, long-lived) keeps the closure, hence the file's whole tree, alive
 * through every minor GC until the next full one.
 */
class Analysis implements FileAnalysis {
  private lineIndex: LineIndex | undefined;
  private readonly memo = new Map<string, Review[]>();
  constructor(
    readonly file: string,
    readonly text: string,
    readonly parsed: ParsedFile,
    readonly objects: readonly K8sObject[],
    readonly policy: PolicyObjects,
    readonly skipped: string | undefined,
  ) {}
  get lines(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.text));
  }
  reviews(templates: readonly ExpansionTemplate[], options: ReviewOptions = {}): readonly Review[] {
    const withObjects = options.objects ?? false;
    const key = templatesKey(templates) + (withObjects ? '|objects' : '');
    let r = this.memo.get(key);
    if (!r) this.memo.set(key, (r = reviewsOf(this.objects, templates, withObjects)));
    return r;
  }
}

function withLazyLines(a: Omit<FileAnalysis, 'lines' | 'reviews'>): FileAnalysis {
  return new Analysis(a.file, a.text, a.parsed, a.objects, a.policy, a.skipped);
}

const emptyLines = new LineIndex('');

/** A closed file in the language server (see compact()). */
class CompactAnalysis implements FileAnalysis {
  readonly text = '';
  readonly objects: readonly K8sObject[] = [];
  readonly parsed: ParsedFile;
  constructor(
    readonly file: string,
    errors: ParsedFile['errors'],
    warnings: ParsedFile['warnings'],
    readonly policy: PolicyObjects,
    readonly skipped: string | undefined,
    private readonly lineIndex: LineIndex | undefined,
    private readonly key: string,
    private readonly all: boolean,
    private readonly withObjects: boolean,
    private readonly kept: readonly Review[],
  ) {
    this.parsed = warnings ? { documents: [], errors, warnings } : { documents: [], errors };
  }
  get lines(): LineIndex {
    return this.lineIndex ?? emptyLines;
  }
  reviews(templates: readonly ExpansionTemplate[], options: ReviewOptions = {}): readonly Review[] | undefined {
    const wantAll = options.all ?? true;
    const wantObjects = options.objects ?? false;
    return templatesKey(templates) === this.key && (this.all || !wantAll) && (this.withObjects || !wantObjects) ? this.kept : undefined;
  }
}

/**
 * What a closed file keeps in the language server: its reviews under `templates`, its errors and
 * warnings, policy objects and line starts, without its text and syntax trees.
 */
export interface CompactOptions {
  /** The expansion templates the kept reviews are made with. */
  readonly templates: readonly ExpansionTemplate[];
  /** Keep every review, not only those that run images (default: true). */
  readonly allReviews?: boolean;
  /** Keep the reviews' objects (Rego, CEL and admission policies read them). */
  readonly objects?: boolean;
}

export function compact(a: FileAnalysis, options: CompactOptions): FileAnalysis {
  const { templates } = options;
  const all = options.allReviews ?? true;
  const withObjects = options.objects ?? false;
  const key = templatesKey(templates);
  // Without `all`, only reviews that run images are kept: the others can fail only a namespaceSelector
  // (Gatekeeper's match error), and the caller asks for them again when a constraint has one.
  // withObjects (Rego constraints are evaluated): every review, with the object as a Rego value.
  const keepAll = all || withObjects;
  const reviews = a.skipped ? [] : detachReviews(a.reviews(templates, { all: keepAll, objects: withObjects })!.filter((r) => keepAll || r.uses.length > 0));
  const lines = a.parsed.errors.length > 0 || a.parsed.warnings || reviews.length > 0 || hasPolicyObjects(a.policy) ? a.lines : undefined;
  return new CompactAnalysis(a.file, a.parsed.errors, a.parsed.warnings, a.policy, a.skipped, lines, key, keepAll, withObjects, reviews);
}

/**
 * V8 keeps a substring as a window on its whole source text: a review that keeps an image string
 * would keep the file's text alive. Copies of the strings (and of the image nodes, shared where the
 * originals were) let the text go.
 */
function detachReviews(reviews: readonly Review[]): Review[] {
  const nodes = new Map<YNode, YNode>();
  const str = ownString;
  const plain = (v: unknown): unknown =>
    typeof v === 'string' ? str(v) : Array.isArray(v) ? v.map(plain) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [str(k), plain(x)])) : v;
  const node = (n: YNode): YNode => {
    let c = nodes.get(n);
    if (!c) {
      c = n.kind === 'scalar' ? { ...n, value: typeof n.value === 'string' ? str(n.value) : n.value } : ({ kind: 'scalar', value: null, span: n.span, style: 'plain' } as YNode);
      nodes.set(n, c);
    }
    return c;
  };
  const origins = new Map<ObjectRef, ObjectRef>();
  const origin = (o: ObjectRef): ObjectRef => {
    let c = origins.get(o);
    if (!c) origins.set(o, (c = { ...o, apiVersion: str(o.apiVersion), name: str(o.name), namespace: o.namespace === undefined ? undefined : str(o.namespace), gvk: { group: str(o.gvk.group), version: str(o.gvk.version), kind: str(o.gvk.kind) } }));
    return c;
  };
  return reviews.map((r) => ({
    ...r,
    gvk: { group: str(r.gvk.group), version: str(r.gvk.version), kind: str(r.gvk.kind) },
    name: str(r.name),
    generateName: r.generateName === undefined ? undefined : str(r.generateName),
    namespace: r.namespace === undefined ? undefined : str(r.namespace),
    labels: plain(r.labels) as Record<string, string>,
    origin: origin(r.origin),
    uses: r.uses.map((u) => ({ ...u, path: str(u.path), name: plain(u.name), image: plain(u.image), imageNode: node(u.imageNode) })),
    ...(r.rego ? { rego: detachSubject(r.rego) } : {}),
  }));

  function detachSubject(s: RegoSubject): RegoSubject {
    // The review and object own their strings already (toValue, subjectOf and expansion copy them).
    return {
      ...s,
      fields: { ...s.fields, keys: s.fields.keys.map(str), containers: s.fields.containers.map((c) => ({ ...c, name: str(c.name), ...(c.image !== undefined ? { image: str(c.image) } : {}) })) },
    };
  }
}


/** A parse result with one error when `[`/`{` nest deeper than maxDepth (quotes and comments aside). */
function flowTooDeep(text: string, maxDepth: number): ParsedFile | undefined {
  if (text.length < maxDepth) return undefined;
  // Most texts hold few brackets: counted with indexOf (native), they need no walk.
  let brackets = 0;
  for (const open of ['[', '{']) {
    for (let i = text.indexOf(open); i >= 0 && brackets <= maxDepth; i = text.indexOf(open, i + 1)) brackets++;
  }
  if (brackets <= maxDepth) return undefined;
  let depth = 0;
  let doc = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) return { documents: [], errors: [{ index: doc, offset: i, message: `document nested too deeply to read (limit maxDepth ${maxDepth})` }] };
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      if (depth > 0) depth--;
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      // Skip a quoted run on its line (brackets inside quotes do not nest).
      const end = text.indexOf(text[i]!, i + 1);
      const nl = text.indexOf('\n', i + 1);
      if (end > 0 && (nl < 0 || end < nl)) i = end;
    } else if (c === 35 /* # */ && (i === 0 || text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 10)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl - 1;
    } else if (c === 10 && text.startsWith('---', i + 1)) {
      doc++;
      depth = 0;
    }
  }
  return undefined;
}

/**
 * `cache` (kept per editor document) lets a keystroke re-read only the document it changed; `skim`
 * (see skimFor) keeps only what the checks read of objects that are not policy objects.
 */
/** only: the constraint kinds checked (the CLI's --only); templates of other kinds are not compiled. */
export interface AnalyzeOptions {
  readonly limits?: ParseLimits;
  /** An editor document's nodes from the last keystroke, re-used by this one. */
  readonly cache?: YamlCache;
  /** Read only what the checks read of objects that are not policy objects. */
  readonly skim?: Skim;
  /** The policy kinds checked (the CLI's --only): other constraints are not read. */
  readonly only?: ReadonlySet<string>;
}

export function analyzeText(file: string, rawText: string, options: AnalyzeOptions = {}): FileAnalysis {
  const { cache, skim, only } = options;
  const limits = options.limits ?? defaultParseLimits;
  const text = withoutBom(rawText);
  if (text.includes('\0')) return skippedFile(file, text, 'binary: the file holds NUL bytes');
  // Looked for with includes first (native, fast): the multi-line expression walks every line.
  const conflict = text.includes('<<<<<<<') || text.includes('>>>>>>>') ? /^(?:<<<<<<<|>>>>>>>)(?: |$)/m.exec(text) : null;
  if (conflict) {
    const parsed = { documents: [], errors: [{ index: 0, offset: conflict.index, message: 'merge conflict markers: resolve the conflict to check this file' }] };
    return withLazyLines({ file, text, parsed, objects: [], policy: noPolicyObjects, skipped: undefined });
  }
  // Go's YAML readers (and editors) take a lone CR as a line break; `yaml` does not. Same length,
  // so every offset stays where it was.
  const source = text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
  // Flow collections nested deeper than the limit are refused before any reader recurses into them:
  // near a stack overflow V8 can abort the process (a regular expression compiled at that depth).
  const deep = flowTooDeep(source, limits.maxDepth);
  const parsed = deep ?? parseYaml(source, limits, { ...(cache ? { cache } : {}), ...(skim ? { skim } : {}) });
  if (parsed.errors.length > 0 && text.includes('{{')) {
    return skippedFile(file, text, 'template: holds {{ }} and is not YAML until rendered (Helm or another template engine)');
  }
  const objects: K8sObject[] = [];
  // Indexed loops: this runs per file, mostly before V8 optimises it, where for-of pays for iterators.
  const documents = parsed.documents;
  for (let d = 0; d < documents.length; d++) {
    const found = objectsOf(documents[d]!);
    for (let o = 0; o < found.length; o++) objects.push(found[o]!);
  }
  const policy = collectPolicyObjects(file, objects, source, only);
  return withLazyLines({ file, text, parsed, objects, policy, skipped: undefined });
}
