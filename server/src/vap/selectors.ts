// metav1.LabelSelector as admission matching reads it: matchLabels and matchExpressions ANDed; an
// absent or empty selector selects everything. An operator the API would reject selects nothing (the
// API server refuses such a policy, so it never selects anything in a cluster).
import { isRecord } from './resources';

export type Labels = Readonly<Record<string, string>>;

export function labelsOf(o: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(o) || !isRecord(o.metadata) || !isRecord(o.metadata.labels)) return out;
  for (const [k, v] of Object.entries(o.metadata.labels)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

export function isEmptySelector(sel: unknown): boolean {
  if (!isRecord(sel)) return true;
  const ml = isRecord(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0;
  const me = Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0;
  return ml === 0 && me === 0;
}

export function selectorMatches(sel: unknown, labels: Labels): boolean {
  if (!isRecord(sel)) return true;
  if (isRecord(sel.matchLabels)) {
    for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== String(v)) return false;
  }
  if (Array.isArray(sel.matchExpressions)) {
    for (const e of sel.matchExpressions) {
      if (!isRecord(e) || typeof e.key !== 'string') return false;
      const has = Object.prototype.hasOwnProperty.call(labels, e.key);
      const values = Array.isArray(e.values) ? e.values.map(String) : [];
      switch (e.operator) {
        case 'In':
          if (!has || !values.includes(labels[e.key])) return false;
          break;
        case 'NotIn':
          if (has && values.includes(labels[e.key])) return false;
          break;
        case 'Exists':
          if (!has) return false;
          break;
        case 'DoesNotExist':
          if (has) return false;
          break;
        default:
          return false;
      }
    }
  }
  return true;
}
