// cel-go has namespaced global functions (sets.contains, strings.quote, optional.ofNonZeroValue).
// The library resolves `a.b(...)` as a method call on a value named `a`, so each namespace is a
// constant of its own type whose methods are the namespace's functions (as the library does for
// `optional`). The receiver is ignored by the handlers.
import type { Environment } from '../celjs';

export function registerNamespace(env: Environment, name: string, typeName: string): void {
  const Namespace = { [typeName]: class {} }[typeName]!;
  env.registerType(typeName, Namespace);
  env.registerConstant(name, typeName, new Namespace());
}
