// From the rendered stream back to what a person edits: where a finding about a rendered value belongs,
// and the edit of the source text that turns the value into another.
import type { Span } from '../yaml/nodes';
import { originAt, RenderedStream, SourceLocation, ValueOrigin } from './origin';

export interface Placed {
  /** Where the finding is shown: the origin's primary location, else the fallback. */
  readonly at: SourceLocation;
  readonly origin: ValueOrigin | undefined;
}

/** Where a finding about the rendered text at `span` belongs in the sources. */
export function placeInSources(stream: RenderedStream, span: Span, fallback: SourceLocation): Placed {
  const origin = originAt(stream, span.start);
  return { at: origin?.primary ?? fallback, origin };
}

export interface SourceEdit {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly newText: string;
}

/**
 * The edit of a source file that turns a rendered value `from` into `to`, when the part that changes lies
 * inside one verbatim part of the value's origin (e.g. a registry set by one values key); undefined when
 * the change crosses computed text or several sources, which no single edit can make.
 */
export function editThroughOrigin(origin: ValueOrigin, from: string, to: string): SourceEdit | undefined {
  if (from === to) return undefined;
  let head = 0;
  while (head < from.length && head < to.length && from[head] === to[head]) head++;
  let tail = 0;
  while (tail < from.length - head && tail < to.length - head && from[from.length - 1 - tail] === to[to.length - 1 - tail]) tail++;
  const start = head;
  const end = from.length - tail;
  const newText = to.slice(head, to.length - tail);
  // A part that holds the whole change; for an insertion, the part it starts in wins over the part it ends.
  const fits = (p: ValueOrigin['parts'][number]) => p.verbatim && p.start <= start && end <= p.end && (start < p.end || start === end);
  const inside = origin.parts.filter(fits);
  const part = inside.find((p) => start < p.end) ?? inside[0];
  if (!part) return undefined;
  const at = part.from.start + (start - part.start);
  return { file: part.from.file, start: at, end: at + (end - start), newText };
}
