// The Kubernetes CEL libraries on top of the library's standard environment, as the API server's
// base environment has them (k8s.io/apiserver/pkg/cel/environment/base.go): cel-go's strings
// extension with string.format (strings.ts, format.ts), sets (lists.ts), two-variable comprehensions,
// the optional helpers the library lacks, timestamp/duration conversions, and Kubernetes' lists,
// regex, url, quantity, ip/cidr, named-format and semver libraries, and cel-go's lists (version 3),
// math and encoders extensions. Plus two repairs of the library
// made on the parsed tree: calls whose library version has other semantics go to ours
// (rewriteCalls), and has() accepts any operand (has.ts).
import type { Environment } from '../celjs';
import { widenHas } from './has';
import { registerLists } from './lists';
import { registerQuantity } from './quantity';
import { registerSemver } from './semver';
import { registerUrl } from './url';
import { registerIp } from './ip';
import { registerComprehensions } from './comprehensions';
import { registerFormat } from './format';
import { registerTime } from './time';
import { registerOptionals } from './optionals';
import { registerNamedFormats } from './namedFormat';
import { registerListsExt } from './listsExt';
import { registerMathExt } from './mathExt';
import { registerEncoders } from './encoders';
import { conversionOverrides, registerConversions } from './conversions';
import { registerRegex } from './regex';
import { registerStrings, stringOverrides } from './strings';

export function registerKubernetesLibraries(env: Environment): void {
  registerStrings(env);
  registerRegex(env);
  registerLists(env);
  registerQuantity(env);
  registerSemver(env);
  registerUrl(env);
  registerIp(env);
  registerComprehensions(env);
  registerFormat(env);
  registerTime(env);
  registerOptionals(env);
  registerNamedFormats(env);
  registerListsExt(env);
  registerMathExt(env);
  registerEncoders(env);
  registerConversions(env);
}

/** Method and function names whose library version is replaced by ours (`<name>~k8s`). */
const overridden = new Set(['matches', ...stringOverrides, ...conversionOverrides]);

/**
 * Points calls of overridden names at our versions, and widens has() (see has.ts). Runs on the parsed
 * tree before type checking; a name with `~` cannot be written in CEL, so the replacements are
 * reachable only this way.
 */
export function rewriteCalls(root: unknown): void {
  const seen = new Set<unknown>();
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    const node = v as { op?: unknown; args?: unknown };
    if (typeof node.op !== 'string') return;
    if ((node.op === 'rcall' || node.op === 'call') && Array.isArray(node.args) && typeof node.args[0] === 'string' && overridden.has(node.args[0])) {
      node.args[0] = `${node.args[0]}~k8s`;
    }
    if (node.op === 'call' && 'meta' in node) widenHas(node as Parameters<typeof widenHas>[0]);
    visit(node.args);
  };
  visit(root);
}

/** Our internal names back to what the user wrote, for messages. */
export function userFacingNames(message: string): string {
  return message.replace(/~k8s/g, '');
}
