// The ways an evaluation can fail.

/** A builtin's type or domain error: in OPA's default (non-strict) mode the call is undefined. */
export class BuiltinError extends Error {}

/** Something valid that Trusted Images does not evaluate: the template is reported as not evaluated. */
export class UnsupportedError extends Error {}

/** The evaluation is in error as a whole (a conflict, a budget spent): no results, a message instead. */
export class EvalError extends Error {}

/**
 * A builtin asked for more than a bound allows (a range, a string, an array): the evaluation stops
 * with the bound named. Never undefined: an undefined call could turn a deny into a silent pass.
 */
export class LimitError extends EvalError {}
