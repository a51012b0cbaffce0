// cel-go's encoders extension, which the API server's base environment enables: base64.encode(bytes)
// and base64.decode(string) (standard alphabet; decoding also accepts missing padding, as cel-go does).
import { celRuntimeError, type Environment } from '../celjs';
import { define } from './define';
import { registerNamespace } from './namespace';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += alphabet[(n >> 18) & 63]! + alphabet[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? alphabet[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? alphabet[n & 63]! : '=';
  }
  return out;
}

function decode(text: string): Uint8Array {
  let s = text;
  if (s.length % 4 !== 0 && !s.includes('=')) s += '='.repeat(4 - (s.length % 4));
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) throw celRuntimeError('illegal base64 data at input byte 0');
  const out: number[] = [];
  for (let i = 0; i < s.length; i += 4) {
    const c = [0, 1, 2, 3].map((k) => (s[i + k] === '=' ? -1 : alphabet.indexOf(s[i + k]!)));
    const n = (c[0]! << 18) | (c[1]! << 12) | (Math.max(c[2]!, 0) << 6) | Math.max(c[3]!, 0);
    out.push((n >> 16) & 255);
    if (c[2]! >= 0) out.push((n >> 8) & 255);
    if (c[3]! >= 0) out.push(n & 255);
  }
  return new Uint8Array(out);
}

export function registerEncoders(env: Environment): void {
  registerNamespace(env, 'base64', 'Base64Namespace');
  define(env, 'encode', 'Base64Namespace', ['bytes'], 'string', (_ns: unknown, b: Uint8Array) => encode(b));
  define(env, 'decode', 'Base64Namespace', ['string'], 'bytes', (_ns: unknown, s: string) => decode(s));
}
