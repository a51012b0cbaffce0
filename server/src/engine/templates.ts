// ConstraintTemplates as Gatekeeper reads them: the kind they define, the schema of their parameters, and
// their code (Rego, compiled once per source; CEL next), with compile errors at their line.
import { getPath, stringAt, toJS, YNode } from '../yaml/documents';
import { compileRego } from '../rego';
import { compileGatekeeperCel, gatekeeperCelEngine, GatekeeperCelProblem } from '../cel/gatekeeper';
import { K8sObject } from './objects';
import { isPolicyKind, libraryVariants, PolicyVariant, recognizeVariant } from './policies';
import type { CelCode, Located, PolicyProblem, RegoProgram, Template } from './policy';

export function readTemplate(
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
  const leftOut = only !== undefined && !only.has(kind);
  const rego: RegoProgram = leftOut ? { notEvaluated: `ConstraintTemplate ${o.name} is not checked (--only)`, source: '', leftOut: true } : regoProgram(o, text, file, problems);
  const cel = leftOut ? undefined : celCode(o, text, file, problems);
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
  return { ...at, name: o.name, kind, variant, builtIn, schema: schemaNode ? toJS(schemaNode) : undefined, rego, cel };
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
  if (sources.cel && sources.rego.value === '') return { notEvaluated: `${label} has only CEL (K8sNativeValidation), no Rego`, source: '' };
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

/** The source node of the template's K8sNativeValidation code, when it has one. */
function celSourceNode(node: YNode): YNode | undefined {
  const targets = getPath(node, 'spec', 'targets');
  const target = targets?.kind === 'seq' ? targets.items[0] : undefined;
  const code = getPath(target, 'code');
  for (const c of code?.kind === 'seq' ? code.items : []) if (stringAt(c, 'engine') === gatekeeperCelEngine) return getPath(c, 'source') ?? c;
  return undefined;
}

const celCache = new Map<string, ReturnType<typeof compileGatekeeperCel>>();

/** Compiles the template's CEL once per source; each problem at its expression, at the offending character. */
function celCode(o: K8sObject, text: string | undefined, file: string, problems: PolicyProblem[]): CelCode | undefined {
  const node = celSourceNode(o.node);
  if (!node) return undefined;
  const source = toJS(node);
  const key = JSON.stringify(source);
  let out = celCache.get(key);
  if (!out) {
    out = compileGatekeeperCel(source);
    if (celCache.size > 200) celCache.clear();
    celCache.set(key, out);
  }
  if (out.ok) return { policy: out.policy };
  const label = `ConstraintTemplate ${o.name}`;
  for (const p of out.problems) {
    const { node: exprNode, where } = celProblemNode(node, p);
    const span = exprNode?.kind === 'scalar' && typeof exprNode.value === 'string' && text !== undefined ? expressionSpan(text, exprNode, exprNode.value, p.error.offset, p.error.end) : (exprNode ?? node).span;
    problems.push({ file, span, severity: 'error', message: `${label}: ${where}: ${p.error.message}` });
  }
  const first = out.problems[0]!;
  return { notEvaluated: `${label} does not compile: ${celProblemNode(node, first).where}: ${first.error.message}` };
}

function celProblemNode(source: YNode, p: GatekeeperCelProblem): { node: YNode | undefined; where: string } {
  const item = (list: string) => {
    const l = getPath(source, list);
    return l?.kind === 'seq' ? l.items[p.index] : undefined;
  };
  switch (p.part) {
    case 'validation':
      return { node: getPath(item('validations'), 'expression'), where: `validations[${p.index}].expression` };
    case 'messageExpression':
      return { node: getPath(item('validations'), 'messageExpression'), where: `validations[${p.index}].messageExpression` };
    case 'variable':
      return { node: getPath(item('variables'), 'expression'), where: `variables[${p.index}] (${p.name ?? ''}).expression` };
    case 'matchCondition':
      return { node: getPath(item('matchCondition') ?? item('matchConditions'), 'expression'), where: `matchCondition[${p.index}] (${p.name ?? ''}).expression` };
    default:
      return { node: source, where: 'source' };
  }
}

/** The file span of [start, end) of a scalar's value (an expression), through block indentation and quotes. */
function expressionSpan(text: string, node: YNode, value: string, start: number, end: number): { start: number; end: number } {
  const at = (offset: number): number | undefined => {
    const before = value.slice(0, Math.max(0, Math.min(offset, value.length)));
    const line = before.split('\n').length - 1;
    const col = before.length - (before.lastIndexOf('\n') + 1);
    if (node.kind === 'scalar' && node.style === 'plain') return line === 0 ? node.span.start + col : undefined;
    return blockOffset(text, node, line, col);
  };
  const s = at(start) ?? node.span.start;
  const e = at(Math.max(start + 1, end));
  return { start: s, end: e !== undefined && e > s ? e : s + 1 };
}
