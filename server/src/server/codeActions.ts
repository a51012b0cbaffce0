// Quick fixes: rewrite an untrusted image to a trusted one, fix a whole file or workspace, or allow the
// image's registry in the constraint. Every edit names the document version it was computed for.
import {
  AnnotatedTextEdit,
  ChangeAnnotation,
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  Diagnostic,
  OptionalVersionedTextDocumentIdentifier,
  TextDocumentEdit,
  WorkspaceEdit,
} from 'vscode-languageserver';
import { FileAnalysis } from '../engine';
import { checkReviews, Violation } from '../engine';
import { Constraint } from '../engine';
import { Review } from '../engine';
import { appendToList, replaceScalar, TextEdit } from '../engine';
import { parseImageRef } from '../engine';
import { applicableConstraints, Candidate, Mirrors, rewriteCandidates, RewriteResult, satisfiesAll } from '../engine';
import { fixAllKind } from '../shared/protocol';
import { WorkspaceIndex } from '../workspace/index';
import { rangeOf, source } from './diagnostics';

const confirm = 'trustedImages.confirm';

export interface ResolveData {
  readonly uri: string;
  readonly version: number | null;
  readonly constraint: { kind: string; name: string };
  readonly entry: string;
}

/** The candidates for one violating image, and what applies them. */
export function fixesFor(index: WorkspaceIndex, reviews: readonly Review[], v: Violation, mirrors: Mirrors): RewriteResult {
  if (!v.use) return { candidates: [], reason: 'the violation is about the object, not an image' };
  const constraints = applicableConstraints(reviews, v.use.imageNode, index.policy(), index.checkOptions);
  return rewriteCandidates(v.use.image, constraints, mirrors);
}

function toLsp(a: FileAnalysis, e: TextEdit) {
  return { range: rangeOf(a.lines, e.span), newText: e.newText };
}

function documentEdit(uri: string, version: number | null, a: FileAnalysis, edits: TextEdit[], annotationId?: string): TextDocumentEdit {
  const textDocument: OptionalVersionedTextDocumentIdentifier = { uri, version };
  return {
    textDocument,
    edits: edits.map((e) => (annotationId ? AnnotatedTextEdit.replace(rangeOf(a.lines, e.span), e.newText, annotationId) : toLsp(a, e))),
  };
}

/**
 * One edit per image value (aliases share their anchor's edit): the preferred candidate of each.
 * `a` is a full analysis (with its text), of an open document or of a file read again from disk.
 */
export function fixAllEdits(index: WorkspaceIndex, a: FileAnalysis | undefined, mirrors: Mirrors): TextEdit[] {
  if (!a || a.skipped || a.text === '') return [];
  const reviews = a.reviews(index.templates()) ?? [];
  const bySpan = new Map<number, TextEdit>();
  for (const v of checkReviews(reviews, index.policy(), index.checkOptions)) {
    if (!v.use) continue;
    const best = fixesFor(index, reviews, v, mirrors).candidates.find((c) => c.preferred);
    if (!best) continue;
    const { edit } = replaceScalar(a.text, v.use.imageNode, best.image);
    if (!bySpan.has(edit.span.start)) bySpan.set(edit.span.start, edit);
  }
  return [...bySpan.values()];
}

/** The prefix that admits this image in a constraint's own terms, e.g. `ghcr.io/` or `bitnami/`. */
export function allowEntryFor(c: Constraint, image: unknown): string | undefined {
  if (typeof image !== 'string' || c.kind === 'K8sDisallowedRepos') return undefined;
  const ref = parseImageRef(image);
  if (!ref) return undefined;
  let prefix: string;
  if (ref.explicitRegistry) prefix = `${image.slice(0, image.indexOf('/'))}/`;
  else if (image.includes('/')) prefix = `${image.slice(0, image.indexOf('/'))}/`;
  else prefix = ref.tag !== undefined || ref.digest !== undefined ? image.replace(/[:@].*$/, '') + (ref.tag !== undefined ? ':' : '@') : image;
  const entry = c.kind === 'K8sAllowedReposv2' ? (prefix === image ? image : `${prefix}*`) : prefix;
  // Only offer what actually admits the image under this constraint.
  return satisfiesAll(image, [{ ...c, list: [...(c.list ?? []), entry] }]) ? entry : undefined;
}

