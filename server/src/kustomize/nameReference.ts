// Name references (kustomize's FixBackReferences, run once after the whole build): a field that names
// another object (a volume's configMap.name, serviceAccountName, a RoleBinding's subjects) follows
// that object's renames (prefix, suffix, hash) and, for subjects, its namespace. The referral is the
// one object of the right kind that once had the name, in a namespace the referrer can see.
import { walkFieldSpec, type FieldSpec, type NameBackRef, type TransformerConfig } from './fieldSpecs';
import { idOf, isClusterScoped, type ResId, type Resource } from './resource';
import { isMap, isScalar, isSeq, kstr, str, type KMap, type KNode, type Prov } from './tree';

export function fixNameReferences(resources: readonly Resource[], config: TransformerConfig, report: (r: Resource, message: string) => void): void {
  // Only objects that were renamed (or moved) can be referred to by an old name: index them by it.
  const byOldName = new Map<string, Resource[]>();
  for (const r of resources) {
    for (const name of new Set(r.prevIds.map((p) => p.name))) {
      const list = byOldName.get(name);
      if (list) list.push(r);
      else byOldName.set(name, [r]);
    }
  }
  if (byOldName.size === 0) return;
  const originalNamespaces = new Set(resources.map((r) => r.prevIds[0]?.namespace ?? idOf(r).namespace));
  // The specs by the kind of referrer they apply to (most name one kind), so each object is walked
  // only with the specs that can apply to it.
  const specsByKind = new Map<string, Array<{ backRef: NameBackRef; fs: FieldSpec }>>();
  for (const backRef of config.nameReference) {
    for (const fs of backRef.fieldSpecs) {
      const k = fs.kind ?? '';
      const list = specsByKind.get(k);
      if (list) list.push({ backRef, fs });
      else specsByKind.set(k, [{ backRef, fs }]);
    }
  }
  // kustomize runs one back reference (referral kind) at a time over every object, in config order.
  for (const backRef of config.nameReference) {
    for (const referrer of resources) {
      const kind = str(referrer.obj, 'kind') ?? '';
      for (const { backRef: b, fs } of [...(specsByKind.get(kind) ?? []), ...(kind === '' ? [] : specsByKind.get('') ?? [])]) {
        if (b !== backRef) continue;
        walkFieldSpec(referrer.obj, fs, (slot) => {
          const ctx: Ctx = { referrer, backRef, path: fs.path, byOldName, originalNamespaces, report };
          const n = slot.node;
          if (isScalar(n)) setScalar(n, ctx, (v) => slot.set(v));
          else if (isMap(n)) setMapping(n, ctx);
          else if (isSeq(n)) {
            n.items.forEach((item, i) => {
              if (isScalar(item)) setScalar(item, ctx, (v) => (n.items[i] = v));
              else if (isMap(item)) setMapping(item, ctx);
            });
          }
        });
      }
    }
  }
}

interface Ctx {
  readonly referrer: Resource;
  readonly backRef: NameBackRef;
  readonly path: string;
  readonly byOldName: ReadonlyMap<string, readonly Resource[]>;
  readonly originalNamespaces: ReadonlySet<string>;
  readonly report: (r: Resource, message: string) => void;
}

function setScalar(n: KNode, ctx: Ctx, put: (v: KNode) => void): void {
  if (!isScalar(n) || typeof n.value !== 'string') return;
  const candidates = ctx.byOldName.get(n.value);
  if (!candidates) return;
  const referral = selectReferral(n.value, candidates, ctx, false);
  if (!referral) return;
  const name = idOf(referral).name;
  if (name !== n.value) put(kstr(name, nameProv(referral)));
}

