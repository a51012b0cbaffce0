// Fixes as text edits: rewrite an untrusted image to a trusted one (one image, or every image of a
// file), or the entry that would admit an image in a constraint's list. Plain data in, edits out: the
// language server turns them into code actions, a CLI `--fix` could apply them.
import { analyzeText, type FileAnalysis } from './analyze';
import { checkReviews, needsObjects, type Violation, violationSpan } from './check';
import { appendToList, replaceScalar, type TextEdit } from './edits';
import { paramsLists, passesWithEntry } from './admissionPolicies';
import { toJS as regoToJS } from '../rego/value';
import type { ExpansionTemplate, Review } from './expansion';
import { parseImageRef, underPrefix } from './imageRef';
import type { ImageUse } from './images';
import type { CheckOptions } from './options';
import type { Constraint, PolicySet } from './policy';
import { applicableConstraints, type Candidate, type Mirrors, rewriteCandidates, type RewriteResult, satisfiesAll } from './rewrite';

/** What a fix is computed against: the policy in force and the user's mirrors. */
export interface FixContext {
  readonly policy: PolicySet;
  readonly options: CheckOptions;
  /** The expansion templates in force (a workload's generated Pod is fixed in the workload). */
  readonly templates: readonly ExpansionTemplate[];
  readonly mirrors: Mirrors;
}

/** The trusted rewrites of one violating image. */
export function fixesFor(reviews: readonly Review[], v: Violation, ctx: FixContext): RewriteResult {
  if (!v.use) return { candidates: [], reason: 'the violation is about the object, not an image' };
  const constraints = applicableConstraints(reviews, v.use.imageNode, ctx.policy, ctx.options);
  return rewriteCandidates(v.use.image, constraints, ctx.mirrors);
}

/**
 * One edit per image value (aliases share their anchor's edit): the preferred candidate of each.
 * `a` must be a full analysis (with its text): edits are computed on the text.
 */
export function fixAllEdits(a: FileAnalysis, ctx: FixContext): TextEdit[] {
  if (a.skipped || a.text === '') return [];
  const reviews = a.reviews(ctx.templates) ?? [];
  const bySpan = new Map<number, TextEdit>();
  for (const v of checkReviews(reviews, ctx.policy, ctx.options)) {
    if (!v.use) continue;
    const best = fixesFor(reviews, v, ctx).candidates.find((c) => c.preferred);
    if (!best) continue;
    const { edit } = replaceScalar(a.text, v.use.imageNode, best.image);
    if (!bySpan.has(edit.span.start)) bySpan.set(edit.span.start, edit);
  }
  return [...bySpan.values()];
}

/** The prefix that admits this image in a constraint's own terms, e.g. `ghcr.io/` or `bitnami/`. */
export function allowEntryFor(c: Constraint, image: unknown): string | undefined {
  if (typeof image !== 'string' || c.kind === 'K8sDisallowedRepos') return undefined;
  const ref = parseImageRef(image);
  if (!ref) return undefined;
  let prefix: string;
  if (ref.explicitRegistry) prefix = `${image.slice(0, image.indexOf('/'))}/`;
  else if (image.includes('/')) prefix = `${image.slice(0, image.indexOf('/'))}/`;
  else prefix = ref.tag !== undefined || ref.digest !== undefined ? image.replace(/[:@].*$/, '') + (ref.tag !== undefined ? ':' : '@') : image;
  const entry = c.kind === 'K8sAllowedReposv2' ? (prefix === image ? image : `${prefix}*`) : prefix;
  // Only offer what actually admits the image under this constraint.
  return satisfiesAll(image, [{ ...c, list: [...(c.list ?? []), entry] }]) ? entry : undefined;
}

/** Strings in policy parameters that name a registry or a repository prefix (`registry.corp.example/`, `ghcr.io/org/`). */
function prefixesIn(v: unknown, out: Set<string>, depth = 0): void {
  if (depth > 12) return;
  if (typeof v === 'string') {
    const s = v.endsWith('*') ? v.slice(0, -1) : v;
    if (/^[a-z0-9][a-z0-9.-]*(?::[0-9]+)?\/[^\s]*$/i.test(s) && s.includes('/') && (s.endsWith('/') || /[.:]/.test(s.slice(0, s.indexOf('/'))))) out.add(s);
  } else if (Array.isArray(v)) for (const x of v) prefixesIn(x, out, depth + 1);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) prefixesIn(x, out, depth + 1);
}

/** The trusted places a workspace's policies name: image constraints' lists, and prefixes in constraint parameters and admission params. */
export function trustedPrefixes(policy: PolicySet): string[] {
  const out = new Set<string>();
  for (const c of policy.constraints) if (c.kind !== 'K8sDisallowedRepos') for (const e of c.list ?? []) out.add(c.kind === 'K8sAllowedReposv2' && e.endsWith('*') ? e.slice(0, -1) : e);
  for (const c of [...policy.regoConstraints, ...policy.celConstraints]) if (!/disallow/i.test(c.kind)) prefixesIn(c.parameters, out);
  for (const o of policy.admission?.vap.objects ?? []) {
    const v = o.value as { kind?: unknown; data?: unknown; spec?: unknown } | null;
    if (v && v.kind !== 'ValidatingAdmissionPolicy' && v.kind !== 'ValidatingAdmissionPolicyBinding') prefixesIn(v.data ?? v.spec ?? v, out);
  }
  return [...out].filter((p) => p !== '');
}

