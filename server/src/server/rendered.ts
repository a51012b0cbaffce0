// Findings on what charts render and overlays build, as the editor shows them: diagnostics on the line
// that sets the value (a values line, an overlay's images entry), a hover with the rendered image and the
// lines involved, and quick fixes that edit that line, never the generated text.
import * as path from 'node:path';
import { CodeAction, CodeActionKind, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Hover, MarkupKind, Range, TextDocumentEdit } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import { applicableConstraints, CheckOptions, Mirrors, PolicySet, rewriteCandidates, Severity } from '../engine';
import { editThroughOrigin } from '../sources/place';
import type { SourceLocation } from '../sources/origin';
import type { LineIndex } from '../yaml/documents';
import type { PlacedFinding, PlacedProblem, RenderedIndex } from '../workspace/renderedIndex';
import { sourceLabel } from '../workspace/renderedSources';
import { source } from './diagnostics';

const severity: Record<Severity, DiagnosticSeverity> = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information };

/** Lines of another file (a template, the overlay chain), for related information. */
export type LinesOfFile = (file: string) => LineIndex | undefined;

const label = (p: PlacedFinding | PlacedProblem) => sourceLabel(p.source, (f) => path.basename(f) || f);
const uriOf = (file: string) => (file.includes('://') ? file : URI.file(file).toString());

function rangeIn(lines: LineIndex, at: { start: number; end: number }): Range {
  return { start: lines.position(at.start), end: lines.position(Math.max(at.start, at.end)) };
}

function related(loc: SourceLocation, message: string, linesOf: LinesOfFile): DiagnosticRelatedInformation | undefined {
  const lines = linesOf(loc.file);
  if (!lines) return undefined;
  return { location: { uri: uriOf(loc.file), range: rangeIn(lines, loc) }, message };
}

export function renderedDiagnostics(findings: readonly PlacedFinding[], problems: readonly PlacedProblem[], lines: LineIndex, linesOf: LinesOfFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of problems) out.push({ range: rangeIn(lines, p.at), severity: severity[p.severity], source, message: `${p.message} (${label(p)})` });
  for (const f of findings) {
    const v = f.finding.violation;
    const rel: DiagnosticRelatedInformation[] = [];
    for (const r of f.finding.origin?.related ?? []) {
      const info = related(r.from, r.message, linesOf);
      if (info) rel.push(info);
    }
    const c = related({ file: v.constraint.file, start: v.constraint.span.start, end: v.constraint.span.end }, `${v.constraint.kind} ${v.constraint.name}`, linesOf);
    if (c) rel.push(c);
    out.push({
      range: rangeIn(lines, f.finding.at),
      severity: v.notEvaluated ? DiagnosticSeverity.Warning : severity[v.severity],
      source,
      message: `${v.message} (${label(f)}: ${v.object.gvk.kind} ${v.object.name})`,
      code: v.constraint.name,
      relatedInformation: rel,
      data: { kind: v.constraint.kind, constraint: v.constraint.name, action: v.action, rendered: f.source.root },
    });
  }
  return out;
}

/** The findings whose line holds an offset of the file. */
export function findingsAt(index: RenderedIndex, file: string, offset: number): PlacedFinding[] {
  return index.findings(file).filter((f) => offset >= f.finding.at.start && offset <= Math.max(f.finding.at.end, f.finding.at.start + 1));
}

export function renderedHover(found: readonly PlacedFinding[], linesOf: LinesOfFile): Hover | undefined {
  if (found.length === 0) return undefined;
  const parts: string[] = [];
  const where = (loc: SourceLocation) => `${path.basename(loc.file)}:${(linesOf(loc.file)?.position(loc.start).line ?? 0) + 1}`;
  const seen = new Set<string>();
  for (const f of found) {
    const v = f.finding.violation;
    const image = v.use && typeof v.use.image === 'string' ? v.use.image : undefined;
    const head = `**${label(f)}** renders ${v.object.gvk.kind} \`${v.object.name}\`${image ? `, image \`${image}\`` : ''}`;
    if (!seen.has(head)) {
      seen.add(head);
      parts.push(head);
      const o = f.finding.origin;
      if (o && o.parts.length > 0) parts.push(o.parts.map((p) => `- \`${image?.slice(p.start, p.end) ?? ''}\` from ${p.what} (${where(p.from)})`).join('\n'));
      for (const r of o?.related ?? []) parts.push(`- ${r.message}: ${where(r.from)}`);
    }
    parts.push(`${v.severity === 'error' ? 'Refused' : v.severity === 'warning' ? 'Warned' : 'Noted'} by ${v.constraint.kind} **${v.constraint.name}**: ${v.message}`);
  }
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n') } };
}

