// CEL for the policy engines (Gatekeeper's K8sNativeValidation, ValidatingAdmissionPolicy, Kyverno):
// one environment shaped like the Kubernetes API server's base environment: cel-go's standard
// library, optional types, homogeneous aggregate literals, cel-go's strings extension (code-point
// indexes, string.format, strings.quote), sets, two-variable comprehensions, and Kubernetes' lists,
// regex (RE2), url, quantity, ip/cidr and semver libraries (library/). Each expression is compiled once
// and evaluated under a cost, time and size budget. Built on @marcbachmann/cel-js (see celjs.ts;
// why: /work/notes/cel-choice.md). Gatekeeper's template semantics live in gatekeeper.ts.
//
// API
//   celEnv({ variables: ['object', 'oldObject', 'params', 'request', 'namespaceObject', 'variables'],
//            functions?: [{ signature: 'string.myFn(int): string', handler: (s, i) => ... }] })
//     Top-level names are typed dyn; any other name is a compile error. Extension functions use the
//     library's signature syntax: `name(type, ...): type` for a global, `receiver.name(...): type` for
//     a method; types are int, uint, double, bool, string, bytes, null, list, map, list<string>,
//     map<string, dyn>, dyn, ... A name the environment already has cannot be registered again.
//     Handlers get CEL values (see Values) and throw celRuntimeError(...) for a CEL error.
//     An environment is cheap (~0.1 ms: a clone of one base built once per process).
//   compileCel(env, expression) -> { ok: true, program } | { ok: false, error: CelError }
//     CelError.offset/end: UTF-16 offsets into expression; kind: parse | type | unknown-function (a
//     constant regular expression RE2 refuses is a 'type' error at the pattern, as cel-go's regex
//     optimizations report it when the program is built)
//     ('cost' is reserved: there is no static cost estimate, the budget is enforced at runtime).
//     program.type is the checked result type (bool, string, dyn, ...), for callers that require one.
//   program.evaluate(activation, { maxCost?, maxMillis? }) -> { ok: true, value } | { ok: false, error, bound? }
//     activation: the top-level names' values (celValue / celValueFromYaml). An entry may be a getter
//     (computed on first access); celLazyMap({ name: () => value }) builds a map whose entries are,
//     which is how `variables.x` is done: compute throws to fail that one entry. A bound hit ends with
//     bound 'cost' (default budget 1,000,000, Kubernetes' per-call limit), 'time' (default 1000 ms)
//     or 'size' (a string or list over 4M elements). Evaluations nested inside a lazy entry share the
//     outer evaluation's budget.
//   celValue(json)    JSON-like JS -> CEL value: integral numbers and bigints -> int, other numbers
//                     -> double, arrays -> list, objects -> map (null prototype).
//   celValueFromYaml(node, text)  a YAML node (yaml/nodes.ts) -> CEL value, ints told from doubles by
//                     how the number is written (`1` int, `1.0` double), as Kubernetes decodes them.
//   celToString(v)    a CEL value as text for messages.
//
// Values: int = bigint, uint = UnsignedInt, double = number, string, bool, null, bytes = Uint8Array,
// list = Array, map = plain object (or Map for non-string keys), optional = Optional.
import { celjs, type Environment, type ParseResult } from './celjs';
import { activeMeter, BoundHit, instrument, withMeter, type Bound, type Meter } from './budget';
import { registerKubernetesLibraries, rewriteCalls, userFacingNames } from './library';
import { registerNamespace } from './library/namespace';
import { constantRegexError } from './library/regex';

export { celValue, celValueFromYaml, celToString, celLazyMap } from './values';
export { celRuntimeError } from './celjs';

export interface CelFunction {
  /** e.g. `string.charAt(int): string`, `isSorted(list): bool` (the library's signature syntax). */
  readonly signature: string;
  readonly handler: (...args: never[]) => unknown;
  /**
   * Makes a global function callable as `<namespace>.<name>(...)` instead (cel-go's namespaced
   * functions, e.g. Kyverno's); the signature is then a global one, `name(types): type`.
   */
  readonly namespace?: string;
}

export interface CelEnvOptions {
  /** Top-level names, typed dyn, e.g. object, oldObject, params, request, namespaceObject, authorizer, variables. */
  readonly variables: readonly string[];
  /** Extension functions (Kyverno adds its own). */
  readonly functions?: readonly CelFunction[];
}

export interface CelEnv {
  readonly variables: readonly string[];
  /** @internal */
  readonly environment: Environment;
}

export interface CelError {
  readonly message: string;
  /** UTF-16 offset in the expression. */
  readonly offset: number;
  /** UTF-16 offset where the offending part ends (>= offset). */
  readonly end: number;
  readonly kind: 'parse' | 'type' | 'unknown-function' | 'cost' | 'runtime';
}

export interface CelLimits {
  readonly maxCost?: number;
  readonly maxMillis?: number;
}

export type CelResult = { ok: true; value: unknown } | { ok: false; error: string; bound?: Bound };

export interface CelProgram {
  readonly expression: string;
  /** The checked result type, as the library names it: bool, int, string, list<string>, map, dyn, ... */
  readonly type: string;
  evaluate(activation: Readonly<Record<string, unknown>>, limits?: CelLimits): CelResult;
}

/** Kubernetes' per-expression runtime cost limit (apiserver PerCallLimit). */
export const defaultMaxCost = 1_000_000;
export const defaultMaxMillis = 1000;

