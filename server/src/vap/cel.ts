// The CelPort of admission evaluation on server/src/cel: one environment per set of top-level names
// and extension functions, compiled programs cached by expression, composited variables as a lazy
// map, and params typed by their CRD's schema (`type: number` is a double even when written 5).
import { celEnv, celLazyMap, celRuntimeError, celValue, compileCel, type CelEnv, type CelFunction } from '../cel';
import type { CelActivation, CelBounds, CelCompileResult, CelOutcome, CelPort, CelProgram, LazyVariables } from './celPort';
import { isRecord } from './resources';

class Port implements CelPort {
  private readonly envs = new Map<string, CelEnv>();
  private readonly programs = new Map<string, CelCompileResult>();

  constructor(private readonly functions: readonly CelFunction[]) {}

  compile(expression: string, names: readonly string[]): CelCompileResult {
    const key = names.join(',');
    const cacheKey = `${key}\u0000${expression}`;
    const known = this.programs.get(cacheKey);
    if (known) return known;
    let env = this.envs.get(key);
    if (!env) this.envs.set(key, (env = celEnv({ variables: names, functions: this.functions })));
    const r = compileCel(env, expression);
    const out: CelCompileResult = r.ok ? { ok: true, program: wrap(r.program) } : { ok: false, error: { message: r.error.message, offset: r.error.offset } };
    if (this.programs.size > 20_000) this.programs.clear();
    this.programs.set(cacheKey, out);
    return out;
  }

  // Params and Namespace objects are converted once per object (they are read-only inputs shared by
  // every evaluation); the object under review is a fresh copy each time and is not kept.
  private readonly converted = new WeakMap<object, Map<unknown, unknown>>();

  fromJson(json: unknown, schema?: unknown): unknown {
    if (typeof json !== 'object' || json === null) return celValue(json);
    let bySchema = this.converted.get(json);
    if (!bySchema) this.converted.set(json, (bySchema = new Map()));
    if (bySchema.has(schema)) return bySchema.get(schema);
    const value = schema === undefined ? celValue(json) : typed(json, schema);
    bySchema.set(schema, value);
    return value;
  }
}

// One CEL map per set of lazy variables (it is built once per object and param, not per expression).
const variableMaps = new WeakMap<LazyVariables, Record<string, unknown>>();

function variablesMap(variables: LazyVariables): Record<string, unknown> {
  let map = variableMaps.get(variables);
  if (!map) {
    const lazy: Record<string, () => unknown> = {};
    for (const name of variables.names()) {
      lazy[name] = () => {
        const r = variables.get(name);
        if (!r.ok) throw celRuntimeError(r.error);
        return r.value;
      };
    }
    variableMaps.set(variables, (map = celLazyMap(lazy)));
  }
  return map;
}

function wrap(program: { evaluate(a: Readonly<Record<string, unknown>>, l?: { maxCost?: number; maxMillis?: number }): CelOutcome }): CelProgram {
  return {
    evaluate(activation: CelActivation, bounds: CelBounds): CelOutcome {
      return program.evaluate({ ...activation.values, variables: variablesMap(activation.variables) }, { maxCost: bounds.maxCost, maxMillis: bounds.maxMillis });
    },
  };
}

/** celValue, except that a value the schema types `number` stays a double (CRD structural typing). */
function typed(json: unknown, schema: unknown): unknown {
  if (!isRecord(schema)) return celValue(json);
  if (typeof json === 'number' && schema.type === 'number') return json;
  if (Array.isArray(json)) return json.map((x) => typed(x, schema.items));
  if (isRecord(json)) {
    const props = isRecord(schema.properties) ? schema.properties : undefined;
    const extra = isRecord(schema.additionalProperties) ? schema.additionalProperties : undefined;
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(json)) out[k] = typed(v, props?.[k] ?? extra);
    return out;
  }
  return celValue(json);
}

const ports = new Map<readonly CelFunction[], CelPort>();
const noFunctions: readonly CelFunction[] = [];

/** The CEL of ValidatingAdmissionPolicy (no extension functions), or with Kyverno's functions added. */
export function admissionCel(functions: readonly CelFunction[] = noFunctions): CelPort {
  let p = ports.get(functions);
  if (!p) ports.set(functions, (p = new Port(functions)));
  return p;
}
