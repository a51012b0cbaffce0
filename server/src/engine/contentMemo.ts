// Results kept by the content of a value: an object that appears again (another file, keys in another
// order) is evaluated once. Found by a bounded hash of the value, confirmed by sameValue, so a
// collision never gives a wrong answer; bounded in entries, so a huge workspace keeps a working set.
import { hashValue, sameValue, Value } from '../rego/value';

/** Hashes of values (shared by every memo that looks a value up). */
const hashes = new WeakMap<object, number>();

/** A hash of a value; a big one (a CRD) costs its first 256 values, not all of them. */
export function contentHash(v: Value): number {
  if (v === null || typeof v !== 'object') return hashValue(v);
  let h = hashes.get(v);
  if (h === undefined) hashes.set(v, (h = hashValue(v, 256)));
  return h;
}

const maxHashes = 4096;
const maxPerHash = 4;

/** Results by a value's content and a context compared by identity (data.inventory, a Namespace, a default namespace). */
export class ContentMemo<C, T> {
  private readonly byHash = new Map<number, Array<{ value: Value; context: C; result: T }>>();

  get(value: Value, context: C): T | undefined {
    for (const e of this.byHash.get(contentHash(value)) ?? []) if (e.context === context && sameValue(e.value, value)) return e.result;
    return undefined;
  }

  set(value: Value, context: C, result: T): void {
    const h = contentHash(value);
    let entries = this.byHash.get(h);
    if (!entries) {
      if (this.byHash.size >= maxHashes) this.byHash.clear();
      this.byHash.set(h, (entries = []));
    }
    if (entries.length < maxPerHash) entries.push({ value, context, result });
  }
}

/** The memo an owner (a constraint, a policy set) keeps, made at its first use. */
export function memoOf<C, T>(memos: WeakMap<object, ContentMemo<C, T>>, owner: object): ContentMemo<C, T> {
  let m = memos.get(owner);
  if (!m) memos.set(owner, (m = new ContentMemo<C, T>()));
  return m;
}
