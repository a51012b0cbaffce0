// `npm run test:e2e`: the end-to-end suite in a real VS Code (code-server 4.100.3 = VS Code 1.100.3),
// offline. It installs its tools into .vscode-test/tools when missing, packages the .vsix and installs
// it, starts code-server in its own process group, then with Debian's Chromium through playwright-core:
//   1. runs the mocha suite (test/e2e/suite) in the extension host through the workbench's `payload`
//      URL parameter, against the extension installed from the .vsix;
//   2. drives the UI as a person would: squiggle and hover, Problems panel (its text read from the DOM),
//      quick-fix menu applied with Enter; screenshots go to .vscode-test/screenshots.
// The process group is always killed. Exit 0 only when everything passed.
// Options: --update-screenshot copies the README screenshot to images/screenshot.png;
//          --keep leaves .vscode-test/run in place (it is wiped at the next run anyway).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { format } from 'node:util';
import { createRequire } from 'node:module';
import { buildSuite } from './build-suite.mjs';
import { codeServerBin, ensureTools, root, toolsDir } from './install.mjs';

const OVERALL_MS = 15 * 60_000;
const SUITE_MS = 5 * 60_000;
const runDir = path.join(root, '.vscode-test', 'run');
const shotsDir = path.join(root, '.vscode-test', 'screenshots');
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const step = (msg) => console.log(`[e2e ${elapsed()}] ${msg}`);

let server; // the code-server child, leader of its own process group
let browser;
const results = []; // [name, ok, detail]

function killGroup() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  try {
    process.kill(-server.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
process.on('exit', killGroup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killGroup();
    process.exit(130);
  });
}
const overall = setTimeout(() => {
  console.error(`[e2e] gave up after ${OVERALL_MS / 60000} minutes`);
  killGroup();
  process.exit(1);
}, OVERALL_MS);
overall.unref();

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 180_000, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function until(what, ms, probe) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250)); // polling an external process: there is no event to wait on
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

