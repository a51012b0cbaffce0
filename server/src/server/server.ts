// The language server: protocol wiring only. Knowledge of the workspace lives in WorkspaceIndex,
// the verdicts in the engine.
import * as path from 'node:path';
import {
  CodeActionKind,
  Connection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  InitializeParams,
  InitializeResult,
  TextDocuments,
  TextDocumentSyncKind,
  WatchKind,
  WorkDoneProgressReporter,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import { analyzeText, compact, FileAnalysis, skippedFile } from '../engine';
import { CheckOptions, skimFor } from '../engine';
import { YamlCache } from '../yaml/documents';
import { collectPolicyObjects, PolicyObjects } from '../engine';
import {
  commands,
  configurationSection,
  fixAllKind,
  InitializationOptions,
  normalizeSettings,
  Settings,
  Status,
  StatusNotification,
  StatusRequest,
  ViolationLocation,
  ViolationsParams,
  ViolationsRequest,
} from '../shared/protocol';
import { helmTemplateTest, isInside, isYamlName, readTextFileSync, walkYaml } from '../workspace/files';
import { globMatcher } from '../workspace/glob';
import { Change, WorkspaceIndex } from '../workspace/index';
import { constraintViolations } from '../workspace/policyStats';
import { CodeActions } from './codeActions';
import { diagnosticsFor, LinesOf } from './diagnostics';
import { hoverAt } from './hover';

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const maxBacklog = 8 * 1024;
/** Diagnostics sent between two checks that the client has caught up (see clientCaughtUp). */
const publishWindow = 50;
/** Typing in a file whose objects a template's data.inventory holds re-checks the others this much later. */
const inventoryRepublishDelayMs = 300;

/** Two 32-bit FNV-1a hashes (different seeds) of a string: equal texts, equal fingerprints. */
function fingerprint(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}.${s.length}`;
}

function checkOptionsOf(s: Settings): CheckOptions {
  return { namespace: s.defaultNamespace || 'default', checkPodTemplates: s.checkPodTemplates };
}

export class TrustedImagesServer {
  private readonly documents = new TextDocuments(TextDocument);
  private settings: Settings = normalizeSettings(undefined);
  private readonly index = new WorkspaceIndex(checkOptionsOf(this.settings));
  private folders: string[] = [];
  private trusted = true;
  private capabilities = { configuration: false, watchedFilesDynamic: false, workDoneProgress: false, workspaceFolders: false, codeActionResolve: false };
  private readonly codeActions = new CodeActions(
    this.index,
    () => this.settings.mirrors,
    (uri) => this.documents.get(uri)?.version,
    () => this.capabilities.codeActionResolve,
    (uri) => {
      if (!uri.startsWith('file:')) return undefined;
      const read = readTextFileSync(URI.parse(uri).fsPath, this.maxBytes());
      return read.ok ? analyzeText(uri, read.text) : undefined;
    },
  );
  private readonly published = new Map<string, string>();
  /** Violations per file by severity (error, warning, info), as last published: the status counts. */
  private readonly counts = new Map<string, [number, number, number]>();
  private readonly pendingDocuments = new Set<string>();
  /** Per open document: its documents' nodes from the last keystroke, re-used by the next. */
  private readonly yamlCaches = new Map<string, YamlCache>();
  private documentsScheduled = false;
  private republishScheduled = false;
  private scanGeneration = 0;
  private scanning = false;
  /** The current workspace pass; the first one starts after `initialized` and the settings. */
  private scanDone: Promise<void>;
  private resolveFirstScan: () => void = () => undefined;
  private isHelmTemplate = helmTemplateTest();

  /**
   * Lets requests in: a turn of the event loop, and, while more than maxBacklog bytes of our own
   * messages wait to be written, until they are (an answer queues behind every publish before it).
   */
  private async pause(): Promise<void> {
    await yieldToEventLoop();
    for (let waited = 0; this.backlog() > maxBacklog && waited < 2000; waited += 2) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  constructor(
    private readonly connection: Connection,
    /** Bytes written to the client but not yet taken by it (0 where the transport does not tell). */
    private readonly backlog: () => number = () => 0,
  ) {
    this.scanDone = new Promise((resolve) => (this.resolveFirstScan = resolve));
  }

  /** Resolves when the workspace passes have published everything (the status request waits on it). */
  private async scansSettled(): Promise<void> {
    for (;;) {
      const current = this.scanDone;
      await current;
      if (current === this.scanDone) return;
    }
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize((p) => this.initialize(p));
    c.onInitialized(() => void this.initialized());
    this.documents.onDidChangeContent((e) => this.scheduleDocument(e.document.uri));
    this.documents.onDidClose((e) => void this.closed(e.document.uri));
    c.onDidChangeWatchedFiles((p) => void this.watchedFilesChanged(p.changes));
    c.onDidChangeConfiguration((p) => void this.configurationChanged(p.settings));
    c.onHover((p) => {
      this.refreshDocument(p.textDocument.uri);
      const a = this.index.analysis(p.textDocument.uri);
      if (!a || a.skipped) return null;
      if (p.position.line < 0 || p.position.line >= a.lines.lineCount) return null;
      return hoverAt(a, a.lines.offset(p.position.line, p.position.character), this.index, this.settings.mirrors, this.linesOf);
    });
    c.onCodeAction((p) => {
      this.refreshDocument(p.textDocument.uri);
      return this.codeActions.provide(p);
    });
    c.onCodeActionResolve((action) => this.codeActions.resolve(action));
    c.onExecuteCommand(async (p) => {
      if (p.command !== commands.fixAllInWorkspace) return null;
      for (const uri of this.documents.keys()) this.refreshDocument(uri);
      const edit = this.codeActions.workspaceFixAll();
      if (!edit) {
        void c.window.showInformationMessage('Trusted Images: no untrusted image has a trusted rewrite.');
        return { applied: false };
      }
      return c.workspace.applyEdit({ label: 'Trusted Images: fix all untrusted images', edit });
    });
    c.onRequest(StatusRequest, async (params?: { waitForScan?: boolean }) => {
      if (params?.waitForScan) await this.scansSettled();
      return this.status();
    });
    c.onRequest(ViolationsRequest, (p: ViolationsParams): ViolationLocation[] =>
      constraintViolations(this.index, p.kind, p.name).map((v) => {
        const pos = this.linesOf(v.uri)?.position(v.offset) ?? { line: 0, character: 0 };
        return { uri: v.uri, line: pos.line, character: pos.character, message: v.message };
      }),
    );
    c.onShutdown(() => {
      this.scanGeneration++;
    });
    this.documents.listen(c);
    c.listen();
  }

  private initialize(p: InitializeParams): InitializeResult {
    const caps = p.capabilities;
    this.capabilities = {
      configuration: !!caps.workspace?.configuration,
      watchedFilesDynamic: !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration,
      workDoneProgress: !!caps.window?.workDoneProgress,
      workspaceFolders: !!caps.workspace?.workspaceFolders,
      codeActionResolve: !!caps.textDocument?.codeAction?.resolveSupport?.properties.includes('edit'),
    };
    const init = (p.initializationOptions ?? {}) as InitializationOptions;
    this.trusted = init.trusted !== false;
    const folders = p.workspaceFolders?.map((f) => f.uri) ?? (p.rootUri ? [p.rootUri] : p.rootPath ? [URI.file(p.rootPath).toString()] : []);
    this.folders = folders.filter((u) => u.startsWith('file:')).map((u) => URI.parse(u).fsPath);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, fixAllKind], resolveProvider: true },
        executeCommandProvider: { commands: [commands.fixAllInWorkspace] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'trusted-images-language-server', version: '0.1.0' },
    };
  }

  private async initialized(): Promise<void> {
    const c = this.connection;
    if (this.capabilities.watchedFilesDynamic) {
      void c.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [
          { globPattern: '**/*.{yaml,yml}' },
          // A deleted folder is reported as the folder only: its files' diagnostics must go too.
          { globPattern: '**/*', kind: WatchKind.Delete },
        ],
      });
    }
    if (this.capabilities.configuration) {
      void c.client.register(DidChangeConfigurationNotification.type, { section: configurationSection });
    }
    if (this.capabilities.workspaceFolders) {
      c.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const r of e.removed) {
          const dir = URI.parse(r.uri).fsPath;
          this.folders = this.folders.filter((f) => f !== dir);
          const { removed } = this.index.removeDiskWhere((uri) => uri.startsWith('file:') && isInside(dir, URI.parse(uri).fsPath));
          for (const uri of removed) this.publishNow(uri);
        }
        const added = e.added.map((f) => URI.parse(f.uri).fsPath);
        this.folders.push(...added);
        void this.rescan();
      });
    }
    await this.loadSettings();
    await this.rescan();
  }

  private async loadSettings(pushed?: unknown): Promise<void> {
    let raw: unknown = pushed;
    if (this.capabilities.configuration) {
      // A client that never answers must not stop the server: fall back after a bound.
      raw = await Promise.race([
        this.connection.workspace.getConfiguration(configurationSection).catch(() => undefined),
        new Promise((resolve) => setTimeout(() => resolve(undefined), 5000)),
      ]);
    } else if (pushed && typeof pushed === 'object' && configurationSection in pushed) {
      raw = (pushed as Record<string, unknown>)[configurationSection];
    }
    this.settings = normalizeSettings(raw);
    this.index.setOptions(checkOptionsOf(this.settings));
  }

  private async configurationChanged(pushed: unknown): Promise<void> {
    // The client applies trace.server itself: only the other settings change what is checked.
    const checked = (s: Settings) => JSON.stringify({ ...s, 'trace.server': undefined });
    const before = checked(this.settings);
    await this.loadSettings(pushed);
    if (checked(this.settings) === before) return;
    await this.rescan();
  }

  private readonly linesOf: LinesOf = (uri) => this.index.analysis(uri)?.lines;

  private excluded(file: string): boolean {
    if (this.settings.exclude.length === 0) return false;
    if (this.excludeMatcher?.patterns !== this.settings.exclude) this.excludeMatcher = { patterns: this.settings.exclude, test: globMatcher(this.settings.exclude) };
    for (const folder of this.folders) {
      if (!isInside(folder, file)) continue;
      const rel = path.relative(folder, file).split(path.sep).join('/');
      if (rel && this.excludeMatcher.test(rel)) return true;
    }
    return false;
  }

  /** The exclude patterns compiled, for the settings they were compiled from. */
  private excludeMatcher: { patterns: readonly string[]; test: (rel: string) => boolean } | undefined;

  private maxBytes(): number {
    return Math.floor(this.settings.maxFileSizeMB * 1024 * 1024);
  }

  /**
   * A file on disk, as the index keeps closed files: compact (reviews, errors, policy objects and
   * line starts), parsed with a skim that keeps only what the checks read.
   */
  private async analyzeDisk(file: string, uri: string): Promise<FileAnalysis> {
    if (this.isHelmTemplate(file)) return skippedFile(uri, '', "template: under a Helm chart's templates/ folder");
    const read = readTextFileSync(file, this.maxBytes());
    if (!read.ok) return skippedFile(uri, '', read.reason);
    const templates = this.index.templates();
    // Rego policies read whole objects: no skim then.
    const objects = this.index.needsObjects();
    return compact(analyzeText(uri, read.text, undefined, undefined, objects ? undefined : skimFor(templates)), templates, this.index.needsAllReviews(), objects);
  }

  /** Closed files read for other expansion templates than those now in force are read again. */
  private async refreshStale(): Promise<void> {
    for (let round = 0; round < 3 && this.index.stale.size > 0; round++) {
      const uris = [...this.index.stale];
      this.index.stale.clear();
      for (const uri of uris) {
        if (!uri.startsWith('file:') || this.index.isOpen(uri)) continue;
        this.index.setDisk(uri, await this.analyzeDisk(URI.parse(uri).fsPath, uri));
      }
    }
  }

  /** The workspace pass: reads every YAML file of the folders, then publishes every file. */
  private rescan(): Promise<void> {
    const generation = ++this.scanGeneration;
    const first = this.resolveFirstScan;
    const run = async () => {
      this.scanning = true;
      this.sendStatus();
      this.isHelmTemplate = helmTemplateTest();
      const progress = await this.beginProgress();
      try {
        if (!this.settings.enable) {
          for (const uri of this.index.uris()) this.index.removeDisk(uri);
          for (const uri of [...this.published.keys()]) this.connection.sendDiagnostics({ uri, diagnostics: [] });
          this.published.clear();
          return;
        }
        const exclude = (p: string) => this.excluded(p);
        const walked = await walkYaml(this.folders, { exclude, cancelled: () => generation !== this.scanGeneration });
        const seen = new Set<string>();
        let done = 0;
        let lastYield = Date.now();
        for (const f of walked.files) {
          if (generation !== this.scanGeneration) return;
          const uri = URI.file(f.path).toString();
          seen.add(uri);
          this.index.setDisk(uri, await this.analyzeDisk(f.path, uri));
          done++;
          if (Date.now() - lastYield > 2) {
            progress?.report(Math.round((done / walked.files.length) * 100), `${done}/${walked.files.length} files`);
            await this.pause();
            lastYield = Date.now();
          }
        }
        // Files that are gone or now excluded.
        const { removed } = this.index.removeDiskWhere((uri) => !seen.has(uri));
        for (const uri of removed) this.publishNow(uri);
        await this.loadExtraPolicy();
        await this.publishAll(generation);
      } catch (e) {
        this.connection.console.error(`Workspace pass failed: ${e instanceof Error ? e.stack : String(e)}`);
      } finally {
        progress?.done();
        if (generation === this.scanGeneration) {
          this.scanning = false;
          this.sendStatus();
        }
      }
    };
    this.scanDone = run();
    void this.scanDone.then(first);
    return this.scanDone;
  }

  private async beginProgress(): Promise<WorkDoneProgressReporter | undefined> {
    if (!this.capabilities.workDoneProgress) return undefined;
    try {
      const p = await Promise.race([
        this.connection.window.createWorkDoneProgress(),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000)),
      ]);
      p?.begin('Trusted Images', 0, 'Checking workspace images', false);
      return p;
    } catch {
      return undefined;
    }
  }

  /** Constraints from `constraintPaths` (resolved against the first folder; inside the workspace only when untrusted). */
  private async loadExtraPolicy(): Promise<void> {
    const base = this.folders[0] ?? process.cwd();
    const roots = this.settings.constraintPaths
      .map((p) => path.resolve(base, p))
      .filter((p) => {
        const inside = this.folders.some((f) => isInside(f, p));
        if (!inside && !this.trusted) {
          this.connection.console.warn(`constraintPaths: ${p} is outside the workspace, which is not trusted; ignored.`);
          return false;
        }
        return true;
      });
    const entries = new Map<string, PolicyObjects>();
    if (roots.length > 0) {
      const walked = await walkYaml(roots);
      for (const p of walked.problems) this.connection.console.warn(`constraintPaths: ${p.path}: ${p.message}`);
      for (const f of walked.files) {
        const uri = URI.file(f.path).toString();
        const a = await this.analyzeDisk(f.path, uri);
        entries.set(uri, a.skipped ? collectPolicyObjects(uri, []) : a.policy);
      }
    }
    this.index.setExtraPolicy(entries);
  }

  private async publishAll(generation: number): Promise<void> {
    // Files read before the expansion templates were all known are read again first.
    for (const uri of this.index.uris()) this.index.reviews(uri);
    if (this.index.stale.size > 0) await this.refreshStale();
    if (generation !== this.scanGeneration) return;
    // Open documents first: they are what the user is looking at.
    const uris = this.index.uris().sort((a, b) => Number(this.index.isOpen(b)) - Number(this.index.isOpen(a)));
    let lastYield = Date.now();
    let sent = 0;
    let caughtUp: Promise<void> | undefined;
    for (const uri of uris) {
      if (generation !== this.scanGeneration) return;
      if (this.publishNow(uri) && ++sent % publishWindow === 0) {
        // At most two windows of diagnostics ahead of what the client has handled.
        const next = this.clientCaughtUp();
        if (caughtUp) await caughtUp;
        caughtUp = next;
      }
      if (Date.now() - lastYield > 2 || this.backlog() > maxBacklog) {
        await this.pause();
        lastYield = Date.now();
      }
    }
    this.sendStatus();
  }

  /**
   * Resolves when the client has handled every message sent before it. A client reads eagerly and
   * queues what it has not handled yet, so a burst of diagnostics would sit ahead of the answer to a
   * hover (measured: up to 300 ms on 10,000 files). It answers requests in order, after the
   * notifications before them: a configuration request tells. Bounded, for a client that never answers
   * (then it is not asked again, unless a late answer comes).
   */
  private clientCaughtUp(): Promise<void> {
    if (!this.capabilities.configuration || this.clientSilent) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.clientSilent = true;
        resolve();
      }, 2000);
      // A late answer (a busy editor, once) turns the pacing back on.
      const answered = (): void => {
        clearTimeout(timer);
        this.clientSilent = false;
        resolve();
      };
      this.connection.workspace.getConfiguration(configurationSection).then(answered, answered);
    });
  }

  /** A client that did not answer a configuration request in time. */
  private clientSilent = false;

  /** Re-checks every file after the policy changed; bursts of changes coalesce into one pass. */
  /** Every file again: at once for a policy change, after a pause for objects a template's inventory holds. */
  private scheduleRepublishAll(delayMs = 0): void {
    if (this.republishScheduled) return;
    this.republishScheduled = true;
    const run = () => {
      this.republishScheduled = false;
      void this.publishAll(this.scanGeneration);
    };
    if (delayMs > 0) setTimeout(run, delayMs);
    else setImmediate(run);
  }

  /** After a change of files: every file when the policy (or a template's inventory) changed. */
  private republishAfter(change: Change): void {
    if (change.policyChanged) this.scheduleRepublishAll();
    else if (change.inventoryChanged) this.scheduleRepublishAll(inventoryRepublishDelayMs);
  }

  /** Publishes a file's diagnostics if they changed; whether it sent them. */
  private publishNow(uri: string): boolean {
    const analysis = this.index.analysis(uri);
    const violations = analysis && this.settings.enable ? this.index.violations(uri) : [];
    const counts: [number, number, number] = [0, 0, 0];
    for (const v of violations) counts[v.severity === 'error' ? 0 : v.severity === 'warning' ? 1 : 2]++;
    if (violations.length > 0) this.counts.set(uri, counts);
    else this.counts.delete(uri);
    let diagnostics = analysis ? diagnosticsFor(analysis, violations, this.index.policy(), this.linesOf) : [];
    if (!this.settings.enable) diagnostics = [];
    const version = this.index.version(uri);
    // A fingerprint of what was sent, not the text of it: 10,000 files' diagnostics stay out of memory.
    const key = fingerprint(JSON.stringify([version, diagnostics]));
    if (this.published.get(uri) === key) return false;
    if (diagnostics.length === 0 && !this.published.has(uri) && version === undefined) return false;
    this.published.set(uri, key);
    this.connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics });
    return true;
  }

  /** Changes of open documents: coalesced to the latest text, checked on the next turn of the event loop. */
  private scheduleDocument(uri: string): void {
    this.pendingDocuments.add(uri);
    if (this.documentsScheduled) return;
    this.documentsScheduled = true;
    setImmediate(() => {
      this.documentsScheduled = false;
      const uris = [...this.pendingDocuments];
      this.pendingDocuments.clear();
      for (const u of uris) {
        try {
          this.refreshDocument(u);
          this.publishNow(u);
        } catch (e) {
          this.connection.console.error(`Checking ${u} failed: ${e instanceof Error ? e.stack : String(e)}`);
        }
      }
      this.sendStatus();
    });
  }

  /** Analyses the open document's current text if it changed; a policy change re-checks every file. */
  private refreshDocument(uri: string): void {
    const doc = this.documents.get(uri);
    if (!doc) return;
    if (this.index.version(uri) === doc.version && this.index.analysis(uri)) return;
    const text = doc.getText();
    const maxBytes = this.maxBytes();
    let cache = this.yamlCaches.get(uri);
    if (!cache) this.yamlCaches.set(uri, (cache = new YamlCache()));
    const analysis =
      text.length > maxBytes ? skippedFile(uri, text, `too large: over the ${this.settings.maxFileSizeMB} MB limit (maxFileSizeMB)`) : analyzeText(uri, text, undefined, cache);
    this.republishAfter(this.index.setOpen(uri, analysis, doc.version));
  }

  private async closed(uri: string): Promise<void> {
    this.pendingDocuments.delete(uri);
    this.yamlCaches.delete(uri);
    let change = this.index.close(uri);
    if (uri.startsWith('file:')) {
      const file = URI.parse(uri).fsPath;
      // Fall back to the disk version, if it is part of the workspace.
      if (isYamlName(file) && this.folders.some((f) => isInside(f, file)) && !this.excluded(file)) {
        const a = await this.analyzeDisk(file, uri);
        const disk = this.index.setDisk(uri, a);
        change = { policyChanged: disk.policyChanged || change.policyChanged, inventoryChanged: disk.inventoryChanged || change.inventoryChanged };
      }
    }
    this.publishNow(uri);
    this.republishAfter(change);
  }

  private async watchedFilesChanged(changes: ReadonlyArray<{ uri: string; type: FileChangeType }>): Promise<void> {
    let policyChanged = false;
    let inventoryChanged = false;
    const touched: string[] = [];
    for (const ch of changes) {
      if (!ch.uri.startsWith('file:')) continue;
      const file = URI.parse(ch.uri).fsPath;
      const uri = URI.file(file).toString();
      try {
        if (ch.type === FileChangeType.Deleted) {
          // A deleted folder takes its files with it.
          const { removed, change } = this.index.removeDiskWhere((u) => u === uri || (u.startsWith('file:') && isInside(file, URI.parse(u).fsPath)));
          policyChanged = change.policyChanged || policyChanged;
          inventoryChanged = change.inventoryChanged === true || inventoryChanged;
          touched.push(...removed);
          continue;
        }
        if (!isYamlName(file) || !this.folders.some((f) => isInside(f, file)) || this.excluded(file)) continue;
        const a = await this.analyzeDisk(file, uri);
        const change = this.index.setDisk(uri, a);
        policyChanged = change.policyChanged || policyChanged;
        inventoryChanged = change.inventoryChanged === true || inventoryChanged;
        touched.push(uri);
      } catch (e) {
        this.connection.console.error(`Reading ${file} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    // A constraint file outside the workspace (constraintPaths) may have changed too.
    if (this.settings.constraintPaths.length > 0) {
      await this.loadExtraPolicy();
      policyChanged = true;
    }
    // The files that changed now; the others when the change reaches them (see republishAfter).
    if (!policyChanged) for (const uri of touched) this.publishNow(uri);
    this.republishAfter({ policyChanged, inventoryChanged });
  }

  status(): Status {
    const policy = this.index.policy();
    const violations = { error: 0, warning: 0, info: 0 };
    for (const [uri, c] of this.counts) {
      if (!this.index.analysis(uri)) continue;
      violations.error += c[0];
      violations.warning += c[1];
      violations.info += c[2];
    }
    return {
      constraints: policy.constraints.map((c) => ({
        kind: c.kind,
        name: c.name,
        uri: c.file,
        line: this.linesOf(c.file)?.position(c.span.start).line ?? 0,
        enforcementAction: c.enforcementAction,
      })),
      files: this.index.fileCount,
      violations,
      scanning: this.scanning,
    };
  }

  private statusScheduled = false;
  private sendStatus(): void {
    if (this.statusScheduled) return;
    this.statusScheduled = true;
    setTimeout(() => {
      this.statusScheduled = false;
      void this.connection.sendNotification(StatusNotification, this.status()).catch(() => undefined);
    }, 50);
  }
}
