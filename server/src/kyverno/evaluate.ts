// Evaluating Kyverno ValidatingPolicies against one object as Kyverno's engine does
// (pkg/cel/policies/vpol/engine and compiler/policy.go): the policy's matchConstraints select the
// request (else its autogen variant for pod controllers may), matchConditions false -> skip, then
// the validations in order until the first that is false (fail, with its message, its
// messageExpression's value, or "CEL expression validation failed at index N") or errs (error);
// all true -> pass. A fail or error becomes a decision per validationAction (Deny, Warn, Audit).
// Expressions that need the cluster, a registry or the network are not evaluated (library.ts).
import { admissionCel } from '../vap/cel';
import { CelActivation, CelBounds, CelPort, CelProgram, VariableMemo, defaultBounds } from '../vap/celPort';
import type { VapAction } from '../vap/evaluate';
import { matchResources } from '../vap/match';
import type { FieldPath, SourcedObject } from '../vap/policies';
import { AdmissionAttributes, RequestOptions, admissionAttributes, requestValue } from '../vap/request';
import { ResourceCatalog, crdInfo, isRecord } from '../vap/resources';
import { labelsOf } from '../vap/selectors';
import { autogenVariants } from './autogen';
import { kyvernoFunctions, kyvernoNames, needsOutside } from './library';
import { KyvernoException, exceptionsFor, readKyvernoException } from './exceptions';
import { KyvernoPolicy, readKyvernoPolicy } from './policy';

export interface KyvernoSet {
  policies: KyvernoPolicy[];
  exceptions: KyvernoException[];
  catalog: ResourceCatalog;
  /** Namespace objects by name (namespaceObject, namespaceSelector) */
  namespaces: ReadonlyMap<string, unknown>;
}

export function readKyvernoSet(objects: readonly SourcedObject[]): KyvernoSet {
  const policies: KyvernoPolicy[] = [];
  const exceptions: KyvernoException[] = [];
  const crds = [];
  const namespaces = new Map<string, unknown>();
  for (const s of objects) {
    const p = readKyvernoPolicy(s);
    if (p) policies.push(p);
    const e = readKyvernoException(s);
    if (e) exceptions.push(e);
    const c = crdInfo(s.value);
    if (c) crds.push(c);
    const v = s.value;
    if (isRecord(v) && v.kind === 'Namespace' && isRecord(v.metadata) && typeof v.metadata.name === 'string') namespaces.set(v.metadata.name, v);
  }
  return { policies, exceptions, catalog: new ResourceCatalog(crds), namespaces };
}

export type KyvernoOutcome = 'pass' | 'fail' | 'skip' | 'error' | 'notEvaluated';

export interface KyvernoResult {
  policy: string;
  kind: KyvernoPolicy['kind'];
  result: KyvernoOutcome;
  /** fail: the validation's message; error: the error; notEvaluated: why */
  message?: string;
  validationIndex?: number;
  expression?: string;
  path?: FieldPath;
  /** the pod-controller kinds of the autogen rule that applied (absent: the policy itself applied) */
  autogen?: string[];
  actions: VapAction[];
  /** skip: 'matchConditions' when a condition was false, 'match' when the policy does not select the object, 'exception' when a PolicyException takes it out */
  skipReason?: 'matchConditions' | 'match' | 'exception';
  /** the PolicyExceptions (`namespace/name`) that applied */
  exceptions?: string[];
}

/** A fail, error or not-evaluated result as one decision per action (the shape VAP decisions have). */
export interface KyvernoDecision {
  policy: string;
  action: VapAction;
  message: string;
  validationIndex?: number;
  expression?: string;
  notEvaluated?: string;
  autogen?: string[];
  path?: FieldPath;
}

export interface KyvernoOptions extends RequestOptions {
  cel?: CelPort;
  bounds?: CelBounds;
  /**
   * Namespaces without a Namespace object in the set: synthesize one with the name label (an editor:
   * the namespace exists in the cluster) or leave namespaceObject null (`kyverno test` without values).
   */
  synthesizeNamespaces?: boolean;
}

let defaultPort: CelPort | undefined;

export function kyvernoCel(): CelPort {
  return (defaultPort ??= admissionCel(kyvernoFunctions));
}

interface Compiled {
  matchConditions: CelProgram[];
  variables: CelProgram[];
  validations: CelProgram[];
  messageExpressions: (CelProgram | undefined)[];
  blocked?: { reason: string; path: FieldPath };
}

const cache = new WeakMap<KyvernoPolicy, WeakMap<CelPort, Compiled>>();

