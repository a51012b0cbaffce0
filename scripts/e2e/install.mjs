// Installs the test tools of the code-server harness into .vscode-test/ (ignored by git), once:
// code-server 4.100.3 (a real VS Code 1.100.3 whose engine is Node 20) and playwright-core, which drives
// Debian's Chromium. Nothing here is a dependency of the extension. See ../shared/E2E.md.
// Usage: node scripts/e2e/install.mjs   (also called by the harness when something is missing)
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const toolsDir = path.join(root, '.vscode-test', 'tools');
export const CODE_SERVER_VERSION = '4.100.3';
export const PLAYWRIGHT_VERSION = '1.65.1';
export const codeServerBin = path.join(toolsDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

const debianPackages = 'chromium ripgrep libkrb5-dev pkg-config libsecret-1-dev libxkbfile-dev libx11-dev';

function installed(name, version) {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(toolsDir, 'node_modules', name, 'package.json'), 'utf8'));
    return pkg.version === version;
  } catch {
    return false;
  }
}

export function checkSystem() {
  const missing = [];
  if (!fs.existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!fs.existsSync('/usr/bin/rg')) missing.push('ripgrep');
  if (missing.length) {
    throw new Error(`Missing Debian packages (${missing.join(', ')}). Install them first:\n  apt-get update && apt-get install -y --no-install-recommends ${debianPackages}`);
  }
}

/** @vscode/ripgrep's postinstall downloads rg from GitHub; a tarball of Debian's rg in its cache satisfies it. */
function ripgrepCache(tmp) {
  const cache = path.join(tmp, 'vscode-ripgrep-cache-1.15.11');
  const tarball = path.join(cache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (fs.existsSync(tarball)) return;
  const version = spawnSync('/usr/bin/rg', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  if (!version.startsWith('ripgrep 13.')) console.warn(`warning: /usr/bin/rg is "${version.split('\n')[0]}", not ripgrep 13.0.0`);
  fs.mkdirSync(cache, { recursive: true });
  const stage = fs.mkdtempSync(path.join(tmp, 'rg-'));
  fs.copyFileSync('/usr/bin/rg', path.join(stage, 'rg'));
  fs.chmodSync(path.join(stage, 'rg'), 0o755);
  execFileSync('tar', ['-czf', tarball, '-C', stage, 'rg']);
}

export function ensureTools({ quiet = false } = {}) {
  checkSystem();
  const wanted = [];
  if (!installed('code-server', CODE_SERVER_VERSION)) wanted.push(`code-server@${CODE_SERVER_VERSION}`);
  if (!installed('playwright-core', PLAYWRIGHT_VERSION)) wanted.push(`playwright-core@${PLAYWRIGHT_VERSION}`);
  if (wanted.length === 0) {
    if (!quiet) console.log(`test tools present in ${path.relative(root, toolsDir)}`);
    return;
  }
  fs.mkdirSync(toolsDir, { recursive: true });
  const pkgFile = path.join(toolsDir, 'package.json');
  if (!fs.existsSync(pkgFile)) fs.writeFileSync(pkgFile, JSON.stringify({ name: 'trusted-images-e2e-tools', private: true }, null, 2) + '\n');
  const tmp = path.join(root, '.vscode-test', 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  ripgrepCache(tmp);
  console.log(`installing ${wanted.join(', ')} into ${path.relative(root, toolsDir)} (several minutes the first time)…`);
  const started = Date.now();
  const r = spawnSync('npm', ['install', '--unsafe-perm', '--no-audit', '--no-fund', '--save-exact', '--loglevel=error', ...wanted], {
    cwd: toolsDir,
    stdio: 'inherit',
    env: { ...process.env, npm_config_yes: 'true', TMPDIR: tmp, npm_config_update_notifier: 'false' },
  });
  if (r.status !== 0) throw new Error(`npm install of ${wanted.join(', ')} failed (exit ${r.status})`);
  for (const [name, version] of [['code-server', CODE_SERVER_VERSION], ['playwright-core', PLAYWRIGHT_VERSION]]) {
    if (!installed(name, version)) throw new Error(`${name}@${version} is not in ${toolsDir} after npm install`);
  }
  console.log(`installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureTools();
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
