// `npm run test:neovim`: neovim (Debian's 0.7.2, `apt-get install neovim`) as a real second client of the
// built language server (dist/server.js, `npm run build` first), on a copy of test/e2e/fixture.
// test/e2e/neovim/test.lua does the checking; this runs it headless with a hard time limit.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const server = path.join(root, 'dist', 'server.js');
if (!fs.existsSync(server)) {
  console.error('dist/server.js is missing: run `npm run build` first.');
  process.exit(2);
}
const version = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  console.error('nvim is not installed: `apt-get install -y neovim` (0.7.2 on Debian 12).');
  process.exit(2);
}
console.log(version.stdout.split('\n')[0]);

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ti-nvim-'));
fs.cpSync(path.join(root, 'test', 'e2e', 'fixture'), workspace, { recursive: true });
const started = Date.now();
const r = spawnSync('nvim', ['--headless', '--clean', '-n', '-c', `luafile ${path.join(root, 'test', 'e2e', 'neovim', 'test.lua')}`, 'pods/denied.yaml'], {
  cwd: workspace,
  encoding: 'utf8',
  timeout: 60_000, // the Lua side gives up after 30 s; this is the backstop
  killSignal: 'SIGKILL',
  env: { ...process.env, TI_SERVER: server, TI_TIMEOUT_MS: '30000', XDG_STATE_HOME: workspace, XDG_DATA_HOME: workspace, XDG_CACHE_HOME: workspace },
});
fs.rmSync(workspace, { recursive: true, force: true });
process.stdout.write(r.stdout ?? '');
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const closing = /neovim: (\d+) passed, (\d+) failed/.exec(r.stdout ?? '');
if (r.error || r.status !== 0 || !closing || closing[2] !== '0' || closing[1] === '0') {
  if (r.stderr) console.error(r.stderr.slice(-2000));
  console.error(`neovim test failed (${r.error ? r.error.message : `exit ${r.status}`}) after ${seconds} s`);
  process.exit(1);
}
console.log(`neovim test passed in ${seconds} s`);
