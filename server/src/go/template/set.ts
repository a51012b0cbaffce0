// Named templates: each file's tree and the templates it defines, later definitions winning, as Go's
// *template.Template associates them. Trees are parsed once and kept.
import { Node, Parsed, parseTemplate } from './parse';
import { GoString, plain } from './text';

export interface TemplateDef {
  readonly root: Node[];
  readonly source: GoString;
  /** The template's name (`executing "name"` in Go's errors). */
  readonly name: string;
  /** The name of the text it was parsed from (the file), where Go's errors locate it; the name when absent. */
  readonly parseName?: string;
}

/** A set of named templates (Go's *template.Template with its associated templates). */
export class TemplateSet {
  readonly defs = new Map<string, TemplateDef>();

  /** Parses a text as template `name`, adding it and its defines (later definitions win). */
  add(name: string, source: GoString, hasFunc?: (name: string) => boolean): Parsed {
    const p = parseCached(name, source, hasFunc);
    this.addParsed(p);
    return p;
  }

  addParsed(p: Parsed): void {
    this.defs.set(p.name, { root: p.root, source: p.source, name: p.name });
    for (const [n, d] of p.defines) this.defs.set(n, d);
  }

  clone(): TemplateSet {
    const c = new TemplateSet();
    for (const [k, v] of this.defs) c.defs.set(k, v);
    return c;
  }
}

const parsedMemo = new Map<string, Parsed>();
/** Characters of template text whose trees are kept (a few charts' worth). */
const parsedMaxChars = 4_000_000;
let parsedChars = 0;

/**
 * Trees are never changed once parsed, so a file's tree is kept by name, text and origin: a chart
 * rendered again after an edit parses only what changed.
 */
function parseCached(name: string, source: GoString, hasFunc?: (name: string) => boolean): Parsed {
  const text = plain(source);
  const seg = typeof source === 'string' ? undefined : source.segs.length === 1 ? source.segs[0] : undefined;
  if (typeof source !== 'string' && (!seg || !seg.src.verbatim || seg.start !== 0 || seg.end !== text.length)) return parseTemplate(name, source, hasFunc);
  const key = `${name}\0${seg ? `${seg.src.file}\0${seg.src.start}\0${seg.src.what}` : ''}\0${text}`;
  let p = parsedMemo.get(key);
  if (!p) {
    p = parseTemplate(name, source, hasFunc);
    if (parsedChars + key.length > parsedMaxChars) {
      parsedMemo.clear();
      parsedChars = 0;
    }
    parsedMemo.set(key, p);
    parsedChars += key.length;
  }
  return p;
}

