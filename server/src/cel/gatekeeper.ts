// Gatekeeper's K8sNativeValidation engine (frameworks' k8scel driver), which runs a template's CEL
// through the ValidatingAdmissionPolicy validator of the API server:
//  - the source is the `code[]` entry with `engine: K8sNativeValidation`: `validations[]`
//    (expression, message, messageExpression), `variables[]`, `matchCondition[]` (singular in
//    Gatekeeper's schema) and `failurePolicy`;
//  - top-level names object, oldObject, request, params (the whole constraint), namespaceObject;
//  - two variables Gatekeeper binds before the template's own: `variables.params` =
//    `!has(params.spec) ? null : !has(params.spec.parameters) ? null : params.spec.parameters` and
//    `variables.anyObject` = `has(request.operation) && request.operation == "DELETE" && object == null
//    ? oldObject : object` (frameworks transform/cel_snippets.go), compiled here as the same CEL;
//  - variables are lazy, each evaluated once on first use; an error stays inside its variable;
//  - a matchCondition that is false means no violation; one that fails, or a validation that fails
//    to evaluate, is a violation with the error as message unless failurePolicy is Ignore (the
//    validator's default policy is Fail);
//  - a validation that is false gives its messageExpression's value, else its message, else
//    `failed expression: <expression>`; a messageExpression's text is trimmed, and one that fails,
//    or gives an empty string, a blank one or one with a line break, falls back as if it were unset.
// One result per failing validation, not merged (gator prints them in order).
import { celEnv, celLazyMap, compileCel, type CelEnv, type CelError, type CelLimits, type CelProgram } from './index';
import { celRuntimeError } from './celjs';
import { activeMeter, withMeter, type Bound, type Meter } from './budget';
import { defaultMaxCost, defaultMaxMillis } from './index';

export const gatekeeperCelEngine = 'K8sNativeValidation';

const topLevel = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'authorizer', 'variables'] as const;

const builtinVariables: ReadonlyArray<readonly [string, string]> = [
  ['params', '!has(params.spec) ? null : !has(params.spec.parameters) ? null: params.spec.parameters'],
  ['anyObject', 'has(request.operation) && request.operation == "DELETE" && object == null ? oldObject : object'],
];

/** Where in the source a compile error is: which entry, and the offset inside its expression. */
export interface GatekeeperCelProblem {
  readonly part: 'validation' | 'messageExpression' | 'variable' | 'matchCondition' | 'source';
  /** Index in its list (validations[], variables[], matchCondition[]). */
  readonly index: number;
  /** The variable's or match condition's name. */
  readonly name?: string;
  readonly error: CelError;
}

interface Validation {
  readonly expression: CelProgram;
  readonly source: string;
  readonly message?: string;
  readonly messageExpression?: CelProgram;
}

export interface GatekeeperCelPolicy {
  readonly variables: ReadonlyArray<{ readonly name: string; readonly program: CelProgram }>;
  readonly matchConditions: ReadonlyArray<{ readonly name: string; readonly program: CelProgram }>;
  readonly validations: readonly Validation[];
  readonly failurePolicy: 'Fail' | 'Ignore';
}

/** What Gatekeeper hands the validator for one object and one constraint. */
export interface GatekeeperCelReview {
  /** CEL values (celValue / celValueFromYaml): the object under review, or null. */
  readonly object: unknown;
  readonly oldObject: unknown;
  /** The admission request as CEL sees it (kind, resource, name, namespace, operation, userInfo, ...). */
  readonly request: unknown;
  /** The whole constraint (Gatekeeper's `params`); variables.params is its spec.parameters. */
  readonly constraint: unknown;
  /** The namespace object, or null for cluster-scoped objects. */
  readonly namespaceObject: unknown;
}

export type GatekeeperCelResult = { ok: true; messages: string[] } | { ok: false; error: string; bound: Bound };

/** The `source` of a template's K8sNativeValidation code, or undefined when it has none. */
export function gatekeeperCelSource(template: unknown): unknown {
  const targets = field(field(template, 'spec'), 'targets');
  const target = Array.isArray(targets) ? targets[0] : undefined;
  const code = field(target, 'code');
  if (!Array.isArray(code)) return undefined;
  for (const c of code) if (field(c, 'engine') === gatekeeperCelEngine) return field(c, 'source');
  return undefined;
}

function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

let env: CelEnv | undefined;
function gatekeeperEnv(): CelEnv {
  env ??= celEnv({ variables: topLevel });
  return env;
}

const noOffset = (message: string): CelError => ({ message, offset: 0, end: 0, kind: 'parse' });

