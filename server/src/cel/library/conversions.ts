// int() as cel-go converts: from uint (which the library lacks), from double with cel-go's range
// check (the library would hand back any bigint, e.g. int(1e99)), from string (strconv.ParseInt) and
// from timestamp (Unix seconds). Calls to int(...) are rewritten to `int~k8s` (see rewriteCalls); the
// type denotation `int` is an identifier, not a call, and stays the library's. Also the identity
// conversions duration(duration) and timestamp(timestamp).
import { celRuntimeError, type Environment } from '../celjs';
import { define, uintValue } from './define';

const MAX_INT = 2n ** 63n - 1n;
const MIN_INT = -(2n ** 63n);
const TS = 'google.protobuf.Timestamp';
const DUR = 'google.protobuf.Duration';

export const conversionOverrides = ['int'];

export function registerConversions(env: Environment): void {
  define(env, 'int~k8s', undefined, ['int'], 'int', (v: bigint) => v);
  define(env, 'int~k8s', undefined, ['uint'], 'int', (v: unknown) => {
    const u = uintValue(v);
    if (u > MAX_INT) throw celRuntimeError('range error converting uint to int');
    return u;
  });
  define(env, 'int~k8s', undefined, ['double'], 'int', (d: number) => {
    // Both bounds are exclusive in float64: -2^63 itself is refused, as cel-go refuses it.
    if (!(d > -9223372036854775808 && d < 9223372036854775808)) throw celRuntimeError('range error converting double to int');
    return BigInt(Math.trunc(d));
  });
  define(env, 'int~k8s', undefined, ['string'], 'int', (s: string) => {
    if (!/^[+-]?[0-9]+$/.test(s)) throw celRuntimeError(`cannot convert "${s}" to int`);
    const v = BigInt(s);
    if (v > MAX_INT || v < MIN_INT) throw celRuntimeError(`cannot convert "${s}" to int: value out of range`);
    return v;
  });
  define(env, 'int~k8s', undefined, [TS], 'int', (d: Date) => BigInt(Math.floor(d.getTime() / 1000)));
  define(env, 'duration', undefined, [DUR], DUR, (d: unknown) => d);
  define(env, 'timestamp', undefined, [TS], TS, (d: unknown) => d);
}
