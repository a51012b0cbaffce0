// ValidatingAdmissionPolicy as a policy source: read the policies, bindings, params, Namespaces and
// CRDs of a set of objects (readVapSet), evaluate them against one object as the API server would
// (evaluateVap, with vapCel() as the CEL engine), and lint the set (lintVap).
export { readVapSet, type VapSet } from './policySet';
export { evaluateVap, type VapAction, type VapDecision, type VapEvaluation, type VapOptions } from './evaluate';
export { lintVap, type VapLint } from './lint';
export { applyServerDefaults } from './defaults';
export { admissionCel as vapCel } from './cel';
export type { AdmissionPolicy, PolicyBinding, SourcedObject, ObjectWhere, FieldPath } from './policies';
export type { Operation, UserInfo, RequestOptions } from './request';
export { guessResource, ResourceCatalog } from './resources';
export { podOnlyBindings, podFromTemplate, type PodOnlyBinding } from './workloads';
export { forbidden, deniedRequest, validationWarning } from './messages';
