// Gatekeeper's own test cases for the image policies, with the exact messages a real gator gives.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { checkTexts, needsShared, sharedRoot } from '../support/helpers';

const library = path.join(sharedRoot, 'conformance', 'gatekeeper-library');
const policies = ['allowedrepos', 'allowedrepos-1.0.0', 'allowedreposv2', 'disallowedrepos'];

interface Expected {
  violations: number;
  messages: string[];
  objects: string[];
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

    // In another namespace, only constraints that do not restrict namespaces still apply.
    test(`${c} (in namespace other)`, () => {
      const { messages, policy } = checkTexts(files, { namespace: 'other' });
      const restricted = policy.constraints[0]!.match.namespaces.length > 0;
      assert.deepEqual(messages, restricted ? [] : [...expected.messages].sort());
    });
  }
});