/** Compiles a K8sNativeValidation source; every problem is reported, each at its entry. */
export function compileGatekeeperCel(source: unknown): { ok: true; policy: GatekeeperCelPolicy } | { ok: false; problems: GatekeeperCelProblem[] } {
  const problems: GatekeeperCelProblem[] = [];
  const e = gatekeeperEnv();
  const compile = (expression: string, where: Omit<GatekeeperCelProblem, 'error'>): CelProgram | undefined => {
    const c = compileCel(e, expression);
    if (c.ok) return c.program;
    problems.push({ ...where, error: c.error });
    return undefined;
  };
  const list = (key: string): unknown[] => {
    const v = field(source, key);
    return Array.isArray(v) ? v : [];
  };

  const variables: Array<{ name: string; program: CelProgram }> = [];
  for (const [name, expression] of builtinVariables) variables.push({ name, program: compile(expression, { part: 'source', index: -1, name })! });
  list('variables').forEach((v, index) => {
    const name = text(field(v, 'name')) ?? '';
    if (name === 'params' || name === 'anyObject' || name.startsWith('gatekeeper_internal_')) {
      problems.push({ part: 'variable', index, name, error: noOffset(`${name} is an invalid variable name, it is reserved`) });
      return;
    }
    const program = compile(text(field(v, 'expression')) ?? '', { part: 'variable', index, name });
    if (program !== undefined) variables.push({ name, program });
  });

  const matchConditions: Array<{ name: string; program: CelProgram }> = [];
  list('matchCondition').forEach((m, index) => {
    const name = text(field(m, 'name')) ?? '';
    const expressionText = text(field(m, 'expression')) ?? '';
    const program = compile(expressionText, { part: 'matchCondition', index, name });
    if (program !== undefined && program.type !== 'bool' && program.type !== 'dyn') {
      problems.push({ part: 'matchCondition', index, name, error: { message: `must evaluate to bool, not ${program.type}`, offset: 0, end: expressionText.length, kind: 'type' } });
    }
    if (program !== undefined) matchConditions.push({ name, program });
  });

  const validations: Validation[] = [];
  list('validations').forEach((v, index) => {
    const expressionText = text(field(v, 'expression')) ?? '';
    const expression = compile(expressionText, { part: 'validation', index });
    if (expression !== undefined && expression.type !== 'bool' && expression.type !== 'dyn') {
      problems.push({ part: 'validation', index, error: { message: `must evaluate to bool, not ${expression.type}`, offset: 0, end: expressionText.length, kind: 'type' } });
    }
    const messageExpressionText = text(field(v, 'messageExpression'));
    const messageExpression = messageExpressionText ? compile(messageExpressionText, { part: 'messageExpression', index }) : undefined;
    if (messageExpression !== undefined && messageExpression.type !== 'string' && messageExpression.type !== 'dyn') {
      problems.push({ part: 'messageExpression', index, error: { message: `must evaluate to string, not ${messageExpression.type}`, offset: 0, end: messageExpressionText!.length, kind: 'type' } });
    }
    const message = text(field(v, 'message'));
    if (expression !== undefined) validations.push({ expression, source: expressionText, ...(message ? { message } : {}), ...(messageExpression ? { messageExpression } : {}) });
  });

  const fp = text(field(source, 'failurePolicy'));
  if (fp !== undefined && fp !== 'Fail' && fp !== 'Ignore') problems.push({ part: 'source', index: -1, error: noOffset(`unrecognized failure policy: ${fp}`) });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, policy: { variables, matchConditions, validations, failurePolicy: fp === 'Ignore' ? 'Ignore' : 'Fail' } };
}

/** The violation messages of one review, exactly as gator prints them, in validation order. */
export function evaluateGatekeeperCel(policy: GatekeeperCelPolicy, review: GatekeeperCelReview, limits?: CelLimits): GatekeeperCelResult {
  // One budget for the whole review, shared by variables, conditions and messages.
  const meter: Meter = activeMeter() ?? {
    cost: 0,
    maxCost: limits?.maxCost ?? defaultMaxCost,
    deadline: Date.now() + (limits?.maxMillis ?? defaultMaxMillis),
    hit: undefined,
  };
  return withMeter(meter, () => {
    const activation: Record<string, unknown> = {
      object: review.object ?? null,
      oldObject: review.oldObject ?? null,
      request: review.request ?? null,
      params: review.constraint ?? null,
      namespaceObject: review.namespaceObject ?? null,
      authorizer: null,
    };
    const lazy: Record<string, () => unknown> = {};
    for (const v of policy.variables) {
      lazy[v.name] = () => {
        const r = v.program.evaluate(activation);
        if (!r.ok) throw celRuntimeError(r.bound !== undefined ? r.error : `composited variable "${v.name}" fails to evaluate: ${r.error}`);
        return r.value;
      };
    }
    activation['variables'] = celLazyMap(lazy);
    const bounded = (): GatekeeperCelResult | undefined => (meter.hit !== undefined ? { ok: false, error: meter.hit.message, bound: meter.hit.bound } : undefined);

    const messages: string[] = [];
    for (const m of policy.matchConditions) {
      const r = m.program.evaluate(activation);
      const hit = bounded();
      if (hit) return hit;
      const error = !r.ok ? r.error : typeof r.value !== 'boolean' ? 'match condition must evaluate to bool' : undefined;
      if (error !== undefined) {
        if (policy.failurePolicy === 'Ignore') return { ok: true, messages: [] };
        return { ok: true, messages: [`failed to evaluate match condition "${m.name}": ${error}`] };
      }
      if (r.ok && r.value === false) return { ok: true, messages: [] };
    }
    for (const v of policy.validations) {
      const r = v.expression.evaluate(activation);
      const hit = bounded();
      if (hit) return hit;
      if (!r.ok) {
        if (policy.failurePolicy === 'Fail') messages.push(`expression '${v.source}' resulted in error: ${r.error}`);
        continue;
      }
      // Anything but true fails the validation (a dyn expression may give a non-bool at runtime).
      if (r.value === true) continue;
      messages.push(failureMessage(v, activation));
      const after = bounded();
      if (after) return after;
    }
    return { ok: true, messages };
  });
}

function failureMessage(v: Validation, activation: Record<string, unknown>): string {
  if (v.messageExpression !== undefined) {
    const r = v.messageExpression.evaluate(activation);
    // The validator trims the text; a value that is not a string falls back like a failure.
    if (r.ok && typeof r.value === 'string' && r.value.trim() !== '' && !/[\r\n]/.test(r.value.trim())) return r.value.trim();
  }
  if (v.message !== undefined) return v.message;
  return `failed expression: ${v.source.trim()}`;
}
