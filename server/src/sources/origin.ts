// What an object source (a Helm render, a Kustomize build) hands the engine: the YAML stream the
// cluster would receive, and for the values in it, where a person would edit them. The engine checks
// the stream as it checks a file, then moves each diagnostic, hover and quick fix to its origin.

/** A range of a file's text, end exclusive (UTF-16 offsets, as in every Span). */
export interface SourceLocation {
  /** The file as the source was given it (the same path or URI string its SourceFiles answered for). */
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

/**
 * A stretch of a rendered value and where it comes from. `verbatim`: the stretch is exactly the text
 * at `from` (a plain or quoted scalar without escapes, read as written), so an edit of the stretch
 * is the same edit of that text. A stretch that was computed (`upper`, `printf "%d"`, a default
 * chosen by a condition) is not verbatim: it can be shown, not edited.
 */
export interface OriginPart {
  /** Offsets inside the value string (not the rendered text). */
  readonly start: number;
  readonly end: number;
  readonly from: SourceLocation;
  readonly verbatim: boolean;
  /** What this part is, for people: `values image.repository`, `images[0].newTag`, `template`... */
  readonly what: string;
}

/** The origin of one rendered scalar. */
export interface ValueOrigin {
  /** Where a diagnostic about this value belongs: the line a person edits to change it. */
  readonly primary: SourceLocation;
  /** The pieces of the value, in order, where they are known. */
  readonly parts: readonly OriginPart[];
  /** Other places involved (the template line that printed it, the overlays it went through). */
  readonly related: ReadonlyArray<{ readonly from: SourceLocation; readonly message: string }>;
}

/** A rendered YAML stream and the origins of its scalars. */
export interface RenderedStream {
  /** A name for the stream (e.g. `chart/ (release web)`, `overlays/prod/kustomization.yaml`). */
  readonly name: string;
  /** The YAML documents, as `helm template` or `kubectl kustomize` prints them. */
  readonly text: string;
  /**
   * Origins of scalars of `text`, keyed by the scalar's value span in `text` (start and end offsets
   * of the value as written, quotes included), sorted by start.
   */
  readonly origins: ReadonlyArray<{ readonly start: number; readonly end: number; readonly origin: ValueOrigin }>;
}

/** A problem a source met (a render error, a missing base, a remote resource not fetched). */
export interface SourceProblem {
  readonly at: SourceLocation;
  readonly message: string;
  readonly severity: 'error' | 'warning' | 'info';
}

/**
 * Read-only access to the files a source may read. The engine never opens a file: the workspace layer
 * answers from disk or from an editor's unsaved text. Paths are POSIX, as the caller gave the root.
 */
export interface SourceFiles {
  /** The text of a file, or undefined when it does not exist, is a directory or cannot be read. */
  read(path: string): string | undefined;
  /** The names in a directory (files and directories), or undefined when it is not one. */
  list(path: string): readonly string[] | undefined;
  /** The bytes of a file (for packed charts), when the caller can give them. */
  readBytes?(path: string): Uint8Array | undefined;
  /** gunzip, when the caller has one (the engine stays free of Node's zlib). */
  gunzip?(bytes: Uint8Array): Uint8Array;
}

/** The origin whose span holds an offset of the rendered text (binary search over sorted origins). */
export function originAt(stream: RenderedStream, offset: number): ValueOrigin | undefined {
  const o = stream.origins;
  let lo = 0;
  let hi = o.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = o[mid]!;
    if (offset < e.start) hi = mid - 1;
    else if (offset >= e.end) lo = mid + 1;
    else return e.origin;
  }
  return undefined;
}
