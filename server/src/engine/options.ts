// How a check reads objects that leave things to their context.

export interface CheckOptions {
  /** The namespace of objects that do not name one; '*' makes them match every namespace rule. */
  readonly namespace: string;
  /** Review workloads as the Pods they create (the default ExpansionTemplates). */
  readonly checkPodTemplates: boolean;
}

export const defaultCheckOptions: CheckOptions = { namespace: 'default', checkPodTemplates: true };
