// RFC 6902 JSON patches (kustomize's patchesJson6902, and `patches:` whose text is a list) over a
// build's trees. A `value` keeps the lines it was written on, so an image set by a JSON patch points
// at its `value:` line.
import { clone, isMap, isSeq, str, type KNode } from './tree';

export class JsonPatchError extends Error {}

interface Op {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: KNode;
}

/** The operations of a patch document (a list of maps), or an error naming what is wrong. */
export function readOps(doc: KNode): Op[] {
  if (!isSeq(doc)) throw new JsonPatchError('a JSON patch must be a list of operations');
  return doc.items.map((item, i) => {
    const op = str(item, 'op');
    const path = str(item, 'path');
    if (!isMap(item) || op === undefined || path === undefined) throw new JsonPatchError(`operation ${i} needs op and path`);
    const from = str(item, 'from');
    const value = item.entries.get('value');
    return { op, path, ...(from !== undefined ? { from } : {}), ...(value !== undefined ? { value } : {}) };
  });
}

function pointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new JsonPatchError(`path ${JSON.stringify(p)} must start with /`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(root: KNode, path: string[]): { parent: KNode; last: string } {
  let cur = root;
  for (const seg of path.slice(0, -1)) {
    const next = child(cur, seg);
    if (next === undefined) throw new JsonPatchError(`path /${path.join('/')} does not exist`);
    cur = next;
  }
  return { parent: cur, last: path[path.length - 1]! };
}

function child(n: KNode, seg: string): KNode | undefined {
  if (isMap(n)) return n.entries.get(seg);
  if (isSeq(n)) {
    if (!/^(0|[1-9][0-9]*)$/.test(seg)) return undefined;
    return n.items[Number(seg)];
  }
  return undefined;
}

function getAt(root: KNode, path: string[]): KNode {
  let cur: KNode | undefined = root;
  for (const seg of path) {
    cur = cur === undefined ? undefined : child(cur, seg);
    if (cur === undefined) throw new JsonPatchError(`path /${path.join('/')} does not exist`);
  }
  return cur;
}

function index(seg: string, length: number, adding: boolean): number {
  if (adding && seg === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(seg)) throw new JsonPatchError(`${JSON.stringify(seg)} is not a list index`);
  const i = Number(seg);
  if (i > length || (!adding && i === length)) throw new JsonPatchError(`index ${i} is out of range`);
  return i;
}

function add(root: KNode, path: string[], value: KNode): void {
  const { parent, last } = parentOf(root, path);
  if (isMap(parent)) parent.entries.set(last, value);
  else if (isSeq(parent)) parent.items.splice(index(last, parent.items.length, true), 0, value);
  else throw new JsonPatchError(`cannot add at /${path.join('/')}`);
}

function remove(root: KNode, path: string[]): KNode {
  const { parent, last } = parentOf(root, path);
  if (isMap(parent)) {
    const v = parent.entries.get(last);
    if (v === undefined) throw new JsonPatchError(`path /${path.join('/')} does not exist`);
    parent.entries.delete(last);
    return v;
  }
  if (isSeq(parent)) return parent.items.splice(index(last, parent.items.length, false), 1)[0]!;
  throw new JsonPatchError(`cannot remove /${path.join('/')}`);
}

/** Applies the operations in order to root (an object's tree), in place. */
export function applyJsonPatch(root: KNode, ops: readonly Op[]): void {
  for (const o of ops) {
    const path = pointer(o.path);
    if (path.length === 0) throw new JsonPatchError('patching the whole object is not supported');
    switch (o.op) {
      case 'add':
        add(root, path, clone(need(o)));
        break;
      case 'remove':
        remove(root, path);
        break;
      case 'replace':
        getAt(root, path);
        remove(root, path);
        add(root, path, clone(need(o)));
        break;
      case 'move': {
        const v = remove(root, pointer(o.from ?? ''));
        add(root, path, v);
        break;
      }
      case 'copy':
        add(root, path, clone(getAt(root, pointer(o.from ?? ''))));
        break;
      case 'test':
        // kustomize fails the build when a test fails; the values are compared as written.
        if (JSON.stringify(plain(getAt(root, path))) !== JSON.stringify(plain(need(o)))) throw new JsonPatchError(`test at ${o.path} failed`);
        break;
      default:
        throw new JsonPatchError(`unknown op ${JSON.stringify(o.op)}`);
    }
  }
}

function need(o: Op): KNode {
  if (o.value === undefined) throw new JsonPatchError(`${o.op} at ${o.path} needs a value`);
  return o.value;
}

function plain(n: KNode): unknown {
  if (isMap(n)) return Object.fromEntries([...n.entries].map(([k, v]) => [k, plain(v)]));
  if (isSeq(n)) return n.items.map(plain);
  return typeof n.value === 'bigint' ? Number(n.value) : n.value;
}
