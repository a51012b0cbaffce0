// The Gatekeeper library's 275 cases through the command line, as a CI job runs it: the case's object
// checked with its template and constraint given as --constraints and its inventory as --inventory,
// objects without a namespace matching every namespace rule and no expansion (as gator verify reviews
// an object). gator's default engine (CEL where the template has it) gives `messages`; --engine rego
// gives `rego_messages` where the case has them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { main } from '../../server/src/cli/main';
import type { Report } from '../../server/src/workspace/report';
import { conformanceCases } from '../support/conformance';
import { needsShared } from '../support/helpers';

async function check(argv: string[]): Promise<Report> {
  let out = '';
  let err = '';
  await main(['check', ...argv, '--format', 'json'], (s) => (out += s), (s) => (err += s));
  assert.ok(out, err);
  return JSON.parse(out) as Report;
}

const cases = conformanceCases();
// gator verify's inventory is the suite's inventory files only: an empty folder when the case has none
// (without --inventory the CLI takes the checked files' objects, the object itself included).
const noInventory = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-no-inventory-'));
for (const engine of ['auto', 'rego'] as const) {
  describe(`Gatekeeper library through the CLI (--engine ${engine})`, needsShared('conformance/gatekeeper-library'), () => {
    const perPolicy = new Map<string, { pass: number; total: number }>();
    for (const c of cases) {
      test(c.name, async () => {
        const stat = perPolicy.get(c.policy) ?? { pass: 0, total: 0 };
        perPolicy.set(c.policy, stat);
        stat.total++;
        const argv = [
          path.join(c.dir, c.expected.objects[0]!),
          '--constraints', path.join(c.dir, 'template.yaml'),
          '--constraints', path.join(c.dir, 'constraint.yaml'),
          '--inventory', c.expected.inventory ? path.join(c.dir, 'inventory') : noInventory,
          '--namespace', '*',
          '--no-pod-templates',
          '--engine', engine,
        ];
        const report = await check(argv);
        assert.deepEqual(report.warnings.filter((w) => /not evaluated/.test(w.message)), []);
        const want = engine === 'auto' ? [...c.expected.messages].sort() : c.regoMessages;
        assert.deepEqual(report.violations.map((v) => v.message).sort(), want);
        stat.pass++;
      });
    }
    test('count per policy: every case', () => {
      for (const [p, s] of perPolicy) console.log(`  ${p}: ${s.pass}/${s.total}`);
      const pass = [...perPolicy.values()].reduce((a, s) => a + s.pass, 0);
      console.log(`  through the CLI (--engine ${engine}): ${pass}/${cases.length}`);
      assert.equal(perPolicy.size, 50);
      assert.equal(pass, 275);
    });
  });
}
