// Rego values: JSON scalars as JavaScript scalars, arrays as arrays, and objects and sets keyed by value
// (composite keys allowed), iterated in OPA's sorted order.
import { goQuote } from '../go/fmt';
import { LimitError } from './errors';

/**
 * Work on composite values (elements compared, encoded, printed, merged) since the evaluator last
 * took it into its step count. Values share their parts: an array of a thousand references to an array
 * of a thousand is built in a thousand steps, and comparing or printing it visits a million elements.
 * While it runs, the evaluator sets `limit` (per step) and `clock` (its wall budget, looked at every
 * `clockEvery` units), and takes `units` into its step count at every step.
 */
export const valueWork = { units: 0, limit: Infinity, nextClock: Infinity, clock: (): void => undefined };
export const clockEvery = 1 << 16;

/** Counts n element visits: past the limit, or past the wall budget, the evaluation stops with the bound named. */
export function visit(n: number): void {
  if ((valueWork.units += n) <= valueWork.nextClock) return;
  if (valueWork.units > valueWork.limit) {
    throw new LimitError(`values too large to compare, print or merge: over ${valueWork.limit} elements visited in one step`, 'maxValueWork');
  }
  valueWork.nextClock = valueWork.units + clockEvery;
  valueWork.clock();
}

export type Value = null | boolean | number | string | readonly Value[] | RObject | RSet;

/** The key a value is stored under: the string itself for strings, a tagged encoding for the rest. */
export function keyOf(v: Value): string {
  if (typeof v === 'string') return v.length > 0 && v.charCodeAt(0) === 0 ? '\0s' + v : v;
  return '\0' + encode(v);
}

/** Arrays' encodings (objects and sets keep theirs). */
const encoded = new WeakMap<object, string>();

function encode(v: Value): string {
  if (v === null) return 'n';
  if (typeof v === 'object') {
    if (v instanceof Keyed) return (v.encoding ??= encodeComposite(v as RObject | RSet));
    let e = encoded.get(v);
    if (e === undefined) {
      e = encodeComposite(v);
      encoded.set(v, e);
    }
    return e;
  }
  switch (typeof v) {
    case 'boolean':
      return v ? 't' : 'f';
    case 'number':
      return String(v === 0 ? 0 : v);
    case 'string':
      visit(v.length >>> 4);
      return JSON.stringify(v);
  }
  return '';
}

/** Values are never changed once built, so their encodings are kept. */
function encodeComposite(v: readonly Value[] | RObject | RSet): string {
  let parts: string[];
  let open: string;
  if (Array.isArray(v)) {
    open = '[';
    visit(v.length);
    parts = (v as Value[]).map(encode);
  } else if (v instanceof RObject) {
    open = '{';
    visit(v.size);
    parts = v.sortedEntries().map(([k, x]) => encode(k) + ':' + encode(x));
  } else {
    open = '<';
    visit((v as RSet).size);
    parts = (v as RSet).sorted().map(encode);
  }
  // The encoding's length is visited too: shared parts make it far longer than the value is large.
  let length = 0;
  for (const p of parts) length += p.length;
  visit(length >>> 4);
  return open + parts.join(',') + (open === '[' ? ']' : open === '{' ? '}' : '>');
}

abstract class Keyed<T> {
  /** keyOf(key) -> value: no [key, value] pair per entry (the inventory holds millions of entries). */
  protected readonly m: Map<string, T>;
  /** keyOf(key) -> key, for keys that are not strings (a string key is its own map key). */
  protected others: Map<string, Value> | undefined;
  private sortedCache: [Value, T][] | undefined;
  /** The key this value is stored under (see keyOf), once asked for. */
  encoding: string | undefined;

  constructor(m?: Map<string, T>, others?: Map<string, Value>) {
    this.m = m ?? new Map();
    this.others = others;
  }

  get size(): number {
    return this.m.size;
  }

  protected put(k: Value, v: T): void {
    const key = keyOf(k);
    this.m.set(key, v);
    if (typeof k !== 'string') (this.others ??= new Map()).set(key, k);
    this.sortedCache = undefined;
    this.encoding = undefined;
  }

