// Evaluating the ValidatingAdmissionPolicies of a set against one object, as the API server's
// validating admission policy plugin does (dispatcher.go + validator.go): for every policy whose
// matchConstraints select the request, for every binding of it whose matchResources select it too,
// for every param object the binding's paramRef finds (or once with params = null), run the
// matchConditions, then every validation, then the auditAnnotations; a false validation or an
// evaluation error under failurePolicy Fail is a denial, which the binding's validationActions turn
// into Deny (error), Warn (warning) and Audit (information) decisions.
//
// What a file cannot answer is reported, never guessed: an expression our CEL engine cannot compile,
// a use of `authorizer` (the cluster's RBAC), or a bound hit while evaluating gives a decision with
// `notEvaluated` set, for each of the binding's actions - never a pass.
import { CelActivation, CelBounds, CelOutcome, CelPort, CelProgram, VariableMemo, defaultBounds } from './celPort';
import { applyServerDefaults } from './defaults';
import { NamespaceLabels, matchResources } from './match';
import * as msg from './messages';
import type { AdmissionPolicy, FieldPath, PolicyBinding, SourcedObject } from './policies';
import { VapSet, namespaceLabelsOf, nameOf, namespaceOf, paramCandidates, schemaOf } from './policySet';
import { AdmissionAttributes, RequestOptions, admissionAttributes, requestValue } from './request';
import { selectorMatches, labelsOf } from './selectors';
import { isRecord } from './resources';

export type VapAction = 'Deny' | 'Warn' | 'Audit';

export interface VapDecision {
  policy: string;
  binding: string;
  action: VapAction;
  /** the message as the API server words it (without the policy/binding prefix) */
  message: string;
  /** Status reason of a denial (Invalid unless the validation names one) */
  reason?: string;
  validationIndex?: number;
  expression?: string;
  /** the param object the evaluation used (`namespace/name` or `name`) */
  param?: string;
  /** what produced the decision */
  source: 'validation' | 'auditAnnotation' | 'matchCondition' | 'configuration';
  /** set when the policy could not be evaluated from the files: why (the decision is then no verdict) */
  notEvaluated?: string;
  /** the policy's field the decision comes from, for positions */
  path?: FieldPath;
}

export interface VapEvaluation {
  decisions: VapDecision[];
  /** no Deny decision (decisions that were not evaluated do not count either way: see `undetermined`) */
  admitted: boolean;
  undetermined: boolean;
  /** the whole API error of the first Deny decision, as kubectl prints it */
  apiError?: string;
  reason?: string;
  warnings: string[];
  /** `<policy>/<key>` -> value, as the audit log records them */
  auditAnnotations: Record<string, string>;
  /** the (policy, binding) pairs that selected the object */
  applied: { policy: string; binding: string }[];
  /** true when a namespaceSelector was judged on a namespace whose Namespace object is not in the set */
  assumedNamespace: boolean;
}

export interface VapOptions extends RequestOptions {
  cel: CelPort;
  bounds?: CelBounds;
  /** apply the API server's defaulting to the object first (default true; see defaults.ts) */
  serverDefaults?: boolean;
  /** evaluate only these policies' matchConditions, variables and validations (no matching, no bindings) */
  validationsOnly?: { policy: string; params?: unknown; namespaceObject?: unknown };
}

const vapNames = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'authorizer', 'variables'];
const maxAuditAnnotationValueLength = 10 * 1024;

/** IsExemptAdmissionConfigurationResource: never seen by admission policies. */
const exemptResources = new Set([
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
]);

interface Compiled {
  program?: CelProgram;
  error?: string;
}

interface CompiledPolicy {
  matchConditions: Compiled[];
  variables: Compiled[];
  validations: Compiled[];
  messageExpressions: (Compiled | undefined)[];
  auditAnnotations: Compiled[];
  /** first reason the policy cannot be evaluated here, with the field it comes from */
  blocked?: { reason: string; path: FieldPath };
}

const compiledCache = new WeakMap<AdmissionPolicy, WeakMap<CelPort, CompiledPolicy>>();

function compileOne(cel: CelPort, expression: string, variableNames: readonly string[]): Compiled {
  const r = cel.compile(expression, vapNames, variableNames);
  return r.ok ? { program: r.program } : { error: r.error.message };
}

