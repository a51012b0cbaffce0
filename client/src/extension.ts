// The VS Code client: starts the bundled server over IPC and shows what it reports. It knows the
// server only through the protocol and the shared protocol module.
import * as vscode from 'vscode';
import {
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandler,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  Message,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';
import {
  commands,
  ConstraintInfo,
  InitializationOptions,
  Status,
  StatusNotification,
  StatusRequest,
  ViolationLocation,
  ViolationsParams,
  ViolationsRequest,
} from '../../server/src/shared/protocol';

let client: LanguageClient | undefined;
let log: vscode.LogOutputChannel;
let statusItem: vscode.LanguageStatusItem;

/** Restarts a crashed server a few times, then stops and says so once. */
class RestartingErrorHandler implements ErrorHandler {
  private restarts: number[] = [];
  private told = false;
  constructor(private readonly maxRestarts = 4, private readonly windowMs = 3 * 60 * 1000) {}

  error(_error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult {
    return { action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < this.windowMs);
    this.restarts.push(now);
    if (this.restarts.length <= this.maxRestarts) {
      log.warn(`The Trusted Images server stopped; restarting it (${this.restarts.length}/${this.maxRestarts}).`);
      return { action: CloseAction.Restart, handled: true };
    }
    if (!this.told) {
      this.told = true;
      void vscode.window
        .showErrorMessage(`The Trusted Images server stopped ${this.maxRestarts + 1} times in a few minutes and will not be restarted.`, 'Show Output', 'Restart')
        .then((choice) => {
          if (choice === 'Show Output') log.show();
          if (choice === 'Restart') void vscode.commands.executeCommand(commands.restartServer);
        });
    }
    return { action: CloseAction.DoNotRestart, handled: true };
  }
}

function createClient(context: vscode.ExtensionContext, traceChannel: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6012'] } },
  };
  const initializationOptions: InitializationOptions = { trusted: vscode.workspace.isTrusted };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'untitled', language: 'yaml' },
    ],
    outputChannel: log,
    traceOutputChannel: traceChannel,
    initializationOptions,
    errorHandler: new RestartingErrorHandler(),
    // Hovers link to one command of ours (show a constraint's violations); nothing else runs from them.
    markdown: { isTrusted: { enabledCommands: [commands.showViolations] } },
  };
  return new LanguageClient('trustedImages', 'Trusted Images', serverOptions, clientOptions);
}

function showStatus(status: Status): void {
  const n = status.constraints.length;
  const v = status.violations.error + status.violations.warning + status.violations.info;
  statusItem.busy = status.scanning;
  statusItem.text = `${n} constraint${n === 1 ? '' : 's'}, ${v} violation${v === 1 ? '' : 's'}`;
  statusItem.detail = status.scanning ? `checking ${status.files} files…` : `${status.files} files checked`;
  statusItem.severity = status.violations.error > 0 ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
}

async function startClient(context: vscode.ExtensionContext, traceChannel: vscode.LogOutputChannel): Promise<void> {
  client = createClient(context, traceChannel);
  client.onNotification(StatusNotification, (s: Status) => showStatus(s));
  try {
    await client.start();
  } catch (e) {
    log.error(`The Trusted Images server did not start: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function showViolations(kind?: string, name?: string): Promise<void> {
  if (!client?.isRunning()) return;
  if (!kind || !name) {
    // From the command palette: which constraint?
    const status = await client.sendRequest<Status>(StatusRequest, {});
    const pick = await vscode.window.showQuickPick(
      status.constraints.map((c) => ({ label: `${c.kind} ${c.name}`, description: c.enforcementAction, c })),
      { placeHolder: 'Show the violations of which constraint?' },
    );
    if (!pick) return;
    kind = pick.c.kind;
    name = pick.c.name;
  }
  const params: ViolationsParams = { kind, name };
  const found = await client.sendRequest<ViolationLocation[]>(ViolationsRequest, params);
  if (found.length === 0) {
    void vscode.window.showInformationMessage(`${kind} ${name} causes no violation in the workspace.`);
    return;
  }
  const picked = await vscode.window.showQuickPick(
    found.map((v) => ({ label: v.message, detail: `${vscode.workspace.asRelativePath(vscode.Uri.parse(v.uri))}:${v.line + 1}`, v })),
    { placeHolder: `${found.length} violation${found.length === 1 ? '' : 's'} of ${kind} ${name}`, matchOnDetail: true },
  );
  if (!picked) return;
  const pos = new vscode.Position(picked.v.line, picked.v.character);
  await vscode.window.showTextDocument(vscode.Uri.parse(picked.v.uri), { selection: new vscode.Range(pos, pos) });
}

const engineText: Record<ConstraintInfo['engine'], string> = { builtin: 'image check', rego: 'Rego', cel: 'CEL', vap: 'ValidatingAdmissionPolicy', kyverno: 'Kyverno' };

async function showConstraints(): Promise<void> {
  if (!client?.isRunning()) {
    void vscode.window.showWarningMessage('The Trusted Images server is not running.');
    return;
  }
  const status = await client.sendRequest<Status>(StatusRequest, {});
  if (status.constraints.length === 0) {
    void vscode.window.showInformationMessage('No Gatekeeper constraint was found in the workspace.');
    return;
  }
  const picked = await vscode.window.showQuickPick(
    status.constraints.map((c) => ({
      label: `${c.kind} ${c.name}`,
      description: `${c.enforcementAction}, ${engineText[c.engine]}`,
      detail: `${vscode.workspace.asRelativePath(vscode.Uri.parse(c.uri))}:${c.line + 1}`,
      constraint: c,
    })),
    { placeHolder: 'Gatekeeper constraints in this workspace', matchOnDescription: true },
  );
  if (!picked) return;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(picked.constraint.uri));
  const pos = new vscode.Position(picked.constraint.line, 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos) });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  log = vscode.window.createOutputChannel('Trusted Images', { log: true });
  const traceChannel = vscode.window.createOutputChannel('Trusted Images Trace', { log: true });
  statusItem = vscode.languages.createLanguageStatusItem('trustedImages.status', { language: 'yaml' });
  statusItem.name = 'Trusted Images';
  statusItem.text = 'Trusted Images';
  statusItem.busy = true;
  statusItem.command = { title: 'Show Constraints', command: commands.showConstraints };
  context.subscriptions.push(
    log,
    traceChannel,
    statusItem,
    vscode.commands.registerCommand(commands.showConstraints, showConstraints),
    vscode.commands.registerCommand(commands.showOutput, () => log.show()),
    vscode.commands.registerCommand(commands.showViolations, (kind?: string, name?: string) => showViolations(kind, name)),
    vscode.commands.registerCommand(commands.restartServer, async () => {
      log.info('Restarting the Trusted Images server.');
      await client?.stop().catch(() => undefined);
      await startClient(context, traceChannel);
    }),
    // Trust changes what the server may read (constraintPaths outside the workspace).
    vscode.workspace.onDidGrantWorkspaceTrust(() => void vscode.commands.executeCommand(commands.restartServer)),
  );
  await startClient(context, traceChannel);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