  /** The key stored under a map key (see keyOf: `\0s` marks a string that starts with NUL). */
  private keyAt(mapKey: string): Value {
    if (mapKey.length === 0 || mapKey.charCodeAt(0) !== 0) return mapKey;
    return mapKey.charCodeAt(1) === 115 /* s */ ? mapKey.slice(2) : this.others!.get(mapKey)!;
  }

  /** Same class, same keys, same values (see sameValue). */
  sameEntries(other: Keyed<T>): boolean {
    if (this.constructor !== other.constructor || this.m.size !== other.m.size) return false;
    for (const [mapKey, v] of this.m) {
      const w = other.m.get(mapKey);
      if (w === undefined || !sameValue(v as Value, w as Value)) return false;
    }
    return true;
  }

  /** The entries' hash (see hashValue). */
  hashEntries(): number {
    let h = this instanceof RSet ? 0x1b873593 : 0x27d4eb2f;
    h ^= this.m.size;
    let sum = 0;
    for (const [mapKey, v] of this.m) sum = (sum + Math.imul(hashString(mapKey) ^ 0x85ebca6b, 31) + hashOf(v as Value)) | 0;
    return (h ^ sum) | 0;
  }

  /** Entries in OPA's order (sorted by key). */
  sortedEntries(): [Value, T][] {
    if (this.sortedCache === undefined) {
      const entries: [Value, T][] = [];
      for (const [mapKey, v] of this.m) entries.push([this.keyAt(mapKey), v]);
      let sorted = true;
      for (let i = 1; i < entries.length && sorted; i++) if (compare(entries[i - 1]![0], entries[i]![0]) > 0) sorted = false;
      if (!sorted) entries.sort((a, b) => compare(a[0], b[0]));
      this.sortedCache = entries;
    }
    return this.sortedCache;
  }
}

export class RObject extends Keyed<Value> {
  static fromEntries(entries: Iterable<readonly [Value, Value]>): RObject {
    const o = new RObject();
    for (const [k, v] of entries) o.put(k, v);
    return o;
  }

  get(k: Value): Value | undefined {
    return this.m.get(keyOf(k));
  }

  has(k: Value): boolean {
    return this.m.has(keyOf(k));
  }

  /** For building: objects are immutable once they reach the evaluator. */
  set(k: Value, v: Value): void {
    this.put(k, v);
  }

  /** A copy with one key set (the values are shared). */
  with(k: Value, v: Value): RObject {
    const o = new RObject(new Map(this.m), this.others && new Map(this.others));
    o.put(k, v);
    return o;
  }

  keys(): Value[] {
    return this.sortedEntries().map((e) => e[0]);
  }
}

export class RSet extends Keyed<true> {
  static of(items: Iterable<Value>): RSet {
    const s = new RSet();
    for (const v of items) s.add(v);
    return s;
  }

  add(v: Value): void {
    this.put(v, true);
  }

  has(v: Value): boolean {
    return this.m.has(keyOf(v));
  }

  sorted(): Value[] {
    return this.sortedEntries().map((e) => e[0]);
  }
}

export function isObject(v: Value | undefined): v is RObject {
  return v instanceof RObject;
}
export function isSet(v: Value | undefined): v is RSet {
  return v instanceof RSet;
}
export function isArray(v: Value | undefined): v is readonly Value[] {
  return Array.isArray(v);
}

/**
 * Whether two values are the same value: what an evaluation can tell apart is the same in both (objects
 * and sets by their entries, in any order of insertion; numbers by Object.is, so 0 and -0 differ).
 * Unlike compare(), it neither sorts nor keeps anything on the values.
 */
export function sameValue(a: Value, b: Value): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  return (a as Keyed<Value | true>).sameEntries(b as Keyed<Value | true>);
}

/**
 * A hash of a value for sameValue (equal values, equal hashes when their objects' keys were inserted in
 * the same order). Long strings are hashed by their length and ends, and past `limit` values visited
 * the rest is not looked at: a collision costs a sameValue, never a wrong answer.
 */
export function hashValue(v: Value, limit = Infinity): number {
  hashLeft = limit;
  return hashOf(v);
}

let hashLeft = Infinity;

