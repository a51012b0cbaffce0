// `npm run test:vscode`: the same extension-host suite (test/e2e/suite) under @vscode/test-electron, the
// standard runner, for machines that can download VS Code (it caches it in .vscode-test/). Where the
// update server cannot be reached it stops within seconds and says so: use `npm run test:e2e` there.
// VSCODE_EXECUTABLE_PATH=/path/to/code skips the download; VSCODE_VERSION picks one (default: stable;
// the minimum supported engine is the one in package.json's engines.vscode).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildSuite, root } from './build-suite.mjs';

const UPDATE_SERVER = 'https://update.code.visualstudio.com/api/releases/stable';
const CHECK_MS = 5_000;

async function reachable() {
  try {
    const res = await fetch(UPDATE_SERVER, { signal: AbortSignal.timeout(CHECK_MS) });
    return res.ok ? true : `HTTP ${res.status}`;
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.cause?.code ?? e.cause?.message ?? e.message}` : String(e);
  }
}

const executable = process.env.VSCODE_EXECUTABLE_PATH;
if (!executable) {
  const ok = await reachable();
  if (ok !== true) {
    console.error(
      `test:vscode: cannot download VS Code: the update server did not answer within ${CHECK_MS / 1000} s (${ok}).\n` +
        'This runner needs VS Code from the update server, or a local one in VSCODE_EXECUTABLE_PATH.\n' +
        'Offline, run the same suite in code-server instead: npm run test:e2e',
    );
    process.exit(1);
  }
}

const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const extensionTestsPath = await buildSuite();
const workspace = path.join(root, '.vscode-test', 'electron-workspace');
fs.rmSync(workspace, { recursive: true, force: true });
fs.cpSync(path.join(root, 'test', 'e2e', 'fixture'), workspace, { recursive: true });

const timer = setTimeout(() => {
  console.error('test:vscode: gave up after 10 minutes');
  process.exit(1);
}, 10 * 60_000);
timer.unref();
try {
  await runTests({
    ...(executable ? { vscodeExecutablePath: executable } : { version: process.env.VSCODE_VERSION ?? 'stable', timeout: 30_000 }),
    extensionDevelopmentPath: root,
    extensionTestsPath,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
} catch (e) {
  console.error(`test:vscode failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
