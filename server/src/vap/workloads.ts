// Workloads are admitted as themselves: a ValidatingAdmissionPolicy on `pods` does not see a
// Deployment, only the Pods its ReplicaSet creates later (a refusal then shows in the ReplicaSet's
// events, not at `kubectl apply`). This finds, for a workload, the policy bindings that would select
// the Pods of its template but do not select the workload, so the hover can say so.
import { matchResources } from './match';
import { namespaceOf, nameOf } from './policies';
import { VapSet, namespaceLabelsOf } from './policySet';
import { RequestOptions, admissionAttributes } from './request';
import { isRecord } from './resources';

export interface PodOnlyBinding {
  policy: string;
  binding: string;
}

/** The Pod a workload's template stands for (undefined when the object has no pod template). */
export function podFromTemplate(object: unknown): Record<string, unknown> | undefined {
  if (!isRecord(object) || !isRecord(object.spec)) return undefined;
  const spec = object.spec;
  const template = object.kind === 'CronJob' ? (isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec.template : undefined) : spec.template;
  if (!isRecord(template) || !isRecord(template.spec)) return undefined;
  const meta = isRecord(template.metadata) ? { ...template.metadata } : {};
  const ns = namespaceOf(object);
  if (ns !== undefined) meta.namespace = ns;
  if (meta.name === undefined) meta.generateName = `${nameOf(object)}-`;
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: template.spec };
}

export function podOnlyBindings(set: VapSet, workload: unknown, options: RequestOptions = {}): PodOnlyBinding[] {
  const pod = podFromTemplate(workload);
  if (!pod) return [];
  const namespaces = (name: string) => namespaceLabelsOf(set, name);
  const forWorkload = admissionAttributes(workload, set.catalog, options);
  const forPod = admissionAttributes(pod, set.catalog, { ...options, resource: undefined });
  const out: PodOnlyBinding[] = [];
  for (const policy of set.policies) {
    const mc = policy.matchConstraints;
    if (!mc || mc.resourceRules.length === 0) continue;
    for (const binding of set.bindings) {
      if (binding.policyName !== policy.name) continue;
      const selects = (a: typeof forPod) =>
        matchResources(mc, a, set.catalog, namespaces).matches && (!binding.matchResources || matchResources(binding.matchResources, a, set.catalog, namespaces).matches);
      if (selects(forPod) && !selects(forWorkload)) out.push({ policy: policy.name, binding: binding.name });
    }
  }
  return out;
}
