// Kubernetes' IP and CIDR libraries (library/ip.go, cidr.go) with Go's net/netip parsing: no leading
// zeros in IPv4 octets, no zones, no IPv4-mapped IPv6 addresses; canonical text as netip prints it
// (RFC 5952). ip(s), isIP, ip.isCanonical, family, isUnspecified, isLoopback, isLinkLocalMulticast,
// isLinkLocalUnicast, isGlobalUnicast, string(ip); cidr(s), isCIDR, containsIP, containsCIDR, ip(),
// masked(), prefixLength(), string(cidr). Equality is by value.
import { celRuntimeError, type Environment } from '../celjs';
import { registerNamespace } from './namespace';
import { define } from './define';

export class IpAddr {
  constructor(
    /** 32 or 128 */
    readonly bits: number,
    readonly value: bigint,
  ) {}
  toString(): string {
    if (this.bits === 32) return [24n, 16n, 8n, 0n].map((s) => String((this.value >> s) & 255n)).join('.');
    const groups = Array.from({ length: 8 }, (_, i) => Number((this.value >> BigInt(112 - 16 * i)) & 0xffffn));
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      if (groups[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > bestLen) {
        best = i;
        bestLen = j - i;
      }
      i = j;
    }
    const hex = groups.map((g) => g.toString(16));
    if (best < 0) return hex.join(':');
    return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
  }
}

export class Cidr {
  constructor(
    readonly addr: IpAddr,
    readonly prefix: number,
  ) {}
  mask(): bigint {
    const host = BigInt(this.addr.bits - this.prefix);
    return ((1n << BigInt(this.addr.bits)) - 1n) ^ ((1n << host) - 1n);
  }
  toString(): string {
    return `${this.addr}/${this.prefix}`;
  }
}

