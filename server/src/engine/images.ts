// The images an object runs: the containers its Rego walks (`spec.containers[_]` and the init and
// ephemeral lists), with where each image value is written.
import { getPath, toJS, YNode } from '../yaml/documents';
import { ContainerField, containerFields } from './policies';

export interface ImageUse {
  readonly field: ContainerField;
  /** Position of the container in its list (array index or map key). */
  readonly key: number | string;
  /** The path from the file's object to the container, e.g. `spec.template.spec.containers[0]`. */
  readonly path: string;
  readonly name: unknown;
  readonly image: unknown;
  /** The image value as written (a scalar, or a collection when the image is not a string). */
  readonly imageNode: YNode;
}

/** Every image of a reviewed object's spec; `spec.<field>[_]` walks list items and map values alike. */
export function imageUsesOf(node: YNode, pathPrefix: string): ImageUse[] {
  const out: ImageUse[] = [];
  for (const field of containerFields) {
    const list = getPath(node, 'spec', field);
    if (!list || list.kind === 'scalar') continue;
    const entries: Array<[number | string, YNode]> =
      list.kind === 'seq' ? list.items.map((n, i) => [i, n]) : [...list.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [key, container] of entries) {
      if (container.kind !== 'map') continue;
      const imageNode = container.entries.get('image');
      if (!imageNode) continue;
      const nameNode = container.entries.get('name');
      out.push({
        field,
        key,
        path: `${pathPrefix}spec.${field}${typeof key === 'number' ? `[${key}]` : `.${key}`}`,
        name: nameNode ? toJS(nameNode) : undefined,
        image: toJS(imageNode),
        imageNode,
      });
    }
  }
  return out;
}