function compile(policy: KyvernoPolicy, cel: CelPort): Compiled {
  let perPort = cache.get(policy);
  if (!perPort) cache.set(policy, (perPort = new WeakMap()));
  const known = perPort.get(cel);
  if (known) return known;
  const variableNames = policy.variables.map((v) => v.name);
  let blocked: Compiled['blocked'];
  const one = (expression: string, path: FieldPath): CelProgram => {
    const outside = needsOutside(expression);
    if (outside && !blocked) blocked = { reason: `${path.join('.')} uses ${outside}, which the files cannot answer`, path };
    if (outside) return notCompiled;
    const r = cel.compile(expression, kyvernoNames, variableNames);
    if (r.ok) return r.program;
    if (!blocked) blocked = { reason: `CEL error at ${path.join('.')}: ${r.error.message}`, path };
    return notCompiled;
  };
  const out: Compiled = {
    matchConditions: policy.matchConditions.map((m) => one(m.expression, [...m.path, 'expression'])),
    variables: policy.variables.map((v) => one(v.expression, [...v.path, 'expression'])),
    validations: policy.validations.map((v) => one(v.expression, [...v.path, 'expression'])),
    messageExpressions: policy.validations.map((v) => (v.messageExpression !== undefined ? one(v.messageExpression, [...v.path, 'messageExpression']) : undefined)),
  };
  out.blocked = blocked;
  perPort.set(cel, out);
  return out;
}

const notCompiled: CelProgram = { evaluate: () => ({ ok: false, error: 'not compiled' }) };

type Evaluated = Omit<KyvernoResult, 'policy' | 'kind' | 'actions'>;

/** Whether all of an exception's matchConditions hold (policy.match on the exception's conditions). */
function exceptionMatches(policy: KyvernoPolicy, e: KyvernoException, cel: CelPort, values: Record<string, unknown>, bounds: CelBounds): boolean | Evaluated {
  const activation: CelActivation = { values, variables: new VariableMemo([], () => ({ ok: false, error: 'no variables' })) };
  const errors: string[] = [];
  for (const m of e.matchConditions) {
    const outside = needsOutside(m.expression);
    if (outside) return { result: 'notEvaluated', message: `PolicyException ${e.key} uses ${outside}, which the files cannot answer` };
    const c = cel.compile(m.expression, kyvernoNames, []);
    if (!c.ok) return { result: 'notEvaluated', message: `CEL error in PolicyException ${e.key}: ${c.error.message}` };
    const r = c.program.evaluate(activation, bounds);
    if (!r.ok) {
      if (r.bound !== undefined) return { result: 'notEvaluated', message: `evaluation stopped by the ${r.bound} bound: ${r.error}` };
      errors.push(r.error);
      continue;
    }
    if (r.value !== true) return false;
  }
  if (errors.length === 0) return true;
  return policy.failurePolicy === 'Ignore' ? false : { result: 'error', message: errors.join('; ') };
}

function evaluatePolicy(policy: KyvernoPolicy, compiled: Compiled, values: Record<string, unknown>, bounds: CelBounds): Evaluated {
  if (compiled.blocked) return { result: 'notEvaluated', message: compiled.blocked.reason, path: compiled.blocked.path };
  const variables = new VariableMemo(
    policy.variables.map((v) => v.name),
    (name) => compiled.variables[policy.variables.findIndex((v) => v.name === name)].evaluate(activation, bounds),
  );
  const activation: CelActivation = { values, variables };
  const errors: string[] = [];
  for (const [i, m] of compiled.matchConditions.entries()) {
    const r = m.evaluate(activation, bounds);
    if (!r.ok) {
      if (r.bound !== undefined) return { result: 'notEvaluated', message: `evaluation stopped by the ${r.bound} bound: ${r.error}`, path: [...policy.matchConditions[i].path, 'expression'] };
      errors.push(r.error);
      continue;
    }
    if (r.value === false) return { result: 'skip', skipReason: 'matchConditions' };
    if (r.value !== true) errors.push('matchCondition did not return a bool');
  }
  if (errors.length > 0) {
    if (policy.failurePolicy === 'Ignore') return { result: 'skip', skipReason: 'matchConditions' };
    return { result: 'error', message: errors.join('; ') };
  }
  for (const [i, v] of policy.validations.entries()) {
    const path = [...v.path, 'expression'];
    const r = compiled.validations[i].evaluate(activation, bounds);
    if (!r.ok) {
      if (r.bound !== undefined) return { result: 'notEvaluated', message: `evaluation stopped by the ${r.bound} bound: ${r.error}`, validationIndex: i, expression: v.expression, path };
      return { result: 'error', message: r.error, validationIndex: i, expression: v.expression, path };
    }
    if (r.value === true) continue;
    if (r.value !== false) return { result: 'error', message: 'validation did not return a bool', validationIndex: i, expression: v.expression, path };
    let message = v.message ?? '';
    const me = compiled.messageExpressions[i];
    if (me) {
      const m = me.evaluate(activation, bounds);
      if (!m.ok) message = `failed to evaluate message expression: ${m.error}`;
      else if (typeof m.value !== 'string') message = `failed to convert message expression to string: type conversion error from '${celTypeName(m.value)}' to 'string'`;
      else message = m.value;
    }
    if (message === '') message = `CEL expression validation failed at index ${i}`;
    return { result: 'fail', message, validationIndex: i, expression: v.expression, path };
  }
  return { result: 'pass' };
}

/** cel-go's type names, as its conversion errors print them. */
function celTypeName(v: unknown): string {
  if (v === null) return 'null_type';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v === 'object' ? 'map' : typeof v;
}

