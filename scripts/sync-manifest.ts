// Writes package.json's contributes.configuration and commands from the shared schema:
// `npx tsx scripts/sync-manifest.ts`. test/unit/manifest.test.ts fails when they drift apart.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { commands, configurationSection, settingsSchema } from '../server/src/shared/protocol';

const file = path.join(__dirname, '..', 'package.json');
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
const properties: Record<string, unknown> = {};
for (const [k, spec] of Object.entries(settingsSchema)) {
  const p: Record<string, unknown> = { type: spec.type, default: spec.default, description: spec.description };
  if (spec.type === 'array') p.items = { type: 'string' };
  if (spec.type === 'object') p.additionalProperties = { type: 'string' };
  if (spec.enum) p.enum = spec.enum;
  if (spec.minimum !== undefined) p.minimum = spec.minimum;
  p.scope = spec.scope ?? 'resource';
  properties[`${configurationSection}.${k}`] = p;
}
const titles: Record<keyof typeof commands, string> = {
  showConstraints: 'Show Constraints',
  fixAllInWorkspace: 'Fix All in Workspace',
  showViolations: "Show a Constraint's Violations",
  restartServer: 'Restart Server',
  showOutput: 'Show Output',
};
pkg.contributes = {
  ...pkg.contributes,
  commands: (Object.keys(commands) as Array<keyof typeof commands>).map((k) => ({ command: commands[k], title: titles[k], category: 'Trusted Images' })),
  configuration: { title: 'Trusted Images', properties },
};
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
