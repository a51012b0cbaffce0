// The `images:` transformer as kustomize v5 runs it: each entry, in list order, first walks every
// `containers`/`initContainers` list anywhere in every object, then the `images` fieldSpecs (so an
// entry runs twice on standard pod templates: `tagSuffix` is appended twice). The entry's `name` is a
// Go regular expression matched against the whole image, ignoring a tag and an @sha256 digest.
import type { SourceLocation } from '../sources/origin';
import { compileRe2, Re2SyntaxError, type Re2 } from '../re2';
import { walkFieldSpec, type FieldSpec } from './fieldSpecs';
import { imageHistoryOf, splitImage } from './provenance';
import type { Resource } from './resource';
import { isMap, isScalar, isSeq, scalarString, str, type ImageHistory, type ImagePart, type KNode, type KScalar } from './tree';

export interface ImageEntry {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
  readonly tagSuffix?: string;
  /** The entry's lines: its `name:` and each field it sets. */
  readonly at: { readonly name: SourceLocation; readonly newName?: ImagePart; readonly newTag?: ImagePart; readonly digest?: ImagePart; readonly tagSuffix?: ImagePart };
  /** The kustomization file the entry is in. */
  readonly kustomization: string;
}

/** What an image entry's name matches, by kustomize's rule. */
export interface ImageMatcher {
  test(image: string): boolean;
}

const maxRelated = 32;

const tagAndDigest = /^(?::[a-zA-Z0-9_.{}-]*)?(?:@sha256:[a-zA-Z0-9_.{}-]*)?$/;

/**
 * `^<name>(:tag)?(@sha256:digest)?$` with Go's regexp. Names written with letters, digits and `._-/:@`
 * only (nearly all of them) are matched without compiling: `.` matches any character but a newline.
 */
export function imageMatcher(name: string): ImageMatcher {
  if (/^[A-Za-z0-9_.\-/:@]*$/.test(name)) {
    return {
      test(image: string): boolean {
        if (image.length < name.length) return false;
        for (let i = 0; i < name.length; i++) {
          const c = name.charCodeAt(i);
          if (c === 46 /* . */ ? image.charCodeAt(i) === 10 : image.charCodeAt(i) !== c) return false;
        }
        return tagAndDigest.test(image.slice(name.length));
      },
    };
  }
  const re: Re2 = compileRe2('^' + name + '(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$');
  return { test: (image) => re.test(image) };
}

/** The image scalars one images run visits, in kustomize's order: the containers walk, then the fieldSpecs. */
function imageSlots(r: Resource, specs: readonly FieldSpec[]): KScalar[] {
  if (str(r.obj, 'kind') === 'CustomResourceDefinition') return [];
  const legacy: KScalar[] = [];
  const walk = (n: KNode): void => {
    if (isMap(n)) {
      for (const [k, v] of n.entries) {
        walk(v);
        if ((k === 'containers' || k === 'initContainers') && isSeq(v)) {
          for (const c of v.items) {
            const img = isMap(c) ? c.entries.get('image') : undefined;
            if (isScalar(img)) legacy.push(img);
          }
        }
      }
    } else if (isSeq(n)) n.items.forEach(walk);
  };
  walk(r.obj);
  const viaSpecs: KScalar[] = [];
  for (const fs of specs) {
    walkFieldSpec(r.obj, fs, (slot) => {
      if (isScalar(slot.node)) viaSpecs.push(slot.node);
    });
  }
  return [...legacy, ...viaSpecs];
}

/** Runs the entries over the resources; an entry whose name RE2 refuses is reported and skipped. */
export function applyImages(resources: readonly Resource[], entries: readonly ImageEntry[], specs: readonly FieldSpec[], report: (at: SourceLocation, message: string) => void, tick: () => void = () => undefined): void {
  if (entries.length === 0) return;
  const perResource = resources.map((r) => imageSlots(r, specs));
  const slots = perResource.flat();
  if (slots.length === 0) return;
  let n = 0;
  for (const e of entries) {
    if ((++n & 1023) === 0) tick();
    let m: ImageMatcher;
    try {
      m = imageMatcher(e.name);
    } catch (err) {
      if (!(err instanceof Re2SyntaxError)) throw err;
      report(e.at.name, `images: name ${JSON.stringify(e.name)} is not a valid Go regular expression (${err.message}): the entry is skipped`);
      continue;
    }
    // Per entry: every resource's containers walk, then every resource's fieldSpecs.
    for (const s of slots) rewrite(s, e, m);
  }
}

function rewrite(s: KScalar, e: ImageEntry, m: ImageMatcher): void {
  const value = s.value === null ? '' : scalarString(s);
  if (!m.test(value)) return;
  const sets = e.newName !== undefined || e.newTag !== undefined || e.digest !== undefined || e.tagSuffix !== undefined;
  if (!sets) return;
  let { name, tag, digest } = splitImage(value);
  const h = imageHistoryOf(s) ?? { name: { from: e.at.name, verbatim: false, what: 'image name' }, tags: [], related: [] };
  // The entries that matched, latest last; a long chain of renames keeps its last few (bounded copies).
  const related = [...h.related.slice(-(maxRelated - 1)), { from: e.at.name, message: `images entry ${JSON.stringify(e.name)} in ${e.kustomization}` }];
  let next: ImageHistory = { ...h, related };
  if (e.newName) {
    name = e.newName;
    next = { ...next, name: e.at.newName!, newName: e.at.newName!.from };
  }
  if (e.newTag && e.digest) {
    tag = e.newTag;
    digest = e.digest;
    next = { ...next, tags: [e.at.newTag!], digest: e.at.digest!, rewrittenBy: e.at.name };
  } else if (e.newTag) {
    tag = e.newTag;
    digest = '';
    next = { ...without(next), tags: [e.at.newTag!], rewrittenBy: e.at.name };
  } else if (e.digest) {
    tag = '';
    digest = e.digest;
    next = { ...next, tags: [], digest: e.at.digest!, rewrittenBy: e.at.name };
  } else if (e.tagSuffix) {
    tag += e.tagSuffix;
    digest = '';
    const suffix = e.at.tagSuffix!;
    const tags = next.tags.some((t) => sameLoc(t.from, suffix.from)) ? next.tags : [...next.tags, suffix];
    next = { ...without(next), tags, rewrittenBy: e.at.name };
  }
  let out = name;
  if (tag !== '') out += ':' + tag;
  if (digest !== '') out += '@' + digest;
  s.value = out;
  delete s.text;
  s.prov = { loc: next.newName ?? next.rewrittenBy ?? next.name.from, verbatim: false, what: 'image', image: next };
}

function without(h: ImageHistory): ImageHistory {
  const { digest: _d, ...rest } = h;
  return rest;
}

function sameLoc(a: SourceLocation, b: SourceLocation): boolean {
  return a.file === b.file && a.start === b.start && a.end === b.end;
}
