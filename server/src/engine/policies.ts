// The image policies of the Gatekeeper library, as their Rego decides, and the variants of their
// templates that organisations run (other message texts, fewer container lists).
import { sprintf } from '../go/fmt';

export type PolicyKind = 'K8sAllowedRepos' | 'K8sAllowedReposv2' | 'K8sDisallowedRepos';
export const policyKinds: readonly PolicyKind[] = ['K8sAllowedRepos', 'K8sAllowedReposv2', 'K8sDisallowedRepos'];

export function isPolicyKind(kind: string): kind is PolicyKind {
  return (policyKinds as readonly string[]).includes(kind);
}

/** The parameter each policy reads. */
export const listParameter: Record<PolicyKind, 'repos' | 'allowedImages'> = {
  K8sAllowedRepos: 'repos',
  K8sAllowedReposv2: 'allowedImages',
  K8sDisallowedRepos: 'repos',
};

export type ContainerField = 'containers' | 'initContainers' | 'ephemeralContainers';
export const containerFields: readonly ContainerField[] = ['containers', 'initContainers', 'ephemeralContainers'];

/** Which value fills each `%v` of a rule's message. */
export type MessageArg = 'name' | 'image' | 'list';

export interface PolicyRule {
  readonly field: ContainerField;
  readonly format: string;
  readonly args: readonly MessageArg[];
}

export interface PolicyVariant {
  readonly kind: PolicyKind;
  /** Where it comes from, e.g. "library 1.0.2" or "template k8sallowedrepos (workspace)". */
  readonly origin: string;
  readonly rules: readonly PolicyRule[];
  /** The rule also requires `input.review.kind.kind == "Pod"`. */
  readonly podsOnly: boolean;
}

function libraryRules(kind: PolicyKind): PolicyRule[] {
  const [what, listWord] =
    kind === 'K8sAllowedReposv2' ? ['image', 'allowed images'] : kind === 'K8sAllowedRepos' ? ['image repo', 'allowed repos'] : ['image repo', 'disallowed repos'];
  const label: Record<ContainerField, string> = { containers: 'container', initContainers: 'initContainer', ephemeralContainers: 'ephemeralContainer' };
  return containerFields.map((field) => ({
    field,
    format: `${label[field]} <%v> has an invalid ${what} <%v>, ${listWord} are %v`,
    args: ['name', 'image', 'list'] as const,
  }));
}

/** The library's templates: allowedrepos 1.0.x, allowedreposv2 1.0.0, disallowedrepos 1.0.0. */
export const libraryVariants: Record<PolicyKind, PolicyVariant> = {
  K8sAllowedRepos: { kind: 'K8sAllowedRepos', origin: 'Gatekeeper library k8sallowedrepos', rules: libraryRules('K8sAllowedRepos'), podsOnly: false },
  K8sAllowedReposv2: { kind: 'K8sAllowedReposv2', origin: 'Gatekeeper library k8sallowedreposv2', rules: libraryRules('K8sAllowedReposv2'), podsOnly: false },
  K8sDisallowedRepos: { kind: 'K8sDisallowedRepos', origin: 'Gatekeeper library k8sdisallowedrepos', rules: libraryRules('K8sDisallowedRepos'), podsOnly: false },
};

/**
 * Whether a container's image is allowed by a policy's list.
 * `list` is the parameter as the constraint gives it (validated to be a string array or absent).
 * Returns undefined when the Rego leaves the rule undefined (then there is no violation).
 */
export function violates(kind: PolicyKind, image: unknown, list: readonly string[] | undefined): boolean | undefined {
  switch (kind) {
    case 'K8sAllowedRepos':
      // not strings.any_prefix_match(image, repos): a non-string image is a type error, so `not` holds.
      if (list === undefined) return undefined; // sprintf over an undefined list is undefined
      return typeof image !== 'string' || decidingEntry(kind, image, list) === undefined;
    case 'K8sAllowedReposv2':
      if (list === undefined) return undefined;
      if (typeof image !== 'string') return true; // no string entry equals it, and startswith is a type error
      return decidingEntry(kind, image, list) === undefined;
    case 'K8sDisallowedRepos':
      // startswith(image, repos[_]) is undefined for a non-string image: no violation.
      if (list === undefined || typeof image !== 'string') return false;
      return decidingEntry(kind, image, list) !== undefined;
  }
}

/**
 * Whether one entry of a policy's list matches an image: a prefix of the raw string, or for v2 an
 * exact image, or a prefix when it ends in `*`.
 */
