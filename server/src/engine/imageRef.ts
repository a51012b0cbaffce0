// Container image references as Docker reads them: [registry[:port]/]path[:tag][@digest].
// Docker Hub short names expand: `nginx` is `docker.io/library/nginx`, `bitnami/redis` is
// `docker.io/bitnami/redis`.

export interface ImageRef {
  /** As written. */
  readonly raw: string;
  /** Registry host (with port), `docker.io` when none is written. */
  readonly registry: string;
  /** True when the reference names its registry. */
  readonly explicitRegistry: boolean;
  /** Repository path inside the registry, with `library/` for Docker Hub official images. */
  readonly path: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

export const dockerHub = 'docker.io';

/** Parses a reference; undefined when it is not one (empty, spaces, bad characters). */
export function parseImageRef(raw: string): ImageRef | undefined {
  if (raw === '' || /\s/.test(raw)) return undefined;
  let rest = raw;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  if (rest === '') return undefined;
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const explicitRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  let registry = explicitRegistry ? first : dockerHub;
  let path = explicitRegistry ? rest.slice(slash + 1) : rest;
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = dockerHub;
  if (registry === dockerHub && !path.includes('/')) path = `library/${path}`;
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path)) {
    // Uppercase or odd characters: Docker would refuse it, but a rewrite can still keep it as written.
    if (!/^[\w./-]+$/.test(path)) return undefined;
  }
  return { raw, registry, explicitRegistry, path, tag, digest };
}

/** `:tag@digest` as written, for rewrites that keep them unchanged. */
export function tagAndDigest(ref: ImageRef): string {
  return (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** The full repository name, e.g. `docker.io/library/nginx`. */
export function repository(ref: ImageRef): string {
  return `${ref.registry}/${ref.path}`;
}

/** The image moved under a prefix, keeping its repository path, tag and digest. */
export function underPrefix(prefix: string, ref: ImageRef): string {
  const sep = prefix.endsWith('/') ? '' : '/';
  return `${prefix}${sep}${ref.path}${tagAndDigest(ref)}`;
}
