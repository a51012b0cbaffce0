// Top-down evaluation with backtracking: every enumerating step takes a continuation and calls it once
// per solution; a continuation returns true to stop the search (a negation needs one solution). Variable
// bindings are undone when a continuation returns, so a frame always holds exactly the current path.
import { CExpr, CompiledPolicy, CRule, CTerm, CWith, RuleSet } from './compile';
import { BudgetError, BuiltinError, EvalError } from './errors';
import { BuiltinContext, BuiltinLimits, defaultBuiltinLimits } from './limits';
import { clockEvery, equal, isArray, isObject, isSet, keyOf, RObject, RSet, Value, valueWork } from './value';

type Frame = Map<string, Value>;
type K = () => boolean;
type KV = (v: Value) => boolean;

export interface EvalLimits {
  /** Expressions and iteration steps per evaluation. */
  readonly maxSteps: number;
  /** Wall time per evaluation. */
  readonly maxMillis: number;
  /** Sizes a builtin may build (defaultBuiltinLimits when left out). */
  readonly builtins?: BuiltinLimits;
}

/** Units of a builtin's work (elements, characters) that cost one step. */
const unitsPerStep = 256;

export const defaultLimits: EvalLimits = { maxSteps: 1_000_000, maxMillis: 1000 };

const UNDEF: unique symbol = Symbol('undefined');
const ND: unique symbol = Symbol('needs the search');

/** Results of pure functions, kept with the compiled template (see RuleSet.pure). */
const pureMemo = new WeakMap<RuleSet, { byKey: Map<string, Value | typeof UNDEF>; byObject: WeakMap<object, Value | typeof UNDEF> }>();

export class Evaluator implements BuiltinContext {
  private steps = 0;
  private readonly deadline: number;
  private cache = new Map<RuleSet, Value | typeof UNDEF>();
  private fnCache = new Map<string, Value | typeof UNDEF>();

  constructor(
    private readonly policy: CompiledPolicy,
    private input: Value | undefined,
    private data: Value,
    private readonly budget: EvalLimits = defaultLimits,
  ) {
    this.deadline = Date.now() + budget.maxMillis;
    this.builtinLimits = budget.builtins ?? defaultBuiltinLimits;
  }

  private readonly builtinLimits: BuiltinLimits;
  get limits(): BuiltinLimits {
    return this.builtinLimits;
  }

  /**
   * A builtin's pass over its arguments, charged before the call: most builtins are linear in a
   * string or a collection they are given (contains, indexof, count, object.keys...), and 1,024 calls
   * on a 4 MB string between two looks at the clock would be seconds. Builtins charge more themselves
   * where their work or output is larger (ranges, searches, growth).
   */
  private chargeArgs(args: readonly Value[]): void {
    let units = 0;
    for (const a of args) {
      if (typeof a === 'string') units += a.length;
      else if (isArray(a)) units += a.length;
      else if (isSet(a) || isObject(a)) units += a.size;
    }
    if (units >= unitsPerStep) this.charge(units);
  }

  /** A builtin's work, charged before it is done: large work is checked against the clock at once. */
  charge(units: number): void {
    const cost = Math.floor(units / unitsPerStep);
    if (cost === 0) return;
    this.steps += cost;
    if (this.steps > this.budget.maxSteps) throw new BudgetError(`evaluation stopped after ${this.budget.maxSteps} steps (the budget per object)`);
    this.clock();
  }

  private clock(): void {
    if (Date.now() > this.deadline) throw new BudgetError(`evaluation stopped after ${this.budget.maxMillis} ms (the budget per object)`);
  }

  /** The elements of the entry rule's set, in OPA's order. */
  violations(): Value[] {
    valueWork.units = 0;
    valueWork.nextClock = clockEvery;
    valueWork.limit = this.builtinLimits.maxValueWork;
    valueWork.clock = () => this.clock();
    try {
      const v = this.ruleValue(this.policy.violation);
      return isSet(v) ? v.sorted() : [];
    } finally {
      valueWork.units = 0;
      valueWork.nextClock = Infinity;
      valueWork.limit = Infinity;
      valueWork.clock = () => undefined;
    }
  }

  get stepsTaken(): number {
    return this.steps;
  }

