// Fixes as text edits: rewrite an untrusted image to a trusted one (one image, or every image of a
// file), or the entry that would admit an image in a constraint's list. Plain data in, edits out: the
// language server turns them into code actions, a CLI `--fix` could apply them.
import type { FileAnalysis } from './analyze';
import { checkReviews, type Violation } from './check';
import { replaceScalar, type TextEdit } from './edits';
import type { ExpansionTemplate, Review } from './expansion';
import { parseImageRef } from './imageRef';
import type { CheckOptions } from './options';
import type { Constraint, PolicySet } from './policy';
import { applicableConstraints, type Mirrors, rewriteCandidates, type RewriteResult, satisfiesAll } from './rewrite';

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
