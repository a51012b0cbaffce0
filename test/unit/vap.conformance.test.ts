// ValidatingAdmissionPolicy conformance: the 686 cases of ../shared/conformance/vap (kubescape's CEL
// admission library run against a real API server, Kubernetes' own integration tests, kaptest), each
// held to its recorded outcome: admitted or denied, the actions that fired, and where the case records
// them the exact API error, the required substrings, the exact warnings, audit annotations and the
// per-validation messages. Cases that do not match are listed below by name with the reason, and the
// test fails if one of them starts to match (so the list stays true).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { evaluateVap, readVapSet, vapCel, type VapEvaluation, type VapOptions } from '../../server/src/vap';
import { parseYaml, toJS } from '../../server/src/yaml/documents';

const root = path.resolve(__dirname, '..', '..', '..', 'shared', 'conformance', 'vap');
const present = fs.existsSync(path.join(root, 'index.json'));

interface IndexCase {
  case: string;
  source: string;
}

interface Expected {
  admitted: boolean;
  actions: string[];
  messages: string[];
  api_error?: string;
  reason?: string;
  message_contains?: string[];
  warnings?: string[];
  audit_annotations?: Record<string, string>;
  evaluation_scope: 'full-admission' | 'validations-only';
  policy?: string;
}

interface Request {
  operation?: VapOptions['operation'];
  namespace?: string;
  userInfo?: VapOptions['userInfo'];
  dryRun?: boolean;
  resource?: VapOptions['resource'];
}

/** Cases we do not match, and why (none at present). */
const knownFailures: Record<string, string> = {};

/** Matching cases per folder (of 624, 44 and 18). */
const expectedPasses: Record<string, number> = {
  'kubescape-cel-admission-library': 624,
  'kubernetes-integration': 44,
  kaptest: 18,
};

function docs(file: string): unknown[] {
  if (!fs.existsSync(file)) return [];
  return parseYaml(fs.readFileSync(file, 'utf8'))
    .documents.map((d) => toJS(d.root))
    .filter((x) => x !== null && x !== undefined);
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function runCase(name: string, kubescapeCrds: unknown[]): { expected: Expected; result: VapEvaluation } {
  const dir = path.join(root, name);
  const expected = readJson<Expected>(path.join(dir, 'expected.json'));
  const request = fs.existsSync(path.join(dir, 'request.json')) ? readJson<Request>(path.join(dir, 'request.json')) : {};
  const file = (f: string) => docs(path.join(dir, f));
  const objects = [...file('policy.yaml'), ...file('binding.yaml'), ...file('params.yaml'), ...file('namespace.yaml'), ...file('crd.yaml'), ...(name.startsWith('kubescape') ? kubescapeCrds : [])];
  const set = readVapSet(objects.map((value) => ({ value })));
  const options: VapOptions = {
    cel: vapCel(),
    operation: request.operation,
    oldObject: file('oldObject.yaml')[0],
    defaultNamespace: request.namespace,
    userInfo: request.userInfo,
    dryRun: request.dryRun,
    resource: request.resource,
  };
  if (expected.evaluation_scope === 'validations-only') {
    options.validationsOnly = { policy: expected.policy ?? set.policies[0]!.name, params: file('params.yaml')[0], namespaceObject: file('namespace.yaml')[0] };
  }
  return { expected, result: evaluateVap(set, file('object.yaml')[0] ?? null, options) };
}

/** The first difference between the result and what the case records, or undefined when they agree. */
function difference(expected: Expected, r: VapEvaluation): string | undefined {
  if (r.undetermined) return `not evaluated: ${r.decisions.find((d) => d.notEvaluated)?.notEvaluated}`;
  if (r.admitted !== expected.admitted) return `admitted ${r.admitted}, expected ${expected.admitted} (${r.decisions[0]?.message ?? 'no decision'})`;
  const actions = [...new Set(r.decisions.map((d) => d.action))].sort();
  if (JSON.stringify(actions) !== JSON.stringify([...expected.actions].sort())) return `actions ${actions}, expected ${expected.actions}`;
  if (expected.api_error !== undefined && r.apiError !== expected.api_error) return `API error ${r.apiError}, expected ${expected.api_error}`;
  if (expected.reason !== undefined && r.reason !== expected.reason) return `reason ${r.reason}, expected ${expected.reason}`;
  for (const m of expected.message_contains ?? []) if (!(r.apiError ?? '').includes(m)) return `API error ${r.apiError} does not contain ${m}`;
  if (expected.warnings !== undefined && JSON.stringify([...r.warnings].sort()) !== JSON.stringify([...expected.warnings].sort())) return `warnings ${JSON.stringify(r.warnings)}, expected ${JSON.stringify(expected.warnings)}`;
  for (const [k, v] of Object.entries(expected.audit_annotations ?? {})) if (r.auditAnnotations[k] !== v) return `audit annotation ${k} = ${r.auditAnnotations[k]}, expected ${v}`;
  if (expected.messages.length > 0) {
    const messages = [...new Set(r.decisions.map((d) => d.message))];
    if (JSON.stringify(messages) !== JSON.stringify(expected.messages)) return `messages ${JSON.stringify(messages)}, expected ${JSON.stringify(expected.messages)}`;
  }
  return undefined;
}

describe('ValidatingAdmissionPolicy conformance (../shared/conformance/vap)', present ? {} : { skip: '../shared/conformance/vap is not beside this checkout' }, () => {
  const cases = present ? readJson<{ cases: IndexCase[] }>(path.join(root, 'index.json')).cases : [];
  const crdDir = path.join(root, 'kubescape-cel-admission-library', '_crds');
  const kubescapeCrds = present ? fs.readdirSync(crdDir).flatMap((f) => docs(path.join(crdDir, f))) : [];
  const passes: Record<string, number> = {};

  test('all 686 cases are listed', () => {
    assert.equal(cases.length, 686);
  });

  for (const c of cases) {
    test(c.case, () => {
      const { expected, result } = runCase(c.case, kubescapeCrds);
      const diff = difference(expected, result);
      const known = knownFailures[c.case];
      if (known === undefined) {
        assert.equal(diff, undefined);
        passes[c.source] = (passes[c.source] ?? 0) + 1;
      } else {
        assert.notEqual(diff, undefined, `listed as failing (${known}) but now matches: take it off the list`);
      }
    });
  }

  test('figures per folder', () => {
    assert.deepEqual(passes, expectedPasses);
  });
});
