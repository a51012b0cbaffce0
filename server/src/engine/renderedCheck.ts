// A rendered stream (a Helm render, a Kustomize build) checked as the cluster would receive it, with each
// finding moved to the line a person edits: the values line, the overlay's images entry, the base's
// image line. The stream is read and checked exactly as a file is; only where findings land differs.
import type { Value } from '../rego/value';
import type { RenderedStream, SourceLocation, ValueOrigin } from '../sources/origin';
import { placeInSources } from '../sources/place';
import { analyzeText, FileAnalysis } from './analyze';
import { checkReviews, expansionsFor, needsObjects, Violation, violationSpan } from './check';
import { emptyData } from './inventory';
import type { CheckOptions } from './options';
import type { PolicySet } from './policy';

export interface RenderedFinding {
  readonly violation: Violation;
  /** Where it belongs in the sources. */
  readonly at: SourceLocation;
  /** The origin of the value it is about (its parts, the other lines involved), when the source knows it. */
  readonly origin: ValueOrigin | undefined;
}

export interface RenderedProblem {
  readonly at: SourceLocation;
  readonly message: string;
}

export interface RenderedCheck {
  /** The stream read as a file (named by the stream). */
  readonly analysis: FileAnalysis;
  readonly findings: readonly RenderedFinding[];
  /** Rendered text that is not YAML (a template that prints broken YAML), at the line that printed it. */
  readonly problems: readonly RenderedProblem[];
}

/**
 * Checks a rendered stream. `fallback` is where findings go whose value has no known origin (the
 * kustomization or Chart.yaml that produced the stream).
 */
export function checkRendered(stream: RenderedStream, policy: PolicySet, options: CheckOptions, fallback: SourceLocation, data: Value = emptyData): RenderedCheck {
  const analysis = analyzeText(stream.name, stream.text);
  const reviews = analysis.reviews(expansionsFor(policy, options), { all: true, objects: needsObjects(policy) }) ?? [];
  const findings = checkReviews(reviews, policy, options, data).map((violation) => {
    const placed = placeInSources(stream, violationSpan(violation), fallback);
    return { violation, at: placed.at, origin: placed.origin };
  });
  const problems = analysis.parsed.errors.map((e) => {
    const placed = placeInSources(stream, { start: e.offset, end: e.offset + 1 }, fallback);
    return { at: placed.at, message: `the rendered output is not valid YAML: ${e.message}` };
  });
  return { analysis, findings, problems };
}
