// The workspace pass: which files are read, how (within limits, Helm templates skipped), and how a
// closed file is kept in the index. The language server drives it (pacing and publishing are its own);
// the CLI's report reads its files through the same reader and walk.
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { analyzeText, collectPolicyObjects, compact, ExpansionTemplate, FileAnalysis, mayHoldPolicyObjects, PolicyObjects, skimFor, skippedFile } from '../engine';
import type { Skim } from '../yaml/fastYaml';
import { helmTemplateTest, isInside, isYamlName, readTextFileSync, walkYaml, WalkProblem } from './files';
import { globMatcher } from './glob';
import { Change, WorkspaceIndex } from './index';

/** What a closed file keeps: its reviews under these templates, with or without objects, skimmed so. */
interface Keep {
  readonly templates: readonly ExpansionTemplate[];
  readonly skim: Skim;
  readonly allReviews: boolean;
  readonly objects: boolean;
}

/** A file's text, or why it is not read: a skip (not a manifest, too large) or an error. */
export type FileRead = { readonly text: string } | { readonly skipped: string } | { readonly error: string };

export const helmTemplateReason = "template: under a Helm chart's templates/ folder";

/** Reads files as the workspace pass does. Remembers which folders are Helm charts' templates. */
export class FileReader {
  private readonly isHelmTemplate = helmTemplateTest();

  read(file: string, maxBytes: number): FileRead {
    if (this.isHelmTemplate(file)) return { skipped: helmTemplateReason };
    const read = readTextFileSync(file, maxBytes);
    if (read.ok) return { text: read.text };
    return read.kind === 'skipped' ? { skipped: read.reason } : { error: read.reason };
  }
}

export interface ReadFiles {
  readonly files: Array<{ readonly path: string; readonly read: FileRead }>;
  readonly problems: readonly WalkProblem[];
}

/** Every YAML file below the roots (path order), read: what the CLI checks. */
export async function readFiles(roots: readonly string[], maxBytes: number, reader = new FileReader()): Promise<ReadFiles> {
  const walked = await walkYaml(roots);
  return { files: walked.files.map((f) => ({ path: f.path, read: reader.read(f.path, maxBytes) })), problems: walked.problems };
}

/** What the pass needs to know of one workspace folder (its settings, read for that folder). */
export interface FolderSettings {
  /** False: the folder's files are not checked. */
  readonly enable: boolean;
  /** Globs relative to the folder. */
  readonly exclude: readonly string[];
  readonly maxFileBytes: number;
  /** Resolved against the folder. */
  readonly constraintPaths: readonly string[];
}

export interface Folder {
  /** Absolute path. */
  readonly path: string;
  readonly settings: FolderSettings;
}

export interface Log {
  readonly warn: (message: string) => void;
  readonly error: (message: string) => void;
}

export interface ScanHooks {
  /** A newer pass started, or the server shuts down: stop. */
  readonly cancelled: () => boolean;
  /** Called after each file; a promise when the caller wants the pass to wait (let requests in). */
  readonly pace: (done: number, total: number) => Promise<void> | undefined;
  readonly log: Log;
}

export const defaultFolderSettings: FolderSettings = { enable: true, exclude: [], maxFileBytes: 10 * 1024 * 1024, constraintPaths: [] };

/**
 * The files of the workspace folders in the index: a whole pass, a change of files, a document that
 * closes. Closed files are kept compact (see analyzeDisk).
 */
export class WorkspaceScan {
  private folders: Folder[] = [];
  private reader = new FileReader();
  private readonly excludeTests = new Map<readonly string[], (rel: string) => boolean>();

  constructor(
    private readonly index: WorkspaceIndex,
    /** False in an untrusted workspace: no constraintPaths outside the folders. */
    private readonly trusted: () => boolean,
  ) {}

  setFolders(folders: readonly Folder[]): void {
    this.folders = [...folders];
    this.excludeTests.clear();
  }

  get folderPaths(): string[] {
    return this.folders.map((f) => f.path);
  }

  /** The folder a file belongs to: the innermost (nested folders), else undefined. */
  private folderOf(file: string): Folder | undefined {
    let best: Folder | undefined;
    for (const f of this.folders) if (isInside(f.path, file) && (!best || f.path.length > best.path.length)) best = f;
    return best;
  }

  /** The settings that apply to a file: its folder's, else the first folder's. */
  settingsOf(file: string): FolderSettings {
    return (this.folderOf(file) ?? this.folders[0])?.settings ?? defaultFolderSettings;
  }

