// The language server: protocol wiring only. Knowledge of the workspace lives in WorkspaceIndex,
// the verdicts in the engine.
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
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { analyzeText, FileAnalysis, skippedFile } from '../engine';
import { mergeChanges, reanalyze, TextChange } from '../engine/incremental';
import { YamlCache } from '../yaml/documents';
import {
  commands,
  ConstraintInfo,
  configurationSection,
  fixAllKind,
  InitializationOptions,
  Settings,
  Status,
  StatusNotification,
  StatusRequest,
  ViolationLocation,
  ViolationsParams,
  ViolationsRequest,
} from '../shared/protocol';
import { Change, WorkspaceIndex } from '../workspace/index';
import { Log, WorkspaceScan } from '../workspace/scan';
import { ConfigurationItem, WorkspaceSettings } from './settings';
import { allConstraints, constraintViolations } from '../workspace/policyStats';
import { CodeActions } from './codeActions';
import { diagnosticsFor, LinesOf } from './diagnostics';
import { hoverAt } from './hover';
import { Pacing } from './pacing';
import { LineIndex } from '../yaml/documents';
import { diskSourceFiles, isChartFile, isKustomizationFile } from '../workspace/objectSources';
import { RenderedIndex } from '../workspace/renderedIndex';
import { findingsAt, renderedDiagnostics, renderedFixes, renderedHover } from './rendered';

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

export class TrustedImagesServer {
  /**
   * Per open document: what its text became since it was last analysed, as one change (see
   * refreshDocument); null when it was replaced whole (opened, or a change without a range), undefined
   * when it is as analysed.
   */
  private readonly edits = new Map<string, TextChange | null | undefined>();
  private readonly documents = new TextDocuments<TextDocument>({
    create: (uri, languageId, version, content) => {
      this.edits.set(uri, null);
      const doc = TextDocument.create(uri, languageId, version, content);
      // Its line offsets found now (lineCount asks for them), not by the first keystroke's offsetAt:
      // a walk of every character, ~10 ms for a 2 MB file, is the open's cost, not the typing's.
      void doc.lineCount;
      return doc;
    },
    update: (doc, changes, version) => {
      // Each change applied in turn, its offsets taken in the text it applies to.
      let edit = this.edits.get(doc.uri);
      for (const c of changes) {
        // As TextDocument.update tells a ranged change from a whole text: by a range that is there.
        const range = 'range' in c ? c.range : undefined;
        if (range !== undefined && edit !== null) {
          const a = doc.offsetAt(range.start);
          const b = doc.offsetAt(range.end);
          const start = Math.min(a, b);
          const oldEnd = Math.max(a, b);
          edit = mergeChanges(edit, { start, oldEnd, newEnd: start + c.text.length });
        } else edit = null;
        TextDocument.update(doc, [c], version);
      }
      this.edits.set(doc.uri, edit);
      return doc;
    },
  });
  private readonly settings = new WorkspaceSettings();
  private folders: string[] = [];
  private readonly index = new WorkspaceIndex(this.settings.checkOptions);
  private trusted = true;
  private readonly scan = new WorkspaceScan(this.index, () => this.trusted);
  private readonly log: Log = {
    warn: (m) => this.connection.console.warn(m),
    error: (m) => this.connection.console.error(m),
  };
  private capabilities = { configuration: false, watchedFilesDynamic: false, workDoneProgress: false, workspaceFolders: false, codeActionResolve: false };
  private readonly codeActions = new CodeActions({
    index: this.index,
    mirrorsFor: (uri) => this.settingsFor(uri).mirrors,
    openVersion: (uri) => this.documents.get(uri)?.version,
    resolveSupport: () => this.capabilities.codeActionResolve,
    readFull: (uri) => this.scan.readFull(uri),
    pause: () => this.pause(),
  });
  private readonly published = new Map<string, string>();
  /** What the workspace's charts and overlays render, checked; and the files their findings were last published in. */
  private readonly rendered = new RenderedIndex();
  private renderedUris = new Set<string>();
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

  constructor(
    private readonly connection: Connection,
    /** Bytes written to the client but not yet taken by it (0 where the transport does not tell). */
    backlog: () => number = () => 0,
  ) {
    this.scanDone = new Promise((resolve) => (this.resolveFirstScan = resolve));
    this.pacing = new Pacing(connection, backlog, () => this.capabilities.configuration);
  }

  private readonly pacing: Pacing;

