// A small LSP client for tests: starts the BUILT server over stdio and talks to it as an editor does.
// Every wait is on a message, bounded by a timeout; nothing sleeps.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import {
  createProtocolConnection,
  Diagnostic,
  InitializeParams,
  ProtocolConnection,
  PublishDiagnosticsParams,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { URI } from 'vscode-uri';
import { projectRoot } from '../support/helpers';

export const serverPath = path.join(projectRoot, 'dist', 'server.js');

export interface StartOptions {
  folder?: string;
  /** More workspace folders after `folder`. */
  moreFolders?: string[];
  settings?: Record<string, unknown>;
  /** Settings per scope (a folder's URI, or undefined for the window), as an editor with folder settings answers. */
  settingsFor?: (scopeUri: string | undefined) => Record<string, unknown>;
  /** Leave capabilities out, as a minimal editor would. */
  minimal?: boolean;
  initializationOptions?: unknown;
  /** Announce codeAction/resolve support for `edit`, as VS Code does. */
  codeActionResolve?: boolean;
  /** Keep only the latest publish per file, as an editor does (not every publish in `published`). */
  latestOnly?: boolean;
  /** Runs before each answer to workspace/configuration (a slow client). */
  beforeConfiguration?: () => Promise<void>;
  /** Another build of the server (a benchmark comparing two builds); the project's dist/server.js by default. */
  serverPath?: string;
}

type Waiter = { test: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void };

export class TestClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  /** Every publish, in arrival order. */
  readonly published: PublishDiagnosticsParams[] = [];
  readonly log: string[] = [];
  /** workspace/configuration requests received. */
  configurationRequests = 0;
  private waiters: Waiter[] = [];
  settings: Record<string, unknown>;

  private constructor(
    readonly process: ChildProcess,
    readonly connection: ProtocolConnection,
    options: StartOptions,
  ) {
    this.settings = options.settings ?? {};
  }

  static async start(options: StartOptions = {}): Promise<TestClient> {
    // TI_SERVER_NODE_ARGS (e.g. "--cpu-prof") profiles the server in benchmarks.
    const nodeArgs = process.env.TI_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...nodeArgs, options.serverPath ?? serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new TestClient(child, connection, options);
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      client.diagnostics.set(p.uri, p);
      if (!options.latestOnly) client.published.push(p);
      client.waiters = client.waiters.filter((w) => {
        if (!w.test(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    connection.onNotification('window/logMessage', (p: { message: string }) => {
      client.log.push(p.message);
    });
    connection.onRequest('workspace/configuration', async (p: { items: Array<{ scopeUri?: string }> }) => {
      client.configurationRequests++;
      await options.beforeConfiguration?.();
      return p.items.map((item) => options.settingsFor?.(item.scopeUri) ?? client.settings);
    });
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onNotification('$/progress', () => undefined);
    connection.onNotification('trustedImages/statusChanged', () => undefined);
    connection.listen();
    const folder = options.folder ? URI.file(options.folder).toString() : null;
    const params: InitializeParams = {
      processId: process.pid,
      rootUri: folder,
      workspaceFolders: folder ? [options.folder!, ...(options.moreFolders ?? [])].map((f) => ({ uri: URI.file(f).toString(), name: path.basename(f) })) : null,
      initializationOptions: options.initializationOptions,
      capabilities: options.minimal
        ? {}
        : {
            workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true },
            window: { workDoneProgress: true },
            textDocument: {
              publishDiagnostics: { versionSupport: true, relatedInformation: true },
              hover: { contentFormat: ['markdown', 'plaintext'] },
              ...(options.codeActionResolve ? { codeAction: { resolveSupport: { properties: ['edit'] }, dataSupport: true } } : {}),
            },
          },
    };
    await connection.sendRequest('initialize', params);
    connection.sendNotification('initialized', {});
    return client;
  }

  /** Waits for a publish for `uri` that satisfies `test` (the latest one counts if it already does). */
  waitFor(uri: string, test: (d: Diagnostic[], p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 15_000): Promise<PublishDiagnosticsParams> {
    const latest = this.diagnostics.get(uri);
    if (latest && test(latest.diagnostics, latest)) return Promise.resolve(latest);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for diagnostics of ${uri}; latest: ${JSON.stringify(this.diagnostics.get(uri)?.diagnostics.map((d) => d.message))}`));
      }, timeoutMs);
      const waiter: Waiter = {
        test: (p) => p.uri === uri && test(p.diagnostics, p),
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Waits until the workspace pass has published everything. */
  async scanned(): Promise<unknown> {
    return this.connection.sendRequest('trustedImages/status', { waitForScan: true });
  }

  open(uri: string, text: string, version = 1): void {
    this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version, text } });
  }

  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.process.once('exit', (code) => resolve(code)));
    try {
      await this.connection.sendRequest('shutdown');
      this.connection.sendNotification('exit');
    } catch {
      this.process.kill();
    }
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    this.connection.dispose();
    return code;
  }
}

export const uriOf = (file: string) => URI.file(file).toString();

export interface LspTextEdit {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  newText: string;
}

/** Applies LSP text edits to a text, as an editor does. */
export function applyTextEdits(text: string, edits: readonly LspTextEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const off = (p: { line: number; character: number }) => (starts[p.line] ?? text.length) + p.character;
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}