  private tick(): void {
    this.steps++;
    // Work on values since the last step (comparisons, encodings) costs steps as a builtin's does.
    if (valueWork.units >= unitsPerStep) {
      const units = valueWork.units;
      valueWork.units = 0;
      valueWork.nextClock = clockEvery;
      this.charge(units);
    }
    if (this.steps > this.budget.maxSteps) throw new BudgetError(`evaluation stopped after ${this.budget.maxSteps} steps (the budget per object)`);
    if ((this.steps & 1023) === 0 && Date.now() > this.deadline) throw new BudgetError(`evaluation stopped after ${this.budget.maxMillis} ms (the budget per object)`);
  }

  // ---- bodies and expressions

  /**
   * A body from its i-th expression. Expressions with one outcome (a test, or a variable bound to a
   * value that needs no search) run in a loop; the first that needs the search takes a continuation
   * for the rest. Variables bound in the loop are unbound when the body returns.
   */
  private body(b: readonly CExpr[], i: number, f: Frame, k: K): boolean {
    let bound: string[] | undefined;
    try {
      for (; i < b.length; i++) {
        this.tick();
        const e = b[i]!;
        if (e.e === 'term' || e.e === 'unify') {
          if (e.withs.length > 0) return this.withExpr(e, f, () => this.body(b, i + 1, f, k));
          const r = this.simple(e, f);
          if (r === false) return false;
          if (r === true) continue;
          if (r !== ND) {
            // A variable to bind: r is its name, the value was put in the frame.
            (bound ??= []).push(r);
            continue;
          }
        }
        return this.expr(e, f, () => this.body(b, i + 1, f, k));
      }
      return k();
    } finally {
      if (bound) for (const v of bound) f.delete(v);
    }
  }

  /**
   * A term or unify expression without the search: true (holds), false (does not), a variable's name
   * (it was unbound and is now bound, the expression holds), or ND (it needs the search). Evaluates as
   * expr() would, in the same order.
   */
  private simple(e: CExpr & { e: 'term' | 'unify' }, f: Frame): boolean | string | typeof ND {
    if (e.e === 'term') {
      const v = this.direct(e.term, f);
      if (v === ND) return ND;
      const holds = v !== undefined && v !== false;
      return e.negated ? !holds : holds;
    }
    const { lhs, rhs } = e;
    const lFree = lhs.t === 'local' && !f.has(lhs.name);
    const rFree = rhs.t === 'local' && !f.has(rhs.name);
    if (lFree || rFree) {
      if (e.negated || (lFree && rFree)) return ND;
      const other = lFree ? rhs : lhs;
      if (this.isPattern(other, f)) return ND;
      const v = this.direct(other, f);
      if (v === ND) return ND;
      if (v === undefined) return false;
      const name = ((lFree ? lhs : rhs) as { name: string }).name;
      f.set(name, v);
      return name;
    }
    if (this.isPattern(lhs, f) || this.isPattern(rhs, f)) return ND;
    const a = this.direct(lhs, f);
    if (a === ND) return ND;
    let holds: boolean;
    if (a === undefined) holds = false;
    else {
      const b = this.direct(rhs, f);
      if (b === ND) return ND;
      holds = b !== undefined && equal(a, b);
    }
    return e.negated ? !holds : holds;
  }

  private expr(e: CExpr, f: Frame, k: K): boolean {
    switch (e.e) {
      case 'term':
        if (e.negated) return this.negate((kk) => this.term(e.term, f, (v) => (v === false ? false : kk())), k);
        return this.term(e.term, f, (v) => (v === false ? false : k()));
      case 'unify':
        if (e.negated) return this.negate((kk) => this.unify(e.lhs, e.rhs, f, kk), k);
        return this.unify(e.lhs, e.rhs, f, k);
      case 'some': {
        // Fresh variables: hide any outer binding of the same name while the rest runs.
        const hidden: [string, Value][] = [];
        for (const v of e.vars) {
          const cur = f.get(v);
          if (cur !== undefined) {
            hidden.push([v, cur]);
            f.delete(v);
          }
        }
        const r = k();
        for (const [v, x] of hidden) f.set(v, x);
        return r;
      }
      case 'somein':
        return this.term(e.coll, f, (c) =>
          this.iterate(c, (key, val) => (e.key ? this.unifyValue(e.key, key, f, () => this.unifyValue(e.value, val, f, k)) : this.unifyValue(e.value, val, f, k))),
        );
      case 'every':
        return this.term(e.domain, f, (dom) => {
          if (!isArray(dom) && !isObject(dom) && !isSet(dom)) return false;
          let ok = true;
          this.iterate(dom, (key, val) => {
            let sat = false;
            const run: K = () => this.body(e.body, 0, f, () => (sat = true));
            if (e.key) this.unifyValue(e.key, key, f, () => this.unifyValue(e.value, val, f, run));
            else this.unifyValue(e.value, val, f, run);
            if (!sat) ok = false;
            return !sat;
          });
          return ok ? k() : false;
        });
    }
  }

