// CEL's ordering and equality across the runtime's representations, as cel-go applies them in the
// list and set libraries: numbers compare by value across int, uint and double; strings by code point.
import { celRuntimeError } from '../celjs';
import { isUint, uintValue } from './define';

function numeric(v: unknown): number | bigint | undefined {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (isUint(v)) return uintValue(v);
  return undefined;
}

function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && Number.isNaN(a)) return NaN;
  if (typeof b === 'number' && Number.isNaN(b)) return NaN;
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
  // bigint vs double: compare exactly (a double beyond 2^53 is an integer, so BigInt() is exact).
  const [big, dbl, sign] = typeof a === 'bigint' ? [a, b as number, 1] : [b as bigint, a as number, -1];
  if (dbl === Infinity) return -sign;
  if (dbl === -Infinity) return sign;
  const fl = Math.floor(dbl);
  const fb = BigInt(fl);
  if (big < fb) return -sign;
  if (big > fb) return sign;
  return fl === dbl ? 0 : -sign;
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length - y.length < 0 ? -1 : x.length === y.length ? 0 : 1;
}

/** <0, 0, >0; throws a CEL error for values that have no order between them. */
export function celCompare(a: unknown, b: unknown): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return compareNumbers(na, nb);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return a.length - b.length;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (isOrdered(a)) {
    const c = a.compareWith(b);
    if (c !== undefined) return c;
  }
  throw celRuntimeError(`no such overload: ${typeName(a)} < ${typeName(b)}`);
}

/** Values of our own library types that order among themselves (quantity, semver), as cel-go's Comparer. */
export interface Ordered {
  /** <0, 0, >0 against another value of the same type; undefined for any other value. */
  compareWith(other: unknown): number | undefined;
}

function isOrdered(v: unknown): v is Ordered {
  return typeof v === 'object' && v !== null && typeof (v as Partial<Ordered>).compareWith === 'function';
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null_type';
  switch (typeof v) {
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
  }
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  const name = (v as object).constructor?.name;
  if (isUint(v)) return 'uint';
  if (name === undefined || name === 'Object' || name === 'Map') return 'map';
  return name;
}

/** CEL equality (heterogeneous: 1 == 1.0 == 1u; lists and maps element-wise). */
export function celEquals(a: unknown, b: unknown): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) return na !== undefined && nb !== undefined && compareNumbers(na, nb) === 0;
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => celEquals(x, b[i]));
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (isOrdered(a)) return a.compareWith(b) === 0;
  const ea = entries(a);
  const eb = entries(b);
  if (ea === undefined || eb === undefined || ea.length !== eb.length) return false;
  return ea.every(([k, v]) => {
    const other = eb.find(([k2]) => celEquals(k, k2));
    return other !== undefined && celEquals(v, other[1]);
  });
}

function entries(v: object): Array<[unknown, unknown]> | undefined {
  if (v instanceof Map) return [...v];
  const proto = Object.getPrototypeOf(v);
  if (proto === null || proto === Object.prototype) return Object.entries(v);
  return undefined;
}