export function entryMatches(kind: PolicyKind, entry: string, image: string): boolean {
  if (kind === 'K8sAllowedReposv2') return entry.endsWith('*') ? image.startsWith(entry.slice(0, -1)) : entry === image;
  return image.startsWith(entry);
}

/** The first entry of the list that matches the image, if any. */
export function decidingEntry(kind: PolicyKind, image: string, list: readonly string[]): string | undefined {
  return list.find((e) => entryMatches(kind, e, image));
}

export function policyMessage(rule: PolicyRule, name: unknown, image: unknown, list: readonly string[] | undefined): string {
  const values: Record<MessageArg, unknown> = { name, image, list };
  return sprintf(rule.format, rule.args.map((a) => values[a]));
}

/**
 * Recognises a template's Rego as a variant of an image policy: each `violation` rule that walks
 * `input.review.object.spec.<field>[_]` and formats a message from the container's name, its image
 * and the parameter list. Returns undefined when the Rego does something else.
 */
export function recognizeVariant(kind: PolicyKind, rego: string, origin: string): PolicyVariant | undefined {
  const code = stripComments(rego);
  const bodies = splitViolationRules(code);
  if (bodies.length === 0) return undefined;
  const param = listParameter[kind];
  const rules: PolicyRule[] = [];
  let podsOnly = false;
  for (const body of bodies) {
    const fieldMatch = /input\.review\.object\.spec\.(containers|initContainers|ephemeralContainers)\[_\](\.image)?/.exec(body);
    if (!fieldMatch) return undefined;
    const field = fieldMatch[1] as ContainerField;
    const sp = /sprintf\(\s*"((?:[^"\\]|\\.)*)"\s*,\s*\[([^\]]*)\]\s*\)/.exec(body);
    if (!sp) return undefined;
    const format = JSON.parse(`"${sp[1]}"`) as string;
    const args: MessageArg[] = [];
    for (const raw of sp[2]!.split(',')) {
      const a = raw.trim();
      if (a === '') continue;
      if (a === `input.parameters.${param}`) args.push('list');
      else if (/(^|\.)image$/.test(a)) args.push('image');
      else if (/\.name$/.test(a)) args.push('name');
      else return undefined;
    }
    if (/input\.review\.kind\.kind\s*==\s*"Pod"/.test(body)) podsOnly = true;
    if (!new RegExp(`input\\.parameters\\.${param}\\b`).test(body)) return undefined;
    rules.push({ field, format, args });
  }
  return { kind, origin, rules, podsOnly };
}

function stripComments(rego: string): string {
  return rego
    .split('\n')
    .map((line) => {
      let inString = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (c === '\\' && inString) i++;
        else if (c === '"') inString = !inString;
        else if (c === '#' && !inString) return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

/** The bodies of `violation[...] { ... }` rules (v0 and v1 syntax), found by brace matching. */
function splitViolationRules(code: string): string[] {
  const bodies: string[] = [];
  const head = /(^|\n)\s*violation\s*(\[|contains\b)/g;
  let m: RegExpExecArray | null;
  while ((m = head.exec(code))) {
    const open = bodyStart(code, m.index + m[0].length, m[2] === '[');
    const close = open < 0 ? -1 : closingBrace(code, open);
    if (close < 0) break;
    bodies.push(code.slice(open, close + 1));
    head.lastIndex = close;
  }
  return bodies;
}

/** The `{` that opens a rule body: after `[{"msg": msg}]` (v0), or after `contains {"msg": msg} if` (v1). */
function bodyStart(code: string, from: number, bracketed: boolean): number {
  let i = from;
  if (bracketed) {
    let depth = 1;
    for (; i < code.length && depth > 0; i++) {
      if (code[i] === '"') i = stringEnd(code, i);
      else if (code[i] === '[') depth++;
      else if (code[i] === ']') depth--;
    }
  } else {
    const headObject = code.indexOf('{', i);
    if (headObject < 0) return -1;
    i = closingBrace(code, headObject) + 1;
    if (i === 0) return -1;
  }
  return code.indexOf('{', i);
}

function closingBrace(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (c === '"') i = stringEnd(code, i);
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function stringEnd(code: string, quote: number): number {
  for (let i = quote + 1; i < code.length; i++) {
    if (code[i] === '\\') i++;
    else if (code[i] === '"') return i;
  }
  return code.length;
}