  private negate(run: (kk: K) => boolean, k: K): boolean {
    let found = false;
    run(() => (found = true));
    return found ? false : k();
  }

  private withExpr(e: CExpr & { withs: readonly CWith[] }, f: Frame, k: K): boolean {
    const values: Value[] = [];
    for (const w of e.withs) {
      let val: Value | undefined;
      this.term(w.value, f, (v) => {
        val = v;
        return true;
      });
      if (val === undefined) return false;
      values.push(val);
    }
    const outer = { input: this.input, data: this.data, cache: this.cache, fnCache: this.fnCache };
    let input = this.input;
    let data = this.data;
    e.withs.forEach((w, i) => {
      if (w.root === 'input') input = setPath(input, w.path, values[i]!);
      else data = setPath(data, w.path, values[i]!);
    });
    const inner = { input, data, cache: new Map<RuleSet, Value | typeof UNDEF>(), fnCache: new Map<string, Value | typeof UNDEF>() };
    const use = (s: typeof inner): void => {
      this.input = s.input;
      this.data = s.data;
      this.cache = s.cache;
      this.fnCache = s.fnCache;
    };
    use(inner);
    try {
      return this.expr({ ...e, withs: [] } as CExpr, f, () => {
        use(outer);
        try {
          return k();
        } finally {
          use(inner);
        }
      });
    } finally {
      use(outer);
    }
  }

  // ---- terms

  /**
   * A term that has one value (or none) without search: scalars, bound variables, references
   * along ground paths, calls on such terms. ND when it needs the search (an unbound variable).
   * Most terms are of this kind; evaluating them directly spares the continuations.
   */
  private direct(t: CTerm, f: Frame): Value | undefined | typeof ND {
    switch (t.t) {
      case 'scalar':
        return t.v;
      case 'undef':
        return undefined;
      case 'local': {
        const v = f.get(t.name);
        return v === undefined ? ND : v;
      }
      case 'input':
        return this.input;
      case 'data':
        return this.data;
      case 'rule':
        return this.ruleValue(t.set);
      case 'ref': {
        let v = this.direct(t.head, f);
        if (v === ND || v === undefined) return v;
        for (const p of t.path) {
          const key = p.t === 'scalar' ? p.v : this.direct(p, f);
          if (key === ND || key === undefined) return key;
          v = index(v, key);
          if (v === undefined) return undefined;
        }
        return v;
      }
      case 'array':
        return this.directAll(t.items, f);
      case 'builtin': {
        if (t.out) return ND;
        const args = this.directAll(t.args, f);
        if (args === ND || args === undefined) return args;
        this.tick();
        this.chargeArgs(args);
        try {
          return t.def.fn(args, this);
        } catch (e) {
          if (e instanceof BuiltinError) return undefined;
          throw e;
        }
      }
      case 'func': {
        if (t.out) return ND;
        const args = this.directAll(t.args, f);
        if (args === ND || args === undefined) return args;
        return this.call(t.set, args);
      }
      default:
        return ND;
    }
  }

  /** Terms evaluated directly, in order; undefined or ND as soon as one is. */
  private directAll(ts: readonly CTerm[], f: Frame): Value[] | undefined | typeof ND {
    const out: Value[] = [];
    for (const x of ts) {
      const v = this.direct(x, f);
      if (v === ND || v === undefined) return v;
      out.push(v);
    }
    return out;
  }

