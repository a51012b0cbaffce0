// The words the API server uses for ValidatingAdmissionPolicy outcomes
// (k8s.io/apiserver .../admission/plugin/policy/validating: validator.go, dispatcher.go), so that a
// squiggle reads like the error `kubectl apply` prints.
import type { AdmissionAttributes } from './request';

/** A validation that returned false with neither message nor a usable messageExpression. */
export function failedExpression(expression: string): string {
  return `failed expression: ${expression.trim()}`;
}

/** An evaluation error (runtime error of validation, matchCondition or auditAnnotation). */
export function resultedInError(expression: string, error: string): string {
  return `expression '${expression}' resulted in error: ${error}`;
}

export function compilationError(error: string): string {
  return `compilation error: ${error}`;
}

export const costBudgetExceeded = 'validation failed due to running out of cost budget, no further validation rules will be run';

/** A configuration problem of a binding (missing params...) or of a policy (no binding involved). */
export function configurationError(error: string, withBinding: boolean): string {
  return withBinding ? `failed to configure binding: ${error}` : `failed to configure policy: ${error}`;
}

export const noParamsDeny = 'no params found for policy binding with `Deny` parameterNotFoundAction';

export function deniedRequest(policy: string, binding: string | undefined, message: string): string {
  return binding !== undefined
    ? `ValidatingAdmissionPolicy '${policy}' with binding '${binding}' denied request: ${message}`
    : `ValidatingAdmissionPolicy '${policy}' denied request: ${message}`;
}

export function validationWarning(policy: string, binding: string, message: string): string {
  return `Validation failed for ValidatingAdmissionPolicy '${policy}' with binding '${binding}': ${message}`;
}

/** Go's %q for the names Kubernetes allows (and a faithful escape of the rest of ASCII). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** apierrors.NewForbidden as admission.NewForbidden calls it: `<resource>[.<group>] "<name>" is forbidden: <message>`. */
export function forbidden(a: AdmissionAttributes, message: string): string {
  const resource = (a.subResource ? `${a.resource}/${a.subResource}` : a.resource) + (a.group ? `.${a.group}` : '');
  if (resource === '') return `forbidden: ${message}`;
  if (a.name === '') return `${resource} is forbidden: ${message}`;
  return `${resource} ${goQuote(a.name)} is forbidden: ${message}`;
}

/** The audit annotation that an Audit action records (one JSON list for all failures of the request). */
export const validationFailureKey = 'validation.policy.admission.k8s.io/validation_failure';

export interface ValidationFailure {
  message: string;
  policy: string;
  binding: string;
  expressionIndex: number;
  validationActions: string[];
}

/** encoding/json of []validationFailureValue: fields in declaration order, <, > and & escaped as Go does. */
export function validationFailureValue(failures: readonly ValidationFailure[]): string {
  const ordered = failures.map((f) => ({ message: f.message, policy: f.policy, binding: f.binding, expressionIndex: f.expressionIndex, validationActions: f.validationActions }));
  return JSON.stringify(ordered).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
