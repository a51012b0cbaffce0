// Gatekeeper's expansion (pkg/expansion): a workload is also reviewed as the Pod its controller will
// create, so a Deployment with an untrusted image is flagged before its Pods are refused.
import { getPath, MapNode, Span, stringAt, toJS, YNode } from '../yaml/documents';
import { ImageUse, imageUsesOf } from './images';
import { GroupVersionKind, K8sObject, stringMap } from './objects';
import { admissionGvk, admissionSubject, cachedSubject, isAdmissionReview, ownString, RegoSubject, toValue } from './admission';
import { RObject } from '../rego/value';

export interface ExpansionTemplate {
  readonly file: string;
  readonly span: Span;
  readonly name: string;
  readonly applyTo: ReadonlyArray<{ groups: readonly string[]; kinds: readonly string[]; versions: readonly string[] }>;
  readonly templateSource: readonly string[];
  readonly generatedGVK: GroupVersionKind;
  /** Overrides the constraint's action for what this template generates. */
  readonly enforcementAction: 'deny' | 'warn' | 'dryrun' | undefined;
  /** One of Trusted Images' defaults: no `[Implied by ...]` prefix. */
  readonly builtIn: boolean;
}

const pod: GroupVersionKind = { group: '', version: 'v1', kind: 'Pod' };
const none: Span = { start: 0, end: 0 };

function builtIn(name: string, applyTo: ExpansionTemplate['applyTo'], templateSource: string, generatedGVK: GroupVersionKind): ExpansionTemplate {
  return { file: '', span: none, name, applyTo, templateSource: templateSource.split('.'), generatedGVK, enforcementAction: undefined, builtIn: true };
}

/** The standard ExpansionTemplates of Gatekeeper's documentation, assumed installed unless the workspace has its own. */
export const defaultExpansions: readonly ExpansionTemplate[] = [
  builtIn('expand-deployments', [{ groups: ['apps'], kinds: ['DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'], versions: ['v1'] }], 'spec.template', pod),
  builtIn('expand-replicationcontrollers', [{ groups: [''], kinds: ['ReplicationController'], versions: ['v1'] }], 'spec.template', pod),
  builtIn('expand-jobs', [{ groups: ['batch'], kinds: ['Job'], versions: ['v1'] }], 'spec.template', pod),
  builtIn('expand-cronjobs', [{ groups: ['batch'], kinds: ['CronJob'], versions: ['v1'] }], 'spec.jobTemplate', { group: 'batch', version: 'v1', kind: 'Job' }),
];

export function parseExpansionTemplate(o: K8sObject, at: { file: string; span: Span }): ExpansionTemplate {
  const spec = getPath(o.node, 'spec');
  const applyTo = toJS(getPath(spec, 'applyTo'));
  if (!Array.isArray(applyTo)) throw new Error('spec.applyTo must be a list');
  const list = (v: unknown, what: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`spec.applyTo[].${what} must be a list of strings`);
    return v as string[];
  };
  const source = stringAt(spec, 'templateSource');
  if (!source) throw new Error('spec.templateSource is missing');
  const gen = getPath(spec, 'generatedGVK');
  const kind = stringAt(gen, 'kind');
  if (!kind) throw new Error('spec.generatedGVK.kind is missing');
  const action = stringAt(spec, 'enforcementAction');
  if (action !== undefined && action !== '' && action !== 'deny' && action !== 'warn' && action !== 'dryrun') {
    throw new Error(`spec.enforcementAction ${JSON.stringify(action)} is not one of deny, warn, dryrun`);
  }
  return {
    ...at,
    name: o.name,
    applyTo: applyTo.map((a: Record<string, unknown>) => ({ groups: list(a?.groups, 'groups'), kinds: list(a?.kinds, 'kinds'), versions: list(a?.versions, 'versions') })),
    templateSource: source.split('.'),
    generatedGVK: { group: stringAt(gen, 'group') ?? '', version: stringAt(gen, 'version') ?? '', kind },
    enforcementAction: action === '' ? undefined : (action as ExpansionTemplate['enforcementAction']),
    builtIn: false,
  };
}

/** What a report says about the object in the file: enough to name it and point at it. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly gvk: GroupVersionKind;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly documentIndex: number;
  /** The object's `kind` value, where a violation about the whole object is shown. */
  readonly kindSpan: Span;
  readonly span: Span;
}

export function objectRef(o: K8sObject): ObjectRef {
  return {
    apiVersion: o.apiVersion,
    gvk: o.gvk,
    name: o.name,
    namespace: o.namespace,
    documentIndex: o.documentIndex,
    kindSpan: o.node.entries.get('kind')?.span ?? o.node.span,
    span: o.node.span,
  };
}

/**
 * An object as one admission review sees it: the object itself, or a resource expanded from it.
 * It holds only what the checks read, not the syntax tree, so closed files stay small in memory.
 */
export interface Review {
  readonly gvk: GroupVersionKind;
  readonly name: string;
  readonly generateName: string | undefined;
  /** metadata.namespace of the original object (expanded resources inherit it). */
  readonly namespace: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly source: 'Original' | 'Generated';
  /** The object in the file that the results are reported on. */
  readonly origin: ObjectRef;
  /** The workspace ExpansionTemplate that generated it, for the message prefix. */
  readonly impliedBy: string | undefined;
  readonly actionOverride: 'deny' | 'warn' | 'dryrun' | undefined;
  /** The images its containers run, with paths from the origin object. */
  readonly uses: readonly ImageUse[];
  /** What Rego evaluation reads; only when asked for (withObjects). */
  readonly rego?: RegoSubject;
}