export class CodeActions {
  constructor(
    private readonly index: WorkspaceIndex,
    private readonly mirrors: () => Mirrors,
    private readonly openVersion: (uri: string) => number | undefined,
    private readonly resolveSupport: () => boolean,
    /** A full analysis of a closed file, read again from disk (the index keeps closed files compact). */
    private readonly readFromDisk: (uri: string) => FileAnalysis | undefined,
  ) {}

  /** The file's full analysis: the open document's, or the file read again from disk. */
  private full(uri: string): FileAnalysis | undefined {
    return this.openVersion(uri) !== undefined ? this.index.analysis(uri) : this.readFromDisk(uri);
  }

  provide(p: CodeActionParams): CodeAction[] {
    const uri = p.textDocument.uri;
    const a = this.index.analysis(uri);
    const version = this.openVersion(uri);
    // Never offer edits computed for another text than the editor has.
    if (!a || a.skipped || (version !== undefined && this.index.version(uri) !== version)) return [];
    const v = version ?? null;
    const only = p.context.only;
    const wantsFixAll = only?.some((k) => fixAllKind.startsWith(k) || k === fixAllKind);
    const wantsQuickFix = !only || only.some((k) => CodeActionKind.QuickFix.startsWith(k));
    const actions: CodeAction[] = [];
    const mirrors = this.mirrors();

    if (wantsQuickFix) {
      const inRange = this.index.violations(uri).filter((x) => x.use && overlaps(rangeOf(a.lines, x.use.imageNode.span), p.range));
      const seenImages = new Set<object>();
      const policyActions: CodeAction[] = [];
      for (const x of inRange) {
        const use = x.use!;
        if (seenImages.has(use.imageNode)) continue;
        seenImages.add(use.imageNode);
        const diagnostics = matchingDiagnostics(p.context.diagnostics, rangeOf(a.lines, use.imageNode.span));
        const { candidates } = fixesFor(this.index, this.index.reviews(uri), x, mirrors);
        for (const cand of candidates) actions.push(this.rewriteAction(uri, v, a, use.imageNode, cand, diagnostics));
        // The policy side: allow this image's registry in each constraint it violates.
        const violated = inRange.filter((y) => y.use?.imageNode === use.imageNode && !('template' in y.constraint)).map((y) => y.constraint as Constraint);
        for (const c of new Set(violated)) {
          const entry = allowEntryFor(c, use.image);
          if (!entry || !c.listNode || c.listNode.kind !== 'seq') continue;
          const data: ResolveData = { uri: c.file, version: this.openVersion(c.file) ?? null, constraint: { kind: c.kind, name: c.name }, entry };
          const action: CodeAction = {
            title: `Allow \`${entry}\` in constraint ${c.name}`,
            kind: CodeActionKind.QuickFix,
            diagnostics: diagnostics.filter((d) => d.code === c.name),
            data,
          };
          policyActions.push(this.resolveSupport() ? action : this.resolve(action));
        }
      }
      const fileEdits = fixAllEdits(this.index, a, mirrors);
      if (fileEdits.length > 0 && inRange.length > 0) {
        actions.push({
          title: 'Fix all untrusted images in this file',
          kind: CodeActionKind.QuickFix,
          edit: { documentChanges: [documentEdit(uri, v, a, fileEdits)] },
        });
      }
      actions.push(...policyActions);
      // Fixes of the policy side as written (a prefix without its trailing "/").
      for (const problem of this.index.policy().problems) {
        if (problem.file !== uri || !problem.fix || !overlaps(rangeOf(a.lines, problem.span), p.range)) continue;
        actions.push({
          title: problem.fix.title,
          kind: CodeActionKind.QuickFix,
          isPreferred: true,
          diagnostics: p.context.diagnostics.filter((d) => d.source === source && d.message === problem.message),
          edit: { documentChanges: [documentEdit(uri, v, a, [{ span: problem.fix.span, newText: problem.fix.newText }])] },
        });
      }
    }
    if (wantsFixAll) {
      const fileEdits = fixAllEdits(this.index, a, mirrors);
      if (fileEdits.length > 0) {
        actions.push({ title: 'Fix all untrusted images in this file', kind: fixAllKind, edit: { documentChanges: [documentEdit(uri, v, a, fileEdits)] } });
      }
    }
    return actions;
  }

