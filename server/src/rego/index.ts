// The Rego engine's front door: compile a ConstraintTemplate's Rego (and its libs) once, then evaluate
// its `violation` rule for one review at a time, as Gatekeeper does.
import { Module } from './ast';
import { compilePolicy, CompiledPolicy, RegoCompileError } from './compile';
import { BudgetError, EvalError, UnsupportedError } from './errors';
import { defaultLimits, EvalLimits, Evaluator } from './eval';
import { RegoSyntaxError } from './lexer';
import { parseModule } from './parser';
import { fromJS, isObject, RObject, Value } from './value';

export { defaultLimits } from './eval';
export type { EvalLimits } from './eval';
export type { CompiledPolicy } from './compile';

export interface RegoProblem {
  readonly message: string;
  /** 0: the template's rego; i > 0: libs[i - 1]. */
  readonly module: number;
  /** 0-based, inside that source. */
  readonly line: number;
  readonly col: number;
}

export type CompileOutcome = { readonly ok: true; readonly policy: CompiledPolicy } | { readonly ok: false; readonly problem: RegoProblem };

export function compileRego(rego: string, libs: readonly string[] = []): CompileOutcome {
  const modules: Module[] = [];
  const sources = [rego, ...libs];
  for (let i = 0; i < sources.length; i++) {
    try {
      modules.push(parseModule(sources[i]!));
    } catch (e) {
      if (e instanceof RegoSyntaxError) return { ok: false, problem: { message: `rego_parse_error: ${e.message}`, module: i, line: e.line, col: e.col } };
      if (e instanceof RangeError) return { ok: false, problem: { message: 'rego_parse_error: the source nests too deeply to read', module: i, line: 0, col: 0 } };
      throw e;
    }
  }
  try {
    return { ok: true, policy: compilePolicy(modules) };
  } catch (e) {
    if (e instanceof RegoCompileError) return { ok: false, problem: { message: e.message.startsWith('rego_') ? e.message : `rego_compile_error: ${e.message}`, module: e.module, line: e.line, col: e.col } };
    if (e instanceof RangeError) return { ok: false, problem: { message: 'rego_compile_error: the source nests too deeply to compile', module: 0, line: 0, col: 0 } };
    throw e;
  }
}

export interface RegoResult {
  readonly msg: string;
  readonly details: unknown;
}

export type EvalOutcome =
  | { readonly ok: true; readonly results: readonly RegoResult[]; readonly steps: number }
  | {
      readonly ok: false;
      readonly error: string;
      readonly unsupported: boolean;
      /** Out of its budget per object: steps, wall time, or a bound inside a builtin (named in error). */
      readonly overBudget?: boolean;
    };

/** The inventory as a Rego data document: { inventory: ... }. */
export function dataDocument(inventory: Value | undefined): Value {
  return RObject.fromEntries([['inventory', inventory ?? new RObject()]]);
}

/** Evaluates `violation` for one input ({review, parameters}); messages as Gatekeeper reads them. */
export function evaluateRego(policy: CompiledPolicy, input: Value, data: Value, limits: EvalLimits = defaultLimits): EvalOutcome {
  const ev = new Evaluator(policy, input, data, limits);
  let elements: Value[];
  try {
    elements = ev.violations();
  } catch (e) {
    if (e instanceof BudgetError) return { ok: false, error: e.message, unsupported: false, overBudget: true };
    if (e instanceof EvalError) return { ok: false, error: e.message, unsupported: false };
    if (e instanceof UnsupportedError) return { ok: false, error: e.message, unsupported: true };
    if (e instanceof RangeError) {
      // The stack, or a string or array past what JavaScript holds: named, never a crash.
      const error = /call stack/i.test(e.message) ? 'evaluation stopped: the template nests too deeply' : `evaluation stopped: a value over JavaScript's limits (${e.message})`;
      return { ok: false, error, unsupported: false, overBudget: true };
    }
    throw e;
  }
  const results: RegoResult[] = [];
  for (const el of elements) {
    if (!isObject(el)) continue;
    const msg = el.get('msg');
    results.push({ msg: typeof msg === 'string' ? msg : msg === undefined ? '' : JSON.stringify(msg), details: el.get('details') });
  }
  return { ok: true, results, steps: ev.stepsTaken };
}

export { fromJS };
