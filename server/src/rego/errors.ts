// The ways an evaluation can fail.

/** A builtin's type or domain error: in OPA's default (non-strict) mode the call is undefined. */
export class BuiltinError extends Error {}

/** Something valid that Trusted Images does not evaluate: the template is reported as not evaluated. */
export class UnsupportedError extends Error {}

/** The evaluation is in error as a whole (a conflict, a budget spent): no results, a message instead. */
export class EvalError extends Error {}

/**
 * A builtin asked for more than a bound allows (a range, a string, an array): the evaluation stops
 * with the bound named. Never undefined: an undefined call could turn a deny into a silent pass. The
 * bounds are part of the budget per object: a template that hits them is counted as over its budget
 * (and, after a few objects, not evaluated again), as one that runs out of steps is.
 */
/** The evaluation ran out of its budget per object: steps, wall time, or a bound (LimitError). */
export class BudgetError extends EvalError {}

export class LimitError extends BudgetError {
  constructor(what: string, bound: string) {
    super(`${what} (${bound}, a bound of the budget per object)`);
  }
}