function applies(t: ExpansionTemplate, gvk: GroupVersionKind): boolean {
  return t.applyTo.some((a) => a.groups.includes(gvk.group) && a.kinds.includes(gvk.kind) && a.versions.includes(gvk.version));
}

const maxExpansionDepth = 8;

/**
 * The object and everything expansion generates from it, recursively (CronJob -> Job -> Pod).
 * withObjects: each review also carries what Rego evaluation reads (the object as a Rego value).
 */
export function expand(o: K8sObject, templates: readonly ExpansionTemplate[], withObjects = false): Review[] {
  const out: Review[] = [];
  const origin = objectRef(o);
  // An AdmissionReview is reviewed as its request, as gator does: no expansion.
  if (isAdmissionReview(o.gvk)) {
    const request = getPath(o.node, 'request');
    const object = getPath(request, 'object');
    if (request?.kind !== 'map' || object?.kind !== 'map') return out;
    const gvk = admissionGvk(request);
    out.push({
      gvk,
      name: stringAt(request, 'name') ?? stringAt(object, 'metadata', 'name') ?? '',
      generateName: stringAt(object, 'metadata', 'generateName'),
      namespace: stringAt(request, 'namespace') || stringAt(object, 'metadata', 'namespace') || undefined,
      labels: stringMap(getPath(object, 'metadata', 'labels')),
      source: 'Original',
      origin,
      impliedBy: undefined,
      actionOverride: undefined,
      uses: imageUsesOf(object, 'request.object.'),
      ...(withObjects ? { rego: admissionSubject(request, object) } : {}),
    });
    return out;
  }
  const visit = (r: Omit<Review, 'uses'>, node: MapNode, prefix: string, depth: number, object?: () => RObject) => {
    // Written out rather than spread: V8 copies a spread of this many fields slowly.
    const review: Review = {
      gvk: r.gvk,
      name: r.name,
      generateName: r.generateName,
      namespace: r.namespace,
      labels: r.labels,
      source: r.source,
      origin: r.origin,
      impliedBy: r.impliedBy,
      actionOverride: r.actionOverride,
      uses: imageUsesOf(node, prefix),
      rego: withObjects ? cachedSubject(r, node, object ?? (() => toValue(node) as RObject)) : undefined,
    };
    out.push(review);
    if (depth >= maxExpansionDepth) return;
    for (const t of templates) {
      if (!applies(t, r.gvk)) continue;
      const src: YNode | undefined = getPath(node, ...t.templateSource);
      if (!src || src.kind !== 'map') continue;
      const name = `${r.name}${t.generatedGVK.kind ? '-' : ''}${t.generatedGVK.kind}`.toLowerCase();
      // The generated resource: the template source with the generated kind, the parent's namespace.
      const generated = (): RObject => {
        const body = toValue(src) as RObject;
        const m = body.get('metadata');
        let metadata = m instanceof RObject ? m : new RObject();
        if (metadata.get('name') === undefined) metadata = metadata.with('name', name);
        // Strings that do not come through toValue are owned here too (a slice would keep its file's text).
        if (r.namespace !== undefined) metadata = metadata.with('namespace', ownString(r.namespace));
        const g = t.generatedGVK;
        return body.with('apiVersion', ownString(g.group ? `${g.group}/${g.version}` : g.version)).with('kind', ownString(g.kind)).with('metadata', metadata);
      };
      visit(
        {
          gvk: t.generatedGVK,
          name,
          generateName: undefined,
          namespace: r.namespace,
          labels: stringMap(getPath(src, 'metadata', 'labels')),
          source: 'Generated',
          origin,
          impliedBy: t.builtIn ? undefined : t.name,
          actionOverride: t.enforcementAction ?? r.actionOverride,
        },
        src,
        `${prefix}${t.templateSource.join('.')}.`,
        depth + 1,
        generated,
      );
    }
  };
  visit(
    {
      gvk: o.gvk,
      name: o.name,
      generateName: stringAt(o.node, 'metadata', 'generateName'),
      namespace: o.namespace,
      labels: o.labels,
      source: 'Original',
      origin,
      impliedBy: undefined,
      actionOverride: undefined,
    },
    o.node,
    '',
    0,
  );
  return out;
}

/** Equal keys expand equally (where templates are defined does not matter). */
export function templatesKey(templates: readonly ExpansionTemplate[]): string {
  let key = keys.get(templates);
  if (key === undefined) {
    key = JSON.stringify(templates.map((t) => [t.name, t.applyTo, t.templateSource, t.generatedGVK, t.enforcementAction ?? null, t.builtIn]));
    keys.set(templates, key);
  }
  return key;
}

const keys = new WeakMap<readonly ExpansionTemplate[], string>();

/** Every review of a file's objects. */
export function reviewsOf(objects: readonly K8sObject[], templates: readonly ExpansionTemplate[], withObjects = false): Review[] {
  const out: Review[] = [];
  for (const o of objects) out.push(...expand(o, templates, withObjects));
  return out;
}