  term(t: CTerm, f: Frame, k: KV): boolean {
    const d = this.direct(t, f);
    if (d !== ND) return d === undefined ? false : k(d);
    switch (t.t) {
      case 'scalar':
        return k(t.v);
      case 'undef':
        return false;
      case 'local': {
        const v = f.get(t.name);
        if (v === undefined) throw new EvalError(`var ${t.name} is unsafe`);
        return k(v);
      }
      case 'input':
        return this.input === undefined ? false : k(this.input);
      case 'data':
        return k(this.data);
      case 'rule': {
        const v = this.ruleValue(t.set);
        return v === undefined ? false : k(v);
      }
      case 'ref':
        return this.term(t.head, f, (hv) => this.walk(hv, t.path, 0, f, k));
      case 'array':
        return this.terms(t.items, 0, [], f, (items) => k(items));
      case 'set':
        return this.terms(t.items, 0, [], f, (items) => k(RSet.of(items)));
      case 'object':
        return this.pairs(t.pairs, 0, [], f, k);
      case 'arraycomp': {
        const out: Value[] = [];
        this.body(t.body, 0, f, () => this.term(t.head, f, (v) => (out.push(v), false)));
        return k(out);
      }
      case 'setcomp': {
        const out = new RSet();
        this.body(t.body, 0, f, () => this.term(t.head, f, (v) => (out.add(v), false)));
        return k(out);
      }
      case 'objcomp': {
        const out = new RObject();
        this.body(t.body, 0, f, () =>
          this.term(t.key, f, (kv) =>
            this.term(t.value, f, (vv) => {
              const prev = out.get(kv);
              if (prev !== undefined && !equal(prev, vv)) throw new EvalError('eval_conflict_error: object keys must be unique');
              out.set(kv, vv);
              return false;
            }),
          ),
        );
        return k(out);
      }
      case 'builtin':
        return this.terms(t.args, 0, [], f, (args) => {
          this.tick();
          this.chargeArgs(args);
          let r: Value | undefined;
          try {
            r = t.def.fn(args, this);
          } catch (e) {
            if (e instanceof BuiltinError) return false;
            throw e;
          }
          if (r === undefined) return false;
          return t.out ? this.unifyValue(t.out, r, f, () => k(true)) : k(r);
        });
      case 'func':
        return this.terms(t.args, 0, [], f, (args) => {
          const r = this.call(t.set, args);
          if (r === undefined) return false;
          return t.out ? this.unifyValue(t.out, r, f, () => k(true)) : k(r);
        });
    }
  }

  private terms(items: readonly CTerm[], i: number, acc: Value[], f: Frame, k: (vs: Value[]) => boolean): boolean {
    if (i === items.length) return k(acc.slice());
    return this.term(items[i]!, f, (v) => {
      acc[i] = v;
      return this.terms(items, i + 1, acc, f, k);
    });
  }

  /** An object literal's pairs, each solution of each in turn (acc[i] is the current i-th pair). */
  private pairs(ps: readonly (readonly [CTerm, CTerm])[], i: number, acc: [Value, Value][], f: Frame, k: KV): boolean {
    if (i === ps.length) return k(RObject.fromEntries(acc));
    const [kt, vt] = ps[i]!;
    return this.term(kt, f, (kv) =>
      this.term(vt, f, (vv) => {
        acc[i] = [kv, vv];
        return this.pairs(ps, i + 1, acc, f, k);
      }),
    );
  }

  /** Walks a reference's path: ground steps look up, free steps iterate and bind. */
  private walk(v: Value, path: readonly CTerm[], i: number, f: Frame, k: KV): boolean {
    if (i === path.length) return k(v);
    const p = path[i]!;
    if (this.ground(p, f)) {
      return this.term(p, f, (key) => {
        const child = index(v, key);
        return child === undefined ? false : this.walk(child, path, i + 1, f, k);
      });
    }
    return this.iterate(v, (key, child) => this.unifyValue(p, key, f, () => this.walk(child, path, i + 1, f, k)));
  }

