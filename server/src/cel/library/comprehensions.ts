// cel-go's two-variable comprehensions (ext.TwoVarComprehensions), which Kubernetes enables:
// all/exists/existsOne(i, v, predicate), transformList(i, v, [filter,] expr),
// transformMap(k, v, [filter,] expr), over a list (index, element) or a map (key, value). They are
// macros of the library: the handler runs at parse time and returns hooks for its type checker and
// evaluator, with the two iteration variables as nested scopes.
// all/exists keep CEL's error absorption (a false, resp. true, predicate decides even when another
// element failed); existsOne and the transforms fail on any error.
import { celRuntimeError, type Environment, type MacroChecker, type MacroEvaluator, type MacroScope, type MacroType } from '../celjs';

interface Macro {
  receiver: unknown;
  first: string;
  second: string;
  filter: unknown;
  body: unknown;
  outer?: MacroScope;
  inner?: MacroScope;
}

type Kind = 'all' | 'exists' | 'existsOne' | 'transformList' | 'transformMap';

function identifier(node: unknown, kind: Kind): string {
  const n = node as { op?: string; args?: unknown };
  if (n.op === 'id' && typeof n.args === 'string') return n.args;
  throw celRuntimeError(`${kind}() variable name must be a simple identifier`);
}

function entries(coll: unknown): Array<[unknown, unknown]> {
  if (Array.isArray(coll)) return coll.map((v, i) => [BigInt(i), v]);
  if (coll instanceof Map) return [...coll];
  if (typeof coll === 'object' && coll !== null) return Object.entries(coll);
  throw celRuntimeError('comprehension range must be a list or a map');
}

function makeMacro(kind: Kind, withFilter: boolean) {
  return ({ args, receiver }: { args: unknown[]; receiver: unknown }) => {
    const m: Macro & { typeCheck: unknown; evaluate: unknown; async: false } = {
      receiver,
      first: identifier(args[0], kind),
      second: identifier(args[1], kind),
      filter: withFilter ? args[2] : undefined,
      body: withFilter ? args[3] : args[2],
      async: false,
      typeCheck(checker: MacroChecker, macro: Macro, ctx: MacroScope): MacroType {
        const range = checker.check(macro.receiver, ctx);
        const dyn = checker.getType('dyn');
        let firstType = dyn;
        let secondType = dyn;
        if (range.kind === 'list') {
          firstType = checker.getType('int');
          secondType = range.valueType ?? dyn;
        } else if (range.kind === 'map') {
          firstType = range.keyType ?? dyn;
          secondType = range.valueType ?? dyn;
        } else if (range.kind !== 'dyn') {
          throw checker.createError('invalid_comprehension_range', `expression of type '${range.kind}' cannot be range of a comprehension (must be list, map, or dynamic)`, macro.receiver);
        }
        macro.outer = ctx.forkWithVariable(macro.first, firstType);
        macro.inner = macro.outer.forkWithVariable(macro.second, secondType);
        if (macro.filter !== undefined) checker.check(macro.filter, macro.inner);
        const bodyType = checker.check(macro.body, macro.inner);
        if (kind === 'transformList') return checker.registry.getListType(bodyType);
        if (kind === 'transformMap') return checker.registry.getMapType(firstType, bodyType);
        return checker.getType('bool');
      },
      evaluate(ev: MacroEvaluator, macro: Macro, ctx: unknown): unknown {
        const items = entries(ev.run(macro.receiver, ctx));
        const scope = (k: unknown, v: unknown): MacroScope => macro.inner!.reuse(macro.outer!.reuse(ctx).setIterValue(k, ev)).setIterValue(v, ev);
        const bool = (x: unknown): boolean => {
          if (typeof x !== 'boolean') throw celRuntimeError(`${kind}() predicate must return bool`);
          return x;
        };
        switch (kind) {
          case 'all':
          case 'exists': {
            const decisive = kind === 'exists';
            let error: unknown;
            for (const [k, v] of items) {
              try {
                if (bool(ev.run(macro.body, scope(k, v))) === decisive) return decisive;
              } catch (e) {
                error ??= e;
              }
            }
            if (error !== undefined) throw error;
            return !decisive;
          }
          case 'existsOne': {
            let n = 0;
            for (const [k, v] of items) if (bool(ev.run(macro.body, scope(k, v)))) n++;
            return n === 1;
          }
          case 'transformList': {
            const out: unknown[] = [];
            for (const [k, v] of items) {
              if (macro.filter !== undefined && !bool(ev.run(macro.filter, scope(k, v)))) continue;
              out.push(ev.run(macro.body, scope(k, v)));
            }
            return out;
          }
          case 'transformMap': {
            const out = new Map<unknown, unknown>();
            for (const [k, v] of items) {
              if (macro.filter !== undefined && !bool(ev.run(macro.filter, scope(k, v)))) continue;
              out.set(k, ev.run(macro.body, scope(k, v)));
            }
            // String keys as a plain map, like the maps the rest of the runtime builds.
            if ([...out.keys()].every((k) => typeof k === 'string')) {
              const obj: Record<string, unknown> = Object.create(null);
              for (const [k, v] of out) obj[k as string] = v;
              return obj;
            }
            return out;
          }
        }
      },
    };
    return m;
  };
}

export function registerComprehensions(env: Environment): void {
  const reg = (signature: string, kind: Kind, withFilter: boolean): void => {
    env.registerFunction(signature, makeMacro(kind, withFilter) as unknown as (...a: unknown[]) => unknown);
  };
  for (const receiver of ['list', 'map']) {
    reg(`${receiver}.all(ast, ast, ast): bool`, 'all', false);
    reg(`${receiver}.exists(ast, ast, ast): bool`, 'exists', false);
    reg(`${receiver}.existsOne(ast, ast, ast): bool`, 'existsOne', false);
    reg(`${receiver}.transformList(ast, ast, ast): list<dyn>`, 'transformList', false);
    reg(`${receiver}.transformList(ast, ast, ast, ast): list<dyn>`, 'transformList', true);
    reg(`${receiver}.transformMap(ast, ast, ast): map<dyn, dyn>`, 'transformMap', false);
    reg(`${receiver}.transformMap(ast, ast, ast, ast): map<dyn, dyn>`, 'transformMap', true);
  }
}
