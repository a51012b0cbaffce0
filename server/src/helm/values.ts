// Helm's values: user files merged in order, then coalesced with the chart's values.yaml and each
// subchart's (pkg/chart/common/util/coalesce.go): the user's value wins, null deletes a key, a
// parent's `global` flows into every subchart, and the parent's `<subchart>:` table overrides the
// subchart's own defaults. Dependencies switched off by `condition` or `tags` are left out first.
import { GoMap, Value, deepCopy, isString, str } from '../go/template/value';
import type { Chart } from './chart';

export const globalKey = 'global';

/** Helm's MergeValues of user values files: later files win, maps merged deep. */
export function mergeUserValues(dst: GoMap, src: GoMap): GoMap {
  for (const [k, v] of src) {
    const d = dst.get(k);
    if (v instanceof Map && d instanceof Map) dst.set(k, mergeUserValues(d, v));
    else dst.set(k, v);
  }
  return dst;
}

export interface Warn {
  (message: string): void;
}

/** CoalesceValues(chart, userValues): a new tree, the chart's defaults filled in under the user's values. */
export function coalesceValues(chart: Chart, user: GoMap, warn: Warn): GoMap {
  const v = deepCopy(user) as GoMap;
  return coalesce(chart, v, '', warn);
}

function coalesce(chart: Chart, dest: GoMap, prefix: string, warn: Warn): GoMap {
  coalesceChartValues(chart, dest, prefix, warn);
  coalesceDeps(chart, dest, prefix, warn);
  return dest;
}

function concatPrefix(a: string, b: string): string {
  return a ? `${a}.${b}` : b;
}

function coalesceChartValues(chart: Chart, v: GoMap, prefix: string, warn: Warn): void {
  const sub = concatPrefix(prefix, chart.name);
  const vc = deepCopy(chart.values) as GoMap;
  for (const [key, val] of vc) {
    if (v.has(key)) {
      const value = v.get(key);
      if (value === null || value === undefined) v.delete(key);
      else if (value instanceof Map) {
        if (val instanceof Map) {
          // A subchart's table is merged, not coalesced: its nulls reach the subchart, which deletes its own defaults.
          const merge = chart.subcharts.some((c) => c.name === key);
          coalesceTables(value, val, concatPrefix(sub, key), merge, warn);
        } else if (val !== null && val !== undefined) warn(`warning: skipped value for ${sub}.${key}: Not a table.`);
      }
    } else v.set(key, val);
  }
}

/** coalesceTablesFullKey: dst wins; src fills what dst lacks; a null in dst deletes the key. */
export function coalesceTables(dst: GoMap, src: GoMap, prefix: string, merge: boolean, warn: Warn): GoMap {
  for (const [key, val] of dst) if (val === null) src.set(key, null);
  for (const [key, val] of src) {
    const fullkey = concatPrefix(prefix, key);
    const has = dst.has(key);
    const dv = dst.get(key);
    if (has && !merge && dv === null) dst.delete(key);
    else if (!has) dst.set(key, val);
    else if (val instanceof Map) {
      if (dv instanceof Map) coalesceTables(dv, val, fullkey, merge, warn);
      else warn(`warning: cannot overwrite table with non table for ${fullkey} (${str(String(val) as Value)})`);
    } else if (dv instanceof Map && val !== null) warn(`warning: destination for ${fullkey} is a table. Ignoring non-table value (${String(val)})`);
  }
  return dst;
}

function coalesceDeps(chart: Chart, dest: GoMap, prefix: string, warn: Warn): void {
  for (const sub of chart.subcharts) {
    const name = sub.name;
    let c = dest.get(name);
    if (c === undefined) {
      c = new Map();
      dest.set(name, c);
    } else if (!(c instanceof Map)) {
      throw new Error(`type mismatch on ${name}: ${String(c)}`);
    }
    const dv = c as GoMap;
    coalesceGlobals(dv, dest, concatPrefix(prefix, chart.name), warn);
    dest.set(name, coalesce(sub, dv, concatPrefix(prefix, chart.name), warn));
  }
}

