// How our libraries declare their overloads to the underlying library, and its uint values.
import { celjs, type Environment } from '../celjs';

export type Handler = (...args: never[]) => unknown;

/**
 * One overload: a method of `receiver` (a type name, e.g. string, list<A>, SetsNamespace) or, without
 * one, a global function. Types use the library's names (int, uint, double, list<string>, dyn, A...).
 */
export function define(env: Environment, name: string, receiver: string | undefined, params: readonly string[], returns: string, handler: Handler): void {
  env.registerFunction({
    name,
    ...(receiver !== undefined ? { receiverType: receiver } : {}),
    returnType: returns,
    params: params.map((type, i) => ({ name: `a${i}`, type })),
    handler: handler as (...args: unknown[]) => unknown,
  });
}

/** The library's uint is a class of its own (UnsignedInt), not exported from its entry point. */
export function isUint(v: unknown): boolean {
  return typeof v === 'object' && v !== null && v.constructor?.name === 'UnsignedInt';
}

export function uintValue(v: unknown): bigint {
  return (v as { valueOf(): bigint }).valueOf();
}

let uintCtor: (new (v: bigint) => unknown) | undefined;
export function makeUint(v: bigint): unknown {
  uintCtor ??= (new (celjs().Environment)().evaluate('1u') as object).constructor as new (v: bigint) => unknown;
  return new uintCtor(v);
}