function parseV4(s: string): bigint | string {
  const parts = s.split('.');
  if (parts.length !== 4) return 'IPv4 address too short';
  let v = 0n;
  for (const p of parts) {
    if (p === '') return 'IPv4 field must have at least one digit';
    if (!/^[0-9]+$/.test(p)) return 'unexpected character';
    if (p.length > 1 && p.startsWith('0')) return 'IPv4 field has octet with leading zero';
    const n = Number(p);
    if (n > 255) return 'IPv4 field has value >255';
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(s: string): bigint | string {
  if (s.includes('%')) return 'zone';
  const halves = s.split('::');
  if (halves.length > 2) return 'multiple :: in address';
  const groups = (h: string): number[] | string => {
    if (h === '') return [];
    const out: number[] = [];
    const fields = h.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (i === fields.length - 1 && f.includes('.')) {
        const v4 = parseV4(f);
        if (typeof v4 === 'string') return v4;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(f)) return f.length > 4 ? 'each colon-separated field must have at most 4 hex digits' : 'unexpected character';
      out.push(parseInt(f, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  if (typeof head === 'string') return head;
  let all: number[];
  if (halves.length === 2) {
    const tail = groups(halves[1]!);
    if (typeof tail === 'string') return tail;
    if (head.length + tail.length > 7) return 'address too long';
    all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return 'address too short';
    all = head;
  }
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

export function parseIp(raw: string): IpAddr {
  if (raw.includes('%') && raw.includes(':')) throw celRuntimeError(`IP address ${JSON.stringify(raw)} with zone value is not allowed`);
  if (raw.includes(':')) {
    const v = parseV6(raw);
    if (typeof v === 'string') throw celRuntimeError(`IP Address ${JSON.stringify(raw)} parse error during conversion from string: ParseAddr(${JSON.stringify(raw)}): ${v}`);
    if (v >> 32n === 0xffffn) throw celRuntimeError(`IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`);
    return new IpAddr(128, v);
  }
  const v = raw === '' ? 'unable to parse IP' : parseV4(raw);
  if (typeof v === 'string') throw celRuntimeError(`IP Address ${JSON.stringify(raw)} parse error during conversion from string: ParseAddr(${JSON.stringify(raw)}): ${v}`);
  return new IpAddr(32, v);
}

export function parseCidr(raw: string): Cidr {
  const slash = raw.lastIndexOf('/');
  if (slash < 0) throw celRuntimeError(`network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(raw)}): no '/'`);
  const addrText = raw.slice(0, slash);
  const bitsText = raw.slice(slash + 1);
  if (addrText.includes('%')) throw celRuntimeError(`CIDR ${JSON.stringify(raw)} with zone value is not allowed`);
  let addr: IpAddr;
  try {
    addr = parseIp(addrText);
  } catch {
    throw celRuntimeError(`network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(raw)}): ParseAddr(${JSON.stringify(addrText)}): unable to parse IP`);
  }
  if (!/^(?:0|[1-9][0-9]*)$/.test(bitsText) || Number(bitsText) > addr.bits) throw celRuntimeError(`network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(raw)}): bad bits after slash: ${JSON.stringify(bitsText)}`);
  return new Cidr(addr, Number(bitsText));
}

const inRange = (ip: IpAddr, base: bigint, prefix: number): boolean => {
  const shift = BigInt(ip.bits - prefix);
  return ip.value >> shift === base >> shift;
};

function contains(c: Cidr, ip: IpAddr): boolean {
  return ip.bits === c.addr.bits && inRange(ip, c.addr.value, c.prefix);
}

export function registerIp(env: Environment): void {
  env.registerType('net.IP', IpAddr);
  env.registerType('net.CIDR', Cidr);
  const I = 'net.IP';
  const C = 'net.CIDR';
  const ok = (f: () => unknown): boolean => {
    try {
      f();
      return true;
    } catch {
      return false;
    }
  };
  define(env, 'ip', undefined, ['string'], I, (s: string) => parseIp(s));
  define(env, 'isIP', undefined, ['string'], 'bool', (s: string) => ok(() => parseIp(s)));
  // `ip.isCanonical(s)`: `ip` is also a function name; the namespace constant makes `ip.` resolve.
  registerNamespace(env, 'ip', 'IpNamespace');
  define(env, 'isCanonical', 'IpNamespace', ['string'], 'bool', (_ns: unknown, s: string) => parseIp(s).toString() === s);
  define(env, 'family', I, [], 'int', (a: IpAddr) => (a.bits === 32 ? 4n : 6n));
  define(env, 'isUnspecified', I, [], 'bool', (a: IpAddr) => a.value === 0n);
  define(env, 'isLoopback', I, [], 'bool', (a: IpAddr) => (a.bits === 32 ? a.value >> 24n === 127n : a.value === 1n));
  define(env, 'isLinkLocalMulticast', I, [], 'bool', (a: IpAddr) => (a.bits === 32 ? a.value >> 8n === 0xe00000n : ((a.value >> 112n) & 0xff0fn) === 0xff02n));
  define(env, 'isLinkLocalUnicast', I, [], 'bool', (a: IpAddr) => (a.bits === 32 ? a.value >> 16n === 0xa9fen : a.value >> 118n === 0x3fan));
  define(env, 'isGlobalUnicast', I, [], 'bool', (a: IpAddr) => {
    if (a.bits === 32) {
      if (a.value === 0n || a.value === 0xffffffffn) return false;
      return !(a.value >> 24n === 127n || a.value >> 28n === 0xen || a.value >> 16n === 0xa9fen);
    }
    return !(a.value === 0n || a.value === 1n || a.value >> 120n === 0xffn || a.value >> 118n === 0x3fan);
  });
  define(env, 'string', undefined, [I], 'string', (a: IpAddr) => a.toString());
  env.registerOperator(`${I} == ${I}`, ((a: IpAddr, b: IpAddr) => a.bits === b.bits && a.value === b.value) as (...a: unknown[]) => unknown);

  define(env, 'cidr', undefined, ['string'], C, (s: string) => parseCidr(s));
  define(env, 'isCIDR', undefined, ['string'], 'bool', (s: string) => ok(() => parseCidr(s)));
  define(env, 'containsIP', C, [I], 'bool', (c: Cidr, a: IpAddr) => contains(c, a));
  define(env, 'containsIP', C, ['string'], 'bool', (c: Cidr, s: string) => contains(c, parseIp(s)));
  const containsCidr = (c: Cidr, o: Cidr): boolean => o.addr.bits === c.addr.bits && o.prefix >= c.prefix && inRange(o.addr, c.addr.value, c.prefix);
  define(env, 'containsCIDR', C, [C], 'bool', containsCidr);
  define(env, 'containsCIDR', C, ['string'], 'bool', (c: Cidr, s: string) => containsCidr(c, parseCidr(s)));
  define(env, 'ip', C, [], I, (c: Cidr) => c.addr);
  define(env, 'masked', C, [], C, (c: Cidr) => new Cidr(new IpAddr(c.addr.bits, c.addr.value & c.mask()), c.prefix));
  define(env, 'prefixLength', C, [], 'int', (c: Cidr) => BigInt(c.prefix));
  define(env, 'string', undefined, [C], 'string', (c: Cidr) => c.toString());
  env.registerOperator(`${C} == ${C}`, ((a: Cidr, b: Cidr) => a.prefix === b.prefix && a.addr.bits === b.addr.bits && a.addr.value === b.addr.value) as (...a: unknown[]) => unknown);
}
