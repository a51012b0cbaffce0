// Shared test helpers: where ../shared is, and a one-call way to check texts through the real engine.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeText, FileAnalysis } from '../../server/src/engine';
import { checkObjects, CheckOptions, defaultCheckOptions, Violation } from '../../server/src/engine';
import { buildPolicySet, PolicySet } from '../../server/src/engine';
import { defaultExpansions } from '../../server/src/engine';

export const projectRoot = path.resolve(__dirname, '..', '..');
export const sharedRoot = path.resolve(projectRoot, '..', 'shared');

/** The YAML files under a folder, sorted, recursively. */
export function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(p);
  }
  return out;
}

/** `{ skip: reason }` when ../shared is not beside this clone, so such tests say why instead of passing. */
export function needsShared(sub: string): { skip?: string } {
  return fs.existsSync(path.join(sharedRoot, sub)) ? {} : { skip: `../shared/${sub} is not beside this checkout` };
}

export interface Checked {
  analyses: FileAnalysis[];
  violations: Violation[];
  policy: PolicySet;
  messages: string[];
}

/** Checks named texts together, as files of one workspace. */
export function checkTexts(files: Record<string, string>, options: Partial<CheckOptions> = {}): Checked {
  const analyses = Object.entries(files).map(([name, text]) => analyzeText(name, text));
  const policy = buildPolicySet(analyses.map((a) => a.policy), defaultExpansions);
  const opts = { ...defaultCheckOptions, ...options };
  const violations = analyses.flatMap((a) => checkObjects(a.objects, policy, opts));
  return { analyses, violations, policy, messages: violations.map((v) => v.message).sort() };
}

/** A ConstraintTemplate whose first target's Rego is `rego` (written without indentation). */
export function templateYaml(name: string, kind: string, rego: string, apiVersion = 'templates.gatekeeper.sh/v1'): string {
  const indented = rego.split('\n').map((l) => (l ? '        ' + l : l)).join('\n');
  return `apiVersion: ${apiVersion}\nkind: ConstraintTemplate\nmetadata:\n  name: ${name}\nspec:\n  crd:\n    spec:\n      names:\n        kind: ${kind}\n  targets:\n    - target: admission.k8s.gatekeeper.sh\n      rego: |\n${indented}\n`;
}

export function constraintYaml(kind: string, name: string, spec: string): string {
  return `apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}
