// Masterminds/semver v3 as Sprig's semver and semverCompare and Helm's kubeVersion check use it:
// loose versions (v prefix, missing minor or patch), constraints with ||, commas or spaces,
// =, !=, >, <, >=, <=, ~, ^ and x/* wildcards; a prerelease version only satisfies a constraint
// that has a prerelease itself.

export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly pre: string;
  readonly meta: string;
  readonly original: string;
}

const versionRe = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

export function parseVersion(s: string): SemVer | undefined {
  const m = versionRe.exec(s.trim());
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: m[2] ? Number(m[2].slice(1)) : 0,
    patch: m[3] ? Number(m[3].slice(1)) : 0,
    pre: m[5] ?? '',
    meta: m[8] ?? '',
    original: s,
  };
}

function comparePre(a: string, b: string): number {
  if (a === b) return 0;
  if (!a) return 1;
  if (!b) return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      const d = Number(x) - Number(y);
      if (d) return d < 0 ? -1 : 1;
    } else if (xn) return -1;
    else if (yn) return 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function compareVersions(a: SemVer, b: SemVer): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  return comparePre(a.pre, b.pre);
}

interface Constraint {
  op: string;
  v: SemVer;
  /** Which parts were wildcards or missing: 'minor' (1, 1.x) or 'patch' (1.2, 1.2.x). */
  dirty: '' | 'minor' | 'patch' | 'major';
}

const opRe = /^\s*(=>|=<|>=|<=|!=|~>|[=><~^])?\s*(v?[0-9xX*]+(\.[0-9xX*]+)?(\.[0-9xX*]+)?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?)\s*$/;

function parseOne(s: string): Constraint | undefined {
  const m = opRe.exec(s);
  if (!m) return undefined;
  let op = m[1] ?? '';
  if (op === '=>') op = '>=';
  if (op === '=<') op = '<=';
  if (op === '~>') op = '~';
  const body = m[2]!.replace(/^v/, '');
  const [core, ...rest] = body.split(/(?=[-+])/);
  const parts = core!.split('.');
  let dirty: Constraint['dirty'] = '';
  const nums = parts.map((p) => (/^[xX*]$/.test(p) ? NaN : Number(p)));
  if (Number.isNaN(nums[0])) dirty = 'major';
  else if (parts.length < 2 || Number.isNaN(nums[1])) dirty = 'minor';
  else if (parts.length < 3 || Number.isNaN(nums[2])) dirty = 'patch';
  const fix = (n: number | undefined): number => (n === undefined || Number.isNaN(n) ? 0 : n);
  const v = parseVersion(`${fix(nums[0])}.${fix(nums[1])}.${fix(nums[2])}${rest.join('')}`);
  if (!v) return undefined;
  return { op, v, dirty };
}

function check(c: Constraint, v: SemVer): boolean {
  if (v.pre && !c.v.pre) return false;
  const cmp = compareVersions(v, c.v);
  const sameMajor = v.major === c.v.major;
  switch (c.op) {
    case '':
    case '=':
      if (c.dirty === 'major') return true;
      if (c.dirty === 'minor') return sameMajor;
      if (c.dirty === 'patch') return sameMajor && v.minor === c.v.minor;
      return cmp === 0;
    case '!=':
      if (c.dirty === 'major') return false;
      if (c.dirty === 'minor') return !sameMajor;
      if (c.dirty === 'patch') return !(sameMajor && v.minor === c.v.minor);
      return cmp !== 0;
    case '>':
      if (c.dirty === 'minor') return v.major > c.v.major;
      if (c.dirty === 'patch') return v.major > c.v.major || (sameMajor && v.minor > c.v.minor);
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    case '<':
      return cmp < 0;
    case '<=':
      if (c.dirty === 'minor') return v.major <= c.v.major;
      if (c.dirty === 'patch') return v.major < c.v.major || (sameMajor && v.minor <= c.v.minor);
      return cmp <= 0;
    case '~':
      if (cmp < 0) return false;
      if (c.dirty === 'minor' || c.dirty === 'major') return sameMajor;
      return sameMajor && v.minor === c.v.minor;
    case '^':
      if (cmp < 0) return false;
      if (c.v.major > 0 || c.dirty === 'minor') return sameMajor;
      if (c.v.minor > 0 || c.dirty === 'patch') return sameMajor && v.minor === c.v.minor;
      return sameMajor && v.minor === c.v.minor && v.patch === c.v.patch;
  }
  return false;
}

/** Parses a constraint string; undefined when it is not one. */
export function parseConstraint(s: string): Constraint[][] | undefined {
  const groups: Constraint[][] = [];
  for (const g of s.split('||')) {
    const items = g
      .trim()
      .replace(/([=><~^!]+)\s+/g, '$1')
      .split(/[\s,]+/)
      .filter((x) => x.length);
    const cs: Constraint[] = [];
    for (const it of items) {
      const c = parseOne(it);
      if (!c) return undefined;
      cs.push(c);
    }
    groups.push(cs);
  }
  return groups;
}

export function satisfies(constraint: Constraint[][], v: SemVer): boolean {
  return constraint.some((g) => g.every((c) => check(c, v)));
}
