// Bounds inside builtins. The evaluator counts steps and checks the clock between expressions; a
// builtin that builds a range, a string or an array does work in proportion to its output, so it is
// charged that work (before doing it) and refused past a size bound. A bound hit is a LimitError that
// names the bound: the template is reported as not evaluated, never as a pass.
import { LimitError } from './errors';

export interface BuiltinLimits {
  /** Elements of one array, set or object a builtin builds (numbers.range, array.concat...). */
  readonly maxElements: number;
  /** Characters of one string a builtin builds (concat, sprintf widths, replace...). */
  readonly maxStringLength: number;
  /**
   * Elements visited in one step comparing, encoding, printing or merging values (see value.ts's
   * valueWork): shared parts make a value built in a few steps as large as their product.
   */
  readonly maxValueWork: number;
  /** Instructions a regular expression of a policy may compile to (RE2 expands x{n} into n copies). */
  readonly maxRegexProgram: number;
}

export const defaultBuiltinLimits: BuiltinLimits = { maxElements: 1_000_000, maxStringLength: 4_000_000, maxValueWork: 4_000_000, maxRegexProgram: 50_000 };

/** What a builtin may ask of the evaluation that calls it. */
export interface BuiltinContext {
  readonly limits: BuiltinLimits;
  /** Charges work in proportion to `units` (elements or characters) to the step budget; throws when spent. */
  charge(units: number): void;
}

/** A context that charges nothing: a builtin called outside an evaluation (tests, constant folding). */
export const unmetered: BuiltinContext = { limits: defaultBuiltinLimits, charge: () => undefined };

/** Refuses, then charges, an output of n elements. */
export function elements(ctx: BuiltinContext, name: string, n: number): void {
  if (n > ctx.limits.maxElements) throw new LimitError(`${name}: ${n} elements is over the limit of ${ctx.limits.maxElements} elements per value`, 'maxElements');
  ctx.charge(n);
}

/** Refuses, then charges, an output of n characters. */
export function characters(ctx: BuiltinContext, name: string, n: number): void {
  if (n > ctx.limits.maxStringLength) throw new LimitError(`${name}: a string of ${n} characters is over the limit of ${ctx.limits.maxStringLength} characters`, 'maxStringLength');
  ctx.charge(n);
}

/** A string built piece by piece has just passed the bound (its whole length is not known). */
export function overLength(ctx: BuiltinContext, name: string): never {
  throw new LimitError(`${name}: the result is over the limit of ${ctx.limits.maxStringLength} characters`, 'maxStringLength');
}