  private pause(): Promise<void> {
    return this.pacing.pause();
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
    this.documents.onDidClose((e) => this.closed(e.document.uri));
    c.onDidChangeWatchedFiles((p) => void this.watchedFilesChanged(p.changes));
    c.onDidChangeConfiguration((p) => void this.configurationChanged(p.settings));
    c.onHover((p) => {
      this.refreshDocument(p.textDocument.uri);
      const fromRenders = this.renderedHoverAt(p.textDocument.uri, p.position);
      if (fromRenders) return fromRenders;
      const a = this.index.analysis(p.textDocument.uri);
      if (!a || a.skipped) return null;
      if (p.position.line < 0 || p.position.line >= a.lines.lineCount) return null;
      return hoverAt(a, a.lines.offset(p.position.line, p.position.character), { index: this.index, mirrors: this.settingsFor(p.textDocument.uri).mirrors, linesOf: this.linesOf });
    });
    c.onCodeAction((p) => {
      this.refreshDocument(p.textDocument.uri);
      return [...this.codeActions.provide(p), ...this.renderedActions(p.textDocument.uri, p.range, p.context.diagnostics)];
    });
    c.onCodeActionResolve((action) => this.codeActions.resolve(action));
    c.onExecuteCommand(async (p, token) => {
      if (p.command !== commands.fixAllInWorkspace) return null;
      for (const uri of this.documents.keys()) this.refreshDocument(uri);
      const edit = await this.codeActions.workspaceFixAll(token);
      if (edit === 'cancelled') return { applied: false };
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
          for (const uri of this.scan.removeFolder(dir)) this.publishNow(uri);
        }
        this.folders.push(...e.added.filter((f) => f.uri.startsWith('file:')).map((f) => URI.parse(f.uri).fsPath));
        // The new folders' settings, then a pass.
        void this.loadSettings().then(() => this.rescan());
      });
    }
    await this.loadSettings();
    await this.rescan();
  }

  /** The settings of each workspace folder and of the window; the index and the pass take theirs. */
  private async loadSettings(pushed?: unknown): Promise<void> {
    const request = this.capabilities.configuration ? (items: ConfigurationItem[]) => this.connection.workspace.getConfiguration(items) : undefined;
    await this.settings.load(this.folders, { request, pushed });
    this.index.setOptions(this.settings.checkOptions);
    this.index.setEngine(this.settings.workspace.engine);
    this.scan.setFolders(this.settings.folders());
  }

  private settingsFor(uri: string): Settings {
    return this.settings.forUri(uri);
  }

  private async configurationChanged(pushed: unknown): Promise<void> {
    const before = this.settings.fingerprint();
    await this.loadSettings(pushed);
    if (this.settings.fingerprint() === before) return;
    await this.rescan();
  }

  private readonly linesOf: LinesOf = (uri) => this.index.analysis(uri)?.lines;

  /** The workspace pass: reads every YAML file of the folders, then publishes every file. */
  private rescan(): Promise<void> {
    const generation = ++this.scanGeneration;
    const first = this.resolveFirstScan;
    const run = async () => {
      this.scanning = true;
      this.sendStatus();
      const progress = await this.beginProgress();
      try {
        let lastYield = Date.now();
        const passed = await this.scan.pass({
          cancelled: () => generation !== this.scanGeneration,
          log: this.log,
          pace: (done, total) => {
            if (Date.now() - lastYield <= 2) return undefined;
            progress?.report(Math.round((done / total) * 100), `${done}/${total} files`);
            return this.pause().then(() => {
              lastYield = Date.now();
            });
          },
        });
        if (!passed) return;
        for (const uri of passed.removed) this.publishNow(uri);
        this.renderAll();
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

  private async publishAll(generation: number): Promise<void> {
    // Files read before the expansion templates were all known are read again first.
    this.scan.settle();
    if (generation !== this.scanGeneration) return;
    // Open documents first: they are what the user is looking at.
    this.checkRendered();
    const uris = [...new Set([...this.index.uris(), ...this.renderedUris])].sort((a, b) => Number(this.index.isOpen(b)) - Number(this.index.isOpen(a)));
    let lastYield = Date.now();
    let sent = 0;
    let caughtUp: Promise<void> | undefined;
    for (const uri of uris) {
      if (generation !== this.scanGeneration) return;
      if (this.publishNow(uri) && ++sent % publishWindow === 0) {
        // At most two windows of diagnostics ahead of what the client has handled.
        const next = this.pacing.clientCaughtUp();
        if (caughtUp) await caughtUp;
        caughtUp = next;
      }
      if (Date.now() - lastYield > 2 || this.pacing.behind) {
        await this.pause();
        lastYield = Date.now();
      }
    }
    this.sendStatus();
  }

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
    const enabled = this.settingsFor(uri).enable;
    const file = uri.startsWith('file:') ? URI.parse(uri).fsPath : undefined;
    // A file that only feeds a chart or an overlay is checked through what they render.
    const inputOnly = file !== undefined && this.rendered.isInputOnly(file);
    const violations = analysis && enabled && !inputOnly ? this.index.violations(uri) : [];
    const counts: [number, number, number] = [0, 0, 0];
    for (const v of violations) counts[v.severity === 'error' ? 0 : v.severity === 'warning' ? 1 : 2]++;
    if (violations.length > 0) this.counts.set(uri, counts);
    else this.counts.delete(uri);
    let diagnostics = analysis ? diagnosticsFor(analysis, violations, this.index.policy(), this.linesOf) : [];
    if (file !== undefined) {
      const findings = this.rendered.findings(file);
      const problems = this.rendered.problems(file);
      if (findings.length + problems.length > 0) {
        const lines = this.fileLines(file);
        if (lines) diagnostics = [...diagnostics, ...renderedDiagnostics(findings, problems, lines, (f) => this.fileLines(f))];
        for (const f of findings) {
          if (f.finding.violation.notEvaluated) continue;
          const s = f.finding.violation.severity;
          counts[s === 'error' ? 0 : s === 'warning' ? 1 : 2]++;
        }
        if (counts.some((n) => n > 0)) this.counts.set(uri, counts);
      }
    }
    if (!enabled) diagnostics = [];
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
    const { maxFileSizeMB } = this.settingsFor(uri);
    const maxBytes = Math.floor(maxFileSizeMB * 1024 * 1024);
    let cache = this.yamlCaches.get(uri);
    if (!cache) this.yamlCaches.set(uri, (cache = new YamlCache()));
    // The document an edit touched read again, the others kept (moved), when that is certain to read
    // as the whole text would; else the whole text (its unchanged documents from the cache).
    // The analysis the edit starts from: the open document's last one, as the index holds it.
    const last = this.index.isOpen(uri) ? this.index.analysis(uri) : undefined;
    const edit = this.edits.get(uri);
    const analysis =
      text.length > maxBytes
        ? skippedFile(uri, text, `too large: over the ${maxFileSizeMB} MB limit (maxFileSizeMB)`)
        : ((last && edit && this.reanalyzed(uri, last, text, edit)) ?? analyzeText(uri, text, { cache }));
    this.edits.set(uri, undefined);
    this.republishAfter(this.index.setOpen(uri, analysis, doc.version));
    this.renderAgain(uri);
  }

  /** The incremental analysis, or undefined (then the whole text is read): a failure of it is logged, not the check's. */
  private reanalyzed(uri: string, last: FileAnalysis, text: string, edit: TextChange): FileAnalysis | undefined {
    try {
      return reanalyze(last, text, edit);
    } catch (e) {
      this.connection.console.error(`Re-reading the edited document of ${uri} failed, reading it whole: ${e instanceof Error ? e.stack : String(e)}`);
      return undefined;
    }
  }

  private closed(uri: string): void {
    this.pendingDocuments.delete(uri);
    this.yamlCaches.delete(uri);
    this.edits.delete(uri);
    const change = this.scan.closed(uri);
    this.publishNow(uri);
    this.republishAfter(change);
  }

  private async watchedFilesChanged(changes: ReadonlyArray<{ uri: string; type: FileChangeType }>): Promise<void> {
    const { touched, change } = await this.scan.filesChanged(
      changes.map((c) => ({ uri: c.uri, deleted: c.type === FileChangeType.Deleted })),
      this.log,
    );
    // The files that changed now; the others when the change reaches them (see republishAfter).
    if (!change.policyChanged) for (const uri of touched) this.publishNow(uri);
    for (const c of changes) this.renderAgain(c.uri);
    this.republishAfter(change);
  }

  /** Files the renderers read: an editor's unsaved text first, then the disk. */
  private sourceFiles() {
    return diskSourceFiles({
      overlay: (p) => this.documents.get(URI.file(p).toString())?.getText(),
      maxBytes: Math.floor(this.settings.workspace.maxFileSizeMB * 1024 * 1024),
    });
  }

  private renderSettings() {
    const ns = this.settings.checkOptions.namespace;
    // Values files per chart folder, both relative to the chart's workspace folder.
    const valuesFiles = (chart: string): string[] => {
      const folder = this.folders.filter((f) => chart === f || chart.startsWith(f + path.sep)).sort((a, b) => b.length - a.length)[0];
      if (!folder) return [];
      const named = this.settingsFor(URI.file(chart).toString())['helm.valuesFiles'];
      const key = Object.keys(named).find((k) => path.resolve(folder, k) === chart);
      return key === undefined ? [] : named[key]!.map((v) => path.resolve(folder, v));
    };
    return { valuesFiles, ...(ns === '*' ? {} : { namespace: ns }) };
  }

  /** Lines of a file, from the index or read through the renderers' files. */
  private fileLines(file: string): LineIndex | undefined {
    const a = this.index.analysis(URI.file(file).toString());
    if (a && a.text !== '') return a.lines;
    const text = this.sourceFiles().read(file);
    return text === undefined ? a?.lines : new LineIndex(text);
  }

  /** The workspace's YAML files, as paths: where charts and kustomizations are found. */
  private workspacePaths(): string[] {
    return this.index.uris().filter((u) => u.startsWith('file:')).map((u) => URI.parse(u).fsPath);
  }

  /** Every chart and Kustomize root of the workspace rendered again (a workspace pass). */
  private renderAll(): void {
    try {
      this.rendered.renderAll(this.workspacePaths(), this.sourceFiles(), this.renderSettings());
    } catch (e) {
      this.connection.console.error(`Rendering charts and overlays failed: ${e instanceof Error ? e.stack : String(e)}`);
    }
  }

  /** The rendered streams checked with the policy in force; the files whose findings changed get published. */
  private checkRendered(): string[] {
    try {
      const touched = this.rendered.check(this.index.policy(), this.settings.checkOptions, this.index.data());
      const uris = [...touched].map((f) => URI.file(f).toString());
      this.renderedUris = new Set(this.rendered.files().map((f) => URI.file(f).toString()));
      return uris;
    } catch (e) {
      this.connection.console.error(`Checking charts and overlays failed: ${e instanceof Error ? e.stack : String(e)}`);
      return [];
    }
  }

  /**
   * After a change of a file: the charts and overlays it feeds rendered and checked again, their files
   * published, and so are the files that became (or stopped being) inputs only.
   */
  private renderAgain(uri: string): void {
    if (!uri.startsWith('file:')) return;
    const file = URI.parse(uri).fsPath;
    let inputsChanged: string[] | undefined;
    try {
      inputsChanged = this.rendered.renderAgain(file, this.sourceFiles(), this.renderSettings());
      // A new Chart.yaml or kustomization: another source, or another root.
      if (!inputsChanged && (isChartFile(file) || isKustomizationFile(file))) inputsChanged = this.rendered.renderAllAgain(this.workspacePaths(), this.sourceFiles(), this.renderSettings());
    } catch (e) {
      this.connection.console.error(`Rendering again after ${uri} failed: ${e instanceof Error ? e.stack : String(e)}`);
      return;
    }
    if (!inputsChanged) return;
    for (const u of new Set([...this.checkRendered(), ...inputsChanged.map((f) => URI.file(f).toString()), uri])) this.publishNow(u);
    this.sendStatus();
  }

  private renderedHoverAt(uri: string, position: { line: number; character: number }) {
    if (!uri.startsWith('file:')) return undefined;
    const file = URI.parse(uri).fsPath;
    if (this.rendered.findings(file).length === 0) return undefined;
    const lines = this.fileLines(file);
    if (!lines || position.line >= lines.lineCount) return undefined;
    return renderedHover(findingsAt(this.rendered, file, lines.offset(position.line, position.character)), (f) => this.fileLines(f));
  }

  private renderedActions(uri: string, range: { start: { line: number; character: number } }, diagnostics: import('vscode-languageserver').Diagnostic[]) {
    if (!uri.startsWith('file:')) return [];
    const file = URI.parse(uri).fsPath;
    if (this.rendered.findings(file).length === 0) return [];
    const lines = this.fileLines(file);
    if (!lines || range.start.line >= lines.lineCount) return [];
    const found = findingsAt(this.rendered, file, lines.offset(range.start.line, range.start.character));
    const ours = diagnostics.filter((d) => d.source === 'trusted-images');
    return renderedFixes(found, this.rendered, {
      policy: this.index.policy(),
      options: this.settings.checkOptions,
      mirrors: this.settingsFor(uri).mirrors,
      openVersion: (u) => this.documents.get(u)?.version,
      linesOf: (f) => this.fileLines(f),
      textOf: (f) => this.sourceFiles().read(f),
    }, ours);
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
    // Every constraint the check evaluates, whatever its engine (image check, Rego, CEL).
    const admission: ConstraintInfo[] = [...(policy.admission?.refs.values() ?? [])].map((r) => ({
      kind: r.kind,
      name: r.engine === 'vap' ? `${r.name} (binding ${r.binding})` : r.name,
      uri: r.file,
      line: this.linesOf(r.file)?.position(r.span.start).line ?? 0,
      enforcementAction: r.engine === 'vap' ? 'binding' : 'policy',
      engine: r.engine,
    }));
    return {
      constraints: allConstraints(policy).map((c): ConstraintInfo => ({
        kind: c.kind,
        name: c.name,
        uri: c.file,
        line: this.linesOf(c.file)?.position(c.span.start).line ?? 0,
        enforcementAction: c.enforcementAction,
        engine: c.engine,
      })).concat(admission),
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