function hashOf(v: Value): number {
  if (--hashLeft < 0) return 0;
  if (v === null) return 0x9e3779b1;
  switch (typeof v) {
    case 'boolean':
      return v ? 0x2545f491 : 0x6a09e667;
    case 'number':
      return Object.is(v, -0) ? 0x3c6ef372 : hashString(String(v)) ^ 0x5bd1e995;
    case 'string':
      return hashString(v);
  }
  if (Array.isArray(v)) {
    let h = 0x811c9dc5 ^ v.length;
    for (const x of v as Value[]) h = Math.imul(h ^ hashOf(x), 0x01000193);
    return h | 0;
  }
  return (v as Keyed<Value | true>).hashEntries();
}

function hashString(s: string): number {
  let h = 0x811c9dc5 ^ s.length;
  const n = s.length;
  if (n <= 16) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < 8; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    for (let i = n - 8; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return h | 0;
}

/** A JSON value (from YAML) as a Rego value. */
export function fromJS(v: unknown): Value {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
  }
  if (Array.isArray(v)) return v.map(fromJS);
  if (v instanceof RObject || v instanceof RSet) return v;
  const o = new RObject();
  for (const k of Object.keys(v as object)) o.set(k, fromJS((v as Record<string, unknown>)[k]));
  return o;
}

/** A Rego value as JSON (sets as sorted arrays, non-string keys printed). */
export function toJS(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return (v as Value[]).map(toJS);
  if (v instanceof RSet) return v.sorted().map(toJS);
  const out: Record<string, unknown> = {};
  for (const [k, x] of (v as RObject).sortedEntries()) out[typeof k === 'string' ? k : opaString(k)] = toJS(x);
  return out;
}

const rank = (v: Value): number => {
  if (v === null) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      return 3;
  }
  if (Array.isArray(v)) return 4;
  return v instanceof RObject ? 5 : 6;
};

/** Strings compare as Go compares them: by UTF-8 bytes, i.e. by code point. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 || y >= 0xd800) {
      const cx = a.codePointAt(i)!;
      const cy = b.codePointAt(i)!;
      if (cx !== cy) return cx < cy ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** OPA's ordering: null < booleans < numbers < strings < arrays < objects < sets. */
export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a === false ? -1 : 1;
    case 2:
      return (a as number) === (b as number) ? 0 : (a as number) < (b as number) ? -1 : 1;
    case 3:
      return a === b ? 0 : compareStrings(a as string, b as string);
    case 4: {
      const x = a as Value[];
      const y = b as Value[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return visit(i + 1), c;
      }
      visit(n);
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    case 5: {
      const x = (a as RObject).sortedEntries();
      const y = (b as RObject).sortedEntries();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]![0], y[i]![0]);
        if (c !== 0) return visit(i + 1), c;
        const d = compare(x[i]![1], y[i]![1]);
        if (d !== 0) return visit(i + 1), d;
      }
      visit(n);
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    default: {
      const x = (a as RSet).sorted();
      const y = (b as RSet).sorted();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return visit(i + 1), c;
      }
      visit(n);
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
  }
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return compare(a, b) === 0;
}

/** OPA's type names, as its errors print them. */
export function typeName(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
  }
  if (Array.isArray(v)) return 'array';
  return v instanceof RObject ? 'object' : 'set';
}

/** A number as OPA prints it: integers without a fraction, the rest as Go's JSON writes float64. */
export function numberString(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(n);
}

/** How OPA prints a value (ast.Value.String()): strings quoted Go-style, sets and objects sorted. */
export function opaString(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return numberString(v);
    case 'string':
      visit(v.length >>> 4);
      return goQuote(v);
  }
  if (Array.isArray(v)) {
    visit(v.length);
    return '[' + (v as Value[]).map(opaString).join(', ') + ']';
  }
  if (v instanceof RObject) {
    visit(v.size);
    return '{' + v.sortedEntries().map(([k, x]) => `${opaString(k)}: ${opaString(x)}`).join(', ') + '}';
  }
  const s = (v as RSet).sorted();
  visit(s.length);
  return s.length === 0 ? 'set()' : '{' + s.map(opaString).join(', ') + '}';
}
