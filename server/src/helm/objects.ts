// The built-in objects a Helm template sees: .Chart (chart.Metadata and IsRoot), .Capabilities
// (Helm v4.1.4's defaults when no cluster is asked: Kubernetes v1.35.0 and the client's built-in
// API versions), .Files (Get, GetBytes, Glob, Lines, AsConfig, AsSecrets) and .Release.
import { GoString, sourced } from '../go/template/text';
import { FuncError, GoMap, GoStruct, Value, formatV, isString, str } from '../go/template/value';
import { b64enc } from '../go/digest';
import type { Chart, ChartFile } from './chart';
import { toYaml } from './yaml';

export const kubeVersion = { version: 'v1.35.0', major: '1', minor: '35' };
export const helmVersion = 'v4.1.4';

/** Helm v4.1.4's DefaultVersionSet, in its order (printed by `range .Capabilities.APIVersions` under helm template). */
export const defaultApiVersions: readonly string[] = [
  'v1',
  'admissionregistration.k8s.io/v1',
  'admissionregistration.k8s.io/v1alpha1',
  'admissionregistration.k8s.io/v1beta1',
  'internal.apiserver.k8s.io/v1alpha1',
  'apps/v1',
  'apps/v1beta1',
  'apps/v1beta2',
  'authentication.k8s.io/v1',
  'authentication.k8s.io/v1alpha1',
  'authentication.k8s.io/v1beta1',
  'authorization.k8s.io/v1',
  'authorization.k8s.io/v1beta1',
  'autoscaling/v1',
  'autoscaling/v2',
  'autoscaling/v2beta1',
  'autoscaling/v2beta2',
  'batch/v1',
  'batch/v1beta1',
  'certificates.k8s.io/v1',
  'certificates.k8s.io/v1beta1',
  'certificates.k8s.io/v1alpha1',
  'coordination.k8s.io/v1alpha2',
  'coordination.k8s.io/v1beta1',
  'coordination.k8s.io/v1',
  'discovery.k8s.io/v1',
  'discovery.k8s.io/v1beta1',
  'events.k8s.io/v1',
  'events.k8s.io/v1beta1',
  'extensions/v1beta1',
  'flowcontrol.apiserver.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1beta1',
  'flowcontrol.apiserver.k8s.io/v1beta2',
  'flowcontrol.apiserver.k8s.io/v1beta3',
  'networking.k8s.io/v1',
  'networking.k8s.io/v1beta1',
  'node.k8s.io/v1',
  'node.k8s.io/v1alpha1',
  'node.k8s.io/v1beta1',
  'policy/v1',
  'policy/v1beta1',
  'rbac.authorization.k8s.io/v1',
  'rbac.authorization.k8s.io/v1beta1',
  'rbac.authorization.k8s.io/v1alpha1',
  'resource.k8s.io/v1',
  'resource.k8s.io/v1beta2',
  'resource.k8s.io/v1beta1',
  'resource.k8s.io/v1alpha3',
  'scheduling.k8s.io/v1alpha1',
  'scheduling.k8s.io/v1beta1',
  'scheduling.k8s.io/v1',
  'storage.k8s.io/v1beta1',
  'storage.k8s.io/v1',
  'storage.k8s.io/v1alpha1',
  'storagemigration.k8s.io/v1beta1',
  'apiextensions.k8s.io/v1beta1',
  'apiextensions.k8s.io/v1',
];

export function capabilities(): GoStruct {
  const kv = new GoStruct(
    'common.KubeVersion',
    new Map<string, Value>([
      ['Version', kubeVersion.version],
      ['Major', kubeVersion.major],
      ['Minor', kubeVersion.minor],
    ]),
    { GitVersion: () => kubeVersion.version, String: () => kubeVersion.version },
    () => kubeVersion.version,
  );
  const apis = new GoStruct('common.VersionSet', new Map(), { Has: (a) => defaultApiVersions.includes(str(a[0] ?? '')) }, () => '[' + defaultApiVersions.join(' ') + ']', undefined, () => [...defaultApiVersions]);
  const hv = new GoStruct('version.BuildInfo', new Map<string, Value>([
    ['Version', helmVersion],
    ['GitCommit', '05fa37973dc9e42b76e1d2883494c87174b6074f'],
    ['GitTreeState', 'clean'],
    ['GoVersion', 'go1.25.9'],
    ['KubeClientVersion', 'v1.35'],
  ]));
  return new GoStruct('*common.Capabilities', new Map<string, Value>([
    ['KubeVersion', kv],
    ['APIVersions', apis],
    ['HelmVersion', hv],
  ]));
}

