// A per-evaluation budget, as Kubernetes gives every CEL evaluation one (cel-go's runtime cost
// tracker with a cost limit): each evaluated node costs 1, and a node that builds a string or a list
// (`+`, a function call) also pays 0.1 per character or element, as cel-go charges string and list
// work. A wall-time bound backs it. A hit bound throws BoundHit and stays recorded on the meter, so an
// error that CEL's `||`/`&&` or a quantifier would absorb still ends the evaluation with the bound named.
//
// The library evaluates a checked AST by calling each node's `evaluate(ev, node, ctx)`; after type
// checking we wrap that method on every node reachable from the root (the parsed tree, macro
// expansions and their comprehension parts), which is where the counting happens.

export type Bound = 'cost' | 'time' | 'size';

export class BoundHit extends Error {
  constructor(
    readonly bound: Bound,
    message: string,
  ) {
    super(message);
  }
}

export interface Meter {
  cost: number;
  readonly maxCost: number;
  readonly deadline: number;
  hit: BoundHit | undefined;
}

/** Largest string or list a single evaluation may build. */
export const maxBuiltSize = 4_000_000;

let current: Meter | undefined;

export function activeMeter(): Meter | undefined {
  return current;
}

/** Runs fn with meter as the active one (nested evaluations, e.g. lazy variables, share the outer one). */
export function withMeter<T>(meter: Meter, fn: () => T): T {
  const saved = current;
  current = meter;
  try {
    return fn();
  } finally {
    current = saved;
  }
}

function exceed(meter: Meter, hit: BoundHit): never {
  meter.hit ??= hit;
  throw meter.hit;
}

/** Charges cost units to the active meter; throws BoundHit when a bound is crossed. */
export function charge(units: number): void {
  const m = current;
  if (m === undefined) return;
  if (m.hit !== undefined) throw m.hit;
  const before = m.cost;
  m.cost += units;
  if (m.cost > m.maxCost) exceed(m, new BoundHit('cost', `operation cancelled: actual cost limit exceeded (limit ${m.maxCost})`));
  // Reading the clock on every node would cost more than the nodes; every 1024 units is enough.
  if ((before >>> 10) !== (m.cost >>> 10) && Date.now() > m.deadline) exceed(m, new BoundHit('time', 'operation cancelled: evaluation time limit exceeded'));
}

/** Charges for a value a node built, and refuses one beyond the size bound. */
export function chargeBuilt(value: unknown): void {
  let n: number;
  if (typeof value === 'string') n = value.length;
  else if (Array.isArray(value)) n = value.length;
  else return;
  if (n < 10) return;
  const m = current;
  if (m !== undefined && n > maxBuiltSize) exceed(m, new BoundHit('size', `operation cancelled: value of ${n} elements exceeds the size limit ${maxBuiltSize}`));
  charge(Math.ceil(n * 0.1));
}

type EvaluateFn = (ev: unknown, node: unknown, ctx: unknown) => unknown;

interface NodeLike {
  op: string;
  args: unknown;
  meta: { evaluate?: EvaluateFn; alternate?: unknown; macro?: unknown };
  evaluate: EvaluateFn;
}

function isNode(v: unknown): v is NodeLike {
  return typeof v === 'object' && v !== null && typeof (v as { op?: unknown }).op === 'string' && typeof (v as { evaluate?: unknown }).evaluate === 'function' && 'meta' in v;
}

const builds = new Set(['+', 'call', 'rcall', 'list', 'map']);

/** Wraps every node's evaluate with the meter's charge. Call once, after a successful type check. */
export function instrument(root: unknown): void {
  const seen = new Set<unknown>();
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (isNode(v)) {
      wrap(v);
      visit(v.args);
      visit(v.meta.alternate);
      visit(v.meta.macro);
      return;
    }
    // Plain objects: comprehension parts ({iterable, init, step, condition}) and macro records.
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return;
    for (const [k, x] of Object.entries(v)) if (k !== 'iterCtx') visit(x);
  };
  visit(root);
}

function wrap(node: NodeLike): void {
  const meta = node.meta;
  let inner: EvaluateFn;
  const alternate = meta.alternate;
  const macro = meta.macro as { evaluate: EvaluateFn } | undefined;
  if (isNode(alternate)) inner = (ev, _n, ctx) => alternate.evaluate(ev, alternate, ctx);
  else if (macro !== undefined && typeof macro.evaluate === 'function') inner = (ev, _n, ctx) => macro.evaluate(ev, macro, ctx);
  else if (typeof meta.evaluate === 'function') inner = meta.evaluate;
  else return;
  const measuresBuilt = builds.has(node.op);
  node.evaluate = function (this: unknown, ev, n, ctx) {
    charge(1);
    const out = inner.call(this, ev, n, ctx);
    if (measuresBuilt) chargeBuilt(out);
    return out;
  };
}
