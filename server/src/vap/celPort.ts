// The narrow face of a CEL engine that admission evaluation needs. VAP and Kyverno code only talk to
// this interface; vap/cel.ts connects it to server/src/cel. Values crossing it are the engine's own
// (opaque here) except for the few kinds admission looks at: booleans, strings and null, which every
// CEL engine represents as the JavaScript primitives.

export type CelOutcome =
  | { ok: true; value: unknown }
  /** `bound` names the limit that stopped evaluation (cost, time, size): never a pass. */
  | { ok: false; error: string; bound?: string };

export interface CelProgram {
  evaluate(activation: CelActivation, bounds: CelBounds): CelOutcome;
}

export type CelCompileResult =
  | { ok: true; program: CelProgram }
  | { ok: false; error: { message: string; offset?: number } };

export interface CelBounds {
  maxCost: number;
  maxMillis: number;
}

/**
 * Composited variables are evaluated at most once and only when an expression reads them (as the
 * API server's lazy `variables` map does): an erroring variable fails only the expressions using it.
 */
export interface LazyVariables {
  names(): readonly string[];
  get(name: string): CelOutcome;
}

/** Top-level names bound for one evaluation; `variables` is lazy, the rest are engine values (or null). */
export interface CelActivation {
  values: Readonly<Record<string, unknown>>;
  variables: LazyVariables;
}

export interface CelPort {
  /** `names`: the top-level identifiers the expression may use; `variableNames`: members of `variables`. */
  compile(expression: string, names: readonly string[], variableNames: readonly string[]): CelCompileResult;
  /** A JSON value (from YAML) as an engine value; `schema` is an OpenAPI v3 schema that types it (CRD params). */
  fromJson(json: unknown, schema?: unknown): unknown;
}

export const defaultBounds: CelBounds = { maxCost: 1_000_000, maxMillis: 250 };

/** Lazy variables in declaration order, each computed on first read. */
export class VariableMemo implements LazyVariables {
  private readonly done = new Map<string, CelOutcome>();
  private readonly inProgress = new Set<string>();

  constructor(private readonly order: readonly string[], private readonly compute: (name: string) => CelOutcome) {}

  names(): readonly string[] {
    return this.order;
  }

  get(name: string): CelOutcome {
    const known = this.done.get(name);
    if (known) return known;
    if (!this.order.includes(name)) return { ok: false, error: `no such key: ${name}` };
    // A variable can only read earlier ones (the API validates that), so a cycle means a broken policy.
    if (this.inProgress.has(name)) return { ok: false, error: `composited variable "${name}" refers to itself` };
    this.inProgress.add(name);
    const out = this.compute(name);
    this.inProgress.delete(name);
    this.done.set(name, out);
    return out;
  }
}
