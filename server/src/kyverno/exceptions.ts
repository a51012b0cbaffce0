// Kyverno's CEL PolicyException (policies.kyverno.io PolicyException): it names policies by name and
// kind (`policyRefs`), and applies to a request when all its matchConditions hold. A matching exception
// without `images` or `allowedValues` takes the policy out (result skip, or pass with
// `reportResult: pass`); one with them only fills the `exceptions` variable
// (`exceptions.allowedImages`, `exceptions.allowedValues`) that the policy's expressions can read.
import { NamedExpression, SourcedObject, nameOf, namespaceOf, readNamed } from '../vap/policies';
import { isRecord } from '../vap/resources';
import { kyvernoGroup } from './policy';

export interface KyvernoException {
  /** `namespace/name`, as Kyverno names it in its messages */
  key: string;
  policyRefs: { name: string; kind: string }[];
  matchConditions: NamedExpression[];
  images: string[];
  allowedValues: string[];
  reportResult?: string;
  source: SourcedObject;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function readKyvernoException(source: SourcedObject): KyvernoException | undefined {
  const o = source.value;
  if (!isRecord(o) || o.kind !== 'PolicyException' || typeof o.apiVersion !== 'string' || !o.apiVersion.startsWith(kyvernoGroup + '/')) return undefined;
  const spec = isRecord(o.spec) ? o.spec : {};
  const ns = namespaceOf(o);
  return {
    key: ns ? `${ns}/${nameOf(o)}` : nameOf(o),
    policyRefs: (Array.isArray(spec.policyRefs) ? spec.policyRefs : [])
      .filter(isRecord)
      .map((r) => ({ name: typeof r.name === 'string' ? r.name : '', kind: typeof r.kind === 'string' ? r.kind : '' })),
    matchConditions: readNamed(spec.matchConditions, ['spec', 'matchConditions']),
    images: strings(spec.images),
    allowedValues: strings(spec.allowedValues),
    reportResult: typeof spec.reportResult === 'string' ? spec.reportResult : undefined,
    source,
  };
}

export function exceptionsFor(all: readonly KyvernoException[], policy: { name: string; kind: string }): KyvernoException[] {
  return all.filter((e) => e.policyRefs.some((r) => r.name === policy.name && r.kind === policy.kind));
}
