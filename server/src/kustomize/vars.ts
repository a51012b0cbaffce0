// Legacy `vars:`: `$(NAME)` in the varReference fields is replaced, after name references are fixed,
// by a field of the object the var names (by default its final metadata.name).
import { BuildFailure } from './failure';
import { walkFieldSpec, type FieldSpec } from './fieldSpecs';
import { matchesAnyId } from './select';
import { idOf, type Resource } from './resource';
import { splitFieldPath } from './replacements';
import { groupVersion } from './fieldSpecs';
import { isMap, isScalar, isSeq, kstr, scalarString, str, type KNode, type KScalar } from './tree';

export interface VarDef {
  readonly name: string;
  readonly kind: string;
  readonly objName: string;
  readonly apiVersion?: string;
  readonly group?: string;
  readonly version?: string;
  readonly namespace?: string;
  readonly fieldPath: string;
}

export function readVars(n: KNode | undefined): VarDef[] {
  if (!isSeq(n)) return [];
  const out: VarDef[] = [];
  for (const v of n.items) {
    const name = str(v, 'name');
    const kind = str(v, 'objref', 'kind');
    const objName = str(v, 'objref', 'name');
    if (!name || !kind || !objName) continue;
    const def: VarDef = { name, kind, objName, fieldPath: str(v, 'fieldref', 'fieldpath') ?? str(v, 'fieldref', 'fieldPath') ?? 'metadata.name' };
    const apiVersion = str(v, 'objref', 'apiVersion');
    const group = str(v, 'objref', 'group');
    const version = str(v, 'objref', 'version');
    const namespace = str(v, 'objref', 'namespace');
    out.push({ ...def, ...(apiVersion ? { apiVersion } : {}), ...(group ? { group } : {}), ...(version ? { version } : {}), ...(namespace ? { namespace } : {}) });
  }
  return out;
}

/** The value of each var; a var whose object is missing is reported and left unresolved. */
export function resolveVars(resources: readonly Resource[], vars: readonly VarDef[], specs: readonly FieldSpec[]): void {
  if (vars.length === 0) return;
  const values = new Map<string, KScalar>();
  for (const v of vars) {
    const gv = v.apiVersion ? groupVersion(v.apiVersion) : { group: v.group ?? '', version: v.version ?? '' };
    const id = { group: gv.group, version: gv.version, kind: v.kind, name: v.objName, namespace: v.namespace ?? '' };
    const hits = resources.filter((r) => matchesAnyId(id, r) || (v.namespace === undefined && sameIgnoringNs(id, r)));
    if (hits.length !== 1) {
      throw new BuildFailure(`var '${v.name}' cannot be mapped to a field in the set of known resources (${hits.length === 0 ? 'no object' : 'more than one object'} is ${v.kind} ${v.objName})`);
    }
    let node: KNode | undefined = hits[0]!.obj;
    for (const seg of splitFieldPath(v.fieldPath)) {
      const m = /^(.*)\[(\d+)\]$/.exec(seg);
      node = m ? (isMap(node) ? node.entries.get(m[1]!) : undefined) : isMap(node) ? node.entries.get(seg) : undefined;
      if (m) node = isSeq(node) ? node.items[Number(m[2])] : undefined;
    }
    if (!isScalar(node)) throw new BuildFailure(`var '${v.name}': field ${v.fieldPath} of ${v.kind} ${v.objName} is not a value`);
    values.set(v.name, node);
  }
  const replace = (s: KScalar): KScalar => {
    if (typeof s.value !== 'string' || !s.value.includes('$')) return s;
    const out = expand(s.value, (name) => (values.has(name) ? scalarString(values.get(name)!) : undefined));
    if (out === s.value) return s;
    return kstr(out, s.prov ? { ...s.prov, verbatim: false } : undefined);
  };
  for (const r of resources) {
    for (const fs of specs) {
      walkFieldSpec(r.obj, fs, (slot) => {
        const n = slot.node;
        if (isScalar(n)) slot.set(replace(n));
        else if (isSeq(n)) n.items = n.items.map((i) => (isScalar(i) ? replace(i) : i));
        else if (isMap(n)) for (const [k, v] of n.entries) if (isScalar(v)) n.entries.set(k, replace(v));
      });
    }
  }
}

function sameIgnoringNs(id: { group: string; version: string; kind: string; name: string }, r: Resource): boolean {
  const cur = idOf(r);
  if (cur.kind !== id.kind || (id.group !== '' && id.group !== cur.group) || (id.version !== '' && id.version !== cur.version)) return false;
  return [...r.prevIds.map((p) => p.name), cur.name].includes(id.name);
}

/**
 * Kubernetes' $(VAR) expansion, as kustomize runs it: `$$` is a literal `$`, `$(NAME)` is the var's
 * value, and a name with no value is left as written.
 */
export function expand(s: string, value: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '$' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const next = s[i + 1]!;
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = s.indexOf(')', i + 2);
      if (close < 0) {
        out += s.slice(i);
        break;
      }
      const name = s.slice(i + 2, close);
      out += value(name) ?? `$(${name})`;
      i = close;
    } else {
      out += c + next;
      i++;
    }
  }
  return out;
}
