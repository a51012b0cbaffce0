// The entry point both launchers hand to VS Code as extensionTestsPath: `run()` returns a promise that
// settles when mocha is done (the contract of @vscode/test-electron and of the workbench's `payload`).
import * as path from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 45_000, slow: 5_000, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'extension.test.js'));
  await mocha.loadFilesAsync();
  const { passes, failures } = await new Promise<{ passes: number; failures: number }>((resolve) => {
    const runner = mocha.run(() => resolve({ passes: runner.stats?.passes ?? 0, failures: runner.stats?.failures ?? 0 }));
  });
  console.log(`extension-host: ${passes} passed, ${failures} failed`);
  if (failures > 0 || passes === 0) throw new Error(`${failures} end-to-end test(s) failed, ${passes} passed`);
}
