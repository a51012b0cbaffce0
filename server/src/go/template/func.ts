// What a template function is and what it can reach while it runs: the executor, seen through the
// few members include and tpl need (its own module, so the builtins and the executor do not import
// each other).
import type { TemplateDef, TemplateSet } from './set';
import type { GoString, Src } from './text';
import type { Value } from './value';

/** A function a template may call. */
export interface FuncDef {
  readonly fn: (args: Value[], call: Call) => Value;
  /** Fixed argument count, or the minimum when variadic. */
  readonly n: number;
  readonly variadic?: boolean;
}

/** What a function call can see: the executor, to run templates (include, tpl). */
export interface Call {
  readonly exec: Runner;
  readonly name: string;
  /** The template source location of the call, for provenance of computed text. */
  readonly at: Src | undefined;
}

/** The executor as functions see it. */
export interface Runner {
  readonly set: TemplateSet;
  readonly funcs: ReadonlyMap<string, FuncDef>;
  /** The set templates resolve in while a tpl runs (its clone with the tpl's own defines). */
  currentSet: TemplateSet | undefined;
  lookup(name: string): TemplateDef | undefined;
  /** Runs a definition in a new frame with data as dot and $. */
  run(def: TemplateDef, data: Value, set?: TemplateSet): GoString;
  /** Throws the maxMillis bound when the render's time is up (for functions that work long in one call). */
  checkTime(): void;
}
