// data.inventory as Gatekeeper's sync fills it: the workspace's objects (or --inventory's), for templates
// that read other objects (unique hosts, selectors...).
import { dataDocument } from '../rego';
import { RObject, Value } from '../rego/value';
import { objectInNamespace } from './admission';
import type { Review } from './expansion';
import type { CheckOptions } from './options';

/** Whether a review's object lives outside namespaces (the inventory's cluster/namespace split). */
export type ScopeOf = (r: Review) => boolean;

/**
 * data.inventory from reviewed objects (originals only, not what expansion generates):
 * namespace[ns][apiVersion][kind][name] and cluster[apiVersion][kind][name], as Gatekeeper syncs them.
 */
export function inventoryOf(reviews: Iterable<Review>, options: CheckOptions, clusterScoped: ScopeOf): Value {
  const root = new RObject();
  const put = (path: string[], v: Value): void => {
    let cur = root;
    for (const p of path.slice(0, -1)) {
      let next = cur.get(p);
      if (!(next instanceof RObject)) cur.set(p, (next = new RObject()));
      cur = next as RObject;
    }
    cur.set(path[path.length - 1]!, v);
  };
  for (const r of reviews) {
    const s = r.rego;
    if (!s || s.admission || r.source !== 'Original' || !s.object) continue;
    const apiVersion = r.origin.apiVersion;
    const name = r.name;
    if (clusterScoped(r)) {
      put(['cluster', apiVersion, r.gvk.kind, name], s.object);
    } else {
      const ns = r.namespace ?? (options.namespace === '*' ? 'default' : options.namespace);
      put(['namespace', ns, apiVersion, r.gvk.kind, name], r.namespace !== undefined ? s.object : objectInNamespace(s.object, ns));
    }
  }
  return dataDocument(root);
}

export const emptyData: Value = dataDocument(undefined);
