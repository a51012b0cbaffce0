// Kyverno's CEL additions that the files can answer, and the ones they cannot.
//
// Evaluated here: `parseServiceAccount(username)` (Kyverno's user library: the namespace and name of a
// `system:serviceaccount:<ns>:<name>` user, empty strings otherwise) and the image library
// (parseImageReference / image / isImage and the reference's parts, image.ts).
//
// Not evaluated, ever: the libraries that reach a cluster, a registry or the network - resource.Get /
// List / Post (the API server), http.Get / Post / Client, globalContext.Get (Kyverno's cached
// context), image.GetMetadata and imagedata.Get (registry image data), generator.Apply. A policy using
// one is reported as not evaluated, never as passing.
import { celRuntimeError, celValue, type CelFunction } from '../cel';
import { imageFunctions } from './image';

const serviceAccountPrefix = 'system:serviceaccount:';

export const kyvernoFunctions: readonly CelFunction[] = [
  {
    signature: 'parseServiceAccount(string): map<string, string>',
    handler: ((username: string) => {
      if (typeof username !== 'string') throw celRuntimeError('parseServiceAccount: expected a string');
      if (!username.startsWith(serviceAccountPrefix)) return celValue({ Namespace: '', Name: '' });
      const parts = username.slice(serviceAccountPrefix.length).split(':');
      return celValue(parts.length === 2 ? { Namespace: parts[0], Name: parts[1] } : { Namespace: '', Name: '' });
    }) as (...args: never[]) => unknown,
  },
  ...imageFunctions,
];

const outside: { pattern: RegExp; what: string }[] = [
  { pattern: /\bresource\s*\.\s*(Get|List|Post)\s*\(/, what: 'resource.$1 (reads the cluster)' },
  { pattern: /\bhttp\s*\.\s*(Get|Post|Client)\s*\(/, what: 'http.$1 (calls the network)' },
  { pattern: /\bglobalContext\s*\.\s*Get\s*\(/, what: "globalContext.Get (Kyverno's cluster context)" },
  { pattern: /\bimage\s*\.\s*GetMetadata\s*\(/, what: 'image.GetMetadata (reads a registry)' },
  { pattern: /\bimagedata\s*\.\s*Get\s*\(/, what: 'imagedata.Get (reads a registry)' },
  { pattern: /\bgenerator\s*\.\s*Apply\s*\(/, what: 'generator.Apply (writes to the cluster)' },
];

/** What an expression needs from outside the files, or undefined. */
export function needsOutside(expression: string): string | undefined {
  for (const o of outside) {
    const m = o.pattern.exec(expression);
    if (m) return o.what.replace('$1', m[1] ?? '');
  }
  return undefined;
}

/** The top-level names of Kyverno's CEL environment that the files can give values to. */
export const kyvernoNames = ['object', 'oldObject', 'request', 'namespaceObject', 'variables', 'exceptions'];
