// Lint of Kyverno ValidatingPolicies: CEL errors at their expression (with the offset), expressions
// that need the cluster, a registry or the network (the policy is not evaluated from files), and
// matchConstraints that select nothing.
import type { CelPort } from '../vap/celPort';
import type { FieldPath, SourcedObject } from '../vap/policies';
import { kyvernoCel, type KyvernoSet } from './evaluate';
import { kyvernoNames, needsOutside } from './library';

export interface KyvernoLint {
  severity: 'error' | 'warning' | 'info';
  message: string;
  object: SourcedObject;
  path: FieldPath;
  offset?: number;
}

export function lintKyverno(set: KyvernoSet, cel: CelPort = kyvernoCel()): KyvernoLint[] {
  const out: KyvernoLint[] = [];
  for (const p of set.policies) {
    const variableNames = p.variables.map((v) => v.name);
    const check = (expression: string, path: FieldPath, what: string): void => {
      const outside = needsOutside(expression);
      if (outside) {
        out.push({ severity: 'info', message: `${what} uses ${outside}: this policy is not evaluated from the files`, object: p.source, path });
        return;
      }
      const r = cel.compile(expression, kyvernoNames, variableNames);
      if (!r.ok) out.push({ severity: 'error', message: `CEL error in ${what}: ${r.error.message}`, object: p.source, path, offset: r.error.offset });
    };
    p.matchConditions.forEach((m, i) => check(m.expression, [...m.path, 'expression'], `matchConditions[${i}] (${m.name})`));
    p.variables.forEach((v, i) => check(v.expression, [...v.path, 'expression'], `variables[${i}] (${v.name})`));
    p.validations.forEach((v, i) => {
      check(v.expression, [...v.path, 'expression'], `validations[${i}]`);
      if (v.messageExpression !== undefined) check(v.messageExpression, [...v.path, 'messageExpression'], `validations[${i}].messageExpression`);
    });
    if (!p.matchConstraints || p.matchConstraints.resourceRules.length === 0) {
      out.push({ severity: 'error', message: 'spec.matchConstraints.resourceRules is empty: this policy never matches anything', object: p.source, path: ['spec', 'matchConstraints'] });
    }
    if (p.validations.length === 0) out.push({ severity: 'warning', message: 'a ValidatingPolicy without validations passes everything it matches', object: p.source, path: ['spec'] });
  }
  return out;
}
