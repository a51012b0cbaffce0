// Kubernetes' lists library (k8s.io/apiserver/pkg/cel/library/lists.go): isSorted, sum (numbers and
// durations), min, max, indexOf, lastIndexOf, includes; and cel-go's sets extension (sets.contains,
// sets.equivalent, sets.intersects).
// Elements compare as CEL compares them (1 == 1.0, numbers across int/uint/double).
import { celjs, celRuntimeError, type Environment } from '../celjs';
import { charge } from '../budget';
import { celCompare, celEquals } from './compare';
import { registerNamespace } from './namespace';
import { define, isUint, makeUint, uintValue } from './define';


function sum(l: unknown[]): unknown {
  charge(l.length);
  if (l.length === 0) return 0n;
  let acc: unknown = l[0];
  for (const x of l.slice(1)) {
    if (typeof acc === 'bigint' && typeof x === 'bigint') {
      acc = acc + x;
      if ((acc as bigint) > 9223372036854775807n || (acc as bigint) < -9223372036854775808n) throw celRuntimeError('integer overflow');
    } else if (typeof acc === 'number' && typeof x === 'number') acc = acc + x;
    else if (isDuration(acc) && isDuration(x)) acc = acc.addDuration(x);
    else if (acc instanceof celjs().Optional || x === null) throw celRuntimeError('no such overload: sum');
    else {
      if (!isUint(acc) || !isUint(x)) throw celRuntimeError(`no such overload: sum of mixed or non-numeric elements`);
      acc = makeUint(uintValue(acc) + uintValue(x));
    }
  }
  return acc;
}

interface DurationLike {
  addDuration(other: DurationLike): DurationLike;
}
function isDuration(v: unknown): v is DurationLike {
  return typeof v === 'object' && v !== null && v.constructor?.name === 'Duration' && typeof (v as Partial<DurationLike>).addDuration === 'function';
}


function extreme(l: unknown[], name: string, sign: number): unknown {
  charge(l.length);
  if (l.length === 0) throw celRuntimeError(`${name} called on empty list`);
  let best = l[0];
  for (const x of l.slice(1)) if (celCompare(x, best) * sign > 0) best = x;
  return best;
}

function isSorted(l: unknown[]): boolean {
  charge(l.length);
  for (let i = 1; i < l.length; i++) if (celCompare(l[i - 1], l[i]) > 0) return false;
  return true;
}

function indexOf(l: unknown[], v: unknown, last: boolean): bigint {
  charge(l.length);
  if (last) {
    for (let i = l.length - 1; i >= 0; i--) if (celEquals(l[i], v)) return BigInt(i);
  } else {
    for (let i = 0; i < l.length; i++) if (celEquals(l[i], v)) return BigInt(i);
  }
  return -1n;
}

export function registerLists(env: Environment): void {
  define(env, 'isSorted', 'list', [], 'bool', isSorted);
  define(env, 'sum', 'list<A>', [], 'A', sum);
  define(env, 'min', 'list<A>', [], 'A', (l: unknown[]) => extreme(l, 'min', -1));
  define(env, 'max', 'list<A>', [], 'A', (l: unknown[]) => extreme(l, 'max', 1));
  // string.indexOf/lastIndexOf are rewritten to these names (strings.ts), so the list ones live here too.
  define(env, 'indexOf~k8s', 'list<A>', ['A'], 'int', (l: unknown[], v: unknown) => indexOf(l, v, false));
  define(env, 'lastIndexOf~k8s', 'list<A>', ['A'], 'int', (l: unknown[], v: unknown) => indexOf(l, v, true));

  // includes (lists library version 1): membership for a list, equality for anything else.
  define(env, 'includes', 'dyn', ['dyn'], 'bool', (target: unknown, v: unknown) => (Array.isArray(target) ? (charge(target.length), target.some((x) => celEquals(x, v))) : celEquals(target, v)));

  registerNamespace(env, 'sets', 'SetsNamespace');
  const contains = (a: unknown[], b: unknown[]): boolean => {
    charge(a.length * b.length);
    return b.every((x) => a.some((y) => celEquals(x, y)));
  };
  define(env, 'contains', 'SetsNamespace', ['list', 'list'], 'bool', (_ns: unknown, a: unknown[], b: unknown[]) => contains(a, b));
  define(env, 'equivalent', 'SetsNamespace', ['list', 'list'], 'bool', (_ns: unknown, a: unknown[], b: unknown[]) => contains(a, b) && contains(b, a));
  define(env, 'intersects', 'SetsNamespace', ['list', 'list'], 'bool', (_ns: unknown, a: unknown[], b: unknown[]) => {
    charge(a.length * b.length);
    return a.some((x) => b.some((y) => celEquals(x, y)));
  });
}