export function usesAuthorizer(expression: string): boolean {
  return /\bauthorizer\b/.test(expression);
}

export function compilePolicy(policy: AdmissionPolicy, cel: CelPort): CompiledPolicy {
  let perPort = compiledCache.get(policy);
  if (!perPort) compiledCache.set(policy, (perPort = new WeakMap()));
  const known = perPort.get(cel);
  if (known) return known;
  const variableNames = policy.variables.map((v) => v.name);
  let blocked: CompiledPolicy['blocked'];
  const note = (c: Compiled, expression: string, path: FieldPath): Compiled => {
    // authorizer first: our CEL has no authorizer library, and a compile error would hide the real reason
    if (!blocked && usesAuthorizer(expression)) blocked = { reason: `${path.join('.')} uses authorizer (the cluster's RBAC), which the files cannot answer`, path };
    if (!blocked && c.error !== undefined) blocked = { reason: `CEL error at ${path.join('.')}: ${c.error}`, path };
    return c;
  };
  const out: CompiledPolicy = {
    matchConditions: policy.matchConditions.map((m) => note(compileOne(cel, m.expression, variableNames), m.expression, [...m.path, 'expression'])),
    variables: policy.variables.map((v) => note(compileOne(cel, v.expression, variableNames), v.expression, [...v.path, 'expression'])),
    validations: policy.validations.map((v) => note(compileOne(cel, v.expression, variableNames), v.expression, [...v.path, 'expression'])),
    // a messageExpression that does not compile only loses the message (the API falls back)
    messageExpressions: policy.validations.map((v) => (v.messageExpression !== undefined ? compileOne(cel, v.messageExpression, variableNames) : undefined)),
    auditAnnotations: policy.auditAnnotations.map((a) => note(compileOne(cel, a.valueExpression, variableNames), a.valueExpression, [...a.path, 'valueExpression'])),
  };
  out.blocked = blocked;
  perPort.set(cel, out);
  return out;
}

/** One validator decision before the binding's validationActions are applied. */
interface RawDecision {
  deny: boolean;
  message: string;
  reason?: string;
  validationIndex?: number;
  expression?: string;
  source: VapDecision['source'];
  notEvaluated?: string;
  path?: FieldPath;
}

interface RawAnnotation {
  key: string;
  value?: string;
  error?: string;
  notEvaluated?: string;
  path: FieldPath;
}

function boundMessage(o: Extract<CelOutcome, { ok: false }>): string | undefined {
  return o.bound !== undefined ? `evaluation stopped by the ${o.bound} bound: ${o.error}` : undefined;
}

