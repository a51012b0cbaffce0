// package.json is the extension manifest: it must say what the code does.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { commands, configurationSection, settingsSchema } from '../../server/src/shared/protocol';
import { projectRoot } from '../support/helpers';

const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));

test("contributes.configuration is the shared settings schema, key by key", () => {
  const props = pkg.contributes.configuration.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(props).sort(), Object.keys(settingsSchema).map((k) => `${configurationSection}.${k}`).sort());
  for (const [k, spec] of Object.entries(settingsSchema)) {
    const p = props[`${configurationSection}.${k}`]!;
    assert.equal(p.type, spec.type, k);
    assert.deepEqual(p.default, spec.default, k);
    assert.equal(p.description, spec.description, k);
    assert.deepEqual(p.enum, spec.enum, k);
  }
});

test('every command the client registers is contributed, and activation is explicit', () => {
  const contributed = (pkg.contributes.commands as Array<{ command: string }>).map((c) => c.command).sort();
  assert.deepEqual(contributed, Object.values(commands).sort());
  assert.ok(pkg.activationEvents.includes('onLanguage:yaml'));
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['trustedImages.constraintPaths']);
  assert.equal(pkg.main, './dist/client.js');
  assert.match(pkg.engines.vscode, /^\^1\.\d+\.0$/);
});

test('engines.vscode is what vscode-languageclient needs', () => {
  const lc = JSON.parse(fs.readFileSync(path.join(projectRoot, 'node_modules', 'vscode-languageclient', 'package.json'), 'utf8'));
  assert.equal(pkg.engines.vscode, lc.engines.vscode);
});

test('the Rego grammars are contributed and injected into YAML', () => {
  const grammars = pkg.contributes.grammars as Array<{ scopeName: string; path: string; injectTo?: string[] }>;
  const injection = grammars.find((g) => g.scopeName === 'rego.injection.yaml')!;
  assert.deepEqual(injection.injectTo, ['source.yaml']);
  for (const g of grammars) {
    const grammar = JSON.parse(fs.readFileSync(path.join(projectRoot, g.path), 'utf8'));
    assert.equal(grammar.scopeName, g.scopeName, g.path);
  }
});
