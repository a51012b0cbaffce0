// Gatekeeper's own wording around a policy's messages: the prefix of results on generated resources and
// the error of a match that cannot be decided.
import type { Review } from './expansion';

/** A result on a resource an ExpansionTemplate generated carries the template's name, as Gatekeeper prints it. */
export function impliedMessage(review: Review, message: string): string {
  return review.impliedBy ? `[Implied by ${review.impliedBy}] ${message}` : message;
}

export function autorejectMessage(objectName: string, error: string): string {
  return `unable to match constraints: error matching the requested object: ${objectName} :failed to run Match criteria: ${error}`;
}