  maxBytesOf(file: string): number {
    return this.settingsOf(file).maxFileBytes;
  }

  /** Whether the file's folder (or the first folder, for a file outside them) is checked at all. */
  enabled(file: string): boolean {
    return this.settingsOf(file).enable;
  }

  /** Excluded by any folder that holds the file (patterns are relative to each folder), or in a folder not checked. */
  excluded(file: string): boolean {
    for (const folder of this.folders) {
      if (!isInside(folder.path, file)) continue;
      if (!folder.settings.enable) return true;
      const patterns = folder.settings.exclude;
      if (patterns.length === 0) continue;
      let test = this.excludeTests.get(patterns);
      if (!test) this.excludeTests.set(patterns, (test = globMatcher(patterns)));
      const rel = path.relative(folder.path, file).split(path.sep).join('/');
      if (rel && test(rel)) return true;
    }
    return false;
  }

  /** A YAML file of a folder, not excluded: the pass checks it. */
  inWorkspace(file: string): boolean {
    return isYamlName(file) && this.folders.some((f) => isInside(f.path, file)) && !this.excluded(file);
  }

  /**
   * A file on disk, as the index keeps closed files: compact (reviews, errors, policy objects and
   * line starts), parsed with a skim that keeps only what the checks read.
   */
  private analyzeDisk(file: string, uri: string, read: FileRead = this.reader.read(file, this.maxBytesOf(file)), keep: Keep = this.keep()): FileAnalysis {
    if (!('text' in read)) return skippedFile(uri, '', 'skipped' in read ? read.skipped : read.error);
    const a = analyzeText(uri, read.text, keep.objects ? {} : { skim: keep.skim });
    return compact(a, keep);
  }

  /** What a closed file keeps under the policy in force. */
  private keep(): Keep {
    const templates = this.index.templates();
    // Rego policies read whole objects: no skim then.
    const objects = this.index.needsObjects();
    return { templates, skim: skimFor(templates), allReviews: this.index.needsAllReviews(), objects };
  }

  /** A full analysis of a closed file (with its text), read again: for edits. */
  readFull(uri: string): FileAnalysis | undefined {
    if (!uri.startsWith('file:')) return undefined;
    const file = URI.parse(uri).fsPath;
    const read = readTextFileSync(file, this.maxBytesOf(file));
    return read.ok ? analyzeText(uri, read.text) : undefined;
  }

  /** Reads every YAML file of the folders into the index; returns the files that are gone from it. */
  async pass(hooks: ScanHooks): Promise<{ removed: string[] } | undefined> {
    // Charts may have come or gone since the last pass.
    this.reader = new FileReader();
    const enabled = this.folders.filter((f) => f.settings.enable).map((f) => f.path);
    const walked = await walkYaml(enabled, { exclude: (p) => this.excluded(p), cancelled: hooks.cancelled });
    const seen = new Set<string>();
    let done = 0;
    // The files that may hold policy objects first (as the CLI does): the others are then read once,
    // under the templates and engines in force, instead of being read again after every policy file
    // that changes what a closed file must keep. They are read from disk again, not kept meanwhile
    // (keeping their texts saved no time measurably, and cost memory).
    const later: string[] = [];
    for (const f of walked.files) {
      if (hooks.cancelled()) return undefined;
      const uri = URI.file(f.path).toString();
      seen.add(uri);
      const read = this.reader.read(f.path, this.maxBytesOf(f.path));
      if ('text' in read && !mayHoldPolicyObjects(read.text)) later.push(f.path);
      else {
        this.index.setDisk(uri, this.analyzeDisk(f.path, uri, read));
        ++done;
      }
      // Paced for every file read, also those left for later: reading 10,000 files is not one turn.
      const wait = hooks.pace(done, walked.files.length);
      if (wait) await wait;
    }
    // These files hold no constraint, template or admission policy: what the others keep stays in force
    // while they are read (a ConfigMap an admission policy may read changes its params, not that).
    const keep = later.length > 0 ? this.keep() : undefined;
    for (const file of later) {
      if (hooks.cancelled()) return undefined;
      this.index.setDisk(URI.file(file).toString(), this.analyzeDisk(file, URI.file(file).toString(), undefined, keep));
      const wait = hooks.pace(++done, walked.files.length);
      if (wait) await wait;
    }
    // Files that are gone or now excluded.
    const { removed } = this.index.removeDiskWhere((uri) => !seen.has(uri));
    await this.loadExtraPolicy(hooks.log.warn);
    return { removed };
  }

