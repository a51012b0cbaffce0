// A rendered stream checked as the cluster receives it, each finding moved to its origin.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkRendered, defaultCheckOptions } from '../../server/src/engine';
import type { RenderedStream } from '../../server/src/sources/origin';
import { checkTexts, constraintYaml } from '../support/helpers';

const values = 'image:\n  repository: nginx\n  tag: "1.25"\n';
const text = [
  '---',
  '# Source: web/templates/deployment.yaml',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  'spec:',
  '  template:',
  '    spec:',
  '      containers:',
  '        - name: web',
  '          image: "nginx:1.25"',
  '',
].join('\n');
const valueStart = text.indexOf('"nginx:1.25"');
const repo = values.indexOf('nginx');
const stream: RenderedStream = {
  name: 'web (helm template)',
  text,
  origins: [
    {
      start: valueStart,
      end: valueStart + '"nginx:1.25"'.length,
      origin: {
        primary: { file: 'values.yaml', start: repo, end: repo + 5 },
        parts: [{ start: 0, end: 5, from: { file: 'values.yaml', start: repo, end: repo + 5 }, verbatim: true, what: 'values image.repository' }],
        related: [{ from: { file: 'templates/deployment.yaml', start: 0, end: 0 }, message: 'printed here' }],
      },
    },
  ],
};

test('a refused rendered image is reported on the values line that sets it', () => {
  const { policy } = checkTexts({ 'c.yaml': constraintYaml('K8sAllowedRepos', 'corp-only', '  parameters:\n    repos: ["registry.corp.example/"]\n') });
  const fallback = { file: 'Chart.yaml', start: 0, end: 0 };
  const checked = checkRendered(stream, policy, defaultCheckOptions, fallback);
  assert.deepEqual(checked.problems, []);
  assert.equal(checked.findings.length, 1, 'the Pod the Deployment creates');
  for (const f of checked.findings) {
    assert.deepEqual(f.at, { file: 'values.yaml', start: repo, end: repo + 5 });
    assert.equal(f.origin?.parts[0]?.what, 'values image.repository');
    assert.match(f.violation.message, /nginx:1\.25/);
  }
});

test('a finding without an origin lands on the fallback, and broken rendered YAML is a problem there', () => {
  const { policy } = checkTexts({ 'c.yaml': constraintYaml('K8sAllowedRepos', 'corp-only', '  parameters:\n    repos: ["registry.corp.example/"]\n') });
  const fallback = { file: 'Chart.yaml', start: 0, end: 0 };
  const bare: RenderedStream = { ...stream, origins: [] };
  assert.ok(checkRendered(bare, policy, defaultCheckOptions, fallback).findings.every((f) => f.at === fallback));
  const broken: RenderedStream = { name: 'x', text: 'a: [1,\n', origins: [] };
  const problems = checkRendered(broken, policy, defaultCheckOptions, fallback).problems;
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /not valid YAML/);
});
