// Kyverno's image library (kyverno/sdk cel/libs/image): parseImageReference(s) (and its deprecated
// alias image(s)), isImage(s), and on the result registry(), repository(), identifier(), tag(),
// digest(), containsDigest(), identifierWithSeparator(). References are read as
// go-containerregistry's name.ParseReference reads them with its default options: a tag reference
// first, else a digest reference; Docker Hub is `index.docker.io` (also for `docker.io`), its
// one-segment repositories get `library/`, a missing tag is `latest`; repositories are lowercase
// [a-z0-9_-./] of 2 to 255 characters, tags [A-Za-z0-9_.-] of 1 to 128, digests sha256 with 64
// lowercase hex digits.
import { celRuntimeError, celValue, type CelFunction } from '../cel';

const defaultRegistry = 'index.docker.io';
const imageKey = '\u0000kyverno.image';

interface Reference {
  kind: 'tag' | 'digest';
  registry: string;
  /** as stored (without the implicit `library/`) */
  repository: string;
  tag: string;
  digest: string;
  original: string;
}

function only(s: string, chars: RegExp, min: number, max: number): boolean {
  return s.length >= min && s.length <= max && chars.test(s);
}

function checkRegistry(name: string): boolean {
  // url.Parse("//" + name).Host == name: a host name, IPv4 or [IPv6], with an optional port
  return name === '' || /^(?:[A-Za-z0-9._~!$&'()*+,;=%-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?$/.test(name);
}

function newRepository(name: string): { registry: string; repository: string } | undefined {
  if (name === '') return undefined;
  let registry = '';
  let repo = name;
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (first.includes('.') || first.includes(':')) {
      registry = first;
      repo = name.slice(slash + 1);
    }
  }
  if (!only(repo, /^[a-z0-9_\-./]*$/, 2, 255)) return undefined;
  if (!checkRegistry(registry)) return undefined;
  if (registry === '' || registry === 'docker.io') registry = defaultRegistry;
  return { registry, repository: repo };
}

function newTag(name: string): Reference | undefined {
  let base = name;
  let tag = '';
  const parts = name.split(':');
  if (parts.length > 1 && !parts[parts.length - 1].includes('/')) {
    base = parts.slice(0, -1).join(':');
    tag = parts[parts.length - 1];
  }
  if (tag !== '' && !only(tag, /^[A-Za-z0-9_.-]*$/, 1, 128)) return undefined;
  const repo = newRepository(base);
  if (!repo) return undefined;
  return { kind: 'tag', ...repo, tag: tag === '' ? 'latest' : tag, digest: '', original: name };
}

function newDigest(name: string): Reference | undefined {
  const parts = name.split('@');
  if (parts.length !== 2) return undefined;
  let base = parts[0];
  const dig = parts[1];
  if (!/^sha256:[a-f0-9]{64}$/.test(dig)) return undefined;
  const tag = newTag(base);
  if (tag) base = repositoryName(tag);
  const repo = newRepository(base);
  if (!repo) return undefined;
  return { kind: 'digest', ...repo, tag: '', digest: dig, original: name };
}

/** name.ParseReference */
export function parseReference(s: string): Reference | undefined {
  return newTag(s) ?? newDigest(s);
}

function repositoryStr(r: Reference): string {
  return !r.repository.includes('/') && r.registry === defaultRegistry ? `library/${r.repository}` : r.repository;
}

function repositoryName(r: Reference): string {
  return `${r.registry}/${repositoryStr(r)}`;
}

function referenceString(r: Reference): string {
  return r.kind === 'tag' ? `${repositoryName(r)}:${r.tag}` : r.original;
}

function toImage(s: string): unknown {
  const r = parseReference(s);
  if (!r) throw celRuntimeError(`could not parse reference: ${s}`);
  const value = celValue({}) as Record<string, unknown>;
  value[imageKey] = r;
  return value;
}

function refOf(v: unknown): Reference {
  const r = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[imageKey] : undefined;
  if (r === undefined) throw celRuntimeError('no such overload');
  return r as Reference;
}

type Handler = (...args: never[]) => unknown;
const method = (name: string, result: string, f: (r: Reference) => unknown): CelFunction => ({
  signature: `map.${name}(): ${result}`,
  handler: ((v: unknown) => f(refOf(v))) as Handler,
});

export const imageFunctions: readonly CelFunction[] = [
  { signature: 'parseImageReference(string): map', handler: toImage as Handler },
  { signature: 'image(string): map', handler: toImage as Handler },
  { signature: 'isImage(string): bool', handler: ((s: string) => parseReference(s) !== undefined) as Handler },
  method('registry', 'string', (r) => r.registry),
  method('repository', 'string', repositoryStr),
  method('identifier', 'string', (r) => (r.kind === 'tag' ? r.tag : r.digest)),
  method('tag', 'string', (r) => (r.kind === 'tag' ? r.tag : '')),
  method('digest', 'string', (r) => (r.kind === 'digest' ? r.digest : '')),
  method('containsDigest', 'bool', (r) => r.kind === 'digest' && r.digest !== ''),
  method('identifierWithSeparator', 'string', (r) => {
    const full = referenceString(r);
    const repo = repositoryName(r);
    if (full.length > repo.length) return full.slice(repo.length);
    const id = r.kind === 'tag' ? r.tag : r.digest;
    return id === '' ? '' : `:${id}`;
  }),
];
