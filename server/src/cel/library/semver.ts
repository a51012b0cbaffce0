// Kubernetes' semver library (library/semver.go, semverlib.go) with blang/semver's parsing and
// ordering: semver(s), semver(s, normalize), isSemver(s), isSemver(s, normalize), major/minor/patch,
// isGreaterThan/isLessThan/compareTo, equality by version (build metadata ignored when ordering).
// normalize accepts a leading "v", a missing minor or patch, and leading zeros in the core numbers.
import { celRuntimeError, type Environment } from '../celjs';
import type { Ordered } from './compare';
import { define } from './define';

const numeric = /^[0-9]+$/;
const ident = /^[0-9A-Za-z-]+$/;

export class Semver implements Ordered {
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly pre: readonly string[],
    readonly build: readonly string[],
  ) {}
  cmp(o: Semver): number {
    for (const [a, b] of [[this.major, o.major], [this.minor, o.minor], [this.patch, o.patch]] as const) if (a !== b) return a < b ? -1 : 1;
    if (this.pre.length === 0 && o.pre.length === 0) return 0;
    if (this.pre.length === 0) return 1;
    if (o.pre.length === 0) return -1;
    for (let i = 0; i < Math.min(this.pre.length, o.pre.length); i++) {
      const a = this.pre[i]!;
      const b = o.pre[i]!;
      if (a === b) continue;
      const an = numeric.test(a);
      const bn = numeric.test(b);
      if (an && bn) return BigInt(a) < BigInt(b) ? -1 : 1;
      if (an) return -1;
      if (bn) return 1;
      return a < b ? -1 : 1;
    }
    return this.pre.length === o.pre.length ? 0 : this.pre.length < o.pre.length ? -1 : 1;
  }
  compareWith(other: unknown): number | undefined {
    return other instanceof Semver ? this.cmp(other) : undefined;
  }
  toString(): string {
    return `${this.major}.${this.minor}.${this.patch}${this.pre.length ? `-${this.pre.join('.')}` : ''}${this.build.length ? `+${this.build.join('.')}` : ''}`;
  }
}

const part = (s: string, name: string): bigint => {
  if (s === '') throw celRuntimeError(`${name} number must not be empty`);
  if (!numeric.test(s)) throw celRuntimeError(`Invalid character(s) found in ${name.toLowerCase()} number "${s}"`);
  if (s.length > 1 && s.startsWith('0')) throw celRuntimeError(`${name} number must not contain leading zeroes "${s}"`);
  return BigInt(s);
};

/** blang/semver's Parse (strict); throws with its messages. */
export function parseSemver(s: string, normalize = false): Semver {
  if (normalize) s = normalizeSemver(s);
  if (s.length === 0) throw celRuntimeError('Version string empty');
  const core = s.split(/[-+]/, 1)[0]!;
  const parts = core.split('.');
  if (parts.length !== 3) throw celRuntimeError('No Major.Minor.Patch elements found');
  const major = part(parts[0]!, 'Major');
  const minor = part(parts[1]!, 'Minor');
  const rest = s.slice(parts[0]!.length + parts[1]!.length + 2);
  const m = /^([0-9A-Za-z]*)(?:-([^+]*))?(?:\+(.*))?$/.exec(rest);
  if (m === null) throw celRuntimeError(`Invalid character(s) found in patch number "${rest}"`);
  const patch = part(m[1]!, 'Patch');
  const pre = m[2] !== undefined ? m[2].split('.') : [];
  for (const p of pre) {
    if (p === '') throw celRuntimeError('Prerelease is empty');
    if (!ident.test(p)) throw celRuntimeError(`Invalid character(s) found in prerelease "${p}"`);
    if (numeric.test(p) && p.length > 1 && p.startsWith('0')) throw celRuntimeError(`Version prerelease number must not contain leading zeroes "${p}"`);
  }
  const build = m[3] !== undefined ? m[3].split('.') : [];
  for (const b of build) {
    if (b === '') throw celRuntimeError('Build meta data is empty');
    if (!ident.test(b)) throw celRuntimeError(`Invalid character(s) found in build meta data "${b}"`);
  }
  return new Semver(major, minor, patch, pre, build);
}

function normalizeSemver(s: string): string {
  if (s.startsWith('v')) s = s.slice(1);
  const cut = s.search(/[-+]/);
  const core = cut < 0 ? s : s.slice(0, cut);
  const tail = cut < 0 ? '' : s.slice(cut);
  const parts = core.split('.');
  while (parts.length < 3) parts.push('0');
  return parts.map((p) => (numeric.test(p) ? p.replace(/^0+(?=[0-9])/, '') : p)).join('.') + tail;
}

export function registerSemver(env: Environment): void {
  env.registerType('kubernetes.Semver', Semver);
  const S = 'kubernetes.Semver';
  const is = (s: string, normalize: boolean): boolean => {
    try {
      parseSemver(s, normalize);
      return true;
    } catch {
      return false;
    }
  };
  define(env, 'semver', undefined, ['string'], S, (s: string) => parseSemver(s));
  define(env, 'semver', undefined, ['string', 'bool'], S, (s: string, n: boolean) => parseSemver(s, n));
  define(env, 'isSemver', undefined, ['string'], 'bool', (s: string) => is(s, false));
  define(env, 'isSemver', undefined, ['string', 'bool'], 'bool', (s: string, n: boolean) => is(s, n));
  define(env, 'major', S, [], 'int', (v: Semver) => v.major);
  define(env, 'minor', S, [], 'int', (v: Semver) => v.minor);
  define(env, 'patch', S, [], 'int', (v: Semver) => v.patch);
  define(env, 'isGreaterThan', S, [S], 'bool', (a: Semver, b: Semver) => a.cmp(b) > 0);
  define(env, 'isLessThan', S, [S], 'bool', (a: Semver, b: Semver) => a.cmp(b) < 0);
  define(env, 'compareTo', S, [S], 'int', (a: Semver, b: Semver) => BigInt(a.cmp(b)));
  env.registerOperator(`${S} == ${S}`, ((a: Semver, b: Semver) => a.cmp(b) === 0 && a.build.join('.') === b.build.join('.')) as (...a: unknown[]) => unknown);
}