function namespaceObject(set: KyvernoSet, a: AdmissionAttributes, synthesize: boolean): unknown {
  if (a.namespace === '' || (a.group === '' && a.resource === 'namespaces')) return null;
  const known = set.namespaces.get(a.namespace);
  if (known !== undefined) return known;
  return synthesize ? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: a.namespace, labels: { 'kubernetes.io/metadata.name': a.namespace } } } : null;
}

/** One result per ValidatingPolicy of the set for the object. */
export function evaluateKyverno(set: KyvernoSet, object: unknown, options: KyvernoOptions = {}): KyvernoResult[] {
  const cel = options.cel ?? kyvernoCel();
  const bounds = options.bounds ?? defaultBounds;
  const a = admissionAttributes(object, set.catalog, { defaultNamespace: 'default', ...options });
  const nsObject = namespaceObject(set, a, options.synthesizeNamespaces !== false);
  // The request as CEL values, built when a policy first applies (most objects match no policy).
  let request: Record<string, unknown> | undefined;
  const values = (): Record<string, unknown> =>
    (request ??= {
      object: cel.fromJson(a.object),
      oldObject: cel.fromJson(a.oldObject),
      request: cel.fromJson(requestValue(a)),
      namespaceObject: cel.fromJson(nsObject),
      exceptions: cel.fromJson({ allowedImages: [], allowedValues: [] }),
    });
  const namespaces = (name: string) => {
    const ns = set.namespaces.get(name);
    return ns === undefined ? undefined : labelsOf(ns);
  };
  const out: KyvernoResult[] = [];
  for (const policy of set.policies) {
    const base = { policy: policy.name, kind: policy.kind, actions: policy.validationActions.filter((x): x is VapAction => x === 'Deny' || x === 'Warn' || x === 'Audit') };
    if (policy.mode === 'JSON' || (policy.namespace !== undefined && policy.namespace !== a.namespace)) {
      out.push({ ...base, result: 'skip', skipReason: 'match' });
      continue;
    }
    let applied: KyvernoPolicy | undefined;
    let autogen: string[] | undefined;
    if (policy.matchConstraints && matchResources(policy.matchConstraints, a, set.catalog, namespaces).matches) applied = policy;
    else {
      for (const v of autogenVariants(policy)) {
        if (matchResources(v.policy.matchConstraints!, a, set.catalog, namespaces).matches) {
          applied = v.policy;
          autogen = v.kinds;
          break;
        }
      }
    }
    if (!applied) {
      out.push({ ...base, result: 'skip', skipReason: 'match' });
      continue;
    }
    let policyValues = values();
    const matched: KyvernoException[] = [];
    let exceptionOutcome: Evaluated | undefined;
    for (const e of exceptionsFor(set.exceptions, policy)) {
      const m = exceptionMatches(policy, e, cel, policyValues, bounds);
      if (m === true) matched.push(e);
      else if (m !== false) exceptionOutcome ??= m;
    }
    const withAutogen = autogen ? { autogen } : {};
    if (exceptionOutcome) {
      out.push({ ...base, ...exceptionOutcome, ...withAutogen });
      continue;
    }
    const keys = matched.map((e) => e.key);
    const allowedImages = matched.flatMap((e) => e.images);
    const allowedValues = matched.flatMap((e) => e.allowedValues);
    if (matched.length > 0 && allowedImages.length === 0 && allowedValues.length === 0) {
      const pass = matched[0].reportResult === 'pass';
      out.push({
        ...base,
        result: pass ? 'pass' : 'skip',
        ...(pass ? {} : { skipReason: 'exception' as const }),
        message: `rule is ${pass ? 'passed' : 'skipped'} due to policy exception: ${keys.join(', ')}`,
        exceptions: keys,
        ...withAutogen,
      });
      continue;
    }
    if (matched.length > 0) policyValues = { ...policyValues, exceptions: cel.fromJson({ allowedImages, allowedValues }) };
    const r = evaluatePolicy(applied, compile(applied, cel), policyValues, bounds);
    out.push({ ...base, ...r, ...withAutogen, ...(keys.length > 0 ? { exceptions: keys } : {}) });
  }
  return out;
}

/** The fail, error and not-evaluated results as decisions, one per validationAction. */
export function kyvernoDecisions(results: readonly KyvernoResult[]): KyvernoDecision[] {
  const out: KyvernoDecision[] = [];
  for (const r of results) {
    if (r.result !== 'fail' && r.result !== 'error' && r.result !== 'notEvaluated') continue;
    for (const action of r.actions) {
      const d: KyvernoDecision = { policy: r.policy, action, message: r.message ?? '' };
      if (r.validationIndex !== undefined) d.validationIndex = r.validationIndex;
      if (r.expression !== undefined) d.expression = r.expression;
      if (r.result === 'notEvaluated') d.notEvaluated = r.message;
      if (r.autogen) d.autogen = r.autogen;
      if (r.path) d.path = r.path;
      out.push(d);
    }
  }
  return out;
}