let base: Environment | undefined;

function baseEnvironment(): Environment {
  if (base === undefined) {
    // Kubernetes' base environment turns on HomogeneousAggregateLiterals and optional types.
    const env = new (celjs().Environment)({ enableOptionalTypes: true, homogeneousAggregateLiterals: true });
    registerKubernetesLibraries(env);
    base = env;
  }
  return base;
}

export function celEnv(options: CelEnvOptions): CelEnv {
  const environment = baseEnvironment().clone();
  for (const name of options.variables) environment.registerVariable(name, 'dyn');
  const namespaces = new Map<string, string>();
  for (const f of options.functions ?? []) {
    if (f.namespace === undefined) {
      environment.registerFunction(f.signature, f.handler as (...args: unknown[]) => unknown);
      continue;
    }
    let typeName = namespaces.get(f.namespace);
    if (typeName === undefined) {
      typeName = `${f.namespace.replace(/[^A-Za-z0-9_]/g, '_')}Namespace`;
      registerNamespace(environment, f.namespace, typeName);
      namespaces.set(f.namespace, typeName);
    }
    const handler = f.handler as (...args: unknown[]) => unknown;
    environment.registerFunction(`${typeName}.${f.signature}`, (_ns: unknown, ...args: unknown[]) => handler(...args));
  }
  return { variables: [...options.variables], environment };
}

interface LibError {
  code?: string;
  summary?: string;
  message?: string;
  range?: { start: number; end: number };
}

function celError(e: unknown, kind: CelError['kind'], expression: string): CelError {
  const err = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as LibError;
  const start = Math.max(0, Math.min(err.range?.start ?? 0, expression.length));
  const end = Math.max(start, Math.min(err.range?.end ?? start, expression.length));
  return { message: userFacingNames(err.summary ?? err.message ?? String(e)), offset: start, end, kind };
}

/** The called name when it is no function of the environment at all (not just a bad overload). */
function isUnknownFunction(env: Environment, e: LibError): string | undefined {
  if (e.code !== 'no_matching_overload') return undefined;
  const m = /for '(?:[\w<>, ]+\.)?([A-Za-z_][\w~]*)\(/.exec(e.summary ?? '');
  if (m === null) return undefined;
  const name = m[1]!;
  return env.getDefinitions().functions.some((f) => f.name === name) ? undefined : userFacingNames(name);
}

export function compileCel(env: CelEnv, expression: string): { ok: true; program: CelProgram } | { ok: false; error: CelError } {
  let parsed: ParseResult;
  try {
    parsed = env.environment.parse(expression);
  } catch (e) {
    return { ok: false, error: celError(e, 'parse', expression) };
  }
  rewriteCalls(parsed.ast);
  const badRegex = constantRegexError(parsed.ast);
  if (badRegex !== undefined) return { ok: false, error: { message: badRegex.message, offset: badRegex.start, end: badRegex.end, kind: 'type' } };
  const checked = parsed.check();
  if (!checked.valid) {
    const e = checked.error as LibError;
    if (e.code === undefined && !(checked.error instanceof Error)) return { ok: false, error: celError(e, 'type', expression) };
    const unknown = isUnknownFunction(env.environment, e);
    const error = celError(e, unknown !== undefined ? 'unknown-function' : 'type', expression);
    // cel-go's words, which Kubernetes users see in their API server's errors.
    if (unknown !== undefined) return { ok: false, error: { ...error, message: `undeclared reference to '${unknown}'` } };
    const variable = /^Unknown variable: (.*)$/.exec(error.message);
    if (variable !== null) return { ok: false, error: { ...error, message: `undeclared reference to '${variable[1]}'` } };
    return { ok: false, error };
  }
  instrument(parsed.ast);
  return { ok: true, program: new Program(expression, checked.type ?? 'dyn', parsed) };
}

/** The library's runtime messages in cel-go's words where they differ only in wording. */
function celGoWording(message: string): string {
  return message
    .replace(/^No such key: index out of bounds, index (-?\d+) >= size (\d+)$/, "index '$1' out of range in list size '$2'")
    .replace(/^No such key: /, 'no such key: ')
    .replace(/^Unknown variable: /, 'no such attribute: ');
}

class Program implements CelProgram {
  constructor(
    readonly expression: string,
    readonly type: string,
    private readonly run: ParseResult,
  ) {}

  evaluate(activation: Readonly<Record<string, unknown>>, limits?: CelLimits): CelResult {
    const meter: Meter = activeMeter() ?? {
      cost: 0,
      maxCost: limits?.maxCost ?? defaultMaxCost,
      deadline: Date.now() + (limits?.maxMillis ?? defaultMaxMillis),
      hit: undefined,
    };
    try {
      const value = withMeter(meter, () => this.run(activation as Record<string, unknown>));
      if (meter.hit !== undefined) return { ok: false, error: meter.hit.message, bound: meter.hit.bound };
      if (value instanceof Promise) return { ok: false, error: 'asynchronous functions are not supported' };
      return { ok: true, value };
    } catch (e) {
      const hit = meter.hit ?? (e instanceof BoundHit ? e : undefined);
      if (hit !== undefined) return { ok: false, error: hit.message, bound: hit.bound };
      const err = e as LibError;
      return { ok: false, error: celGoWording(userFacingNames(err.summary ?? err.message ?? String(e))) };
    }
  }
}