function setMapping(m: KMap, ctx: Ctx): void {
  const oldName = str(m, 'name');
  if (oldName === undefined) return;
  let candidates: readonly Resource[] | undefined = ctx.byOldName.get(oldName);
  if (!candidates) return;
  const ns = m.entries.get('namespace');
  if (isScalar(ns)) {
    // kustomize groups every object by original namespace, and by current namespace only when no
    // object had that namespace originally; the referral is then picked from the group.
    const want = ns.value === null ? '' : String(ns.value);
    candidates = ctx.originalNamespaces.has(want)
      ? candidates.filter((r) => (r.prevIds[0]?.namespace ?? idOf(r).namespace) === want)
      : candidates.filter((r) => idOf(r).namespace === want);
  }
  const referral = selectReferral(oldName, candidates, ctx, true);
  if (!referral) return;
  const id = idOf(referral);
  if (id.name === oldName && id.namespace === '') return;
  m.entries.set('name', kstr(id.name, nameProv(referral)));
  if (id.namespace !== '') {
    const nsNode = referral.obj.entries.get('metadata');
    const nsProv = isMap(nsNode) && isScalar(nsNode.entries.get('namespace')) ? (nsNode.entries.get('namespace') as { prov?: Prov }).prov : undefined;
    m.entries.set('namespace', kstr(id.namespace, nsProv));
  }
}

function nameProv(r: Resource): Prov | undefined {
  const meta = r.obj.entries.get('metadata');
  const n = isMap(meta) ? meta.entries.get('name') : undefined;
  return isScalar(n) ? n.prov : undefined;
}

function gvkSelected(id: ResId, sel: { group?: string | undefined; version?: string | undefined; kind?: string | undefined }): boolean {
  return (!sel.group || sel.group === id.group) && (!sel.version || sel.version === id.version) && (!sel.kind || sel.kind === id.kind);
}

function sameEndingSubSlice(a: readonly string[], b: readonly string[]): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length === 0) return long.length === 0;
  for (let i = 1; i <= short.length; i++) if (short[short.length - i] !== long[long.length - i]) return false;
  return true;
}

function selectReferral(oldName: string, all: readonly Resource[], ctx: Ctx, withNamespace: boolean): Resource | undefined {
  const referrerId = idOf(ctx.referrer);
  let c = all.filter((r) => r.prevIds.some((p) => p.name === oldName));
  c = c.filter((r) => gvkSelected(idOf(r), ctx.backRef));
  if (ctx.path.endsWith('roleRef/name')) {
    const group = str(ctx.referrer.obj, 'roleRef', 'apiGroup');
    const kind = str(ctx.referrer.obj, 'roleRef', 'kind');
    if (group !== undefined && kind !== undefined) c = c.filter((r) => gvkSelected(idOf(r), { group, kind }));
  }
  if (!isClusterScoped(referrerId.kind)) {
    c = c.filter((r) => {
      const id = idOf(r);
      return isClusterScoped(id.kind) || id.kind === 'ServiceAccount' || (id.namespace || 'default') === (referrerId.namespace || 'default');
    });
  }
  if (c.length === 1) return c[0];
  const ps = (r: Resource, allowEmpty: boolean): boolean => {
    const o = ctx.referrer;
    if (allowEmpty) {
      return (r.prefixes.length === 0 || o.prefixes.length === 0 || sameEndingSubSlice(r.prefixes, o.prefixes)) && (r.suffixes.length === 0 || o.suffixes.length === 0 || sameEndingSubSlice(r.suffixes, o.suffixes));
    }
    return sameEndingSubSlice(r.prefixes, o.prefixes) && sameEndingSubSlice(r.suffixes, o.suffixes);
  };
  c = c.filter((r) => ps(r, true));
  if (c.length > 1) c = c.filter((r) => ps(r, false));
  if (c.length === 1) return c[0];
  if (c.length === 0) return undefined;
  const first = idOf(c[0]!);
  if (c.every((r) => idOf(r).name === first.name && (!withNamespace || idOf(r).namespace === first.namespace))) return c[0];
  ctx.report(ctx.referrer, `found multiple possible referrals for name ${JSON.stringify(oldName)} at ${ctx.path}`);
  return undefined;
}
