// Rewrites of an untrusted image to a trusted one: mirrors first, then the constraints' own allowed
// prefixes. A candidate is kept only when every constraint that applies to the object allows it.
import type { CheckOptions } from './options';
import type { Constraint, PolicySet } from './policy';
import { matchableOf } from './scope';
import { Review } from './expansion';
import { ImageUse } from './images';
import { parseImageRef, repository, underPrefix } from './imageRef';
import { matches } from './match';
import { violates } from './policies';

/** Source registry -> trusted prefix, e.g. {"docker.io": "registry.corp.example/dockerhub"}. */
export type Mirrors = Readonly<Record<string, string>>;

export interface Candidate {
  readonly image: string;
  /** Where it comes from, for the action's title and tests. */
  readonly origin: 'mirror' | 'prefix' | 'exact';
  readonly preferred: boolean;
}

export interface RewriteResult {
  readonly candidates: Candidate[];
  /** Why there is none, when there is none. */
  readonly reason: string | undefined;
}

/** The constraints that apply to an image: those matching any review (of a file) that runs it. */
export function applicableConstraints(reviews: readonly Review[], imageNode: ImageUse['imageNode'], policy: PolicySet, options: CheckOptions): Constraint[] {
  const out = new Set<Constraint>();
  for (const review of reviews) {
    if (!review.uses.some((u) => u.imageNode === imageNode)) continue;
    const m = matchableOf(review, policy, options);
    for (const c of policy.constraints) {
      if (c.actions.length > 0 && matches(c.match, m).matched === true) out.add(c);
    }
  }
  return [...out];
}

/** True when no applicable constraint refuses `image`. */
export function satisfiesAll(image: string, constraints: readonly Constraint[]): boolean {
  return constraints.every((c) => violates(c.kind, image, c.list) !== true);
}

export function rewriteCandidates(image: unknown, constraints: readonly Constraint[], mirrors: Mirrors): RewriteResult {
  if (typeof image !== 'string') return { candidates: [], reason: 'the image is not a string' };
  const ref = parseImageRef(image);
  if (!ref) return { candidates: [], reason: `${JSON.stringify(image)} is not an image reference` };
  const proposals: Candidate[] = [];
  const mirror = mirrors[ref.registry];
  if (typeof mirror === 'string' && mirror !== '') proposals.push({ image: underPrefix(mirror, ref), origin: 'mirror', preferred: true });
  for (const c of constraints) {
    if (c.kind === 'K8sDisallowedRepos' || !c.list) continue; // disallowed lists name no trusted place
    for (const entry of c.list) {
      if (c.kind === 'K8sAllowedReposv2' && !entry.endsWith('*')) {
        const exact = parseImageRef(entry);
        if (exact && repository(exact) === repository(ref)) proposals.push({ image: entry, origin: 'exact', preferred: false });
        continue;
      }
      const prefix = c.kind === 'K8sAllowedReposv2' ? entry.slice(0, -1) : entry;
      if (prefix === '') continue;
      proposals.push({ image: underPrefix(prefix, ref), origin: 'prefix', preferred: false });
    }
  }
  const seen = new Set<string>();
  const candidates = proposals.filter((p) => {
    if (p.image === image || seen.has(p.image)) return false;
    seen.add(p.image);
    return satisfiesAll(p.image, constraints);
  });
  if (candidates.length === 0) {
    const why =
      proposals.length === 0
        ? 'no mirror is set for its registry (trustedImages.mirrors) and the constraints list no allowed prefix'
        : 'no mirror or allowed prefix gives an image that every applicable constraint allows';
    return { candidates, reason: why };
  }
  // The preferred one first; the rest in the constraints' order.
  if (!candidates.some((c) => c.preferred)) candidates[0] = { ...candidates[0]!, preferred: true };
  return { candidates, reason: undefined };
}
