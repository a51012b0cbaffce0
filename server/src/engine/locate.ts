// Where a policy's message points in the object it is about: the field it quotes (inside the container it
// names), else that container, else the object's name. Rego and CEL messages are text; this finds the text's
// subject in the YAML.
import { getPath, MapNode, Span, YNode } from '../yaml/documents';
import { containerFields } from './policies';

/** Keys of the reviewed object with where they are written: enough to point a message at a field. */
export interface FieldIndex {
  readonly keys: readonly string[];
  /** Per key: its start and end, then its value's start and end. */
  readonly spans: Int32Array;
  readonly containers: ReadonlyArray<{ readonly name: string; readonly start: number; readonly end: number; readonly nameSpan: Span; readonly image?: string; readonly imageSpan?: Span }>;
  readonly nameSpan: Span | undefined;
}

const maxIndexedKeys = 4000;

export function fieldIndex(node: MapNode): FieldIndex {
  const keys: string[] = [];
  const spans: number[] = [];
  const walk = (n: YNode, depth: number): void => {
    if (keys.length >= maxIndexedKeys || depth > 40) return;
    if (n.kind === 'map') {
      for (const [k, v] of n.entries) {
        const ks = n.keySpans.get(k);
        if (ks) {
          keys.push(k);
          spans.push(ks.start, ks.end, v.span.start, v.span.end);
        }
        walk(v, depth + 1);
      }
    } else if (n.kind === 'seq') {
      for (const v of n.items) walk(v, depth + 1);
    }
  };
  walk(node, 0);
  const containers: Array<{ name: string; start: number; end: number; nameSpan: Span; image?: string; imageSpan?: Span }> = [];
  for (const field of containerFields) {
    const list = getPath(node, 'spec', field);
    const items = list?.kind === 'seq' ? list.items : list?.kind === 'map' ? [...list.entries.values()] : [];
    for (const c of items) {
      const nameNode = c.kind === 'map' ? c.entries.get('name') : undefined;
      const imageNode = c.kind === 'map' ? c.entries.get('image') : undefined;
      const image = imageNode?.kind === 'scalar' && typeof imageNode.value === 'string' && imageNode.value.length >= 3 ? { image: imageNode.value, imageSpan: imageNode.span } : {};
      if (nameNode?.kind === 'scalar' && typeof nameNode.value === 'string' && nameNode.value !== '') {
        containers.push({ name: nameNode.value, start: c.span.start, end: c.span.end, nameSpan: nameNode.span, ...image });
      } else if (image.image) {
        containers.push({ name: '', start: c.span.start, end: c.span.end, nameSpan: image.imageSpan!, ...image });
      }
    }
  }
  return { keys, spans: Int32Array.from(spans), containers, nameSpan: getPath(node, 'metadata', 'name')?.span };
}

function isWordChar(c: string | undefined, extra: string): boolean {
  return c !== undefined && (/[A-Za-z0-9_]/.test(c) || extra.includes(c));
}

/** Whether `word` is written in `message` as a whole word. */
function mentions(message: string, word: string, extra: string): boolean {
  let i = message.indexOf(word);
  while (i >= 0) {
    if (!isWordChar(message[i - 1], extra) && !isWordChar(message[i + word.length], extra)) return true;
    i = message.indexOf(word, i + 1);
  }
  return false;
}

/** Keys too common to be what a message is about. */
const genericKeys = new Set(['name', 'spec', 'metadata', 'kind', 'apiVersion', 'containers', 'template', 'items', 'status', 'type', 'value', 'key']);

/**
 * Where a message points: the field it quotes (inside the container it names, if it names one; an
 * image on its value), else
 * that container's name, else the object's metadata.name; undefined: the object's kind.
 */
export function locate(fields: FieldIndex, message: string): Span | undefined {
  let container: FieldIndex['containers'][number] | undefined;
  for (const c of fields.containers) {
    if (c.name !== '' && mentions(message, c.name, '.-') && (!container || c.name.length > container.name.length)) container = c;
  }
  let best = -1;
  for (let i = 0; i < fields.keys.length; i++) {
    const k = fields.keys[i]!;
    if (k.length < 3 || genericKeys.has(k)) continue;
    const start = fields.spans[4 * i]!;
    if (container && (start < container.start || start >= container.end)) continue;
    if (!mentions(message, k, '')) continue;
    if (best < 0 || k.length > fields.keys[best]!.length) best = i;
  }
  // An image is shown on its value, as the built-in image checks show it; other fields on their key.
  if (best >= 0) return fields.keys[best] === 'image' ? { start: fields.spans[4 * best + 2]!, end: fields.spans[4 * best + 3]! } : { start: fields.spans[4 * best]!, end: fields.spans[4 * best + 1]! };
  // The image it quotes.
  for (const c of container ? [container] : fields.containers) if (c.image && mentions(message, c.image, '/.:@-')) return c.imageSpan;
  if (container) return container.nameSpan;
  return fields.nameSpan;
}