function coalesceGlobals(dest: GoMap, src: GoMap, prefix: string, warn: Warn): void {
  let dg = dest.get(globalKey);
  let sg = src.get(globalKey);
  if (dg === undefined) dg = new Map();
  if (sg === undefined) sg = new Map();
  if (!(dg instanceof Map)) return warn('warning: skipping globals because destination global is not a table.');
  if (!(sg instanceof Map)) return warn('warning: skipping globals because source global is not a table.');
  for (const [key, val] of sg) {
    if (val instanceof Map) {
      const vv = deepCopy(val) as GoMap;
      const destv = dg.get(key);
      if (destv === undefined) dg.set(key, vv);
      else if (!(destv instanceof Map)) warn(`warning: global ${key} is a table, but ${key} is not`);
      else {
        coalesceTables(vv, destv, concatPrefix(prefix, key), true, warn);
        dg.set(key, vv);
      }
    } else if (dg.get(key) instanceof Map) {
      warn(`warning: global ${key} is not a table, but destination is`);
    } else dg.set(key, val);
  }
  dest.set(globalKey, dg);
}

/** Looks up a dotted path (`redis-ha.enabled`) in values. */
function pathValue(v: GoMap, path: string): Value {
  let cur: Value = v;
  for (const k of path.split('.')) {
    if (!(cur instanceof Map)) return undefined;
    cur = cur.get(k);
  }
  return cur;
}

/**
 * processDependencyEnabled: drops subcharts whose condition (the first path that is a boolean) is
 * false, or whose tags are all false, and renames aliased ones. Returns the subcharts kept.
 */
export function enabledSubcharts(chart: Chart, cvals: GoMap, path: string, warn: Warn): Chart[] {
  const kept: Chart[] = [];
  const byName = new Map<string, Chart>();
  for (const c of chart.subcharts) byName.set(c.name, c);
  const claimed = new Set<string>();
  for (const dep of chart.dependencies) {
    const c = byName.get(dep.name);
    if (!c) continue;
    claimed.add(dep.name);
    let enabled = true;
    const tags = cvals.get('tags');
    if (dep.tags.length && tags instanceof Map) {
      let hasTrue = false;
      let hasFalse = false;
      for (const t of dep.tags) {
        const tv = tags.get(t);
        if (tv === true) hasTrue = true;
        else if (tv === false) hasFalse = true;
      }
      if (hasFalse && !hasTrue) enabled = false;
    }
    if (dep.condition) {
      for (const cond of dep.condition.split(',')) {
        const v = pathValue(cvals, path + cond.trim());
        if (typeof v === 'boolean') {
          enabled = v;
          break;
        }
        if (v !== undefined && v !== null) warn(`Warning: Condition path '${path + cond.trim()}' for chart ${dep.name} returned non-bool value`);
      }
    }
    if (!enabled) continue;
    kept.push(dep.alias ? { ...c, name: dep.alias } : c);
  }
  for (const c of chart.subcharts) if (!claimed.has(c.name)) kept.push(c);
  return kept;
}

/**
 * processDependencyImportValues: each dependency's `import-values` (a name under the child's
 * `exports`, or a {child, parent} pair of paths) copied into the parent's defaults, children first;
 * the parent's own values win over what it imports.
 */
export function importValues(chart: Chart, warn: Warn): Chart {
  const subcharts = chart.subcharts.map((c) => importValues(c, warn));
  const c: Chart = { ...chart, subcharts };
  if (!c.dependencies.some((d) => d.importValues.length)) return c;
  const cvals = coalesceValues(c, new Map(), () => undefined);
  let b: GoMap = new Map();
  for (const dep of c.dependencies) {
    const name = dep.alias ?? dep.name;
    for (const iv of dep.importValues) {
      let childPath: string;
      let parentPath = '.';
      if (iv instanceof Map) {
        childPath = str(iv.get('child') ?? '');
        parentPath = str(iv.get('parent') ?? '');
      } else if (isString(iv)) {
        childPath = `exports.${str(iv)}`;
      } else continue;
      const table = pathValue(cvals, `${name}.${childPath}`);
      if (!(table instanceof Map)) {
        warn(`Warning: ImportValues missing table from chart ${name}: ${childPath}`);
        continue;
      }
      b = coalesceTables(b, pathToMap(parentPath, deepCopy(table) as GoMap), '', true, warn);
    }
  }
  return { ...c, values: coalesceTables(cvals, b, '', true, warn) };
}

function pathToMap(path: string, data: GoMap): GoMap {
  if (path === '.') return data;
  const parts = path.split('.').filter((p) => p.length);
  let cur: GoMap = data;
  for (let i = parts.length - 1; i >= 0; i--) cur = new Map<string, Value>([[parts[i]!, cur]]);
  return cur;
}
