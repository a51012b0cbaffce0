// Gatekeeper's own test cases for the image policies, with the exact messages a real gator gives.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { conformanceCases } from '../support/conformance';
import { checkTexts, needsShared, sharedRoot } from '../support/helpers';

const library = path.join(sharedRoot, 'conformance', 'gatekeeper-library');
const policies = ['allowedrepos', 'allowedrepos-1.0.0', 'allowedreposv2', 'disallowedrepos'];

interface Expected {
  violations: number;
  messages: string[];
  objects: string[];
}

/** Gatekeeper's wildcards in namespace lists (pkg/mutation/match Wildcard.Matches): `x*`, `*x`, `*x*`, or exact. */
function wildcardMatches(pattern: string, candidate: string): boolean {
  const prefix = pattern.startsWith('*');
  const suffix = pattern.endsWith('*') && pattern.length > 1;
  if (prefix && suffix) return candidate.includes(pattern.slice(1, -1));
  if (prefix) return candidate.endsWith(pattern.slice(1));
  if (suffix) return candidate.startsWith(pattern.slice(0, -1));
  return pattern === candidate;
}

/** Gatekeeper's `namespaces` and `excludedNamespaces` matchers for a namespaced object. */
function gatekeeperNamespaceMatch(match: { namespaces?: string[]; excludedNamespaces?: string[] }, namespace: string): boolean {
  if (match.namespaces && match.namespaces.length > 0 && !match.namespaces.some((p) => wildcardMatches(p, namespace))) return false;
  return !(match.excludedNamespaces ?? []).some((p) => wildcardMatches(p, namespace));
}

describe('Gatekeeper library conformance (image policies)', needsShared('conformance/gatekeeper-library'), () => {
  const cases = policies.flatMap((p) =>
    fs.existsSync(path.join(library, p)) ? fs.readdirSync(path.join(library, p)).map((c) => path.join(p, c)) : [],
  );

  test('all 23 cases are present', () => {
    assert.equal(cases.length, 23);
  });

  for (const c of cases) {
    const dir = path.join(library, c);
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    const files = { 'template.yaml': read('template.yaml'), 'constraint.yaml': read('constraint.yaml'), [expected.objects[0]!]: read(expected.objects[0]!) };

    // gator verify reviews objects without a namespace as such: namespace rules pass ('*').
    test(`${c} (as gator verify)`, () => {
      const { messages, policy } = checkTexts(files, { namespace: '*' });
      assert.deepEqual(policy.problems, [], 'the library template is recognised as written');
      assert.equal(messages.length, expected.violations);
      assert.deepEqual(messages, [...expected.messages].sort());
    });

    // In the default namespace (kubectl apply without a namespace) the constraint's `namespaces: [default]` matches too.
    test(`${c} (in namespace default)`, () => {
      assert.deepEqual(checkTexts(files).messages, [...expected.messages].sort());
    });

    // In another namespace, gator's messages when the constraint's match still takes the object, none
    // otherwise. Whether it does is read from the case's files by the yaml package and decided by
    // Gatekeeper's namespace matchers (below), not by the product's reading of `match`.
    test(`${c} (in namespace other)`, () => {
      const constraint = parse(files['constraint.yaml']!) as { spec?: { match?: { namespaces?: string[]; excludedNamespaces?: string[] } } };
      const object = parse(files[expected.objects[0]!]!) as { metadata?: { namespace?: string } };
      const namespace = object.metadata?.namespace ?? 'other';
      const applies = gatekeeperNamespaceMatch(constraint.spec?.match ?? {}, namespace);
      assert.deepEqual(checkTexts(files, { namespace: 'other' }).messages, applies ? [...expected.messages].sort() : []);
    });
  }
});

// What "275/275" compares with. gator gives each case the messages of its default engine (`messages`:
// CEL where the template has CEL, else Rego) and, where that engine is CEL, also those of its Rego
// (`rego_messages`). The library suites (rego.conformance.test.ts) compare the engine as gator runs it by
// default with `messages`, and every Rego evaluation with regoMessages: `rego_messages` where present.
describe('what the library conformance compares with', needsShared('conformance/gatekeeper-library'), () => {
  test('275 cases: 144 Rego-default (messages), 131 CEL-default (messages; their Rego against rego_messages, 51 of which differ)', () => {
    const cases = conformanceCases();
    const celDefault = cases.filter((c) => c.expected.engine === 'cel');
    const fromRegoMessages = cases.filter((c) => c.regoMessagesFrom === 'rego_messages');
    const differ = fromRegoMessages.filter((c) => JSON.stringify(c.regoMessages) !== JSON.stringify([...c.expected.messages].sort()));
    console.log(
      `# ${cases.length} cases; compared with gator's default-engine messages: ${cases.length} (${cases.length - celDefault.length} by Rego, ${celDefault.length} by CEL); ` +
        `Rego evaluations compared with rego_messages: ${fromRegoMessages.length} (${differ.length} of them differ from messages), with messages: ${cases.length - fromRegoMessages.length}`,
    );
    assert.equal(cases.length, 275);
    assert.equal(celDefault.length, 131);
    // rego_messages exist exactly where the default engine is CEL.
    assert.deepEqual(fromRegoMessages.map((c) => c.name), celDefault.map((c) => c.name));
    assert.equal(cases.length - fromRegoMessages.length, 144);
    assert.equal(differ.length, 51);
  });
});
