// Quick fixes: rewrite an untrusted image to a trusted one, fix a whole file or workspace, or allow the
// image's registry in the constraint. Every edit names the document version it was computed for.
import {
  AnnotatedTextEdit,
  CancellationToken,
  ChangeAnnotation,
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  Diagnostic,
  OptionalVersionedTextDocumentIdentifier,
  TextDocumentEdit,
  WorkspaceEdit,
} from 'vscode-languageserver';
import { allowEntryFor, appendToList, Candidate, Constraint, FileAnalysis, FixContext, fixAllEdits, fixesFor, verifiedRewrites, paramsAllowFix, Mirrors, replaceScalar, TextEdit } from '../engine';
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

/** What code actions are computed from; the server's own state, given as functions. */
export interface CodeActionSources {
  readonly index: WorkspaceIndex;
  /** The mirrors setting of the folder that holds a file. */
  readonly mirrorsFor: (uri: string) => Mirrors;
  /** The version of an open document; undefined when it is closed. */
  readonly openVersion: (uri: string) => number | undefined;
  /** Whether the client resolves code actions' edits lazily. */
  readonly resolveSupport: () => boolean;
  /** A full analysis of a closed file, read again from disk (the index keeps closed files compact). */
  readonly readFull: (uri: string) => FileAnalysis | undefined;
  /** Lets requests in during a long computation (Fix All in Workspace). */
  readonly pause: () => Promise<void>;
}

export class CodeActions {
  private readonly index: WorkspaceIndex;
  private readonly openVersion: (uri: string) => number | undefined;

  constructor(private readonly sources: CodeActionSources) {
    this.index = sources.index;
    this.openVersion = sources.openVersion;
  }

  private resolveSupport(): boolean {
    return this.sources.resolveSupport();
  }

  /** The file's full analysis: the open document's, or the file read again from disk. */
  private full(uri: string): FileAnalysis | undefined {
    return this.openVersion(uri) !== undefined ? this.index.analysis(uri) : this.sources.readFull(uri);
  }

  private fixContext(uri: string): FixContext {
    return { policy: this.index.policy(), options: this.index.checkOptions, templates: this.index.templates(), mirrors: this.sources.mirrorsFor(uri) };
  }

  private fileEdits(uri: string, a: FileAnalysis | undefined): TextEdit[] {
    return a ? fixAllEdits(a, this.fixContext(uri)) : [];
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
    const ctx = this.fixContext(uri);

    if (wantsQuickFix) {
      const inRange = this.index.violations(uri).filter((x) => x.use && overlaps(rangeOf(a.lines, x.use.imageNode.span), p.range));
      const seenImages = new Set<object>();
      const policyActions: CodeAction[] = [];
      for (const x of inRange) {
        const use = x.use!;
        if (seenImages.has(use.imageNode)) continue;
        seenImages.add(use.imageNode);
        const diagnostics = matchingDiagnostics(p.context.diagnostics, rangeOf(a.lines, use.imageNode.span));
        const { candidates } = fixesFor(this.index.reviews(uri), x, ctx);
        for (const cand of candidates) actions.push(this.rewriteAction(uri, v, a, use.imageNode, cand, diagnostics));
        // The policy side: allow this image's registry in each constraint it violates.
        const violated: Constraint[] = [];
        for (const y of inRange) if (y.use?.imageNode === use.imageNode && y.constraint.engine === 'builtin') violated.push(y.constraint);
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
      // Images refused by Rego, CEL, ValidatingAdmissionPolicies or Kyverno: rewrites checked by checking the file again.
      const others = this.index.violations(uri).filter((x) => !x.use && x.at && !x.notEvaluated && overlaps(rangeOf(a.lines, x.at), p.range));
      if (others.length > 0) {
        const full = this.full(uri);
        const done = new Set<number>();
        for (const x of others) {
          if (!full || done.has(x.at!.start)) continue;
          done.add(x.at!.start);
          const r = verifiedRewrites(full, x, ctx);
          if (!r) continue;
          const diagnostics = matchingDiagnostics(p.context.diagnostics, rangeOf(a.lines, x.at!));
          for (const cand of r.result.candidates) actions.push(this.rewriteAction(uri, v, full, r.node, cand, diagnostics));
          // The policy side: the image's registry added to the list the VAP's params object holds.
          const params = paramsAllowFix(this.index.reviews(uri), x, ctx, (file) => this.full(file)?.text);
          const paramsFile = params ? this.full(params.file) : undefined;
          if (params && paramsFile) {
            policyActions.push({
              title: params.title,
              kind: CodeActionKind.QuickFix,
              diagnostics: diagnostics.filter((d) => d.code === x.constraint.name),
              edit: {
                documentChanges: [documentEdit(params.file, this.openVersion(params.file) ?? null, paramsFile, [params.edit], confirm)],
                changeAnnotations: { [confirm]: { label: params.title, needsConfirmation: true, description: 'Changes which images the cluster admits' } },
              },
            });
          }
        }
      }
      const fileEdits = this.fileEdits(uri, a);
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
      const fileEdits = this.fileEdits(uri, a);
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

  /**
   * One WorkspaceEdit over every file, to be confirmed in a preview. Closed files are read again;
   * requests are let in between files, and a cancelled request stops (undefined).
   */
  async workspaceFixAll(token?: CancellationToken): Promise<WorkspaceEdit | 'cancelled' | undefined> {
    const changes: TextDocumentEdit[] = [];
    let lastYield = Date.now();
    for (const uri of this.index.uris()) {
      if (Date.now() - lastYield > 2) {
        await this.sources.pause();
        lastYield = Date.now();
      }
      if (token?.isCancellationRequested) return 'cancelled';
      if (!this.index.violations(uri).some((v) => v.use)) continue;
      const version = this.openVersion(uri);
      if (version !== undefined && this.index.version(uri) !== version) continue;
      const a = this.full(uri);
      if (!a) continue;
      const edits = this.fileEdits(uri, a);
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
