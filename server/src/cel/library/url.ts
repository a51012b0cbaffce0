// Kubernetes' URL library (library/urls.go): url(s) and isURL(s) accept what Go's
// url.ParseRequestURI accepts (an absolute URI or an absolute path), the parts come from url.Parse:
// getScheme, getHost, getHostname, getPort, getEscapedPath, getQuery (values unescaped, repeated keys
// collected).
import { celRuntimeError, type Environment } from '../celjs';
import { define } from './define';

export class Url {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly rawPath: string,
    readonly rawQuery: string,
  ) {}
  toString(): string {
    return `${this.scheme ? `${this.scheme}:` : ''}${this.host ? `//${this.host}` : ''}${this.rawPath}${this.rawQuery ? `?${this.rawQuery}` : ''}`;
  }
}

const fail = (s: string, why: string): never => {
  throw celRuntimeError(`URL parse error during conversion from string: parse ${JSON.stringify(s)}: ${why}`);
};

function unescape(s: string, query: boolean): string | undefined {
  if (query) s = s.replace(/\+/g, ' ');
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return undefined;
  try {
    return decodeURIComponent(s);
  } catch {
    // Invalid UTF-8 after unescaping: Go keeps the bytes; keep the text as written.
    return s;
  }
}

function validHost(host: string, raw: string): void {
  let h = host;
  let port = '';
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    if (close < 0) fail(raw, 'missing \']\' in host');
    port = h.slice(close + 1);
    if (port !== '' && !port.startsWith(':')) fail(raw, `invalid port ${JSON.stringify(port)} after host`);
    h = h.slice(1, close);
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0) {
      port = h.slice(colon);
      h = h.slice(0, colon);
    }
  }
  if (port !== '' && !/^:[0-9]*$/.test(port)) fail(raw, `invalid port ${JSON.stringify(port)} after host`);
  for (const ch of h) if (/[\s"<>\\^`{|}]/.test(ch)) fail(raw, `invalid character ${JSON.stringify(ch)} in host name`);
}

/** Go's url.ParseRequestURI acceptance, then url.Parse's parts (a fragment is dropped). */
export function parseUrl(s: string): Url {
  if (/[\x00-\x1f\x7f]/.test(s)) fail(s, 'net/url: invalid control character in URL');
  if (s === '') fail(s, 'empty url');
  let rest = s;
  let scheme = '';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (m !== null) {
    scheme = m[1]!.toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (/^[^/?#]*:/.test(rest) && !rest.startsWith('/')) {
    fail(s, rest.startsWith(':') ? 'missing protocol scheme' : 'first path segment in URL cannot contain colon');
  }
  if (!rest.startsWith('/')) fail(s, 'invalid URI for request');
  // url.Parse: the fragment goes; ParseRequestURI would have kept it in the path or query, which it
  // accepts anyway, so acceptance does not depend on it.
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let host = '';
  if (rest.startsWith('//')) {
    const authority = rest.slice(2).split('/', 1)[0]!;
    rest = rest.slice(2 + authority.length);
    const at = authority.lastIndexOf('@');
    host = at >= 0 ? authority.slice(at + 1) : authority;
    validHost(host, s);
  }
  if (unescape(rest, false) === undefined) fail(s, `invalid URL escape ${JSON.stringify(/%.{0,2}/.exec(rest.slice(rest.search(/%(?![0-9a-fA-F]{2})/)))![0])}`);
  return new Url(scheme, host, rest, rawQuery);
}

const pathOk = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9a-fA-F]{2})*$/;

function escapedPath(u: Url): string {
  if (pathOk.test(u.rawPath)) return u.rawPath;
  const decoded = unescape(u.rawPath, false) ?? u.rawPath;
  let out = '';
  for (const b of new TextEncoder().encode(decoded)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~$&+,/:;=@]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function query(u: Url): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  for (const pair of u.rawQuery.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const k = unescape(eq < 0 ? pair : pair.slice(0, eq), true);
    const v = unescape(eq < 0 ? '' : pair.slice(eq + 1), true);
    if (k === undefined || v === undefined) continue;
    (out[k] ??= []).push(v);
  }
  return out;
}

function hostname(u: Url): string {
  const h = u.host;
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

function port(u: Url): string {
  const h = u.host;
  const start = h.startsWith('[') ? h.indexOf(']') + 1 : h.lastIndexOf(':');
  if (start < 0 || h[start] !== ':') return '';
  return h.slice(start + 1);
}

export function registerUrl(env: Environment): void {
  env.registerType('kubernetes.URL', Url);
  const U = 'kubernetes.URL';
  define(env, 'url', undefined, ['string'], U, (s: string) => parseUrl(s));
  define(env, 'isURL', undefined, ['string'], 'bool', (s: string) => {
    try {
      parseUrl(s);
      return true;
    } catch {
      return false;
    }
  });
  define(env, 'getScheme', U, [], 'string', (u: Url) => u.scheme);
  define(env, 'getHost', U, [], 'string', (u: Url) => u.host);
  define(env, 'getHostname', U, [], 'string', hostname);
  define(env, 'getPort', U, [], 'string', port);
  define(env, 'getEscapedPath', U, [], 'string', escapedPath);
  define(env, 'getQuery', U, [], 'map<string, list<string>>', query);
}
