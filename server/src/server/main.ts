// `trusted-images-language-server --stdio` (any editor) or `--node-ipc` (the VS Code client).
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { TrustedImagesServer } from './server';

const transports = ['--stdio', '--node-ipc', '--socket', '--pipe'];
if (!process.argv.some((a) => transports.some((t) => a === t || a.startsWith(`${t}=`)))) {
  process.stderr.write('Usage: trusted-images-language-server --stdio | --node-ipc | --socket=PORT | --pipe=NAME\n');
  process.exit(2);
}

const connection = createConnection(ProposedFeatures.all);
// A broken file or a bug must never take the editor's server down: log, and keep serving.
process.on('unhandledRejection', (reason) => {
  connection.console.error(`Unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
});
process.on('uncaughtException', (error) => {
  connection.console.error(`Uncaught exception: ${error.stack ?? String(error)}`);
});
// Over stdio, the bytes not yet taken by the editor tell the workspace pass to let answers through.
const stdio = process.argv.includes('--stdio');
new TrustedImagesServer(connection, () => (stdio ? process.stdout.writableLength : 0)).listen();
