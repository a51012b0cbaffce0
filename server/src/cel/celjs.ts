// The one place that loads the CEL library we build on (@marcbachmann/cel-js, chosen in
// /work/notes/cel-choice.md). It is an ES module and this project compiles as CommonJS, so it is
// loaded with require (Node >= 20.19 and esbuild both handle that) and typed through an import type
// with resolution-mode; everything else in server/src/cel imports it from here.
type CelJs = typeof import('@marcbachmann/cel-js', { with: { 'resolution-mode': 'import' } });

let loaded: CelJs | undefined;

/** The library, loaded at its first use: a check or render without CEL does not pay its start-up (about 5 ms). */
export function celjs(): CelJs {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('@marcbachmann/cel-js') as CelJs);
}

export type Environment = InstanceType<CelJs['Environment']>;
export type ParseResult = ReturnType<Environment['parse']>;
export type Optional = InstanceType<CelJs['Optional']>;

// What our macros (library/comprehensions, optionals, has, listsExt) use of cel-js's type checker and
// evaluator. The library does not export these types; they are declared once here, as structures.
export interface MacroType {
  kind: string;
  keyType?: MacroType;
  valueType?: MacroType;
}
export interface MacroScope {
  forkWithVariable(name: string, type: MacroType): MacroScope;
  reuse(parent: unknown): MacroScope;
  setIterValue(v: unknown, ev: unknown): MacroScope;
}
export interface MacroChecker {
  check(node: unknown, ctx: MacroScope): MacroType;
  getType(name: string): MacroType;
  registry: { getListType(t: MacroType): MacroType; getMapType(k: MacroType, v: MacroType): MacroType; getOptionalType?(t: MacroType): MacroType };
  createError(code: string, message: string, node: unknown): Error;
}
export interface MacroEvaluator {
  run(node: unknown, ctx: unknown): unknown;
}

/** A CEL runtime error raised from one of our functions (it keeps CEL's error semantics: `||`/`&&` absorb it). */
export function celRuntimeError(message: string): Error {
  return new (celjs().EvaluationError)(message);
}
