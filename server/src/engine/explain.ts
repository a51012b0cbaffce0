// Why an image is allowed or refused: every constraint's verdict on one image, for hovers.
import { evaluatePolicy } from './check';
import type { CheckOptions } from './options';
import type { Constraint, PolicySet } from './policy';
import { variantFor } from './policySet';
import { matchableOf } from './scope';
import { ObjectRef, Review } from './expansion';
import { ImageUse } from './images';
import { matches } from './match';
import { decidingEntry } from './policies';

export type VerdictStatus = 'allowed' | 'refused' | 'not-matched' | 'match-error' | 'not-enforced' | 'not-evaluated';

export interface ConstraintVerdict {
  readonly constraint: Constraint;
  readonly status: VerdictStatus;
  /** Why, in a sentence. */
  readonly detail: string;
  /** Gatekeeper's message when refused. */
  readonly message: string | undefined;
}

export interface ImageExplanation {
  readonly object: ObjectRef;
  readonly use: ImageUse;
  readonly verdicts: ConstraintVerdict[];
}

/** The image whose value covers `offset`, and every constraint's verdict on it. */
export function explainAt(reviews: readonly Review[], policy: PolicySet, options: CheckOptions, offset: number): ImageExplanation | undefined {
  for (const review of reviews) {
    const use = review.uses.find((u) => offset >= u.imageNode.span.start && offset <= u.imageNode.span.end);
    if (!use) continue;
    const object = review.origin;
    const matchable = matchableOf(review, policy, options);
    const verdicts: ConstraintVerdict[] = policy.constraints.map((c) => {
      if (c.actions.length === 0) return { constraint: c, status: 'not-enforced', detail: 'no enforcement action applies at admission', message: undefined };
      const m = matches(c.match, matchable);
      if (m.matched === false) return { constraint: c, status: 'not-matched', detail: `does not apply: ${m.reason}`, message: undefined };
      if (m.matched === 'error') return { constraint: c, status: 'match-error', detail: `Gatekeeper cannot match it: ${m.error}`, message: undefined };
      const outcome = evaluatePolicy(c, variantFor(policy, c.kind), review).find((o) => o.use.imageNode === use.imageNode);
      if (!outcome) {
        return { constraint: c, status: 'not-evaluated', detail: `its template does not check ${use.field} of this object`, message: undefined };
      }
      if (outcome.violated === undefined) {
        return {
          constraint: c,
          status: 'not-evaluated',
          detail: c.list === undefined ? `it has no ${c.kind === 'K8sAllowedReposv2' ? 'allowedImages' : 'repos'}, so its Rego reports nothing` : 'the container has no name, so its Rego reports nothing',
          message: undefined,
        };
      }
      const list = c.list ?? [];
      if (outcome.violated) {
        const detail =
          c.kind === 'K8sDisallowedRepos'
            ? `refused: starts with ${JSON.stringify(decidingEntry(c.kind, String(use.image), list))}`
            : typeof use.image !== 'string'
              ? 'refused: the image is not a string'
              : list.length === 0
                ? 'refused: the list is empty, so every image is refused'
                : `refused: matches none of ${JSON.stringify(list)}`;
        return { constraint: c, status: 'refused', detail, message: outcome.message };
      }
      const detail =
        c.kind === 'K8sDisallowedRepos'
          ? typeof use.image === 'string'
            ? `allowed: starts with none of ${JSON.stringify(list)}`
            : 'allowed: the image is not a string, so no prefix can match'
          : `allowed by ${JSON.stringify(decidingEntry(c.kind, String(use.image), list))}`;
      return { constraint: c, status: 'allowed', detail, message: undefined };
    });
    return { object, use, verdicts };
  }
  return undefined;
}
