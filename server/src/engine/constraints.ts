// The policy side of a workspace: constraints, ConstraintTemplates, ExpansionTemplates and Namespaces,
// read as Gatekeeper reads them, with what Gatekeeper would refuse reported instead of applied.
import { getPath, Span, stringAt, toJS, YNode } from '../yaml/documents';
import { parseExpansionTemplate, ExpansionTemplate } from './expansion';
import { Match, parseMatch } from './match';
import { K8sObject } from './objects';
import { isPolicyKind, libraryVariants, listParameter, PolicyKind, PolicyVariant, recognizeVariant } from './policies';
import { Fix, lintEntries, lintMatch, validateSchema } from './policyLint';
import { compileRego, CompiledPolicy } from '../rego';

export type Action = 'deny' | 'warn' | 'dryrun';
const actionRank: Record<Action, number> = { deny: 0, warn: 1, dryrun: 2 };

export interface Located {
  /** The file, as the front end names it (path or URI); the engine never opens it. */
  readonly file: string;
  /** The object's `metadata.name` value, or its start. */
  readonly span: Span;
}

export interface Constraint extends Located {
  readonly kind: PolicyKind;
  readonly name: string;
  /** As written: deny, warn, dryrun or scoped. */
  readonly enforcementAction: string;
  /** The actions that apply at admission (validation.gatekeeper.sh), strongest first; empty: not enforced there. */
  readonly actions: readonly Action[];
  readonly match: Match;
  /** `repos` or `allowedImages`; undefined when the constraint has none. */
  readonly list: readonly string[] | undefined;
  readonly listNode: YNode | undefined;
  readonly parametersNode: YNode | undefined;
}

export interface Template extends Located {
  readonly name: string;
  readonly kind: string;
  /** The image policy it implements, when its Rego is one Trusted Images knows. */
  readonly variant: PolicyVariant | undefined;
  /** spec.crd.spec.validation.openAPIV3Schema, for the parameters of its constraints. */
  readonly schema: unknown;
  /** Its Rego, compiled; or why its constraints are not evaluated. */
  readonly rego: RegoProgram;
  /** An image policy whose Rego the built-in check recognises (its fast path applies). */
  readonly builtIn: boolean;
}

export type RegoProgram = ({ readonly policy: CompiledPolicy; readonly notEvaluated?: undefined } | { readonly policy?: undefined; readonly notEvaluated: string }) & {
  /** The sources, for fingerprints (the compiled form is not data). */
  readonly source: string;
  /** Its kind is not checked (the CLI's --only): not compiled, and its constraints not reported. */
  readonly leftOut?: boolean;
};