  private rewriteAction(uri: string, version: number | null, a: FileAnalysis, node: Parameters<typeof replaceScalar>[1], cand: Candidate, diagnostics: Diagnostic[]): CodeAction {
    const { edit, atAnchor } = replaceScalar(a.text, node, cand.image);
    const anchorNote = atAnchor ? ` (at its anchor, line ${a.lines.position(edit.span.start).line + 1}: every alias changes)` : '';
    return {
      title: `Use ${cand.image}${anchorNote}`,
      kind: CodeActionKind.QuickFix,
      diagnostics,
      isPreferred: cand.preferred,
      edit: { documentChanges: [documentEdit(uri, version, a, [edit])] },
    };
  }

  /** Computes the edit of a policy-side action: the entry added to the constraint's list. */
  resolve(action: CodeAction): CodeAction {
    const data = action.data as ResolveData | undefined;
    if (!data || action.edit) return action;
    const a = this.full(data.uri);
    const c = a?.policy.constraints.find((x) => x.kind === data.constraint.kind && x.name === data.constraint.name);
    const current = this.openVersion(data.uri) ?? null;
    if (!a || !c?.listNode || current !== data.version) return action; // the constraint changed: no edit
    const e = appendToList(a.text, c.listNode, data.entry);
    if (!e) return action;
    const annotation: ChangeAnnotation = {
      label: `Allow ${data.entry} in ${c.kind} ${c.name}`,
      needsConfirmation: true,
      description: 'Changes which images the cluster admits',
    };
    return { ...action, edit: { documentChanges: [documentEdit(data.uri, data.version, a, [e], confirm)], changeAnnotations: { [confirm]: annotation } } };
  }

  /** One WorkspaceEdit over every file, to be confirmed in a preview. Closed files are read again. */
  workspaceFixAll(): WorkspaceEdit | undefined {
    const mirrors = this.mirrors();
    const changes: TextDocumentEdit[] = [];
    for (const uri of this.index.uris()) {
      if (!this.index.violations(uri).some((v) => v.use)) continue;
      const version = this.openVersion(uri);
      if (version !== undefined && this.index.version(uri) !== version) continue;
      const a = this.full(uri);
      if (!a) continue;
      const edits = fixAllEdits(this.index, a, mirrors);
      if (edits.length > 0) changes.push(documentEdit(uri, version ?? null, a, edits, confirm));
    }
    if (changes.length === 0) return undefined;
    return {
      documentChanges: changes,
      changeAnnotations: { [confirm]: { label: 'Rewrite untrusted images', needsConfirmation: true, description: `${changes.length} files` } },
    };
  }
}

function overlaps(a: { start: { line: number; character: number }; end: { line: number; character: number } }, b: typeof a): boolean {
  const before = (x: typeof a.start, y: typeof a.start) => x.line < y.line || (x.line === y.line && x.character < y.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function matchingDiagnostics(diagnostics: readonly Diagnostic[], range: Diagnostic['range']): Diagnostic[] {
  return diagnostics.filter(
    (d) => d.source === source && d.range.start.line === range.start.line && d.range.start.character === range.start.character,
  );
}
