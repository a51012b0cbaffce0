// The nodes every reader of YAML produces: plain values that remember where each is written.

/** Offsets into the document text, end exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export type Scalar_ = string | number | bigint | boolean | null;

export interface ScalarNode {
  readonly kind: 'scalar';
  readonly value: Scalar_;
  /** Where the value is written here: the quote, the block indicator, or the `*alias`. */
  readonly span: Span;
  /** For a value reached through an alias: where the anchored value itself is written. */
  readonly anchor?: Span;
  /** How the scalar is written: plain, quoted, block. */
  readonly style: 'plain' | 'single' | 'double' | 'block';
}

export interface MapNode {
  readonly kind: 'map';
  readonly entries: ReadonlyMap<string, YNode>;
  readonly span: Span;
  /** Span of each key, for diagnostics that point at a field name. */
  readonly keySpans: ReadonlyMap<string, Span>;
}

export interface SeqNode {
  readonly kind: 'seq';
  readonly items: readonly YNode[];
  readonly span: Span;
}

export type YNode = ScalarNode | MapNode | SeqNode;