export interface NamespaceObject extends Located {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface PolicyProblem extends Located {
  readonly message: string;
  readonly severity: 'error' | 'warning' | 'info';
  /** An edit that fixes it, when there is an obvious one. */
  readonly fix?: Fix;
}

/** A constraint of any other kind: evaluated with its template's Rego. */
export interface OtherConstraint extends Located {
  readonly kind: string;
  readonly name: string;
  readonly enforcementAction: string;
  readonly actions: readonly Action[];
  readonly match: Match;
  readonly parametersNode: YNode | undefined;
  /** spec.parameters as JSON ({} when absent), what `input.parameters` holds. */
  readonly parameters: unknown;
  /** Never a list: for code that handles both kinds of constraint. */
  readonly list?: undefined;
  readonly listNode?: undefined;
}

/** A constraint whose template's Rego is evaluated, with that template. */
export interface RegoConstraint extends OtherConstraint {
  readonly template: Template & { readonly rego: { readonly policy: CompiledPolicy } };
}

/** What one file contributes to the policy side. */
export interface PolicyObjects {
  readonly constraints: readonly Constraint[];
  readonly templates: readonly Template[];
  readonly expansions: readonly ExpansionTemplate[];
  readonly namespaces: readonly NamespaceObject[];
  readonly problems: readonly PolicyProblem[];
  readonly others: readonly OtherConstraint[];
}

/** Whether a file contributes anything to the policy side. */
export function hasPolicyObjects(p: PolicyObjects): boolean {
  return p !== noPolicyObjects && p.constraints.length + p.templates.length + p.expansions.length + p.namespaces.length + p.problems.length + p.others.length > 0;
}

export const noPolicyObjects: PolicyObjects = { constraints: [], templates: [], expansions: [], namespaces: [], problems: [], others: [] };

export function isPolicyObject(o: K8sObject): boolean {
  const g = o.gvk.group;
  return (
    g === 'constraints.gatekeeper.sh' ||
    (g === 'templates.gatekeeper.sh' && o.gvk.kind === 'ConstraintTemplate') ||
    (g === 'expansion.gatekeeper.sh' && o.gvk.kind === 'ExpansionTemplate') ||
    (g === '' && o.gvk.kind === 'Namespace')
  );
}

function nameSpan(o: K8sObject): Span {
  const n = getPath(o.node, 'metadata', 'name');
  return n ? n.span : { start: o.node.span.start, end: o.node.span.start };
}

/**
 * False only for texts that cannot hold a constraint, template, ExpansionTemplate or Namespace: their
 * apiVersion or kind would have to be written there (escapes need a backslash; aliases, folding and
 * block scalars keep the words whole).
 */
export function mayHoldPolicyObjects(text: string): boolean {
  // includes() first: it is native and most texts hold neither word nor backslash.
  return text.includes('gatekeeper.sh') || (text.includes('Namespace') && namespaceKind.test(text)) || (text.includes('\\') && lettersByEscape.test(text));
}

/**
 * The word Namespace as a whole scalar (a Namespace object's kind), however it is written: plain, quoted,
 * in a flow collection, before a comment, at the end of the text. Not: allNamespaces, "the Namespace of".
 */
const namespaceKind = /\bNamespace["']?[ \t]*(?:[,}\]\r\n#]|$)/;
/** Escapes that can spell the words above in a double-quoted scalar: \x, \u, \U, and a joined line. */
const lettersByEscape = /\\(?:[xuU]|\r|\n)/;

/** Reads the policy objects among a file's objects (only: the kinds checked; other constraints are left out, other templates not compiled). */
export function collectPolicyObjects(file: string, objects: readonly K8sObject[], text?: string, only?: ReadonlySet<string>): PolicyObjects {
  const constraints: Constraint[] = [];
  const templates: Template[] = [];
  const expansions: ExpansionTemplate[] = [];
  const namespaces: NamespaceObject[] = [];
  const problems: PolicyProblem[] = [];
  const others: OtherConstraint[] = [];
  for (const o of objects) {
    if (!isPolicyObject(o)) continue;
    const at = { file, span: nameSpan(o) };
    const problem = (message: string, severity: PolicyProblem['severity'] = 'error') => problems.push({ ...at, message, severity });
    try {
      if (o.gvk.group === 'constraints.gatekeeper.sh') {
        // A kind left out of the check: not read, nor linted.
        if (only && !only.has(o.gvk.kind)) continue;
        problems.push(...lintMatch(getPath(o.node, 'spec', 'match'), file));
        if (!isPolicyKind(o.gvk.kind)) {
          // Other policies: evaluated with their template's Rego.
          const common = readCommon(o, problem);
          others.push({ ...at, kind: o.gvk.kind, name: o.name, ...common });
          continue;
        }
        const c = readConstraint(o, at, problem);
        if (c) {
          constraints.push(c);
          problems.push(...lintEntries(c));
        }
      } else if (o.gvk.kind === 'ConstraintTemplate') {
        const t = readTemplate(o, at, problem, text, file, problems, only);
        if (t) templates.push(t);
      } else if (o.gvk.kind === 'ExpansionTemplate') {
        expansions.push(parseExpansionTemplate(o, at));
      } else if (o.gvk.kind === 'Namespace') {
        // The API server adds this label to every Namespace (Kubernetes 1.21+).
        namespaces.push({ ...at, name: o.name, labels: { ...o.labels, 'kubernetes.io/metadata.name': o.name } });
      }
    } catch (e) {
      problem(`${o.gvk.kind} ${o.name || '(unnamed)'}: ${e instanceof Error ? e.message : String(e)}; Gatekeeper would refuse it, so it is not applied`);
    }
  }
  if (constraints.length + templates.length + expansions.length + namespaces.length + problems.length + others.length === 0) return noPolicyObjects;
  return { constraints, templates, expansions, namespaces, problems, others };
}

/** What every constraint has: match, enforcement action, parameters. Throws what Gatekeeper refuses. */
function readCommon(
  o: K8sObject,
  problem: (m: string, s?: PolicyProblem['severity']) => void,
): { enforcementAction: string; actions: Action[]; match: Match; parametersNode: YNode | undefined; parameters: unknown } {
  const label = `${o.gvk.kind} ${o.name || '(unnamed)'}`;
  if (!o.name) throw new Error('metadata.name is missing');
  const spec = getPath(o.node, 'spec');
  const match = parseMatch(getPath(spec, 'match'));
  const paramsNode = getPath(spec, 'parameters');
  if (paramsNode && paramsNode.kind !== 'map' && !(paramsNode.kind === 'scalar' && paramsNode.value === null)) {
    throw new Error('spec.parameters must be an object');
  }
  const actionNode = getPath(spec, 'enforcementAction');
  const raw = actionNode ? toJS(actionNode) : undefined;
  if (raw !== undefined && raw !== null && typeof raw !== 'string') throw new Error('spec.enforcementAction must be a string');
  const enforcementAction = raw === undefined || raw === null || raw === '' ? 'deny' : raw;
  let actions: Action[];
  if (enforcementAction === 'deny' || enforcementAction === 'warn' || enforcementAction === 'dryrun') {
    actions = [enforcementAction];
  } else if (enforcementAction === 'scoped') {
    actions = scopedActions(getPath(spec, 'scopedEnforcementActions'));
    if (actions.length === 0) {
      problem(`${label}: no scopedEnforcementActions apply to admission (validation.gatekeeper.sh); it is not checked`, 'info');
    }
  } else {
    throw new Error(`unrecognized enforcementAction: ${JSON.stringify(enforcementAction)} is not within the supported list [deny dryrun warn scoped]`);
  }
  const parameters = paramsNode && paramsNode.kind === 'map' ? toJS(paramsNode) : {};
  return { enforcementAction, actions, match, parametersNode: paramsNode, parameters };
}

function readConstraint(o: K8sObject, at: Located, problem: (m: string, s?: PolicyProblem['severity']) => void): Constraint | undefined {
  const kind = o.gvk.kind as PolicyKind;
  const { enforcementAction, actions, match, parametersNode: paramsNode } = readCommon(o, problem);
  const param = listParameter[kind];
  const listNode = getPath(paramsNode, param);
  let list: string[] | undefined;
  if (listNode && !(listNode.kind === 'scalar' && listNode.value === null)) {
    const v = toJS(listNode);
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw new Error(`spec.parameters.${param} must be a list of strings (the template's schema)`);
    }
    list = v as string[];
  }
  return { ...at, kind, name: o.name, enforcementAction, actions, match, list, listNode, parametersNode: paramsNode };
}

const enforcementPoints = new Set(['validation.gatekeeper.sh', 'audit.gatekeeper.sh', 'gator.gatekeeper.sh', 'vap.k8s.io', '*']);

function scopedActions(node: YNode | undefined): Action[] {
  const v = node ? toJS(node) : undefined;
  if (!Array.isArray(v)) throw new Error('scopedEnforcementActions is required when enforcementAction is scoped');
  const found = new Set<Action>();
  for (const entry of v as Array<Record<string, unknown>>) {
    const action = entry?.action;
    if (action !== 'deny' && action !== 'warn' && action !== 'dryrun') {
      throw new Error(`unrecognized enforcementAction: ${JSON.stringify(action)} is not within the supported list [deny dryrun warn]`);
    }
    const points = entry.enforcementPoints;
    if (!Array.isArray(points) || points.length === 0) throw new Error('each scopedEnforcementActions entry needs enforcementPoints');
    for (const p of points as Array<Record<string, unknown>>) {
      const name = p?.name;
      if (typeof name !== 'string' || !enforcementPoints.has(name)) {
        throw new Error(`unrecognized enforcement point ${JSON.stringify(name)}; supported are ${[...enforcementPoints].join(', ')}`);
      }
      if (name === 'validation.gatekeeper.sh' || name === '*') found.add(action);
    }
  }
  return [...found].sort((a, b) => actionRank[a] - actionRank[b]);
}

function readTemplate(
  o: K8sObject,
  at: Located,
  problem: (m: string, s?: PolicyProblem['severity']) => void,
  text: string | undefined,
  file: string,
  problems: PolicyProblem[],
  only: ReadonlySet<string> | undefined,
): Template | undefined {
  const kind = stringAt(o.node, 'spec', 'crd', 'spec', 'names', 'kind');
  if (!kind) throw new Error('spec.crd.spec.names.kind is missing');
  if (o.name !== kind.toLowerCase()) {
    problem(`ConstraintTemplate ${o.name}: its name must be ${kind.toLowerCase()}, the lowercase of its kind ${kind}`);
  }
  // A kind left out of the check is not compiled (nor are its compile errors reported).
  const rego: RegoProgram = only && !only.has(kind) ? { notEvaluated: `ConstraintTemplate ${o.name} is not checked (--only)`, source: '', leftOut: true } : regoProgram(o, text, file, problems);
  let variant: PolicyVariant | undefined;
  let builtIn = false;
  if (isPolicyKind(kind)) {
    const source = regoOf(o.node);
    variant = source === undefined ? undefined : recognizeVariant(kind, source, `ConstraintTemplate ${o.name}`);
    builtIn = variant !== undefined;
    if (!variant) {
      variant = libraryVariants[kind];
      problem(
        rego.policy
          ? `ConstraintTemplate ${o.name}: its Rego is not a variant the built-in image check knows; ${kind} constraints are evaluated from its Rego (without quick fixes)`
          : `ConstraintTemplate ${o.name}: its Rego is not a variant Trusted Images knows; ${kind} constraints are checked as the Gatekeeper library's template decides`,
        rego.policy ? 'info' : 'warning',
      );
    }
  }
  const schemaNode = getPath(o.node, 'spec', 'crd', 'spec', 'validation', 'openAPIV3Schema');
  return { ...at, name: o.name, kind, variant, builtIn, schema: schemaNode ? toJS(schemaNode) : undefined, rego };
}

/** The Rego source of the template's first target: `rego`, or a `code` entry of engine Rego. */
function regoOf(node: YNode): string | undefined {
  return regoSources(node)?.rego.value;
}

interface RegoSources {
  readonly rego: { value: string; node: YNode };
  readonly libs: ReadonlyArray<{ value: string; node: YNode }>;
  /** Whether the target also carries CEL (K8sNativeValidation), which Gatekeeper prefers. */
  readonly cel: boolean;
}

/** The Rego and libs of the template's first target, with their nodes; undefined when it has none. */
function regoSources(node: YNode): RegoSources | undefined {
  const targets = getPath(node, 'spec', 'targets');
  const target = targets?.kind === 'seq' ? targets.items[0] : undefined;
  const code = getPath(target, 'code');
  const codes = code?.kind === 'seq' ? code.items : [];
  const cel = codes.some((c) => stringAt(c, 'engine') === 'K8sNativeValidation');
  const strings = (n: YNode | undefined): Array<{ value: string; node: YNode }> =>
    n?.kind === 'seq' ? n.items.flatMap((x) => (x.kind === 'scalar' && typeof x.value === 'string' ? [{ value: x.value, node: x }] : [])) : [];
  const direct = getPath(target, 'rego');
  if (direct?.kind === 'scalar' && typeof direct.value === 'string') return { rego: { value: direct.value, node: direct }, libs: strings(getPath(target, 'libs')), cel };
  for (const c of codes) {
    if (stringAt(c, 'engine') !== 'Rego') continue;
    const r = getPath(c, 'source', 'rego');
    if (r?.kind === 'scalar' && typeof r.value === 'string') return { rego: { value: r.value, node: r }, libs: strings(getPath(c, 'source', 'libs')), cel };
  }
  return cel ? { rego: { value: '', node }, libs: [], cel: true } : undefined;
}

const compiledCache = new Map<string, ReturnType<typeof compileRego>>();

/** Compiles the template's Rego once per source; a problem inside the rego block when it does not compile. */
function regoProgram(o: K8sObject, text: string | undefined, file: string, problems: PolicyProblem[]): RegoProgram {
  const sources = regoSources(o.node);
  const label = `ConstraintTemplate ${o.name}`;
  if (!sources) return { notEvaluated: `${label} has no Rego`, source: '' };
  if (sources.cel && sources.rego.value === '') return { notEvaluated: `${label} has only CEL (K8sNativeValidation), which Trusted Images does not evaluate`, source: '' };
  const key = [sources.rego.value, ...sources.libs.map((l) => l.value)].join('\0\0');
  let out = compiledCache.get(key);
  if (!out) {
    out = compileRego(sources.rego.value, sources.libs.map((l) => l.value));
    if (compiledCache.size > 200) compiledCache.clear();
    compiledCache.set(key, out);
  }
  if (out.ok) return { policy: out.policy, source: key };
  const p = out.problem;
  const source = p.module === 0 ? sources.rego : sources.libs[p.module - 1]!;
  const offset = text === undefined ? undefined : blockOffset(text, source.node, p.line, p.col);
  const where = offset === undefined ? source.node.span : { start: offset, end: offset + 1 };
  problems.push({ file, span: where, severity: 'error', message: `${label}: ${p.message} (${p.module === 0 ? 'rego' : `libs[${p.module - 1}]`} line ${p.line + 1})` });
  return { notEvaluated: `${label} does not compile: ${p.message}`, source: key };
}

/** The file offset of (line, col) inside a block scalar's content; undefined for other styles. */
function blockOffset(text: string, node: YNode, line: number, col: number): number | undefined {
  if (node.kind !== 'scalar') return undefined;
  if (node.style !== 'block') {
    return line === 0 ? node.span.start + 1 + col : undefined;
  }
  let pos = text.indexOf('\n', node.span.start);
  if (pos < 0) return undefined;
  pos++;
  // The content's indentation: that of its first line that is not empty.
  let indent = 0;
  for (let p = pos; p < text.length; ) {
    const end = text.indexOf('\n', p) < 0 ? text.length : text.indexOf('\n', p);
    const l = text.slice(p, end);
    if (l.trim() !== '') {
      indent = l.length - l.trimStart().length;
      break;
    }
    p = end + 1;
  }
  for (let i = 0; i < line; i++) {
    const next = text.indexOf('\n', pos);
    if (next < 0) return undefined;
    pos = next + 1;
  }
  const lineEnd = text.indexOf('\n', pos) < 0 ? text.length : text.indexOf('\n', pos);
  return Math.min(pos + indent + col, Math.max(pos, lineEnd - 1));
}

/** All files' policy objects, merged. */
export interface PolicySet {
  readonly constraints: readonly Constraint[];
  readonly expansions: readonly ExpansionTemplate[];
  /** Workspace ExpansionTemplates replace the default set. */
  readonly workspaceExpansions: boolean;
  readonly namespaces: ReadonlyMap<string, NamespaceObject>;
  readonly variants: ReadonlyMap<PolicyKind, PolicyVariant>;
  readonly templates: readonly Template[];
  readonly problems: readonly PolicyProblem[];
  /** Constraints evaluated with their template's Rego. */
  readonly regoConstraints: readonly RegoConstraint[];
  /** Whether a Rego template reads data.inventory: the workspace's objects are its data. */
  readonly usesInventory: boolean;
}

export function buildPolicySet(parts: readonly PolicyObjects[], defaultExpansions: readonly ExpansionTemplate[]): PolicySet {
  const constraints: Constraint[] = [];
  const expansions: ExpansionTemplate[] = [];
  const namespaces = new Map<string, NamespaceObject>();
  const templates: Template[] = [];
  const problems: PolicyProblem[] = [];
  const seen = new Map<string, Constraint>();
  const seenOther = new Map<string, string>();
  for (const p of parts) {
    problems.push(...p.problems);
    templates.push(...p.templates);
    expansions.push(...p.expansions);
    for (const ns of p.namespaces) if (!namespaces.has(ns.name)) namespaces.set(ns.name, ns);
    for (const c of p.constraints) {
      const key = `${c.kind}/${c.name}`;
      const first = seen.get(key);
      if (first) {
        problems.push({
          file: c.file,
          span: c.span,
          severity: 'warning',
          message: `${c.kind} ${c.name} is defined twice (also in ${first.file}); the cluster keeps only the last one applied, so this one is not checked`,
        });
        continue;
      }
      seen.set(key, c);
      constraints.push(c);
    }
  }
  const variants = new Map<PolicyKind, PolicyVariant>();
  const templateOf = new Map<string, Template>();
  for (const t of templates) {
    if (t.variant && !variants.has(t.variant.kind)) variants.set(t.variant.kind, t.variant);
    if (!templateOf.has(t.kind)) templateOf.set(t.kind, t);
  }
  // Parameters against the workspace template's schema; kinds no template defines.
  for (const c of constraints) {
    const t = templateOf.get(c.kind);
    if (t?.schema) problems.push(...validateSchema(c.parametersNode, t.schema, 'spec.parameters', c.file));
  }
  // An image policy whose workspace template the built-in check does not recognise: its Rego decides.
  const regoConstraints: RegoConstraint[] = [];
  for (let i = constraints.length - 1; i >= 0; i--) {
    const c = constraints[i]!;
    const t = templateOf.get(c.kind);
    if (!t || t.builtIn || !t.rego.policy) continue;
    constraints.splice(i, 1);
    const parameters = c.parametersNode && c.parametersNode.kind === 'map' ? toJS(c.parametersNode) : {};
    regoConstraints.unshift({ ...c, list: undefined, listNode: undefined, parameters, template: t as RegoConstraint['template'] });
  }
  for (const p of parts) {
    for (const o of p.others) {
      const t = templateOf.get(o.kind);
      if (!t) {
        problems.push({ file: o.file, span: o.span, severity: 'info', message: `${o.kind} ${o.name}: no ConstraintTemplate in the workspace defines the kind ${o.kind}, so it is not evaluated` });
        continue;
      }
      const key = `${o.kind}/${o.name}`;
      if (seenOther.has(key)) {
        problems.push({ file: o.file, span: o.span, severity: 'warning', message: `${o.kind} ${o.name} is defined twice (also in ${seenOther.get(key)}); the cluster keeps only the last one applied, so this one is not checked` });
        continue;
      }
      seenOther.set(key, o.file);
      if (t.schema) problems.push(...validateSchema(o.parametersNode, t.schema, 'spec.parameters', o.file));
      if (t.rego.policy) regoConstraints.push({ ...o, template: t as RegoConstraint['template'] });
      else if (!t.rego.leftOut) problems.push({ file: o.file, span: o.span, severity: 'warning', message: `${o.kind} ${o.name} is not evaluated: ${t.rego.notEvaluated}` });
    }
  }
  const workspaceExpansions = expansions.length > 0;
  return {
    constraints,
    expansions: workspaceExpansions ? expansions : defaultExpansions,
    workspaceExpansions,
    namespaces,
    variants,
    templates,
    problems,
    regoConstraints,
    usesInventory: regoConstraints.some((c) => c.template.rego.policy.usesInventory),
  };
}

export function variantFor(set: PolicySet, kind: PolicyKind): PolicyVariant {
  return set.variants.get(kind) ?? libraryVariants[kind];
}

export function namespaceLabels(set: PolicySet, name: string): Readonly<Record<string, string>> | undefined {
  return set.namespaces.get(name)?.labels;
}
