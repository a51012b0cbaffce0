// The settings as the server reads them: per workspace folder (scopeUri, as the settings' `resource`
// scope asks, and as yaml-language-server reads them), plus the window's for files outside every
// folder. One typed schema with defaults (shared/protocol.ts) checks each answer.
import { URI } from 'vscode-uri';
import { CheckOptions } from '../engine';
import { configurationSection, normalizeSettings, Settings } from '../shared/protocol';
import { isInside } from '../workspace/files';
import { Folder } from '../workspace/scan';

/** A response to workspace/configuration that is late or missing: the server goes on without it. */
const configurationTimeoutMs = 5000;

export interface ConfigurationItem {
  readonly scopeUri?: string;
  readonly section: string;
}

/** Where settings come from: the client's answers (when it has workspace/configuration), or a push. */
export interface SettingsSource {
  /** workspace/configuration; undefined for a client without it. */
  readonly request?: (items: ConfigurationItem[]) => Promise<unknown>;
  /** What didChangeConfiguration carried (`{ trustedImages: {...} }`). */
  readonly pushed?: unknown;
}

export class WorkspaceSettings {
  private window: Settings = normalizeSettings(undefined);
  private byFolder = new Map<string, Settings>();

  /**
   * What the whole workspace is checked with (one policy, one set of expansion templates): the first
   * folder's settings, else the window's.
   */
  get workspace(): Settings {
    return this.byFolder.values().next().value ?? this.window;
  }

  get checkOptions(): CheckOptions {
    const s = this.workspace;
    return { namespace: s.defaultNamespace || 'default', checkPodTemplates: s.checkPodTemplates };
  }

  /** Reads the settings of these folders (paths) and of the window. */
  async load(folders: readonly string[], source: SettingsSource): Promise<void> {
    let window: unknown = source.pushed;
    let perFolder: unknown[] = folders.map(() => window);
    if (source.request) {
      const items: ConfigurationItem[] = [{ section: configurationSection }, ...folders.map((f) => ({ scopeUri: URI.file(f).toString(), section: configurationSection }))];
      // A client that never answers must not stop the server: fall back after a bound.
      const answer = await Promise.race([
        source.request(items).catch(() => undefined),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), configurationTimeoutMs)),
      ]);
      const values: unknown[] = Array.isArray(answer) ? answer : [];
      window = values[0];
      perFolder = folders.map((_, i) => values[i + 1] ?? window);
    } else if (window && typeof window === 'object' && configurationSection in window) {
      window = (window as Record<string, unknown>)[configurationSection];
      perFolder = folders.map(() => window);
    }
    this.window = normalizeSettings(window);
    this.byFolder = new Map(folders.map((f, i) => [f, normalizeSettings(perFolder[i])]));
  }

  /** The settings that apply to a document: its folder's (the innermost), else the window's. */
  forUri(uri: string): Settings {
    if (!uri.startsWith('file:') || this.byFolder.size === 0) return this.window;
    const file = URI.parse(uri).fsPath;
    let best: string | undefined;
    for (const f of this.byFolder.keys()) if (isInside(f, file) && (!best || f.length > best.length)) best = f;
    return (best !== undefined ? this.byFolder.get(best) : undefined) ?? this.window;
  }

  /** The folders with what the workspace pass reads of their settings. */
  folders(): Folder[] {
    return [...this.byFolder].map(([path, s]) => ({
      path,
      settings: { enable: s.enable, exclude: s.exclude, maxFileBytes: Math.floor(s.maxFileSizeMB * 1024 * 1024), constraintPaths: s.constraintPaths },
    }));
  }

  /** Equal for settings that check equally (the client applies trace.server itself). */
  fingerprint(): string {
    return JSON.stringify([this.window, ...this.byFolder.values()].map((s) => ({ ...s, 'trace.server': undefined })));
  }
}
