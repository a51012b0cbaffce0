// cel-go's lists extension at the version the API server enables (ext.Lists(ext.ListsVersion(3))):
// slice, flatten, flatten(depth), sort, sortBy (a macro), lists.range, reverse, distinct.
import { celRuntimeError, type Environment, type MacroChecker, type MacroEvaluator, type MacroScope } from '../celjs';
import { charge } from '../budget';
import { celCompare, celEquals, typeName } from './compare';
import { registerNamespace } from './namespace';
import { define } from './define';


const comparable = (v: unknown): boolean => {
  const t = typeName(v);
  return ['int', 'uint', 'double', 'bool', 'string', 'bytes', 'Date', 'Duration'].includes(t);
};

function sortByKeys(list: unknown[], keys: unknown[]): unknown[] {
  if (list.length !== keys.length) {
    throw celRuntimeError(`@sortByAssociatedKeys() expected a list of the same size as the associated keys list, but got ${list.length} and ${keys.length} elements respectively`);
  }
  if (list.length === 0) return list;
  if (!comparable(keys[0])) throw celRuntimeError('list elements must be comparable');
  const type = typeName(keys[0]);
  if (keys.some((k) => typeName(k) !== type)) throw celRuntimeError('list elements must have the same type');
  charge(Math.ceil(list.length * Math.log2(list.length + 1)));
  const order = keys.map((_, i) => i).sort((a, b) => celCompare(keys[a], keys[b]) || a - b);
  return order.map((i) => list[i]);
}

function flatten(list: unknown[], depth: bigint): unknown[] {
  if (depth < 0n) throw celRuntimeError('level must be non-negative');
  const out: unknown[] = [];
  for (const v of list) {
    if (Array.isArray(v) && depth > 0n) out.push(...flatten(v, depth - 1n));
    else out.push(v);
  }
  charge(out.length);
  return out;
}

interface SortByMacro {
  receiver: unknown;
  body: unknown;
  scope: MacroScope | undefined;
  async: false;
  typeCheck(checker: MacroChecker, m: SortByMacro, ctx: MacroScope): unknown;
  evaluate(ev: MacroEvaluator, m: SortByMacro, ctx: unknown): unknown;
}

function sortByMacro({ args, receiver }: { args: unknown[]; receiver: unknown }): SortByMacro {
  const id = args[0] as { op?: string; args?: unknown };
  if (id.op !== 'id' || typeof id.args !== 'string') throw celRuntimeError('sortBy(var, expr) variable name must be a simple identifier');
  const variable = id.args;
  return {
    receiver,
    body: args[1],
    scope: undefined,
    async: false,
    typeCheck(checker, m, ctx) {
      const range = checker.check(m.receiver, ctx);
      m.scope = ctx.forkWithVariable(variable, range.kind === 'list' && range.valueType !== undefined ? range.valueType : checker.getType('dyn'));
      checker.check(m.body, m.scope);
      return range;
    },
    evaluate(ev, m, ctx) {
      const list = ev.run(m.receiver, ctx);
      if (!Array.isArray(list)) throw celRuntimeError('sortBy() receiver must be a list');
      const keys = list.map((v) => ev.run(m.body, m.scope!.reuse(ctx).setIterValue(v, ev)));
      return sortByKeys(list, keys);
    },
  };
}

export function registerListsExt(env: Environment): void {
  define(env, 'slice', 'list<A>', ['int', 'int'], 'list<A>', (l: unknown[], start: bigint, end: bigint) => {
    if (start < 0n || end < 0n) throw celRuntimeError(`cannot slice(${start}, ${end}), negative indexes not supported`);
    if (start > end) throw celRuntimeError(`cannot slice(${start}, ${end}), start index must be less than or equal to end index`);
    if (BigInt(l.length) < end) throw celRuntimeError(`cannot slice(${start}, ${end}), list is length ${l.length}`);
    charge(Number(end - start));
    return l.slice(Number(start), Number(end));
  });
  define(env, 'flatten', 'list', [], 'list', (l: unknown[]) => flatten(l, 1n));
  define(env, 'flatten', 'list', ['int'], 'list', (l: unknown[], depth: bigint) => flatten(l, depth));
  define(env, 'sort', 'list<A>', [], 'list<A>', (l: unknown[]) => sortByKeys(l, l));
  env.registerFunction('list.sortBy(ast, ast): list<dyn>', sortByMacro as unknown as (...a: unknown[]) => unknown);
  define(env, 'reverse', 'list<A>', [], 'list<A>', (l: unknown[]) => (charge(l.length), [...l].reverse()));
  define(env, 'distinct', 'list<A>', [], 'list<A>', (l: unknown[]) => {
    charge(l.length * l.length);
    const out: unknown[] = [];
    for (const v of l) if (!out.some((x) => celEquals(x, v))) out.push(v);
    return out;
  });
  registerNamespace(env, 'lists', 'ListsNamespace');
  define(env, 'range', 'ListsNamespace', ['int'], 'list<int>', (_ns: unknown, n: bigint) => {
    if (n < 0n) throw celRuntimeError(`lists.range: size must be non-negative, got ${n}`);
    if (n > 10_000_000n) throw celRuntimeError(`lists.range: size ${n} exceeds maximum allowed (10000000)`);
    charge(Number(n));
    return Array.from({ length: Number(n) }, (_, i) => BigInt(i));
  });
}