  /** Closed files read for other expansion templates than those now in force are read again. */
  refreshStale(): void {
    for (let round = 0; round < 3; round++) {
      const uris = this.index.takeStale();
      if (uris.length === 0) return;
      for (const uri of uris) {
        if (!uri.startsWith('file:') || this.index.isOpen(uri)) continue;
        this.index.setDisk(uri, this.analyzeDisk(URI.parse(uri).fsPath, uri));
      }
    }
  }

  /** Every file's reviews under the templates in force (files read for others are read again). */
  settle(): void {
    for (const uri of this.index.uris()) this.index.reviews(uri);
    this.refreshStale();
  }

  /** The constraintPaths of every folder, resolved against it; outside the workspace only when trusted. */
  private constraintRoots(warn: (message: string) => void): string[] {
    const roots = new Set<string>();
    const folders = this.folders.length > 0 ? this.folders : [{ path: process.cwd(), settings: defaultFolderSettings }];
    for (const folder of folders) {
      for (const p of folder.settings.constraintPaths) {
        const root = path.resolve(folder.path, p);
        if (!this.trusted() && !this.folders.some((f) => isInside(f.path, root))) {
          warn(`constraintPaths: ${root} is outside the workspace, which is not trusted; ignored.`);
          continue;
        }
        roots.add(root);
      }
    }
    return [...roots];
  }

  get hasConstraintPaths(): boolean {
    return this.folders.some((f) => f.settings.constraintPaths.length > 0);
  }

  /** Constraints from `constraintPaths`: read for their policy objects only. */
  async loadExtraPolicy(warn: (message: string) => void): Promise<Change> {
    const roots = this.constraintRoots(warn);
    const entries = new Map<string, PolicyObjects>();
    if (roots.length > 0) {
      const walked = await walkYaml(roots);
      for (const p of walked.problems) warn(`constraintPaths: ${p.path}: ${p.message}`);
      for (const f of walked.files) {
        const uri = URI.file(f.path).toString();
        const a = this.analyzeDisk(f.path, uri);
        entries.set(uri, a.skipped ? collectPolicyObjects(uri, []) : a.policy);
      }
    }
    return this.index.setExtraPolicy(entries);
  }

  /** A removed workspace folder: its files leave the index. */
  removeFolder(dir: string): string[] {
    this.folders = this.folders.filter((f) => f.path !== dir);
    return this.index.removeDiskWhere((uri) => uri.startsWith('file:') && isInside(dir, URI.parse(uri).fsPath)).removed;
  }

  /** A document closed: its disk version counts again, if it is part of the workspace. */
  closed(uri: string): Change {
    const change = this.index.close(uri);
    if (!uri.startsWith('file:')) return change;
    const file = URI.parse(uri).fsPath;
    if (!this.inWorkspace(file)) return change;
    const disk = this.index.setDisk(uri, this.analyzeDisk(file, uri));
    return { policyChanged: disk.policyChanged || change.policyChanged, inventoryChanged: disk.inventoryChanged || change.inventoryChanged };
  }

  /** Files created, changed or deleted on disk (a deleted folder takes its files with it). */
  async filesChanged(changes: ReadonlyArray<{ readonly uri: string; readonly deleted: boolean }>, log: Log): Promise<{ touched: string[]; change: Change }> {
    let policyChanged = false;
    let inventoryChanged = false;
    const touched: string[] = [];
    const add = (c: Change) => {
      policyChanged ||= c.policyChanged;
      inventoryChanged ||= c.inventoryChanged === true;
    };
    for (const ch of changes) {
      if (!ch.uri.startsWith('file:')) continue;
      const file = URI.parse(ch.uri).fsPath;
      const uri = URI.file(file).toString();
      try {
        if (ch.deleted) {
          const { removed, change } = this.index.removeDiskWhere((u) => u === uri || (u.startsWith('file:') && isInside(file, URI.parse(u).fsPath)));
          add(change);
          touched.push(...removed);
          continue;
        }
        if (!this.inWorkspace(file)) continue;
        add(this.index.setDisk(uri, this.analyzeDisk(file, uri)));
        touched.push(uri);
      } catch (e) {
        log.error(`Reading ${file} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    // A constraint file outside the workspace (constraintPaths) may have changed too.
    if (this.hasConstraintPaths) {
      await this.loadExtraPolicy(log.warn);
      policyChanged = true;
    }
    return { touched, change: { policyChanged, inventoryChanged } };
  }
}