function record(name, ok, detail = '') {
  results.push([name, ok, detail]);
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

async function check(name, fn) {
  try {
    const detail = await fn();
    record(name, true, typeof detail === 'string' ? detail : '');
    return true;
  } catch (e) {
    record(name, false, e instanceof Error ? e.message.split('\n')[0] : String(e));
    return false;
  }
}

function copyFixture(to) {
  fs.cpSync(path.join(root, 'test', 'e2e', 'fixture'), to, { recursive: true });
  return to;
}

async function main() {
  step('tools');
  ensureTools({ quiet: true });
  const { chromium } = createRequire(path.join(toolsDir, 'package.json'))('playwright-core');

  step('npm run package');
  run('npm', ['run', 'package', '--silent']);
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const vsix = path.join(root, `trusted-images-${version}.vsix`);
  const vsixKB = Math.round(fs.statSync(vsix).size / 1024);
  if (vsixKB > 2048) throw new Error(`${path.basename(vsix)} is ${vsixKB} KB, over 2 MB`);
  step(`${path.basename(vsix)}: ${vsixKB} KB`);
  const testsPath = await buildSuite();

  fs.rmSync(runDir, { recursive: true, force: true });
  const dirs = Object.fromEntries(['user', 'extensions', 'tmp', 'data', 'config', 'cache'].map((d) => [d, path.join(runDir, d)]));
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(shotsDir, { recursive: true });
  const suiteWorkspace = copyFixture(path.join(runDir, 'suite-workspace'));
  const uiWorkspace = copyFixture(path.join(runDir, 'ui-workspace'));
  fs.mkdirSync(path.join(dirs.user, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.user, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'editor.stickyScroll.enabled': false,
        'editor.hover.delay': 100,
        'editor.minimap.enabled': false,
        'security.workspace.trust.enabled': false,
        'window.commandCenter': false,
        'chat.commandCenter.enabled': false,
        'workbench.colorTheme': 'Default Light Modern',
        'git.enabled': false,
        'git.openRepositoryInParentFolders': 'never',
      },
      null,
      2,
    ),
  );
  const env = {
    ...process.env,
    TMPDIR: dirs.tmp,
    XDG_DATA_HOME: dirs.data,
    XDG_CONFIG_HOME: dirs.config,
    XDG_CACHE_HOME: dirs.cache,
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }),
  };
  const common = ['--user-data-dir', dirs.user, '--extensions-dir', dirs.extensions];

  step('code-server --install-extension');
  run(process.execPath, [codeServerBin, ...common, '--install-extension', vsix], { env, timeout: 120_000 });
  const installed = path.join(dirs.extensions, `trusted-images.trusted-images-${version}`);
  if (!fs.existsSync(path.join(installed, 'dist', 'server.js'))) throw new Error(`the .vsix did not install into ${installed}`);

  const port = await freePort();
  const log = fs.openSync(path.join(runDir, 'code-server.log'), 'w');
  step(`code-server on 127.0.0.1:${port}`);
  // detached: the child calls setsid(2), so it leads a new process group that we kill as a whole.
  server = spawn(
    process.execPath,
    [
      codeServerBin,
      ...common,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
    ],
    { env, detached: true, stdio: ['ignore', log, log] },
  );
  const base = `http://127.0.0.1:${port}`;
  await until('code-server /healthz', 60_000, async () => {
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode}`);
    return (await fetch(`${base}/healthz`)).ok;
  });

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });

  // 1. The mocha suite in the extension host, on the extension installed from the .vsix.
  step('extension-host suite');
  const suiteOutput = [];
  const suiteOk = await check('mocha suite in the extension host (payload)', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    let exit;
    const exited = new Promise((resolve) => (exit = resolve));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = format(...(Array.isArray(args) ? args : [args]));
      suiteOutput.push(line);
      console.log(`    | ${line.replace(/\n/g, '\n    | ')}`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => exit(code));
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(installed)],
      ['extensionTestsPath', remote(testsPath)],
    ];
    await page.goto(`${base}/?folder=${encodeURIComponent(suiteWorkspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    let timer;
    const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), SUITE_MS)))]);
    clearTimeout(timer);
    await page.screenshot({ path: path.join(shotsDir, 'suite-end.png') }).catch(() => undefined);
    await context.close();
    if (code === 'timeout') throw new Error(`the suite did not finish within ${SUITE_MS / 1000} s`);
    if (code !== 0) throw new Error(`the suite exited with ${code}`);
    const under = suiteOutput.find((l) => l.includes('extension under test:'));
    if (!under?.includes(installed)) throw new Error(`the extension under test is not the installed .vsix: ${under ?? 'no such line'}`);
    const closing = suiteOutput.map((l) => l.match(/(\d+) passed, (\d+) failed/)).filter(Boolean).pop();
    return closing ? `${closing[1]} passed, ${closing[2]} failed` : '';
  });
  const closing = suiteOutput.map((l) => l.match(/(\d+) passed, (\d+) failed/)).filter(Boolean).pop();
  const suitePassed = closing ? Number(closing[1]) : 0;
  const suiteFailed = closing ? Number(closing[2]) : suiteOk ? 0 : 1;

  // 2. The UI, as a person sees it, with the extension installed normally.
  step('UI checks');
  await uiChecks(base, uiWorkspace);

  const uiPassed = results.filter(([n, ok]) => ok && !n.startsWith('mocha')).length;
  const uiFailed = results.filter(([n, ok]) => !ok && !n.startsWith('mocha')).length;
  const passed = suitePassed + uiPassed;
  const failed = suiteFailed + uiFailed;
  step(`screenshots in ${path.relative(root, shotsDir)}: ${fs.readdirSync(shotsDir).sort().join(', ')}`);
  console.log(`code-server: ${passed} passed, ${failed} failed`);
  return failed === 0 && suiteOk;
}

