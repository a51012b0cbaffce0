// The failure kustomize would stop a build on (a missing base, a cycle, a bound hit): the build
// prints nothing and reports it where it happened.
import type { SourceLocation } from '../sources/origin';

export class BuildFailure extends Error {
  constructor(
    message: string,
    readonly at?: SourceLocation,
  ) {
    super(message);
  }
}
