// The policy side of a workspace: constraints, ConstraintTemplates, ExpansionTemplates and Namespaces,
// read as Gatekeeper reads them, with what Gatekeeper would refuse reported instead of applied.
import { builtInApiGroups, getPath, Span, toJS, YNode } from '../yaml/documents';
import { Action, readEnforcement } from './enforcement';
import { parseExpansionTemplate, ExpansionTemplate } from './expansion';
import { Match, parseMatch } from './match';
import { K8sObject } from './objects';
import { isPolicyKind, listParameter, PolicyKind } from './policies';
import { lintEntries, lintMatch } from './policyLint';
import type { AdmissionObject, Constraint, Located, NamespaceObject, OtherConstraint, PolicyObjects, PolicyProblem, Template } from './policy';
import { readTemplate } from './templates';
import { admissionObject, isAdmissionPolicyObject } from './admissionPolicies';
export type { PolicyObjects } from './policy';

/** Whether a file contributes anything to the policy side, params of admission policies included. */
export function feedsPolicy(p: PolicyObjects): boolean {
  return hasPolicyObjects(p) || p.paramCandidates.length > 0;
}

/** Whether a file holds policy objects (constraints, templates, admission policies, Namespaces...). */
export function hasPolicyObjects(p: PolicyObjects): boolean {
  return p !== noPolicyObjects && p.constraints.length + p.templates.length + p.expansions.length + p.namespaces.length + p.problems.length + p.others.length + p.admission.length > 0;
}

export const noPolicyObjects: PolicyObjects = { constraints: [], templates: [], expansions: [], namespaces: [], problems: [], others: [], admission: [], paramCandidates: [] };

export function isPolicyObject(o: K8sObject): boolean {
  const g = o.gvk.group;
  return (
    g === 'constraints.gatekeeper.sh' ||
    (g === 'templates.gatekeeper.sh' && o.gvk.kind === 'ConstraintTemplate') ||
    (g === 'expansion.gatekeeper.sh' && o.gvk.kind === 'ExpansionTemplate') ||
    (g === '' && o.gvk.kind === 'Namespace') ||
    isAdmissionPolicyObject(o)
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
  return (
    text.includes('gatekeeper.sh') ||
    text.includes('admissionregistration.k8s.io') ||
    text.includes('policies.kyverno.io') ||
    (text.includes('Namespace') && namespaceKind.test(text)) ||
    (text.includes('\\') && lettersByEscape.test(text))
  );
}

/**
 * The word Namespace as a whole scalar (a Namespace object's kind), however it is written: plain, quoted,
 * in a flow collection, before a comment, at the end of the text. Not: allNamespaces, "the Namespace of".
 */
const namespaceKind = /\bNamespace["']?[ \t]*(?:[,}\]\r\n#]|$)/;
/** Escapes that can spell the words above in a double-quoted scalar: \x, \u, \U, and a joined line. */
const lettersByEscape = /\\(?:[xuU]|\r|\n)/;


/** What a ValidatingAdmissionPolicyBinding's paramRef may name: a ConfigMap or a custom resource. */
function mayBeParams(o: K8sObject): boolean {
  return (o.gvk.group === '' && o.gvk.kind === 'ConfigMap') || !builtInApiGroups.has(o.gvk.group);
}

/** Reads the policy objects among a file's objects (only: the kinds checked; other constraints are left out, other templates not compiled). */
export function collectPolicyObjects(file: string, objects: readonly K8sObject[], text?: string, only?: ReadonlySet<string>): PolicyObjects {
  const constraints: Constraint[] = [];
  const templates: Template[] = [];
  const expansions: ExpansionTemplate[] = [];
  const namespaces: NamespaceObject[] = [];
  const problems: PolicyProblem[] = [];
  const others: OtherConstraint[] = [];
  const admission: AdmissionObject[] = [];
  const paramCandidates: AdmissionObject[] = [];
  for (const o of objects) {
    if (!isPolicyObject(o)) {
      if (mayBeParams(o)) paramCandidates.push(admissionObject(file, o));
      continue;
    }
    if (isAdmissionPolicyObject(o)) {
      // --only names policies by kind; a binding goes with its policy's kind.
      const kind = o.gvk.kind === 'ValidatingAdmissionPolicyBinding' ? 'ValidatingAdmissionPolicy' : o.gvk.kind === 'PolicyException' ? 'ValidatingPolicy' : o.gvk.kind;
      if (!only || only.has(kind)) admission.push(admissionObject(file, o));
      continue;
    }
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
  if (constraints.length + templates.length + expansions.length + namespaces.length + problems.length + others.length + admission.length + paramCandidates.length === 0) return noPolicyObjects;
  return { constraints, templates, expansions, namespaces, problems, others, admission, paramCandidates };
}

/** What every constraint has: match, enforcement action, parameters. Throws what Gatekeeper refuses. */
function readCommon(
  o: K8sObject,
  problem: (m: string, s?: PolicyProblem['severity']) => void,
): { enforcementAction: string; actions: Action[]; match: Match; parametersNode: YNode | undefined; parameters: unknown; object: unknown } {
  const label = `${o.gvk.kind} ${o.name || '(unnamed)'}`;
  if (!o.name) throw new Error('metadata.name is missing');
  const spec = getPath(o.node, 'spec');
  const match = parseMatch(getPath(spec, 'match'));
  const paramsNode = getPath(spec, 'parameters');
  if (paramsNode && paramsNode.kind !== 'map' && !(paramsNode.kind === 'scalar' && paramsNode.value === null)) {
    throw new Error('spec.parameters must be an object');
  }
  const { enforcementAction, actions } = readEnforcement(spec, label, problem);
  const parameters = paramsNode && paramsNode.kind === 'map' ? toJS(paramsNode) : {};
  return { enforcementAction, actions, match, parametersNode: paramsNode, parameters, object: toJS(o.node) };
}

function readConstraint(o: K8sObject, at: Located, problem: (m: string, s?: PolicyProblem['severity']) => void): Constraint | undefined {
  const kind = o.gvk.kind as PolicyKind;
  const { enforcementAction, actions, match, parametersNode: paramsNode, object } = readCommon(o, problem);
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
  return { ...at, engine: 'builtin', kind, name: o.name, enforcementAction, actions, match, list, listNode, parametersNode: paramsNode, object };
}

