// What the client and the server share: the settings with their defaults, and the custom messages.
// The client imports this file too, so it must stay free of Node, LSP and VS Code imports.

export type TraceSetting = 'off' | 'messages' | 'verbose';

export interface Settings {
  /** Check manifests at all. */
  enable: boolean;
  /** Namespace of objects that name none; '*' makes them match every namespace rule. */
  defaultNamespace: string;
  /** Check workloads as the Pods they create (Gatekeeper's standard ExpansionTemplates). */
  checkPodTemplates: boolean;
  /** More files or folders to read constraints from (only inside the workspace when it is not trusted). */
  constraintPaths: string[];
  /** Globs of files not to check, relative to the workspace folder. */
  exclude: string[];
  /** Files larger than this are skipped. */
  maxFileSizeMB: number;
  /** Source registry -> trusted prefix for quick fixes, e.g. {"docker.io": "registry.corp.example/dockerhub"}. */
  mirrors: Record<string, string>;
  /** Which code decides a ConstraintTemplate with both CEL and Rego: Gatekeeper's default (CEL), or Rego. */
  engine: 'auto' | 'rego';
  /** Chart folder (relative to the workspace folder) -> values files (relative too), in order, as `helm template -f`. */
  'helm.valuesFiles': Record<string, string[]>;
  'trace.server': TraceSetting;
}

export interface SettingSpec<T> {
  readonly default: T;
  readonly type: 'boolean' | 'string' | 'number' | 'array' | 'object';
  readonly description: string;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly scope?: 'machine' | 'window' | 'resource';
  /** For objects: what each value is (a string by default). */
  readonly values?: 'string' | 'string[]';
}

/** The one schema: package.json's `contributes.configuration` is held against it by a test. */
export const settingsSchema: { readonly [K in keyof Settings]: SettingSpec<Settings[K]> } = {
  enable: { type: 'boolean', default: true, description: 'Check container images against the Gatekeeper constraints of the workspace.' },
  defaultNamespace: {
    type: 'string',
    default: 'default',
    description: "Namespace of objects that name none (what kubectl apply uses without a context namespace). '*' makes them match every namespace rule, as gator verify does.",
  },
  checkPodTemplates: {
    type: 'boolean',
    default: true,
    description: 'Check Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs and CronJobs as the Pods they create (Gatekeeper ExpansionTemplates).',
  },
  constraintPaths: {
    type: 'array',
    default: [],
    description: 'More files or folders to read Gatekeeper constraints and templates from. In an untrusted workspace, paths outside it are ignored.',
  },
  exclude: { type: 'array', default: [], description: 'Glob patterns of files not to check, relative to the workspace folder (e.g. "vendor/**").' },
  maxFileSizeMB: { type: 'number', default: 10, minimum: 0, description: 'Files larger than this many megabytes are skipped.' },
  mirrors: {
    type: 'object',
    default: {},
    description:
      'Trusted prefixes that mirror source registries, for quick fixes, e.g. {"docker.io": "registry.corp.example/dockerhub"}: nginx:1.25 becomes registry.corp.example/dockerhub/library/nginx:1.25.',
  },
  engine: {
    type: 'string',
    default: 'auto',
    enum: ['auto', 'rego'],
    description:
      "Which code decides a ConstraintTemplate that has both CEL (K8sNativeValidation) and Rego: 'auto' is Gatekeeper's default (CEL); 'rego' is for clusters that run Gatekeeper with CEL disabled.",
  },
  'helm.valuesFiles': {
    type: 'object',
    default: {},
    values: 'string[]',
    description: 'Values files to render a chart with, in order (as helm template -f), by chart folder, both relative to the workspace folder, e.g. {"charts/web": ["charts/web/values-prod.yaml"]}.',
  },
  'trace.server': {
    type: 'string',
    default: 'off',
    enum: ['off', 'messages', 'verbose'],
    scope: 'window',
    description: 'Traces the communication between VS Code and the Trusted Images language server.',
  },
};

export const configurationSection = 'trustedImages';

export function defaultSettings(): Settings {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(settingsSchema)) {
    const d: unknown = spec.default;
    out[k] = Array.isArray(d) ? [...d] : d && typeof d === 'object' ? { ...d } : d;
  }
  return out as unknown as Settings;
}

/** Settings as a client sends them (possibly nested `trace: {server}`, wrong types): checked, with defaults. */
export function normalizeSettings(raw: unknown): Settings {
  const s = defaultSettings();
  if (!raw || typeof raw !== 'object') return s;
  const r = raw as Record<string, unknown>;
  const flat: Record<string, unknown> = { ...r };
  if (r.trace && typeof r.trace === 'object') flat['trace.server'] = (r.trace as Record<string, unknown>).server;
  const target = s as unknown as Record<string, unknown>;
  for (const [k, spec] of Object.entries(settingsSchema) as Array<[string, SettingSpec<unknown>]>) {
    const v = flat[k];
    if (v === undefined || v === null) continue;
    if (spec.type === 'array') {
      if (Array.isArray(v)) target[k] = v.filter((x) => typeof x === 'string');
    } else if (spec.type === 'object') {
      if (typeof v === 'object' && !Array.isArray(v)) {
        const entries = Object.entries(v as Record<string, unknown>);
        target[k] =
          spec.values === 'string[]'
            ? Object.fromEntries(entries.filter(([, x]) => Array.isArray(x)).map(([key, x]) => [key, (x as unknown[]).filter((y) => typeof y === 'string' && y !== '')]))
            : Object.fromEntries(entries.filter(([, x]) => typeof x === 'string' && x !== ''));
      }
    } else if (spec.type === 'number') {
      if (typeof v === 'number' && Number.isFinite(v) && v >= (spec.minimum ?? -Infinity)) target[k] = v;
    } else if (typeof v === spec.type && (!spec.enum || spec.enum.includes(v as string))) {
      target[k] = v;
    }
  }
  return s;
}

export interface ConstraintInfo {
  kind: string;
  name: string;
  uri: string;
  line: number;
  enforcementAction: string;
  /** What evaluates it: the built-in image check, its template's Rego or CEL, a ValidatingAdmissionPolicy, a Kyverno policy. */
  engine: 'builtin' | 'rego' | 'cel' | 'vap' | 'kyverno';
}

export interface Status {
  constraints: ConstraintInfo[];
  files: number;
  violations: { error: number; warning: number; info: number };
  /** True while the workspace pass runs. */
  scanning: boolean;
}

export const StatusRequest = 'trustedImages/status';

/** The violations one constraint causes across the workspace (for a quick pick). */
export const ViolationsRequest = 'trustedImages/violations';
export interface ViolationsParams {
  kind: string;
  name: string;
}
export interface ViolationLocation {
  uri: string;
  line: number;
  character: number;
  message: string;
}
/** Sent by the server whenever the status changes. */
export const StatusNotification = 'trustedImages/statusChanged';

/** The code action kind of "fix all untrusted images in this file" (works with editor.codeActionsOnSave). */
export const fixAllKind = 'source.fixAll.trustedImages';

export interface InitializationOptions {
  /** False in an untrusted (restricted mode) workspace. */
  trusted?: boolean;
}

export const commands = {
  showConstraints: 'trustedImages.showConstraints',
  fixAllInWorkspace: 'trustedImages.fixAllInWorkspace',
  showViolations: 'trustedImages.showViolations',
  restartServer: 'trustedImages.restartServer',
  showOutput: 'trustedImages.showOutput',
} as const;
