// Conversions of timestamps and durations the library lacks: string(timestamp) in Go's RFC 3339 form
// (fractional seconds only when present, trailing zeros dropped), string(duration) as cel-go prints it ("1.5s"). The library's timestamps are JS Dates (millisecond
// precision) and its durations carry seconds and nanos.
import type { Environment } from '../celjs';
import { define } from './define';

const TS = 'google.protobuf.Timestamp';
const DUR = 'google.protobuf.Duration';

export function timestampText(d: Date): string {
  const iso = d.toISOString(); // 2009-02-13T23:31:30.000Z
  const [whole, frac = '000Z'] = iso.split('.');
  const digits = frac.slice(0, -1).replace(/0+$/, '');
  const year = d.getUTCFullYear();
  // toISOString writes years beyond 9999 or before 0 with a sign; CEL's range is 0001..9999.
  const head = year >= 0 && year <= 9999 ? whole! : whole!.replace(/^[+-]0*/, '');
  return `${head}${digits ? `.${digits}` : ''}Z`;
}

export function durationText(d: { seconds: bigint; nanos: number }): string {
  const negative = d.seconds < 0n || d.nanos < 0;
  const s = d.seconds < 0n ? -d.seconds : d.seconds;
  const n = Math.abs(d.nanos);
  const frac = n === 0 ? '' : `.${String(n).padStart(9, '0').replace(/0+$/, '')}`;
  return `${negative ? '-' : ''}${s}${frac}s`;
}

export function registerTime(env: Environment): void {
  define(env, 'string', undefined, [TS], 'string', timestampText);
  define(env, 'string', undefined, [DUR], 'string', durationText);
}
