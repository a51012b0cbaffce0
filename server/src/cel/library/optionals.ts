// The parts of cel-go's optional library the underlying library lacks: optional.ofNonZeroValue,
// optMap and optFlatMap (macros: the variable is bound to the value inside), and equality between
// optionals (none == none; of(a) == of(b) when a == b).
import { celjs, celRuntimeError, type Environment, type MacroChecker, type MacroEvaluator, type MacroScope, type MacroType, type Optional } from '../celjs';
import { celEquals } from './compare';
import { define, isUint, uintValue } from './define';


function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === 0n || v === '') return true;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  if (v instanceof Date) return v.getTime() === 0;
  if (typeof v === 'object') {
    const name = v.constructor?.name;
    if (isUint(v)) return uintValue(v) === 0n;
    if (name === 'Duration') return (v as { seconds: bigint; nanos: number }).seconds === 0n && (v as { nanos: number }).nanos === 0;
    const proto = Object.getPrototypeOf(v);
    if (proto === null || proto === Object.prototype) return Object.keys(v).length === 0;
  }
  return false;
}

interface OptMacro {
  receiver: unknown;
  body: unknown;
  scope: MacroScope | undefined;
  async: false;
  typeCheck(checker: MacroChecker, m: OptMacro, ctx: MacroScope): MacroType;
  evaluate(ev: MacroEvaluator, m: OptMacro, ctx: unknown): unknown;
}

function optionalMacro(flat: boolean) {
  const name = flat ? 'optFlatMap' : 'optMap';
  return ({ args, receiver }: { args: unknown[]; receiver: unknown }) => {
    const id = args[0] as { op?: string; args?: unknown };
    if (id.op !== 'id' || typeof id.args !== 'string') throw celRuntimeError(`${name}() variable name must be a simple identifier`);
    const variable = id.args;
    const macro: OptMacro = {
      receiver,
      body: args[1],
      scope: undefined,
      async: false,
      typeCheck(checker, m, ctx) {
        const t = checker.check(m.receiver, ctx);
        if (t.kind !== 'optional' && t.kind !== 'dyn') throw checker.createError('optional_expected', `${name}() receiver must be optional, got '${t.kind}'`, m.receiver);
        m.scope = ctx.forkWithVariable(variable, t.valueType ?? checker.getType('dyn'));
        const body = checker.check(m.body, m.scope);
        if (flat) return body;
        return checker.getType('optional');
      },
      evaluate(ev, m, ctx) {
        const o = ev.run(m.receiver, ctx);
        if (!(o instanceof celjs().Optional)) throw celRuntimeError(`${name}() receiver must be optional`);
        if (!(o as Optional).hasValue()) return o;
        const out = ev.run(m.body, m.scope!.reuse(ctx).setIterValue((o as Optional).value(), ev));
        if (!flat) return celjs().Optional.of(out);
        if (!(out instanceof celjs().Optional)) throw celRuntimeError('optFlatMap() expression must give an optional');
        return out;
      },
    };
    return macro;
  };
}

export function registerOptionals(env: Environment): void {
  define(env, 'ofNonZeroValue', 'OptionalNamespace', ['A'], 'optional<A>', (_ns: unknown, v: unknown) => (isZero(v) ? celjs().Optional.none() : celjs().Optional.of(v)));
  env.registerFunction('optional.optMap(ast, ast): optional<dyn>', optionalMacro(false) as unknown as (...a: unknown[]) => unknown);
  env.registerFunction('optional.optFlatMap(ast, ast): optional<dyn>', optionalMacro(true) as unknown as (...a: unknown[]) => unknown);
  const eq = (a: Optional, b: Optional): boolean => (a.hasValue() ? b.hasValue() && celEquals(a.value(), b.value()) : !b.hasValue());
  env.registerOperator('optional<A> == optional<A>', eq as (...a: unknown[]) => unknown);
}
