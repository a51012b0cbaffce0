// has(e.f) for any operand e. The library's has() macro accepts only a chain of field selections on a
// variable (`has(a.b.c)`), so `has(object.spec.containers[0].securityContext)` or
// `has(variables.x.filter(...)[0].y)`, valid CEL, would be refused; for those we put our own macro
// record on the call node before type checking: e is evaluated as usual, then the presence of f is
// tested (a map key; anything else is an error, as cel-go's field selection on a non-map is).
import { celRuntimeError, type MacroChecker, type MacroEvaluator, type MacroScope } from '../celjs';

interface Node {
  op: string;
  args: unknown;
  meta: { macro?: unknown };
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as { op?: unknown }).op === 'string' && 'meta' in v;
}

/** Whether the library's own has() accepts this argument: `.`/`.?` selections down to an identifier. */
function libraryAccepts(arg: Node): boolean {
  if (arg.op !== '.') return false;
  let n: Node = arg;
  while (n.op === '.' || n.op === '.?') {
    const inner = (n.args as unknown[])[0];
    if (!isNode(inner)) return false;
    n = inner;
  }
  return n.op === 'id';
}

export function presenceTest(target: unknown, field: string): boolean {
  if (target instanceof Map) return target.has(field);
  if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
    const proto = Object.getPrototypeOf(target);
    if (proto === null || proto === Object.prototype) return Object.prototype.hasOwnProperty.call(target, field);
  }
  throw celRuntimeError(`invalid type for field selection: has(.${field})`);
}

/** Gives a `has(e.f)` call node whose e is not a plain selection chain our macro record. */
export function widenHas(node: Node): void {
  const args = node.args as unknown[];
  if (node.op !== 'call' || args[0] !== 'has' || node.meta.macro === undefined) return;
  const params = args[1];
  const arg = Array.isArray(params) ? params[0] : undefined;
  if (!isNode(arg) || arg.op !== '.' || libraryAccepts(arg)) return;
  const [operand, field] = arg.args as [unknown, string];
  node.meta.macro = {
    operand,
    field,
    async: false,
    typeCheck(checker: MacroChecker, _m: unknown, ctx: MacroScope): unknown {
      checker.check(operand, ctx);
      return checker.getType('bool');
    },
    evaluate(ev: MacroEvaluator, _m: unknown, ctx: unknown): unknown {
      return presenceTest(ev.run(operand, ctx), field);
    },
  };
}