/** validator.Validate for one param: matchConditions, validations, auditAnnotations. */
function validate(
  policy: AdmissionPolicy,
  compiled: CompiledPolicy,
  activationValues: Record<string, unknown>,
  bounds: CelBounds,
): { decisions: RawDecision[]; annotations: RawAnnotation[] } {
  const fail = policy.failurePolicy === 'Fail';
  const variables = new VariableMemo(
    policy.variables.map((v) => v.name),
    (name) => {
      const i = policy.variables.findIndex((v) => v.name === name);
      const c = compiled.variables[i];
      if (!c.program) return { ok: false, error: `composited variable "${name}" fails to compile: ${c.error}` };
      const r = c.program.evaluate(activation, bounds);
      if (!r.ok && r.bound === undefined) return { ok: false, error: `composited variable "${name}" fails to evaluate: ${r.error}` };
      return r;
    },
  );
  const activation: CelActivation = { values: activationValues, variables };
  const decisions: RawDecision[] = [];
  const annotations: RawAnnotation[] = [];

  // matchConditions: any false skips the policy; errors only count when none is false
  const errors: string[] = [];
  for (let i = 0; i < policy.matchConditions.length; i++) {
    const m = policy.matchConditions[i];
    const r = compiled.matchConditions[i].program!.evaluate(activation, bounds);
    if (!r.ok) {
      const bound = boundMessage(r);
      if (bound) return { decisions: [{ deny: true, message: bound, source: 'matchCondition', notEvaluated: bound, path: [...m.path, 'expression'] }], annotations };
      errors.push(msg.resultedInError(m.expression, r.error));
      continue;
    }
    if (r.value === false) return { decisions, annotations };
    if (r.value !== true) errors.push(msg.resultedInError(m.expression, `no such overload`));
  }
  if (errors.length > 0) {
    if (!fail) return { decisions, annotations };
    return { decisions: [{ deny: true, message: errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`, source: 'matchCondition' }], annotations };
  }

  for (let i = 0; i < policy.validations.length; i++) {
    const v = policy.validations[i];
    const path = [...v.path, 'expression'];
    const r = compiled.validations[i].program!.evaluate(activation, bounds);
    if (!r.ok) {
      const bound = boundMessage(r);
      if (bound) {
        decisions.push({ deny: true, message: bound, validationIndex: i, expression: v.expression, source: 'validation', notEvaluated: bound, path });
        return { decisions, annotations };
      }
      if (fail) decisions.push({ deny: true, message: msg.resultedInError(v.expression, r.error), validationIndex: i, expression: v.expression, source: 'validation', path });
      continue;
    }
    if (r.value === true) continue;
    let message = '';
    const me = compiled.messageExpressions[i];
    if (me?.program) {
      const m = me.program.evaluate(activation, bounds);
      // a messageExpression result is used only if it is a non-blank single-line string of at most 5000 bytes
      if (m.ok && typeof m.value === 'string') {
        const t = m.value.trim();
        if (!t.includes('\n') && utf8Length(t) <= 5000) message = t;
      }
    }
    if (message === '' && v.message) message = v.message.trim();
    if (message === '') message = msg.failedExpression(v.expression);
    decisions.push({ deny: true, message, reason: v.reason ?? 'Invalid', validationIndex: i, expression: v.expression, source: 'validation', path });
  }

  for (let i = 0; i < policy.auditAnnotations.length; i++) {
    const a = policy.auditAnnotations[i];
    const path = [...a.path, 'valueExpression'];
    const r = compiled.auditAnnotations[i].program!.evaluate(activation, bounds);
    if (!r.ok) {
      const bound = boundMessage(r);
      if (bound) annotations.push({ key: a.key, notEvaluated: bound, path });
      else if (fail) annotations.push({ key: a.key, error: msg.resultedInError(a.valueExpression, r.error), path });
      continue;
    }
    if (r.value === null) continue;
    if (typeof r.value === 'string') {
      annotations.push({ key: a.key, value: r.value.slice(0, maxAuditAnnotationValueLength), path });
      continue;
    }
    if (fail) {
      annotations.push({
        key: a.key,
        error: `valueExpression '${a.valueExpression}' resulted in unsupported return type: ${typeof r.value}. Return type must be either string or null.`,
        path,
      });
    }
  }
  return { decisions, annotations };
}

const bindingIndex = new WeakMap<VapSet, Map<string, PolicyBinding[]>>();

function bindingsOf(set: VapSet, policy: string): readonly PolicyBinding[] {
  let index = bindingIndex.get(set);
  if (!index) {
    index = new Map();
    for (const b of set.bindings) {
      const list = index.get(b.policyName);
      if (list) list.push(b);
      else index.set(b.policyName, [b]);
    }
    bindingIndex.set(set, index);
  }
  return index.get(policy) ?? [];
}

function paramLabel(o: unknown): string {
  const ns = namespaceOf(o);
  return ns ? `${ns}/${nameOf(o)}` : nameOf(o);
}

/** collectParams: the param objects of a binding, or [null] when the policy takes none, or an error. */
function collectParams(set: VapSet, policy: AdmissionPolicy, binding: PolicyBinding, a: AdmissionAttributes): { params: SourcedObject[] | null[] } | { error: string } {
  if (!policy.paramKind || !binding.paramRef) return { params: [null] };
  const ref = binding.paramRef;
  const info = set.catalog.info(policy.paramKind.apiVersion, policy.paramKind.kind);
  const candidates = paramCandidates(set, policy.paramKind);
  let namespace: string | undefined;
  if (ref.namespace && info.namespaced === false) return { error: 'paramRef.namespace must not be provided for a cluster-scoped `paramKind`' };
  if (ref.namespace) namespace = ref.namespace;
  else if (info.namespaced === false) namespace = undefined;
  else if (a.namespace !== '' && !(a.group === '' && a.resource === 'namespaces')) namespace = a.namespace;
  else if (info.namespaced === true) return { error: 'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources' };
  // a param object without a namespace in its file lands in the namespace kubectl applies it to
  const inNamespace = (o: unknown): boolean => {
    if (namespace === undefined) return true;
    const ns = namespaceOf(o);
    return ns === undefined ? info.namespaced !== true || namespace === 'default' : ns === namespace;
  };
  let params: SourcedObject[];
  if (ref.name !== undefined && ref.name !== '') params = candidates.filter((c) => nameOf(c.value) === ref.name && inNamespace(c.value));
  else if (ref.selector !== undefined) params = candidates.filter((c) => inNamespace(c.value) && selectorMatches(ref.selector, labelsOf(c.value)));
  else params = [];
  if (params.length === 0 && ref.parameterNotFoundAction === 'Deny') return { error: msg.noParamsDeny };
  return { params };
}

function namespaceObjectFor(set: VapSet, a: AdmissionAttributes): unknown {
  if (a.namespace === '' || (a.group === '' && a.resource === 'namespaces')) return null;
  const known = set.namespaces.get(a.namespace);
  if (known) return known.value;
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: a.namespace, labels: { 'kubernetes.io/metadata.name': a.namespace } } };
}

export function evaluateVap(set: VapSet, object: unknown, options: VapOptions): VapEvaluation {
  const bounds = options.bounds ?? defaultBounds;
  const empty: VapEvaluation = { decisions: [], admitted: true, undetermined: false, warnings: [], auditAnnotations: {}, applied: [], assumedNamespace: false };
  // only Kubernetes objects are admission requests
  const subject0 = object ?? options.oldObject;
  if (!isRecord(subject0) || typeof subject0.apiVersion !== 'string' || typeof subject0.kind !== 'string') return empty;
  const useDefaults = options.serverDefaults !== false;
  const a0 = admissionAttributes(object, set.catalog, options);
  const subject = useDefaults && a0.object ? applyServerDefaults(a0.object, a0) : a0.object;
  // a generated name is the name the request is judged and reported under
  const a: AdmissionAttributes = { ...a0, object: subject, name: a0.name || nameOf(subject) };
  const cel = options.cel;
  const out: VapEvaluation = { decisions: [], admitted: true, undetermined: false, warnings: [], auditAnnotations: {}, applied: [], assumedNamespace: false };
  // The request as CEL values, built when a policy first applies (most objects match no policy).
  let base: { object: unknown; oldObject: unknown; request: unknown; authorizer: null } | undefined;
  const baseValues = () =>
    (base ??= {
      object: cel.fromJson(a.object, schemaOf(set, a.object)),
      oldObject: cel.fromJson(a.oldObject, schemaOf(set, a.oldObject)),
      request: cel.fromJson(requestValue(a)),
      authorizer: null,
    });
  const namespaces: NamespaceLabels = (name) => namespaceLabelsOf(set, name);

  const denied: VapDecision[] = [];
  const auditFailures: msg.ValidationFailure[] = [];
  const emit = (policy: AdmissionPolicy, binding: PolicyBinding | undefined, raw: RawDecision, param: string | undefined): void => {
    const actions = binding ? binding.validationActions : (['Deny'] as const);
    for (const action of actions) {
      if (action !== 'Deny' && action !== 'Warn' && action !== 'Audit') continue;
      const d: VapDecision = { policy: policy.name, binding: binding?.name ?? '', action, message: raw.message, source: raw.source };
      if (raw.reason !== undefined) d.reason = raw.reason;
      if (raw.validationIndex !== undefined) d.validationIndex = raw.validationIndex;
      if (raw.expression !== undefined) d.expression = raw.expression;
      if (param !== undefined) d.param = param;
      if (raw.notEvaluated !== undefined) d.notEvaluated = raw.notEvaluated;
      if (raw.path !== undefined) d.path = raw.path;
      out.decisions.push(d);
      if (raw.notEvaluated !== undefined) {
        out.undetermined = true;
        continue;
      }
      if (action === 'Deny') denied.push(d);
      if (action === 'Warn') out.warnings.push(msg.validationWarning(policy.name, d.binding, raw.message));
      if (action === 'Audit' && binding) {
        auditFailures.push({ message: raw.message, policy: policy.name, binding: binding.name, expressionIndex: raw.validationIndex ?? 0, validationActions: binding.validationActions });
      }
    }
  };
  const configError = (policy: AdmissionPolicy, binding: PolicyBinding | undefined, error: string): void => {
    if (policy.failurePolicy === 'Ignore') return;
    // configuration errors deny whatever the binding's actions say (dispatcher.go addConfigError)
    const d: VapDecision = { policy: policy.name, binding: binding?.name ?? '', action: 'Deny', message: msg.configurationError(error, binding !== undefined), source: 'configuration', reason: 'Invalid' };
    out.decisions.push(d);
    denied.push(d);
  };

  const only = options.validationsOnly;
  // admission configuration itself is exempt from policies (so that a bad policy can always be fixed)
  if (!only && a.group === 'admissionregistration.k8s.io' && exemptResources.has(a.resource)) return out;
  for (const policy of set.policies) {
    if (only && policy.name !== only.policy) continue;
    const compiled = compilePolicy(policy, cel);
    if (only) {
      const values = {
        ...baseValues(),
        params: cel.fromJson(only.params ?? null, schemaOf(set, only.params)),
        namespaceObject: cel.fromJson(only.namespaceObject ?? null),
      };
      const fake: PolicyBinding = { name: '', policyName: policy.name, validationActions: ['Deny'], source: policy.source };
      out.applied.push({ policy: policy.name, binding: '' });
      if (compiled.blocked) emit(policy, fake, { deny: true, message: `not evaluated: ${compiled.blocked.reason}`, source: 'validation', notEvaluated: compiled.blocked.reason, path: compiled.blocked.path }, undefined);
      else for (const raw of validate(policy, compiled, values, bounds).decisions) emit(policy, fake, raw, undefined);
      continue;
    }
    if (!policy.matchConstraints) {
      configError(policy, undefined, 'policy contained no match constraints, a required field');
      continue;
    }
    const pm = matchResources(policy.matchConstraints, a, set.catalog, namespaces);
    if (!pm.matches || policy.matchConstraints.resourceRules.length === 0) continue;
    if (pm.assumedNamespace) out.assumedNamespace = true;
    for (const binding of bindingsOf(set, policy.name)) {
      if (binding.matchResources) {
        const bm = matchResources(binding.matchResources, a, set.catalog, namespaces);
        if (!bm.matches) continue;
        if (bm.assumedNamespace) out.assumedNamespace = true;
      }
      out.applied.push({ policy: policy.name, binding: binding.name });
      const collected = collectParams(set, policy, binding, a);
      if ('error' in collected) {
        configError(policy, binding, collected.error);
        continue;
      }
      if (compiled.blocked) {
        emit(policy, binding, { deny: true, message: `not evaluated: ${compiled.blocked.reason}`, source: 'validation', notEvaluated: compiled.blocked.reason, path: compiled.blocked.path }, undefined);
        continue;
      }
      for (const param of collected.params) {
        const paramValue = param ? param.value : null;
        const values = { ...baseValues(), params: cel.fromJson(paramValue, schemaOf(set, paramValue)), namespaceObject: cel.fromJson(namespaceObjectFor(set, a)) };
        const label = param ? paramLabel(param.value) : undefined;
        const result = validate(policy, compiled, values, bounds);
        for (const raw of result.decisions) emit(policy, binding, raw, label);
        for (const ann of result.annotations) {
          if (ann.notEvaluated !== undefined) {
            emit(policy, binding, { deny: true, message: ann.notEvaluated, source: 'auditAnnotation', notEvaluated: ann.notEvaluated, path: ann.path }, label);
          } else if (ann.error !== undefined) {
            // an annotation that fails under failurePolicy Fail denies whatever the binding's actions say
            const d: VapDecision = { policy: policy.name, binding: binding.name, action: 'Deny', message: ann.error, source: 'auditAnnotation', reason: 'Invalid', path: ann.path };
            if (label !== undefined) d.param = label;
            out.decisions.push(d);
            denied.push(d);
          } else if (ann.value !== undefined) {
            out.auditAnnotations[`${policy.name}/${ann.key}`] = ann.value;
          }
        }
      }
    }
  }
  if (auditFailures.length > 0) out.auditAnnotations[msg.validationFailureKey] = msg.validationFailureValue(auditFailures);
  if (denied.length > 0) {
    out.admitted = false;
    const first = denied[0];
    out.apiError = msg.forbidden(a, msg.deniedRequest(first.policy, options.validationsOnly ? undefined : first.binding, first.message));
    out.reason = first.reason ?? 'Invalid';
  }
  return out;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
