// Reading ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding objects (any of v1, v1beta1,
// v1alpha1: the fields used here are the same) from plain JSON values, with the defaults the API
// server applies when it stores them (failurePolicy Fail, matchPolicy Equivalent, scope "*").
import { isRecord } from './resources';

export const vapGroup = 'admissionregistration.k8s.io';

/** Where an object came from, so that lint and decisions can point into the file. */
export interface ObjectWhere {
  file?: string;
  line?: number;
  /** Position of a field of the object, by path (e.g. ['spec', 'validations', 1, 'expression']). */
  locate?: (path: readonly (string | number)[]) => { line: number; column: number } | undefined;
}

export interface SourcedObject {
  value: unknown;
  where?: ObjectWhere;
}

export type FieldPath = (string | number)[];

export interface NamedExpression {
  name: string;
  expression: string;
  path: FieldPath;
}

export interface Validation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  path: FieldPath;
}

export interface AuditAnnotation {
  key: string;
  valueExpression: string;
  path: FieldPath;
}

export interface ResourceRule {
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  operations: string[];
  resourceNames: string[];
  scope: string;
}

export interface MatchResources {
  namespaceSelector?: unknown;
  objectSelector?: unknown;
  resourceRules: ResourceRule[];
  excludeResourceRules: ResourceRule[];
  matchPolicy: 'Exact' | 'Equivalent';
}

export interface AdmissionPolicy {
  name: string;
  apiVersion: string;
  failurePolicy: 'Fail' | 'Ignore';
  paramKind?: { apiVersion: string; kind: string };
  matchConstraints?: MatchResources;
  matchConditions: NamedExpression[];
  variables: NamedExpression[];
  validations: Validation[];
  auditAnnotations: AuditAnnotation[];
  source: SourcedObject;
}

export interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: unknown;
  parameterNotFoundAction: 'Allow' | 'Deny';
}

export interface PolicyBinding {
  name: string;
  policyName: string;
  paramRef?: ParamRef;
  matchResources?: MatchResources;
  validationActions: string[];
  source: SourcedObject;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function isKind(o: unknown, kind: string): o is Record<string, unknown> {
  return isRecord(o) && o.kind === kind && typeof o.apiVersion === 'string' && o.apiVersion.startsWith(vapGroup + '/');
}

export function nameOf(o: unknown): string {
  return isRecord(o) && isRecord(o.metadata) && typeof o.metadata.name === 'string' ? o.metadata.name : '';
}

export function namespaceOf(o: unknown): string | undefined {
  return isRecord(o) && isRecord(o.metadata) && typeof o.metadata.namespace === 'string' ? o.metadata.namespace : undefined;
}

function readRules(v: unknown): ResourceRule[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isRecord).map((r) => ({
    apiGroups: strings(r.apiGroups),
    apiVersions: strings(r.apiVersions),
    resources: strings(r.resources),
    operations: strings(r.operations),
    resourceNames: strings(r.resourceNames),
    scope: str(r.scope) ?? '*',
  }));
}

export function readMatchResources(v: unknown): MatchResources | undefined {
  if (!isRecord(v)) return undefined;
  return {
    namespaceSelector: v.namespaceSelector,
    objectSelector: v.objectSelector,
    resourceRules: readRules(v.resourceRules),
    excludeResourceRules: readRules(v.excludeResourceRules),
    matchPolicy: v.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
  };
}

export function readNamed(v: unknown, path: FieldPath): NamedExpression[] {
  if (!Array.isArray(v)) return [];
  const out: NamedExpression[] = [];
  v.forEach((e, i) => {
    if (isRecord(e)) out.push({ name: str(e.name) ?? '', expression: str(e.expression) ?? '', path: [...path, i] });
  });
  return out;
}

export function readValidations(v: unknown, path: FieldPath): Validation[] {
  if (!Array.isArray(v)) return [];
  const out: Validation[] = [];
  v.forEach((e, i) => {
    if (!isRecord(e)) return;
    out.push({
      expression: str(e.expression) ?? '',
      message: str(e.message),
      messageExpression: str(e.messageExpression),
      reason: str(e.reason),
      path: [...path, i],
    });
  });
  return out;
}

export function readAuditAnnotations(v: unknown, path: FieldPath): AuditAnnotation[] {
  if (!Array.isArray(v)) return [];
  const out: AuditAnnotation[] = [];
  v.forEach((e, i) => {
    if (isRecord(e)) out.push({ key: str(e.key) ?? '', valueExpression: str(e.valueExpression) ?? '', path: [...path, i] });
  });
  return out;
}

export function readPolicy(source: SourcedObject): AdmissionPolicy | undefined {
  const o = source.value;
  if (!isKind(o, 'ValidatingAdmissionPolicy')) return undefined;
  const spec = isRecord(o.spec) ? o.spec : {};
  const pk = isRecord(spec.paramKind) ? spec.paramKind : undefined;
  return {
    name: nameOf(o),
    apiVersion: String(o.apiVersion),
    failurePolicy: spec.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    paramKind: pk ? { apiVersion: str(pk.apiVersion) ?? '', kind: str(pk.kind) ?? '' } : undefined,
    matchConstraints: readMatchResources(spec.matchConstraints),
    matchConditions: readNamed(spec.matchConditions, ['spec', 'matchConditions']),
    variables: readNamed(spec.variables, ['spec', 'variables']),
    validations: readValidations(spec.validations, ['spec', 'validations']),
    auditAnnotations: readAuditAnnotations(spec.auditAnnotations, ['spec', 'auditAnnotations']),
    source,
  };
}

export function readBinding(source: SourcedObject): PolicyBinding | undefined {
  const o = source.value;
  if (!isKind(o, 'ValidatingAdmissionPolicyBinding')) return undefined;
  const spec = isRecord(o.spec) ? o.spec : {};
  const pr = isRecord(spec.paramRef) ? spec.paramRef : undefined;
  return {
    name: nameOf(o),
    policyName: str(spec.policyName) ?? '',
    paramRef: pr
      ? {
          name: str(pr.name),
          namespace: str(pr.namespace),
          selector: pr.selector,
          // The API server defaults an unset action to Deny (SetDefaults_ParamRef).
          parameterNotFoundAction: pr.parameterNotFoundAction === 'Allow' ? 'Allow' : 'Deny',
        }
      : undefined,
    matchResources: readMatchResources(spec.matchResources),
    validationActions: strings(spec.validationActions),
    source,
  };
}