export interface RenderedFixContext {
  readonly policy: PolicySet;
  readonly options: CheckOptions;
  readonly mirrors: Mirrors;
  /** The open version of a file, when it is open in the editor. */
  readonly openVersion: (uri: string) => number | undefined;
  readonly linesOf: LinesOfFile;
  /** A file's text (an editor's unsaved text first). */
  readonly textOf: (file: string) => string | undefined;
}

/**
 * Quick fixes of a refused rendered image: each trusted candidate, as the edit of the line that sets the
 * part that changes (a values key, an images entry's newName), only where one edit can make it.
 */
export function renderedFixes(found: readonly PlacedFinding[], index: RenderedIndex, ctx: RenderedFixContext, diagnostics: Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  const titles = new Set<string>();
  for (const f of found) {
    const v = f.finding.violation;
    if (!v.use || typeof v.use.image !== 'string' || !f.finding.origin) continue;
    const check = index.checkOf(f.source);
    const reviews = check?.analysis.reviews(ctx.policy.expansions, { all: true }) ?? [];
    const constraints = applicableConstraints(reviews, v.use.imageNode, ctx.policy, ctx.options);
    for (const cand of rewriteCandidates(v.use.image, constraints, ctx.mirrors).candidates) {
      const e = editThroughOrigin(f.finding.origin, v.use.image, cand.image);
      if (!e) continue;
      const uri = uriOf(e.file);
      const lines = ctx.linesOf(e.file);
      if (!lines) continue;
      const title = `Use ${cand.image} (edits ${path.basename(e.file)})`;
      if (titles.has(title)) continue;
      titles.add(title);
      // A base line other overlays share: this overlay gets an images entry of its own instead (preferred).
      const shared = f.source.kind === 'kustomize' && index.all.some((s) => s !== f.source && s.inputs.some((i) => path.resolve(i) === path.resolve(e.file)));
      const entry = shared ? overlayImagesEntry(f.source.rootFile, v.use.image, cand.image, ctx) : undefined;
      if (entry && !titles.has(entry.title)) {
        titles.add(entry.title);
        out.push({ title: entry.title, kind: CodeActionKind.QuickFix, diagnostics, isPreferred: cand.preferred, edit: { documentChanges: [entry.edit] } });
      }
      const version = ctx.openVersion(uri) ?? null;
      const edit: TextDocumentEdit = { textDocument: { uri, version }, edits: [{ range: rangeIn(lines, e), newText: e.newText }] };
      out.push({ title, kind: CodeActionKind.QuickFix, diagnostics, isPreferred: cand.preferred && !entry, edit: { documentChanges: [edit] } });
    }
  }
  return out;
}

/** The image's name as the images transformer matches it: without tag and digest. */
function imageName(image: string): string {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest;
}

/**
 * An `images:` entry that renames the image in this overlay only: appended to its list, or a new list at
 * the end of the kustomization.
 */
function overlayImagesEntry(kustomization: string, from: string, to: string, ctx: RenderedFixContext): { title: string; edit: TextDocumentEdit } | undefined {
  const lines = ctx.linesOf(kustomization);
  const text = ctx.textOf(kustomization);
  if (!lines || text === undefined) return undefined;
  const name = imageName(from);
  const newName = imageName(to);
  if (name === newName || to.slice(newName.length) !== from.slice(name.length)) return undefined;
  const uri = uriOf(kustomization);
  const images = /^images:[ \t]*(?:#.*)?$/m.exec(text);
  let at: number;
  let newText: string;
  if (images) {
    // After the list's last line: the first line after `images:` that is not indented, or the end.
    const rest = text.slice(images.index + images[0].length);
    const end = /\n(?=\S)/.exec(rest);
    at = end ? images.index + images[0].length + end.index + 1 : text.length;
    const item = /\n([ \t]*)- /.exec(rest);
    const indent = item ? item[1]! : '  ';
    newText = `${at === text.length && !text.endsWith('\n') ? '\n' : ''}${indent}- name: ${name}\n${indent}  newName: ${newName}\n`;
  } else {
    at = text.length;
    newText = `${text.endsWith('\n') || text === '' ? '' : '\n'}images:\n  - name: ${name}\n    newName: ${newName}\n`;
  }
  const pos = lines.position(at);
  const version = ctx.openVersion(uri) ?? null;
  return {
    title: `Add an images entry to ${path.basename(path.dirname(kustomization))}/${path.basename(kustomization)}: ${name} -> ${newName}`,
    edit: { textDocument: { uri, version }, edits: [{ range: { start: pos, end: pos }, newText }] },
  };
}