  private iterate(v: Value, cb: (key: Value, val: Value) => boolean): boolean {
    if (isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        this.tick();
        if (cb(i, v[i]!)) return true;
      }
      return false;
    }
    if (isObject(v)) {
      for (const [key, val] of v.sortedEntries()) {
        this.tick();
        if (cb(key, val)) return true;
      }
      return false;
    }
    if (isSet(v)) {
      for (const x of v.sorted()) {
        this.tick();
        if (cb(x, x)) return true;
      }
    }
    return false;
  }

  /** Whether a term has no unbound variables (comprehensions count as ground: they close over). */
  private ground(t: CTerm, f: Frame): boolean {
    switch (t.t) {
      case 'local':
        return f.has(t.name);
      case 'ref':
        return this.ground(t.head, f) && t.path.every((p) => this.ground(p, f));
      case 'array':
      case 'set':
        return t.items.every((x) => this.ground(x, f));
      case 'object':
        return t.pairs.every(([a, b]) => this.ground(a, f) && this.ground(b, f));
      case 'builtin':
      case 'func':
        return t.args.every((a) => this.ground(a, f));
      default:
        return true;
    }
  }

  /** A side of a unification that binds: an unbound variable, or a collection literal holding one. */
  private isPattern(t: CTerm, f: Frame): boolean {
    switch (t.t) {
      case 'local':
        return !f.has(t.name);
      case 'array':
        return t.items.some((x) => this.isPattern(x, f));
      case 'object':
        return t.pairs.some(([, v]) => this.isPattern(v, f));
      default:
        return false;
    }
  }

  private unify(a: CTerm, b: CTerm, f: Frame, k: K): boolean {
    const ap = this.isPattern(a, f);
    const bp = this.isPattern(b, f);
    if (ap && bp && a.t === 'array' && b.t === 'array') {
      if (a.items.length !== b.items.length) return false;
      const step = (i: number): boolean => (i === a.items.length ? k() : this.unify(a.items[i]!, b.items[i]!, f, () => step(i + 1)));
      return step(0);
    }
    if (ap) return this.term(b, f, (bv) => this.unifyValue(a, bv, f, k));
    if (bp) return this.term(a, f, (av) => this.unifyValue(b, av, f, k));
    return this.term(a, f, (av) => this.term(b, f, (bv) => (equal(av, bv) ? k() : false)));
  }

  private unifyValue(p: CTerm, v: Value, f: Frame, k: K): boolean {
    switch (p.t) {
      case 'local': {
        const cur = f.get(p.name);
        if (cur !== undefined) return equal(cur, v) ? k() : false;
        f.set(p.name, v);
        try {
          return k();
        } finally {
          f.delete(p.name);
        }
      }
      case 'array': {
        if (!isArray(v) || v.length !== p.items.length) return false;
        const step = (i: number): boolean => (i === p.items.length ? k() : this.unifyValue(p.items[i]!, v[i]!, f, () => step(i + 1)));
        return step(0);
      }
      case 'object': {
        if (!isObject(v) || v.size !== p.pairs.length) return false;
        const step = (i: number): boolean => {
          if (i === p.pairs.length) return k();
          const [kt, vt] = p.pairs[i]!;
          return this.term(kt, f, (kv) => {
            const x = v.get(kv);
            return x === undefined ? false : this.unifyValue(vt, x, f, () => step(i + 1));
          });
        };
        return step(0);
      }
      case 'scalar':
        return equal(p.v, v) ? k() : false;
      default:
        return this.term(p, f, (pv) => (equal(pv, v) ? k() : false));
    }
  }

  // ---- rules

  private ruleValue(set: RuleSet): Value | undefined {
    const cached = this.cache.get(set);
    if (cached !== undefined) return cached === UNDEF ? undefined : cached;
    let v: Value | undefined;
    switch (set.kind) {
      case 'partialset': {
        const s = new RSet();
        for (const d of set.defs) {
          const f: Frame = new Map();
          this.body(d.body, 0, f, () => this.term(d.key!, f, (kv) => (s.add(kv), false)));
        }
        v = s;
        break;
      }
      case 'partialobject': {
        const o = new RObject();
        for (const d of set.defs) {
          const f: Frame = new Map();
          this.body(d.body, 0, f, () =>
            this.term(d.key!, f, (kv) =>
              this.term(d.value!, f, (vv) => {
                const prev = o.get(kv);
                if (prev !== undefined && !equal(prev, vv)) throw new EvalError(`eval_conflict_error: object keys must be unique (${set.path})`);
                o.set(kv, vv);
                return false;
              }),
            ),
          );
        }
        v = o;
        break;
      }
      case 'complete': {
        let found: Value | undefined;
        const onValue = (val: Value): void => {
          if (found !== undefined && !equal(found, val)) throw new EvalError(`eval_conflict_error: complete rules must not produce multiple outputs (${set.path})`);
          found = val;
        };
        for (const d of set.defs) this.definition(d, [], onValue);
        if (found === undefined && set.defaultValue) this.term(set.defaultValue, new Map(), (dv) => ((found = dv), true));
        v = found;
        break;
      }
      default:
        throw new EvalError(`function ${set.path} used as a value`);
    }
    this.cache.set(set, v === undefined ? UNDEF : v);
    return v;
  }

  /** One definition (and its else chain): each value its body gives; whether it gave any. */
  private definition(d: CRule, args: readonly Value[], onValue: (v: Value) => void): boolean {
    const f: Frame = new Map();
    let any = false;
    const run: K = () =>
      this.body(d.body, 0, f, () =>
        this.term(d.value!, f, (v) => {
          any = true;
          onValue(v);
          return false;
        }),
      );
    let plain = true; // arguments are distinct variables: bound without unification
    for (let i = 0; plain && i < args.length; i++) {
      const a = d.args[i]!;
      if (a.t === 'local' && !f.has(a.name)) f.set(a.name, args[i]!);
      else plain = false;
    }
    if (plain) run();
    else {
      f.clear();
      const bindArgs = (i: number): boolean => (i === args.length ? run() : this.unifyValue(d.args[i]!, args[i]!, f, () => bindArgs(i + 1)));
      bindArgs(0);
    }
    if (!any && d.elseRule) return this.definition(d.elseRule, args, onValue);
    return any;
  }

  private call(set: RuleSet, args: readonly Value[]): Value | undefined {
    if (set.pure) {
      // A pure function's result is kept across evaluations: by value for scalar arguments, by
      // identity for one collection (inventory objects are shared between evaluations).
      let memo = pureMemo.get(set);
      if (!memo) pureMemo.set(set, (memo = { byKey: new Map(), byObject: new WeakMap() }));
      const single = args.length === 1 && args[0] !== null && typeof args[0] === 'object' ? (args[0] as object) : undefined;
      let key: string | undefined;
      if (!single && args.every((a) => a === null || typeof a !== 'object')) {
        key = '';
        for (const a of args) key += '\0' + keyOf(a);
      }
      if (single === undefined && key === undefined) return this.evalCall(set, args);
      const hit = single ? memo.byObject.get(single) : memo.byKey.get(key!);
      if (hit !== undefined) {
        this.tick();
        return hit === UNDEF ? undefined : hit;
      }
      const r = this.evalCall(set, args);
      if (single) memo.byObject.set(single, r === undefined ? UNDEF : r);
      else {
        if (memo.byKey.size > 10_000) memo.byKey.clear();
        memo.byKey.set(key!, r === undefined ? UNDEF : r);
      }
      return r;
    }
    return this.evalCall(set, args);
  }

  private evalCall(set: RuleSet, args: readonly Value[]): Value | undefined {
    this.tick();
    // Results are kept for scalar arguments only: a key for an object argument costs more than a call.
    let key: string | undefined;
    if (args.every((a) => a === null || typeof a !== 'object')) {
      key = set.path;
      for (const a of args) key += '\0' + keyOf(a);
      const cached = this.fnCache.get(key);
      if (cached !== undefined) return cached === UNDEF ? undefined : cached;
    }
    let found: Value | undefined;
    const onValue = (val: Value): void => {
      if (found !== undefined && !equal(found, val)) throw new EvalError(`eval_conflict_error: functions must not produce multiple outputs for same inputs (${set.path})`);
      found = val;
    };
    for (const d of set.defs) this.definition(d, args, onValue);
    if (found === undefined && set.defaultValue) this.term(set.defaultValue, new Map(), (dv) => ((found = dv), true));
    if (key !== undefined) {
      if (this.fnCache.size > 10_000) this.fnCache.clear();
      this.fnCache.set(key, found === undefined ? UNDEF : found);
    }
    return found;
  }
}

function index(v: Value, key: Value): Value | undefined {
  if (isObject(v)) return v.get(key);
  if (isArray(v)) return typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < v.length ? v[key] : undefined;
  if (isSet(v)) return v.has(key) ? key : undefined;
  return undefined;
}

/** A copy of root with the value at path replaced (objects made along the way). */
function setPath(root: Value | undefined, path: readonly string[], v: Value): Value {
  if (path.length === 0) return v;
  const base = isObject(root) ? RObject.fromEntries(root.sortedEntries()) : new RObject();
  base.set(path[0]!, setPath(isObject(root) ? root.get(path[0]!) : undefined, path.slice(1), v));
  return base;
}
