// Reading Kyverno's CEL ValidatingPolicy (policies.kyverno.io v1alpha1, v1beta1, v1) and its
// namespaced variant: the ValidatingAdmissionPolicy fields (matchConstraints, matchConditions,
// variables, validations, auditAnnotations, validationActions, failurePolicy) plus Kyverno's own
// `autogen.podControllers` and `evaluation.mode`.
import {
  AuditAnnotation,
  FieldPath,
  MatchResources,
  NamedExpression,
  SourcedObject,
  Validation,
  nameOf,
  namespaceOf,
  readAuditAnnotations,
  readMatchResources,
  readNamed,
  readValidations,
} from '../vap/policies';
import { isRecord } from '../vap/resources';

export const kyvernoGroup = 'policies.kyverno.io';

export interface KyvernoPolicy {
  name: string;
  kind: 'ValidatingPolicy' | 'NamespacedValidatingPolicy';
  apiVersion: string;
  /** for NamespacedValidatingPolicy: the only namespace it applies in */
  namespace?: string;
  validationActions: string[];
  failurePolicy: 'Fail' | 'Ignore';
  matchConstraints?: MatchResources;
  matchConditions: NamedExpression[];
  variables: NamedExpression[];
  validations: Validation[];
  auditAnnotations: AuditAnnotation[];
  /** `spec.autogen.podControllers.controllers` when set (an empty list turns autogen off) */
  autogenControllers?: string[];
  /** `spec.evaluation.mode`: Kubernetes (default) or JSON (a payload that is not a Kubernetes object) */
  mode: 'Kubernetes' | 'JSON';
  source: SourcedObject;
}

export function isKyvernoValidatingPolicy(o: unknown): o is Record<string, unknown> {
  return (
    isRecord(o) &&
    (o.kind === 'ValidatingPolicy' || o.kind === 'NamespacedValidatingPolicy') &&
    typeof o.apiVersion === 'string' &&
    o.apiVersion.startsWith(kyvernoGroup + '/')
  );
}

export function readKyvernoPolicy(source: SourcedObject): KyvernoPolicy | undefined {
  const o = source.value;
  if (!isKyvernoValidatingPolicy(o)) return undefined;
  const spec = isRecord(o.spec) ? o.spec : {};
  const actions = Array.isArray(spec.validationActions) ? spec.validationActions.filter((x): x is string => typeof x === 'string') : [];
  const autogen = isRecord(spec.autogen) && isRecord(spec.autogen.podControllers) ? spec.autogen.podControllers : undefined;
  const controllers = autogen && Array.isArray(autogen.controllers) ? autogen.controllers.filter((x): x is string => typeof x === 'string') : undefined;
  const evaluation = isRecord(spec.evaluation) ? spec.evaluation : {};
  const path: FieldPath = ['spec'];
  return {
    name: nameOf(o),
    kind: o.kind === 'NamespacedValidatingPolicy' ? 'NamespacedValidatingPolicy' : 'ValidatingPolicy',
    apiVersion: String(o.apiVersion),
    namespace: o.kind === 'NamespacedValidatingPolicy' ? namespaceOf(o) ?? 'default' : undefined,
    // Kyverno defaults validationActions to [Deny] when the list is empty
    validationActions: actions.length > 0 ? actions : ['Deny'],
    failurePolicy: spec.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    matchConstraints: readMatchResources(spec.matchConstraints),
    matchConditions: readNamed(spec.matchConditions, [...path, 'matchConditions']),
    variables: readNamed(spec.variables, [...path, 'variables']),
    validations: readValidations(spec.validations, [...path, 'validations']),
    auditAnnotations: readAuditAnnotations(spec.auditAnnotations, [...path, 'auditAnnotations']),
    autogenControllers: controllers,
    mode: evaluation.mode === 'JSON' ? 'JSON' : 'Kubernetes',
    source,
  };
}
