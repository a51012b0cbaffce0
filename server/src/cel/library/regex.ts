// matches() and Kubernetes' regex library (find, findAll) on the project's RE2 module: Go's RE2
// syntax and linear time. The library's own matches() uses JavaScript RegExp (backtracking, other
// syntax), so calls to matches are rewritten to `matches~k8s` (see rewriteCalls).
import { compileRe2, Re2SyntaxError, type Re2 } from '../../re2';
import { celRuntimeError, type Environment } from '../celjs';
import { charge } from '../budget';

function re(pattern: string): Re2 {
  try {
    return compileRe2(pattern);
  } catch (e) {
    if (e instanceof Re2SyntaxError) throw celRuntimeError(e.message);
    throw e;
  }
}

// cel-go charges regex work by the sizes of the text and the pattern.
const cost = (s: string, p: string): void => charge(Math.ceil(s.length * 0.1) + Math.ceil(p.length * 0.1));

export function registerRegex(env: Environment): void {
  const fn = (name: string, receiverType: string | undefined, params: string[], returnType: string, handler: (...a: never[]) => unknown): void => {
    env.registerFunction({ name, ...(receiverType !== undefined ? { receiverType } : {}), returnType, params: params.map((type, i) => ({ name: `a${i}`, type })), handler: handler as (...a: unknown[]) => unknown });
  };
  fn('matches~k8s', 'string', ['string'], 'bool', (s: string, p: string) => (cost(s, p), re(p).test(s)));
  fn('matches~k8s', undefined, ['string', 'string'], 'bool', (s: string, p: string) => (cost(s, p), re(p).test(s)));
  fn('find', 'string', ['string'], 'string', (s: string, p: string) => (cost(s, p), re(p).find(s) ?? ''));
  fn('findAll', 'string', ['string'], 'list<string>', (s: string, p: string) => (cost(s, p), re(p).findAll(s, -1)));
  fn('findAll', 'string', ['string', 'int'], 'list<string>', (s: string, p: string, n: bigint) => (cost(s, p), re(p).findAll(s, n > 2147483647n ? -1 : Number(n))));
}
