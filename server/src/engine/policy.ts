// The policy side of a workspace, as data: constraints, templates, Namespaces and the problems found in
// them. Reading them is constraints.ts and templates.ts; merging them is policySet.ts.
import type { Span, YNode } from '../yaml/documents';
import type { CompiledPolicy } from '../rego';
import type { GatekeeperCelPolicy } from '../cel/gatekeeper';
import type { ExpansionTemplate } from './expansion';
import type { Action } from './enforcement';
import type { Match } from './match';
import type { PolicyKind, PolicyVariant } from './policies';
import type { MapNode } from '../yaml/documents';
import type { SourcedObject, VapSet } from '../vap';
import type { KyvernoSet } from '../kyverno';

export interface Fix {
  readonly title: string;
  readonly span: Span;
  readonly newText: string;
}

export interface Located {
  /** The file, as the front end names it (path or URI); the engine never opens it. */
  readonly file: string;
  /** The object's `metadata.name` value, or its start. */
  readonly span: Span;
}

/** Which engine decides a policy: the built-in image check, a template's Rego, or its CEL. */
export type Engine = 'builtin' | 'rego' | 'cel';

/** An image constraint the built-in check decides (its template's Rego is a variant it knows). */
export interface Constraint extends Located {
  readonly engine: 'builtin';
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
  /** The whole constraint as JSON: what CEL's `params` holds. */
  readonly object: unknown;
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
  /** Its CEL (K8sNativeValidation), compiled; undefined when it has none. Gatekeeper prefers it to the Rego. */
  readonly cel: CelCode | undefined;
  /** An image policy whose Rego the built-in check recognises (its fast path applies). */
  readonly builtIn: boolean;
}

export type RegoProgram = ({ readonly policy: CompiledPolicy; readonly notEvaluated?: undefined } | { readonly policy?: undefined; readonly notEvaluated: string }) & {
  /** The sources, for fingerprints (the compiled form is not data). */
  readonly source: string;
  /** Its kind is not checked (the CLI's --only): not compiled, and its constraints not reported. */
  readonly leftOut?: boolean;
};

export type CelCode = { readonly policy: GatekeeperCelPolicy; readonly notEvaluated?: undefined } | { readonly policy?: undefined; readonly notEvaluated: string };

/** Which code decides a template that has both: Gatekeeper's default (CEL), or Rego (CEL disabled in the cluster). */
export type EnginePreference = 'auto' | 'rego';

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
  /** The whole constraint as JSON: what CEL's `params` holds. */
  readonly object: unknown;
  /** Never a list: for code that handles both kinds of constraint. */
  readonly list?: undefined;
  readonly listNode?: undefined;
}

/** A constraint whose template's Rego is evaluated, with that template. */
export interface RegoConstraint extends OtherConstraint {
  readonly engine: 'rego';
  readonly template: Template & { readonly rego: { readonly policy: CompiledPolicy } };
}

/** A constraint whose template's CEL (K8sNativeValidation) is evaluated, with that template. */
export interface CelConstraint extends OtherConstraint {
  readonly engine: 'cel';
  readonly template: Template & { readonly cel: { readonly policy: GatekeeperCelPolicy } };
}

/** Any Gatekeeper constraint the check evaluates, told apart by its engine. */
export type AnyConstraint = Constraint | RegoConstraint | CelConstraint;

/** What a violation names: a Gatekeeper constraint, or a ValidatingAdmissionPolicy (binding) or Kyverno policy. */
export type PolicyRef = AnyConstraint | AdmissionPolicyRef;

/** What one file contributes to the policy side. */
export interface PolicyObjects {
  readonly constraints: readonly Constraint[];
  readonly templates: readonly Template[];
  readonly expansions: readonly ExpansionTemplate[];
  readonly namespaces: readonly NamespaceObject[];
  readonly problems: readonly PolicyProblem[];
  readonly others: readonly OtherConstraint[];
  /** ValidatingAdmissionPolicies, their bindings, Kyverno ValidatingPolicies and PolicyExceptions. */
  readonly admission: readonly AdmissionObject[];
  /** Objects a ValidatingAdmissionPolicyBinding may name as params (ConfigMaps, custom resources). */
  readonly paramCandidates: readonly AdmissionObject[];
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
  /** Constraints evaluated with their template's CEL. */
  readonly celConstraints: readonly CelConstraint[];
  /** ValidatingAdmissionPolicies and Kyverno ValidatingPolicies; undefined when the workspace has none. */
  readonly admission: AdmissionPolicies | undefined;
  /** Whether a Rego template reads data.inventory: the workspace's objects are its data. */
  readonly usesInventory: boolean;
}

/** An admission policy object as a file holds it. */
export interface AdmissionObject {
  readonly file: string;
  readonly node: MapNode;
  readonly source: SourcedObject;
}

/** What a violation of a ValidatingAdmissionPolicy names: the policy, and the binding that applied it. */
export interface VapPolicyRef extends Located {
  readonly engine: 'vap';
  readonly kind: 'ValidatingAdmissionPolicy';
  readonly name: string;
  readonly binding: string;
}

/** What a violation of a Kyverno ValidatingPolicy names. */
export interface KyvernoPolicyRef extends Located {
  readonly engine: 'kyverno';
  readonly kind: 'ValidatingPolicy' | 'NamespacedValidatingPolicy';
  readonly name: string;
}

export type AdmissionPolicyRef = VapPolicyRef | KyvernoPolicyRef;

/** The admission policies of a workspace, read together with the objects they can use as params. */
export interface AdmissionPolicies {
  readonly vap: VapSet;
  readonly kyverno: KyvernoSet;
  /** One ref per policy (and binding), where the policy is written. */
  readonly refs: ReadonlyMap<string, AdmissionPolicyRef>;
  readonly problems: readonly PolicyProblem[];
}
