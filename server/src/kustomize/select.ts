// Which objects a patch or replacement targets: kustomize's selectors (group, version, kind, name and
// namespace as anchored Go regular expressions, tried against the original and the current id;
// label and annotation selectors on metadata only), and the "any id" match of an untargeted patch.
import { compileRe2, Re2SyntaxError } from '../re2';
import { BuildFailure } from './failure';
import { idOf, isClusterScoped, orgIdOf, type ResId, type Resource } from './resource';
import { get, isMap, isScalar, str, type KNode } from './tree';

export interface Selector {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly annotationSelector?: string;
}

export function readSelector(n: KNode | undefined): Selector {
  const out: Record<string, string> = {};
  for (const k of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector']) {
    const v = str(n, k);
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}

function anchored(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  try {
    return compileRe2('^(?:' + pattern + ')$').test(value);
  } catch (e) {
    if (e instanceof Re2SyntaxError) throw new BuildFailure(`selector ${JSON.stringify(pattern)} is not a valid Go regular expression: ${e.message}`);
    throw e;
  }
}

function effectiveNamespace(id: ResId): string {
  if (isClusterScoped(id.kind)) return '';
  return id.namespace === '' ? 'default' : id.namespace;
}

export function selects(s: Selector, r: Resource): boolean {
  const cur = idOf(r);
  const org = orgIdOf(r);
  if (s.namespace !== undefined && !anchored(s.namespace, effectiveNamespace(org)) && !anchored(s.namespace, effectiveNamespace(cur))) return false;
  if (s.name !== undefined && !anchored(s.name, org.name) && !anchored(s.name, cur.name)) return false;
  if (!anchored(s.kind, cur.kind) || !anchored(s.group, cur.group) || !anchored(s.version, cur.version)) return false;
  if (s.labelSelector !== undefined && !matchesLabelSelector(s.labelSelector, stringMap(get(r.obj, 'metadata', 'labels')))) return false;
  if (s.annotationSelector !== undefined && !matchesLabelSelector(s.annotationSelector, stringMap(get(r.obj, 'metadata', 'annotations')))) return false;
  return true;
}

function stringMap(n: KNode | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (isMap(n)) for (const [k, v] of n.entries) if (isScalar(v)) m.set(k, v.value === null ? '' : String(v.value));
  return m;
}

/** Kubernetes label selector syntax: `a=b,c!=d,e in (f,g),h notin (i),j,!k`. */
export function matchesLabelSelector(sel: string, labels: ReadonlyMap<string, string>): boolean {
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of sel) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      terms.push(cur);
      cur = '';
    } else cur += c;
  }
  terms.push(cur);
  return terms.every((raw) => {
    const t = raw.trim();
    if (t === '') return true;
    let m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(t);
    if (m) {
      const vals = m[3]!.split(',').map((v) => v.trim());
      const has = labels.has(m[1]!) && vals.includes(labels.get(m[1]!)!);
      return m[2] === 'in' ? has : !has;
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(t);
    if (m) return m[2] === '!=' ? labels.get(m[1]!) !== m[3]!.trim() : labels.get(m[1]!) === m[3]!.trim();
    if (t.startsWith('!')) return !labels.has(t.slice(1).trim());
    return labels.has(t);
  });
}

function sameNs(a: string, b: string): boolean {
  return (a === '' ? 'default' : a) === (b === '' ? 'default' : b);
}

/** Whether an id (a patch's own) is one of the ids the object has had (kustomize's GetMatchingResourcesByAnyId). */
export function matchesAnyId(id: ResId, r: Resource): boolean {
  const cur = idOf(r);
  if (id.kind !== cur.kind || id.group !== cur.group || (id.version !== '' && id.version !== cur.version)) return false;
  const ids = [...r.prevIds, { name: cur.name, namespace: cur.namespace }];
  return ids.some((p) => p.name === id.name && (sameNs(p.namespace, id.namespace) || isClusterScoped(cur.kind)));
}
