// One esbuild call per front end; type-checking is `npm run typecheck` (tsc --noEmit).
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: ['server/src/cli/bin.ts'], outfile: 'dist/cli.bundle.js' }),
  esbuild.build({ ...common, entryPoints: ['server/src/server/main.ts'], outfile: 'dist/server.js' }),
  esbuild.build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] }),
]);

// dist/cli.js starts the CLI's bundle from V8's code cache (see server/src/cli/codeCache.ts), which is
// named by the bundle's hash and made here by one run of the CLI on examples/.
const hash = createHash('sha256').update(fs.readFileSync('dist/cli.bundle.js')).digest('hex').slice(0, 16);
for (const f of fs.readdirSync('dist')) if (/^cli\.bundle\.[0-9a-f]+\.cache$/.test(f)) fs.rmSync(`dist/${f}`);
await esbuild.build({ ...common, sourcemap: false, entryPoints: ['server/src/cli/codeCache.ts'], outfile: 'dist/cli.js', define: { BUNDLE_HASH: JSON.stringify(hash) } });
const training = spawnSync(process.execPath, ['dist/cli.js', 'check', 'examples', '--format', 'json'], {
  env: { ...process.env, TRUSTED_IMAGES_WRITE_CODE_CACHE: '1' },
  stdio: ['ignore', 'ignore', 'pipe'],
  encoding: 'utf8',
});
if (training.status !== 0 && training.status !== 1) console.warn(`build: no code cache for the CLI (its run on examples/ ended with ${training.status}: ${training.stderr.slice(0, 500)})`);
