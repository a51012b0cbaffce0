// Text edits that change one YAML value and nothing else: quoting style, comments, anchors and every
// other byte of the file stay as they were.
import { parseYaml, Span, YNode } from '../yaml/documents';

export interface TextEdit {
  readonly span: Span;
  readonly newText: string;
}

/** Whether `s` can stand as a plain scalar and still read back as the same string. */
export function isSafePlain(s: string): boolean {
  if (s === '' || s !== s.trim()) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(s)) return false;
  if (/: |:$| #|[\n\r\t]/.test(s)) return false;
  if (/[,[\]{}]/.test(s)) return false;
  const parsed = parseYaml(`k: ${s}\n`);
  const v = parsed.documents[0]?.root;
  return parsed.errors.length === 0 && v?.kind === 'map' && v.entries.get('k')?.kind === 'scalar' && (v.entries.get('k') as { value: unknown }).value === s;
}

function doubleQuoted(s: string): string {
  return JSON.stringify(s);
}

function singleQuoted(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * Replaces a scalar's value, written in the style it had. For a value reached through an alias, the
 * anchored value is edited (every alias of it changes with it); `atAnchor` says so.
 */
export function replaceScalar(text: string, node: YNode, value: string): { edit: TextEdit; atAnchor: boolean } {
  const atAnchor = node.kind === 'scalar' && node.anchor !== undefined;
  const span = node.kind === 'scalar' && node.anchor ? node.anchor : node.span;
  const written = text.slice(span.start, span.end);
  const first = written[0];
  let newText: string;
  if (first === "'") newText = singleQuoted(value);
  else if (first === '"') newText = doubleQuoted(value);
  else if (first === '|' || first === '>') {
    // A block scalar becomes a quoted one; its line break stays.
    newText = doubleQuoted(value) + (written.endsWith('\n') ? '\n' : '');
  } else newText = isSafePlain(value) ? value : doubleQuoted(value);
  return { edit: { span, newText }, atAnchor };
}

/**
 * Adds a string to a YAML list, in the list's own style: `[a, b]` gets `, c`; a block list gets a new
 * `- c` line at the indentation of its items. Undefined when the node is not a list.
 */
export function appendToList(text: string, list: YNode, value: string): TextEdit | undefined {
  if (list.kind !== 'seq') return undefined;
  const last = list.items[list.items.length - 1];
  const style = (n: YNode | undefined): string => {
    const c = n ? text[n.span.start] : '"';
    return c === "'" ? singleQuoted(value) : c === '"' || !isSafePlain(value) ? doubleQuoted(value) : value;
  };
  const flow = text[list.span.start] === '[';
  if (flow) {
    if (!last) {
      const close = text.indexOf(']', list.span.start);
      return close < 0 ? undefined : { span: { start: close, end: close }, newText: doubleQuoted(value) };
    }
    return { span: { start: last.span.end, end: last.span.end }, newText: `, ${style(last)}` };
  }
  if (!last) return undefined;
  // The `-` of the last item, and the end of its line (before any comment's line break).
  let dash = last.span.start - 1;
  while (dash >= 0 && text[dash] !== '-' && text[dash] !== '\n') dash--;
  if (dash < 0 || text[dash] !== '-') return undefined;
  const lineStart = text.lastIndexOf('\n', dash) + 1;
  const indent = text.slice(lineStart, dash);
  let end = last.span.end;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return { span: { start: end, end }, newText: `${eol}${indent.replace(/\S/g, ' ')}- ${style(last)}` };
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.span.start - a.span.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.end);
  return out;
}