const metadataFields: ReadonlyArray<[string, string, 'string' | 'list' | 'map' | 'bool']> = [
  ['Name', 'name', 'string'],
  ['Home', 'home', 'string'],
  ['Sources', 'sources', 'list'],
  ['Version', 'version', 'string'],
  ['Description', 'description', 'string'],
  ['Keywords', 'keywords', 'list'],
  ['Maintainers', 'maintainers', 'list'],
  ['Icon', 'icon', 'string'],
  ['APIVersion', 'apiVersion', 'string'],
  ['Condition', 'condition', 'string'],
  ['Tags', 'tags', 'string'],
  ['AppVersion', 'appVersion', 'string'],
  ['Deprecated', 'deprecated', 'bool'],
  ['Annotations', 'annotations', 'map'],
  ['KubeVersion', 'kubeVersion', 'string'],
  ['Dependencies', 'dependencies', 'list'],
  ['Type', 'type', 'string'],
];

/**
 * .Chart as Helm v4 hands it to templates: a map of the metadata's Go field names (zero values for
 * what Chart.yaml leaves out) and IsRoot.
 */
export function chartObject(chart: Chart, isRoot: boolean): GoMap {
  const fields: GoMap = new Map();
  for (const [go, key, kind] of metadataFields) {
    let v = chart.metadata.get(key);
    if (go === 'Name') v = chart.name === str(v ?? '') ? v : chart.name;
    if (kind === 'string') fields.set(go, v === undefined || v === null ? '' : isString(v) ? v : formatV(v));
    else if (kind === 'bool') fields.set(go, v === true);
    else if (kind === 'map') fields.set(go, v instanceof Map ? v : new Map());
    else fields.set(go, Array.isArray(v) ? v : []);
  }
  fields.set('IsRoot', isRoot);
  return fields;
}

function fileText(f: ChartFile): GoString {
  return sourced(f.text, { file: f.path, start: 0, end: f.text.length, verbatim: true, what: `file ${f.name}` });
}

/** .Files over the chart's non-template files. */
export function filesObject(files: readonly ChartFile[]): GoStruct {
  const byName = new Map(files.map((f) => [f.name, f]));
  const get = (name: Value): GoString => {
    const f = byName.get(str(name ?? ''));
    return f ? fileText(f) : '';
  };
  const methods = {
    Get: (a: Value[]) => get(a[0]),
    GetBytes: (a: Value[]) => new TextEncoder().encode(str(get(a[0]))),
    Lines: (a: Value[]) => {
      const f = byName.get(str(a[0] ?? ''));
      if (!f || !f.text) return [];
      const t = f.text.endsWith('\n') ? f.text.slice(0, -1) : f.text;
      return t.split('\n');
    },
    Glob: (a: Value[]) => {
      const pattern = str(a[0] ?? '');
      return filesObject(files.filter((f) => globDoubleStar(pattern, f.name)));
    },
    AsConfig: () => {
      const m: GoMap = new Map();
      for (const f of files) m.set(f.name.slice(f.name.lastIndexOf('/') + 1), fileText(f));
      return toYaml(m);
    },
    AsSecrets: () => {
      const m: GoMap = new Map();
      for (const f of files) m.set(f.name.slice(f.name.lastIndexOf('/') + 1), b64enc(f.text));
      return toYaml(m);
    },
  };
  const fields = new Map<string, Value>();
  const view = (): GoMap => new Map(files.map((f) => [f.name, new TextEncoder().encode(f.text)]));
  return new GoStruct('engine.files', fields, methods, () => 'map[' + files.map((f) => f.name + ':' + '[...]').join(' ') + ']', view);
}

/** gobwas/glob with `/` as separator, as Files.Glob uses it: `*` within a segment, `**` across. */
export function globDoubleStar(pattern: string, name: string): boolean {
  const memo = new Map<string, boolean>();
  const go = (pi: number, si: number): boolean => {
    const key = pi + ',' + si;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (pi === pattern.length) r = si === name.length;
    else if (pattern.startsWith('**', pi)) r = go(pi + 2, si) || (si < name.length && go(pi, si + 1));
    else if (pattern[pi] === '*') r = go(pi + 1, si) || (si < name.length && name[si] !== '/' && go(pi, si + 1));
    else if (pattern[pi] === '?') r = si < name.length && name[si] !== '/' && go(pi + 1, si + 1);
    else if (pattern[pi] === '{') {
      const end = pattern.indexOf('}', pi);
      if (end < 0) r = name[si] === '{' && go(pi + 1, si + 1);
      else {
        const alts = pattern.slice(pi + 1, end).split(',');
        r = alts.some((alt) => name.startsWith(alt, si) && go(end + 1, si + alt.length));
      }
    } else r = si < name.length && pattern[pi] === name[si] && go(pi + 1, si + 1);
    memo.set(key, r);
    return r;
  };
  if (pattern.length * name.length > 1_000_000) throw new FuncError('glob too large (limit maxSteps)');
  return go(0, 0);
}
