// Checks of the policy side as it is written: look-alike prefixes, entries Gatekeeper reads
// literally, duplicates, empty lists, misspelt match fields, parameters that do not fit the
// template's schema. Each problem points at the offending node; some carry their fix.
import type { Constraint, Fix, PolicyProblem } from './policy';
import { ScalarNode, Span, YNode } from '../yaml/documents';
import { isSafePlain } from './edits';

/** A scalar rewritten in the style it is written in (no text needed: the node knows its style). */
export function rewriteScalar(node: ScalarNode, value: string): Fix['span'] & { newText: string } {
  const span = node.anchor ?? node.span;
  const newText =
    node.style === 'single' ? `'${value.replace(/'/g, "''")}'` : node.style === 'plain' && isSafePlain(value) ? value : JSON.stringify(value);
  return { ...span, newText };
}

type Problem = PolicyProblem & { fix?: Fix };

/** The entries of a constraint's repos / allowedImages list. */
export function lintEntries(c: Constraint): Problem[] {
  const out: Problem[] = [];
  const list = c.listNode;
  if (!list || list.kind !== 'seq' || !c.list) return out;
  const param = c.kind === 'K8sAllowedReposv2' ? 'allowedImages' : 'repos';
  const at = (span: Span) => ({ file: c.file, span });
  if (c.list.length === 0) {
    const what = c.kind === 'K8sDisallowedRepos' ? 'refuses no image' : 'refuses every image';
    out.push({ ...at(list.span), severity: 'info', message: `${param} is empty: ${c.kind} ${c.name} ${what}. Deliberate?` });
    return out;
  }
  const seen = new Map<string, number>();
  list.items.forEach((item, i) => {
    const entry = c.list![i]!;
    if (item.kind !== 'scalar') return;
    const first = seen.get(entry);
    if (first !== undefined) {
      out.push({ ...at(item.span), severity: 'warning', message: `${JSON.stringify(entry)} is listed twice in ${param} (also entry ${first + 1})` });
    } else seen.set(entry, i);
    if (c.kind === 'K8sAllowedReposv2') {
      const star = entry.indexOf('*');
      if (star >= 0 && star !== entry.length - 1) {
        out.push({
          ...at(item.span),
          severity: 'warning',
          message: `${JSON.stringify(entry)}: '*' works only at the end of an entry; here it is matched literally, so no image matches it`,
        });
        return;
      }
      if (!entry.endsWith('*')) return; // exact entries name one image
    }
    const prefix = c.kind === 'K8sAllowedReposv2' ? entry.slice(0, -1) : entry;
    if (c.kind !== 'K8sDisallowedRepos' && prefix !== '' && !prefix.endsWith('/') && !prefix.endsWith(':') && !prefix.includes('@')) {
      const fixed = c.kind === 'K8sAllowedReposv2' ? `${prefix}/*` : `${prefix}/`;
      const example = `${prefix}${prefix.includes('/') ? '-evil/app' : '.attacker.example/app'}`;
      const edit = rewriteScalar(item, fixed);
      out.push({
        ...at(item.span),
        severity: 'warning',
        message: `${JSON.stringify(entry)} has no trailing "/" or ":": it also admits look-alikes such as ${JSON.stringify(example)}`,
        fix: { title: `Use ${JSON.stringify(fixed)}`, span: { start: edit.start, end: edit.end }, newText: edit.newText },
      });
    }
  });
  return out;
}

const matchFields = ['kinds', 'scope', 'namespaces', 'excludedNamespaces', 'labelSelector', 'namespaceSelector', 'name', 'source'];
const kindsFields = ['apiGroups', 'kinds'];
const selectorFields = ['matchLabels', 'matchExpressions'];

/** Gatekeeper's CRD prunes unknown fields silently: a misspelt matcher matches more than meant. */
export function lintMatch(match: YNode | undefined, file: string): Problem[] {
  const out: Problem[] = [];
  if (match?.kind !== 'map') return out;
  const unknown = (node: YNode, known: readonly string[], where: string) => {
    if (node.kind !== 'map') return;
    for (const [key, span] of node.keySpans) {
      if (known.includes(key)) continue;
      const guess = closest(key, known);
      out.push({
        file,
        span,
        severity: 'warning',
        message: `${where}.${key} is not a field Gatekeeper knows, so it is dropped and matches nothing${guess ? `: did you mean ${guess}?` : ''}`,
      });
    }
  };
  unknown(match, matchFields, 'spec.match');
  const kinds = match.entries.get('kinds');
  if (kinds?.kind === 'seq') for (const k of kinds.items) unknown(k, kindsFields, 'spec.match.kinds[]');
  for (const s of ['labelSelector', 'namespaceSelector']) {
    const sel = match.entries.get(s);
    if (sel) unknown(sel, selectorFields, `spec.match.${s}`);
  }
  return out;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * The constraint's parameters against the template's openAPIV3Schema (type, properties, items, enum,
 * required, additionalProperties: false): what the API server would refuse, at the offending node.
 */
export function validateSchema(node: YNode | undefined, schema: unknown, path: string, file: string, out: Problem[] = []): Problem[] {
  if (!node || !schema || typeof schema !== 'object') return out;
  const s = schema as Record<string, unknown>;
  const fail = (message: string) => out.push({ file, span: node.span, severity: 'error', message: `${path}: ${message} (the template's schema)` });
  const type = s.type;
  const actual = node.kind === 'map' ? 'object' : node.kind === 'seq' ? 'array' : scalarType(node.value);
  if (typeof type === 'string' && !(type === actual || (type === 'number' && actual === 'integer') || (actual === 'null' && s.nullable === true))) {
    fail(`must be ${type === 'array' || type === 'object' || type === 'integer' ? 'an' : 'a'} ${type}, not ${actual === 'null' ? 'null' : `${actual === 'array' || actual === 'object' || actual === 'integer' ? 'an' : 'a'} ${actual}`}`);
    return out;
  }
  if (Array.isArray(s.enum) && node.kind === 'scalar' && !s.enum.some((e) => e === node.value || (typeof node.value === 'bigint' && e === Number(node.value)))) {
    fail(`must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  if (node.kind === 'map') {
    const props = (s.properties ?? {}) as Record<string, unknown>;
    for (const r of Array.isArray(s.required) ? s.required : []) if (typeof r === 'string' && !node.entries.has(r)) fail(`${r} is required`);
    for (const [k, v] of node.entries) {
      if (k in props) validateSchema(v, props[k], `${path}.${k}`, file, out);
      else if (s.additionalProperties === false) {
        out.push({ file, span: node.keySpans.get(k) ?? v.span, severity: 'error', message: `${path}.${k} is not in the template's schema` });
      } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        validateSchema(v, s.additionalProperties, `${path}.${k}`, file, out);
      }
    }
  }
  if (node.kind === 'seq' && s.items && typeof s.items === 'object') node.items.forEach((item, i) => validateSchema(item, s.items, `${path}[${i}]`, file, out));
  return out;
}

function scalarType(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'string';
}