/**
 * Rewrites of an image that a policy other than the built-in check refused (Rego, CEL, a
 * ValidatingAdmissionPolicy, Kyverno): mirrors and the trusted places the policies name, each kept only
 * when the file checked again with it has no finding left on that image. `a` must be a full analysis.
 */
export function verifiedRewrites(a: FileAnalysis, v: Violation, ctx: FixContext): { node: ImageUse['imageNode']; image: string; result: RewriteResult } | undefined {
  if (v.use || !v.at || a.skipped || a.text === '') return undefined;
  const at = v.at;
  let use: ImageUse | undefined;
  for (const r of a.reviews(ctx.templates, { all: true }) ?? []) {
    use = r.uses.find((u) => u.imageNode.span.start === at.start);
    if (use) break;
  }
  if (!use || typeof use.image !== 'string') return undefined;
  const image = use.image;
  const ref = parseImageRef(image);
  if (!ref) return undefined;
  const proposals: Candidate[] = [];
  const mirror = ctx.mirrors[ref.registry];
  if (typeof mirror === 'string' && mirror !== '') proposals.push({ image: underPrefix(mirror, ref), origin: 'mirror', preferred: true });
  for (const p of trustedPrefixes(ctx.policy)) proposals.push({ image: underPrefix(p, ref), origin: 'prefix', preferred: false });
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const p of proposals) {
    if (p.image === image || seen.has(p.image) || candidates.length >= 5) continue;
    seen.add(p.image);
    // The file as it would be, checked again: nothing may refuse the image any more.
    const { edit } = replaceScalar(a.text, use.imageNode, p.image);
    const text = a.text.slice(0, edit.span.start) + edit.newText + a.text.slice(edit.span.end);
    const again = analyzeText(a.file, text);
    const reviews = again.reviews(ctx.templates, { all: true, objects: needsObjects(ctx.policy) }) ?? [];
    const left = checkReviews(reviews, ctx.policy, ctx.options).filter((x) => {
      const s = violationSpan(x).start;
      return s >= edit.span.start && s <= edit.span.start + edit.newText.length;
    });
    if (left.length === 0) candidates.push(p);
  }
  if (candidates.length > 0 && !candidates.some((c) => c.preferred)) candidates[0] = { ...candidates[0]!, preferred: true };
  return { node: use.imageNode, image, result: { candidates, reason: candidates.length > 0 ? undefined : 'no mirror or trusted prefix the policies name gives an image they all allow' } };
}

/** An entry added to a ValidatingAdmissionPolicy's params list: the policy side of a fix. */
export interface ParamsFix {
  readonly title: string;
  /** The params file, as the caller names files. */
  readonly file: string;
  readonly edit: TextEdit;
}

/**
 * For an image a ValidatingAdmissionPolicy refuses: the registry (or registry/repository prefix) added to
 * the list of trusted places its params object holds, when one does, and only when the object then
 * passes (checked again with the changed params). `textOf` gives a params file's current text.
 */
export function paramsAllowFix(reviews: readonly Review[], v: Violation, ctx: FixContext, textOf: (file: string) => string | undefined): ParamsFix | undefined {
  const admission = ctx.policy.admission;
  if (!admission || v.constraint.engine !== 'vap' || !v.at) return undefined;
  const at = v.at;
  const review = reviews.find((r) => r.origin === v.object && r.source === 'Original');
  const use = reviews.flatMap((r) => r.uses).find((u) => u.imageNode.span.start === at.start);
  const object = review?.rego?.review.get('object');
  if (!use || typeof use.image !== 'string' || !object || typeof object !== 'object') return undefined;
  const ref = parseImageRef(use.image);
  if (!ref) return undefined;
  const json = regoToJS(object);
  const defaultNamespace = ctx.options.namespace === '*' ? undefined : ctx.options.namespace;
  const first = ref.path.includes('/') ? ref.path.slice(0, ref.path.indexOf('/')) : undefined;
  const entries = [`${ref.registry}/`, ...(first ? [`${ref.registry}/${first}/`] : [])];
  for (const list of paramsLists(admission, v.constraint)) {
    const text = textOf(list.object.file);
    if (text === undefined) continue;
    for (const entry of entries) {
      if (!passesWithEntry(admission, v.constraint, list, entry, json, defaultNamespace)) continue;
      const edit = appendToList(text, list.node, entry);
      if (!edit) continue;
      const name = (list.object.source.value as { kind?: unknown; metadata?: { name?: unknown } }).metadata?.name;
      return { title: `Allow \`${entry}\` in ${String((list.object.source.value as { kind?: unknown }).kind)} ${String(name)} (${list.path.join('.')})`, file: list.object.file, edit };
    }
  }
  return undefined;
}
