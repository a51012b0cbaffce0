// The syntax tree of Rego as ConstraintTemplates use it. Every node keeps its 0-based line and column.
import type { Value } from './value';

export interface Pos {
  readonly line: number;
  readonly col: number;
}

export type Term =
  | { readonly t: 'scalar'; readonly v: Value; readonly pos: Pos }
  | { readonly t: 'var'; readonly name: string; readonly pos: Pos }
  | { readonly t: 'ref'; readonly head: Term; readonly path: readonly Term[]; readonly pos: Pos }
  | { readonly t: 'array'; readonly items: readonly Term[]; readonly pos: Pos }
  | { readonly t: 'set'; readonly items: readonly Term[]; readonly pos: Pos }
  | { readonly t: 'object'; readonly pairs: readonly (readonly [Term, Term])[]; readonly pos: Pos }
  | { readonly t: 'arraycomp'; readonly head: Term; readonly body: readonly Expr[]; readonly pos: Pos }
  | { readonly t: 'setcomp'; readonly head: Term; readonly body: readonly Expr[]; readonly pos: Pos }
  | { readonly t: 'objcomp'; readonly key: Term; readonly value: Term; readonly body: readonly Expr[]; readonly pos: Pos }
  /** fn: the dotted name as written (`sprintf`, `object.get`, `data.lib.x.f`) or an operator's builtin name. */
  | { readonly t: 'call'; readonly fn: readonly string[]; readonly args: readonly Term[]; readonly pos: Pos };

export interface WithModifier {
  readonly target: Term;
  readonly value: Term;
}

export type Expr =
  | { readonly e: 'term'; readonly term: Term; readonly negated: boolean; readonly withs: readonly WithModifier[]; readonly pos: Pos }
  | { readonly e: 'unify'; readonly lhs: Term; readonly rhs: Term; readonly negated: boolean; readonly withs: readonly WithModifier[]; readonly pos: Pos }
  | { readonly e: 'assign'; readonly lhs: Term; readonly rhs: Term; readonly withs: readonly WithModifier[]; readonly pos: Pos }
  | { readonly e: 'some'; readonly vars: readonly string[]; readonly pos: Pos }
  /** `some k, v in coll` (key undefined for `some v in coll`). */
  | { readonly e: 'somein'; readonly key: Term | undefined; readonly value: Term; readonly coll: Term; readonly pos: Pos }
  | { readonly e: 'every'; readonly key: Term | undefined; readonly value: Term; readonly domain: Term; readonly body: readonly Expr[]; readonly pos: Pos };

export type RuleKind = 'complete' | 'partialset' | 'partialobject' | 'function';

export interface Rule {
  readonly name: string;
  readonly kind: RuleKind;
  readonly args: readonly Term[];
  /** Partial set: the element; partial object: the key. */
  readonly key: Term | undefined;
  /** Complete, partial object and function: the value (true when the head has none). */
  readonly value: Term | undefined;
  readonly body: readonly Expr[];
  readonly elseRule: Rule | undefined;
  readonly isDefault: boolean;
  readonly pos: Pos;
}

export interface Import {
  readonly path: readonly string[];
  readonly alias: string | undefined;
  readonly pos: Pos;
}

export interface Module {
  readonly pkg: readonly string[];
  readonly imports: readonly Import[];
  readonly rules: readonly Rule[];
  /** Whether v1 keywords (if, contains, in, every) are on. */
  readonly v1: boolean;
}