async function uiChecks(base, workspace) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const shot = (name) => page.screenshot({ path: path.join(shotsDir, name) });
  try {
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });

    const opened = await check('open pods/denied.yaml with Ctrl+P', async () => {
      await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => undefined);
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill('denied.yaml');
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'denied.yaml' }).first();
      await row.waitFor();
      await row.click();
      await page.locator('.tab.active', { hasText: 'denied.yaml' }).waitFor();
    });
    if (!opened) return;

    const squiggle = page.locator('.monaco-editor .squiggly-error').first();
    const hoverBox = page.locator('.monaco-hover:not(.hidden)', { hasText: 'REFUSED' }).first();
    const hover = async () => {
      await page.mouse.move(10, 10);
      const box = await squiggle.boundingBox();
      if (!box) throw new Error('no squiggle on screen');
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 - 3, { steps: 4 });
      await hoverBox.waitFor();
      return hoverBox.innerText();
    };
    await check('squiggle under the refused image', async () => {
      await squiggle.waitFor();
      return `${await page.locator('.monaco-editor .squiggly-error').count()} error squiggle(s)`;
    });
    await check('hover names the deciding constraint', async () => {
      const text = await hover();
      if (!/REFUSED: K8sAllowedRepos repo-is-openpolicyagent \(deny\)/.test(text)) throw new Error(`hover says: ${text}`);
      await shot('hover.png');
    });

    const command = async (title) => {
      await page.keyboard.press('Control+Shift+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await row.waitFor();
      await row.click();
    };

    await check('README screenshot: squiggle, hover and Problems panel together', async () => {
      await page.keyboard.press('Control+Shift+M');
      await page.locator('.markers-panel .monaco-list-row').first().waitFor();
      const text = await hover();
      if (!text.includes('REFUSED')) throw new Error('no hover');
      await shot('screenshot.png');
      if (process.argv.includes('--update-screenshot')) {
        fs.mkdirSync(path.join(root, 'images'), { recursive: true });
        fs.copyFileSync(path.join(shotsDir, 'screenshot.png'), path.join(root, 'images', 'screenshot.png'));
        return 'copied to images/screenshot.png';
      }
    });

    const readProblems = async () => {
      const panel = page.locator('.markers-panel');
      await panel.waitFor();
      const expected = [
        'Invalid image repo: <nginx:1.25>',
        'Invalid image repo: <prom/statsd-exporter:v0.26.0>',
        'Invalid image repo: <busybox:1.36>',
        'Invalid image repo: <redis:7>',
        'Invalid image repo: <docker.io/library/postgres:16>',
        'container <tool> has an invalid image repo <ghcr.io/example/tool:2.0>, disallowed repos are ["ghcr.io/"]',
        'repo-is-openpolicyagent',
        'no-public-ghcr',
        '[Ln 25, Col 18]',
        '[Ln 15, Col 22]',
        'denied.yaml',
        'web.yaml',
        'nightly-report.yaml',
        'multi.yaml',
        'tools.yaml',
        'fix-on-save.yaml',
        // The seed's prefix has no trailing "/": the policy lint warns on the constraint itself.
        'has no trailing "/" or ":"',
        'constraint.yaml',
      ];
      let text = '';
      await until('the Problems panel to list every violation', 30_000, async () => {
        text = await panel.innerText();
        return expected.every((e) => text.includes(e));
      }).catch((e) => {
        throw new Error(`${e.message}; missing ${JSON.stringify(expected.filter((x) => !text.includes(x)))}`);
      });
      if (/allowed\.yaml|kube-system-agent/.test(text)) throw new Error('a clean file is listed');
      const badge = (await page.locator('.panel .composite-bar .badge', { hasText: /\d/ }).first().innerText()).trim();
      // 9 violations and the lint warning on the seed constraint's prefix.
      if (badge !== '10') throw new Error(`the Problems badge says ${badge}, not 10`);
      await shot('problems.png');
      return `10 problems, ${await panel.locator('.monaco-list-row').count()} rows rendered`;
    };

    await check('Problems panel lists the workspace violations (read from the DOM)', async () => {
      await page.mouse.move(10, 10);
      // The list is virtual: maximize the panel so that every row is rendered.
      await command('Toggle Maximized Panel');
      try {
        return await readProblems();
      } finally {
        await command('Toggle Maximized Panel');
      }
    });

    await check('language status item shows the constraints and violations', async () => {
      await page.mouse.move(10, 10);
      const item = page.locator('[id="status.languageStatus"]');
      await item.waitFor({ timeout: 10_000 }).catch(async (e) => {
        const ids = await page.locator('.statusbar-item').evaluateAll((els) => els.map((el) => el.id || el.className));
        throw new Error(`${e.message.split('\n')[0]}; status bar items: ${ids.join(', ')}`);
      });
      await item.hover();
      const hoverText = page.locator('.monaco-hover, .workbench-hover', { hasText: /constraints?, \d+ violation/ }).first();
      await hoverText.waitFor({ timeout: 10_000 });
      const text = await hoverText.innerText();
      if (!/2 constraints, \d+ violations/.test(text)) throw new Error(`language status says: ${text}`);
      await shot('language-status.png');
      return text.replace(/\s+/g, ' ').trim();
    });

    await check('quick-fix menu (Ctrl+.) offers the rewrites; Enter applies the preferred one', async () => {
      await page.mouse.move(10, 10);
      await page.keyboard.press('Escape');
      await squiggle.waitFor();
      const box = await squiggle.boundingBox();
      if (!box) throw new Error('no squiggle on screen');
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.keyboard.press('Control+.');
      const menu = page.locator('.action-widget', { hasText: 'Use 071460744267' }).first();
      await menu.waitFor();
      const items = await menu.innerText();
      for (const t of ['dockerhub/library/nginx:1.25', 'Fix all untrusted images in this file', 'in constraint repo-is-openpolicyagent']) {
        if (!items.includes(t)) throw new Error(`the menu lacks "${t}": ${items}`);
      }
      await shot('quick-fix.png');
      await page.keyboard.press('Enter');
      await page.locator('.monaco-editor .view-lines', { hasText: 'snyk/dockerhub/library/nginx:1.25' }).first().waitFor();
      await until('the squiggle to go', 20_000, async () => (await page.locator('.monaco-editor .squiggly-error').count()) === 0);
      await shot('after-fix.png');
    });

    const open = async (name) => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill(name);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
      await row.waitFor();
      await row.click();
      await page.locator('.tab.active', { hasText: name }).waitFor();
    };

    await check('policy authoring: the Rego of the template is highlighted as Rego', async () => {
      await open('template.yaml');
      // Without the injection grammar the block is one YAML string per line; with it, Rego tokens.
      const lines = page.locator('.monaco-editor .view-lines');
      const packageLine = lines.locator('.view-line', { hasText: 'package k8sallowedrepos' }).first();
      await packageLine.waitFor({ timeout: 20_000 });
      await until('the Rego tokens', 20_000, async () => (await packageLine.locator('span span').count()) >= 3).catch(async (e) => {
        throw new Error(`${e.message}; the line renders as ${await packageLine.innerHTML()}`);
      });
      const tokens = await packageLine.locator('span span').evaluateAll((spans) => spans.map((x) => [x.textContent.trim(), x.className]));
      const cls = (word) => tokens.find(([t]) => t === word)?.[1];
      const classes = [cls('package'), cls('k8sallowedrepos')];
      if (!classes[0] || !classes[1] || classes[0] === classes[1]) throw new Error(`"package" and the package name look alike: ${JSON.stringify(tokens)}`);
      // Show the Rego: hide the panel, go to the block.
      await page.keyboard.press('Control+J');
      await page.keyboard.press('Control+G');
      await page.keyboard.type('30');
      await page.keyboard.press('Enter');
      await shot('rego.png');
      return `package ${classes[0]}, name ${classes[1]}`;
    });

    await check('policy authoring: the look-alike prefix of the constraint is a warning, with its hover', async () => {
      await open('constraint.yaml');
      const warning = page.locator('.monaco-editor .squiggly-warning').first();
      await warning.waitFor({ timeout: 20_000 });
      const box = await warning.boundingBox();
      if (!box) throw new Error('no warning squiggle on screen');
      await page.mouse.move(10, 10);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 - 3, { steps: 4 });
      const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'no trailing' }).first();
      await hover.waitFor();
      const text = await hover.innerText();
      if (!/admits \d+ images? in \d+ files?/.test(text)) throw new Error(`hover says: ${text}`);
      await shot('policy-lint.png');
    });
  } finally {
    await shot('ui-end.png').catch(() => undefined);
    await context.close();
  }
}

let ok = false;
try {
  ok = await main();
} catch (e) {
  console.error(`[e2e] ${e instanceof Error ? e.stack ?? e.message : e}`);
} finally {
  await browser?.close().catch(() => undefined);
  killGroup();
  if (!ok) {
    const logFile = path.join(runDir, 'code-server.log');
    if (fs.existsSync(logFile)) console.error(`--- last lines of ${path.relative(root, logFile)}:\n${fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n')}`);
  }
  if (!process.argv.includes('--keep') && ok) fs.rmSync(runDir, { recursive: true, force: true });
  step(ok ? 'passed' : 'FAILED');
}
process.exit(ok ? 0 : 1);
