// YAML written inside a kustomization as a string (an inline `patch: |`): parsed on its own, then each
// scalar's span moved back to where its text stands in the kustomization file, so a value set by an
// inline patch points at its line there.
import type { SourceLocation } from '../sources/origin';
import { parseYaml } from '../yaml/documents';
import { fromYNode, type KNode, type KScalar, type Prov } from './tree';

/** Maps offsets of a literal block scalar's value to offsets of the file it is written in. */
function blockMapper(fileText: string, scalarStart: number, value: string): ((offset: number) => number) | undefined {
  const c = fileText[scalarStart];
  if (c !== '|' && c !== '>') return undefined;
  let pos = fileText.indexOf('\n', scalarStart) + 1;
  if (pos === 0) return undefined;
  const lines = value.split('\n');
  let indent = -1;
  const fileStarts: number[] = [];
  const valueStarts: number[] = [];
  let v = 0;
  for (const line of lines) {
    let lineEnd = fileText.indexOf('\n', pos);
    if (lineEnd < 0) lineEnd = fileText.length;
    if (indent < 0 && line !== '') {
      const m = /^ */.exec(fileText.slice(pos, lineEnd))!;
      indent = m[0].length;
    }
    fileStarts.push(line === '' ? pos : pos + Math.max(indent, 0));
    valueStarts.push(v);
    v += line.length + 1;
    pos = lineEnd + 1;
  }
  return (offset) => {
    let i = valueStarts.length - 1;
    while (i > 0 && valueStarts[i]! > offset) i--;
    return fileStarts[i]! + (offset - valueStarts[i]!);
  };
}

/** The documents of YAML written in `s` (a scalar of file `file`), with spans in that file when they can be mapped. */
export function parseEmbedded(s: KScalar, fileText: string): { docs: KNode[]; errors: string[] } {
  const text = typeof s.value === 'string' ? s.value : '';
  const parsed = parseYaml(text);
  const loc = s.prov?.loc;
  const file = loc?.file ?? '<inline>';
  const map = loc ? blockMapper(fileText, loc.start, text) : undefined;
  const docs = parsed.documents.filter((d) => d.root !== null).map((d) => fromYNode(d.root, file, text));
  const move = (p: Prov): Prov => {
    if (!loc) return p;
    if (!map) return { ...p, loc, verbatim: false };
    const l: SourceLocation = { file, start: map(p.loc.start), end: map(p.loc.end) };
    return { ...p, loc: l, verbatim: p.verbatim && !text.slice(p.loc.start, p.loc.end).includes('\n') };
  };
  const walk = (n: KNode): void => {
    if (n.kind === 'scalar') {
      if (n.prov) n.prov = { ...move(n.prov), what: 'inline patch' };
    } else if (n.kind === 'map') n.entries.forEach(walk);
    else n.items.forEach(walk);
  };
  docs.forEach(walk);
  return { docs, errors: parsed.errors.map((e) => e.message) };
}
