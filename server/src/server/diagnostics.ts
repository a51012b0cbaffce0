// Engine facts -> LSP diagnostics for one file.
import { Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Range } from 'vscode-languageserver';
import { FileAnalysis } from '../engine';
import { Severity, Violation, violationSpan } from '../engine';
import { PolicyRef, PolicySet } from '../engine';
import { LineIndex, Span } from '../yaml/documents';

export const source = 'trusted-images';

const severity: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function rangeOf(lines: LineIndex, span: Span): Range {
  return { start: lines.position(span.start), end: lines.position(span.end) };
}

/** Finds the line index of another file, to point at a constraint from a violation. */
export type LinesOf = (uri: string) => LineIndex | undefined;

export function constraintLocation(c: PolicyRef, linesOf: LinesOf): { uri: string; range: Range; line: number } {
  const lines = linesOf(c.file);
  const span = (c.engine === 'builtin' ? c.listNode?.span : undefined) ?? c.span;
  const range = lines ? rangeOf(lines, span) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const nameLine = lines ? lines.position(c.span.start).line : 0;
  return { uri: c.file, range, line: nameLine };
}

function violationDiagnostic(a: FileAnalysis, v: Violation, linesOf: LinesOf): Diagnostic {
  const span = violationSpan(v);
  const where = constraintLocation(v.constraint, linesOf);
  const c = v.constraint;
  const param = c.kind === 'K8sAllowedReposv2' ? 'allowedImages' : 'repos';
  const related: DiagnosticRelatedInformation[] = [
    {
      location: { uri: where.uri, range: where.range },
      message:
        c.engine === 'vap'
          ? `ValidatingAdmissionPolicy ${c.name} (binding ${c.binding})`
          : c.engine === 'kyverno'
            ? `${c.kind} ${c.name}`
            : c.engine !== 'builtin'
          ? `${c.kind} ${c.name} (ConstraintTemplate ${c.template.name})`
          : c.listNode
            ? `${param} of ${c.kind} ${c.name}`
            : `${c.kind} ${c.name} (it has no ${param})`,
    },
  ];
  return {
    range: rangeOf(a.lines, span),
    severity: severity[v.severity],
    message: v.message,
    source,
    code: v.constraint.name,
    codeDescription: { href: `${where.uri}#L${where.line + 1}` },
    relatedInformation: related,
    data: { kind: v.constraint.kind, constraint: v.constraint.name, action: v.action },
  };
}

export function diagnosticsFor(a: FileAnalysis, violations: readonly Violation[], policy: PolicySet, linesOf: LinesOf): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (a.skipped) {
    if (!a.skipped.startsWith('template')) {
      out.push({ range: Range.create(0, 0, 0, 0), severity: DiagnosticSeverity.Information, source, message: `Not checked: ${a.skipped}` });
    }
    return out;
  }
  for (const e of a.parsed.errors) {
    const pos = a.lines.position(e.offset);
    out.push({
      range: { start: pos, end: pos },
      severity: DiagnosticSeverity.Information,
      source,
      message: `Document ${e.index + 1} not checked: ${e.message}`,
    });
  }
  for (const w of a.parsed.warnings ?? []) out.push({ range: rangeOf(a.lines, w.span), severity: DiagnosticSeverity.Warning, source, message: w.message });
  for (const p of policy.problems) {
    if (p.file !== a.file) continue;
    out.push({ range: rangeOf(a.lines, p.span), severity: severity[p.severity], source, message: p.message });
  }
  for (const v of violations) out.push(violationDiagnostic(a, v, linesOf));
  return out;
}
