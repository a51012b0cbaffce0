// Compiles the end-to-end suite (test/e2e/suite) into out/e2e, one CommonJS file per entry, as the
// extension host loads it; `vscode` and `mocha` come from the host and from node_modules at run time.
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const suiteOut = path.join(root, 'out', 'e2e');

export async function buildSuite() {
  await esbuild.build({
    entryPoints: [path.join(root, 'test/e2e/suite/index.ts'), path.join(root, 'test/e2e/suite/extension.test.ts')],
    outdir: suiteOut,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return path.join(suiteOut, 'index.js');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildSuite();
