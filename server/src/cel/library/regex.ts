// matches() and Kubernetes' regex library (find, findAll) on the project's RE2 module: Go's RE2
// syntax and linear time. The library's own matches() uses JavaScript RegExp (backtracking, other
// syntax), so calls to matches are rewritten to `matches~k8s` (see rewriteCalls).
import { compileRe2, Re2SyntaxError, type Re2 } from '../../re2';
import { celRuntimeError, type Environment } from '../celjs';
import { charge } from '../budget';
import { define } from './define';

function re(pattern: string, prefix = ''): Re2 {
  try {
    return compileRe2(pattern);
  } catch (e) {
    if (e instanceof Re2SyntaxError) throw celRuntimeError(prefix + e.message);
    throw e;
  }
}

const illegal = 'Illegal regex: ';

interface Node {
  op: string;
  args: unknown;
  start: number;
  end: number;
}
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && typeof (v as { op?: unknown }).op === 'string';

/**
 * A constant pattern that RE2 refuses, as cel-go's regex optimizations (which Kubernetes turns on)
 * report it when the program is built: the message and the pattern literal's span. Runs on the parsed
 * tree after rewriteCalls.
 */
export function constantRegexError(root: unknown): { message: string; start: number; end: number } | undefined {
  const seen = new Set<unknown>();
  let found: { message: string; start: number; end: number } | undefined;
  const visit = (v: unknown): void => {
    if (found !== undefined || typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (!isNode(v)) return;
    const args = v.args as unknown[];
    let pattern: unknown;
    let prefix = '';
    if (v.op === 'rcall' && Array.isArray(args) && ['matches~k8s', 'find', 'findAll'].includes(args[0] as string)) {
      pattern = (args[2] as unknown[])[0];
      prefix = args[0] === 'matches~k8s' ? '' : illegal;
    } else if (v.op === 'call' && Array.isArray(args) && args[0] === 'matches~k8s') pattern = (args[1] as unknown[])[1];
    if (isNode(pattern) && pattern.op === 'value' && typeof pattern.args === 'string') {
      try {
        compileRe2(pattern.args);
      } catch (e) {
        if (e instanceof Re2SyntaxError) found = { message: prefix + e.message, start: pattern.start, end: pattern.end };
      }
    }
    visit(v.args);
  };
  visit(root);
  return found;
}

// cel-go charges regex work by the sizes of the text and the pattern.
const cost = (s: string, p: string): void => charge(Math.ceil(s.length * 0.1) + Math.ceil(p.length * 0.1));

export function registerRegex(env: Environment): void {
  define(env, 'matches~k8s', 'string', ['string'], 'bool', (s: string, p: string) => (cost(s, p), re(p).test(s)));
  define(env, 'matches~k8s', undefined, ['string', 'string'], 'bool', (s: string, p: string) => (cost(s, p), re(p).test(s)));
  define(env, 'find', 'string', ['string'], 'string', (s: string, p: string) => (cost(s, p), re(p, illegal).find(s) ?? ''));
  define(env, 'findAll', 'string', ['string'], 'list<string>', (s: string, p: string) => (cost(s, p), re(p, illegal).findAll(s, -1)));
  define(env, 'findAll', 'string', ['string', 'int'], 'list<string>', (s: string, p: string, n: bigint) => (cost(s, p), re(p, illegal).findAll(s, n > 2147483647n ? -1 : Number(n))));
}
