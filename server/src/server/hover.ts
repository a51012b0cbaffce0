// The hover on an image: every constraint's verdict, and where each constraint lives.
import { Hover, MarkupKind } from 'vscode-languageserver';
import { FileAnalysis } from '../engine/analyze';
import { applicableConstraints, Mirrors, rewriteCandidates } from '../engine/rewrite';
import { WorkspaceIndex } from '../workspace/index';
import { explainAt, VerdictStatus } from '../engine/explain';
import { opaString } from '../engine/gofmt';
import { constraintLocation, LinesOf, rangeOf } from './diagnostics';

const statusText: Record<VerdictStatus, string> = {
  refused: 'REFUSED',
  allowed: 'allowed',
  'not-matched': 'not applied',
  'match-error': 'cannot match',
  'not-enforced': 'not enforced',
  'not-evaluated': 'nothing to check',
};

function escape(s: string): string {
  return s.replace(/[\\`*_[\]<>]/g, '\\$&');
}

export function hoverAt(a: FileAnalysis, offset: number, index: WorkspaceIndex, mirrors: Mirrors, linesOf: LinesOf): Hover | null {
  const policy = index.policy();
  const reviews = index.reviews(a.file);
  const ex = explainAt(reviews, policy, index.checkOptions, offset);
  if (!ex) return null;
  const image = typeof ex.use.image === 'string' ? ex.use.image : opaString(ex.use.image);
  const lines: string[] = [`**Trusted Images**: \`${image.replace(/`/g, "'")}\``, ''];
  if (ex.verdicts.length === 0) {
    lines.push('No K8sAllowedRepos, K8sAllowedReposv2 or K8sDisallowedRepos constraint was found in the workspace, so no constraint applies.');
  }
  for (const v of ex.verdicts) {
    const where = constraintLocation(v.constraint, linesOf);
    const file = where.uri.slice(where.uri.lastIndexOf('/') + 1);
    const action = v.constraint.actions[0] ?? v.constraint.enforcementAction;
    const status = statusText[v.status];
    lines.push(
      `- ${status}: **${v.constraint.kind} ${escape(v.constraint.name)}** (${action}), ${escape(v.detail)}. ` +
        `[${escape(file)}:${where.line + 1}](${where.uri}#L${where.line + 1})` +
        (v.message ? '  ' : ''), // a hard line break before Gatekeeper's message
    );
    if (v.message) lines.push(`  \`${v.message.replace(/`/g, "'")}\``);
  }
  if (ex.verdicts.length > 0 && ex.verdicts.every((v) => v.status !== 'refused' && v.status !== 'allowed')) {
    lines.push('', 'No constraint applies to this image.');
  }
  if (ex.verdicts.some((v) => v.status === 'refused')) {
    const constraints = applicableConstraints(reviews, ex.use.imageNode, policy, index.checkOptions);
    const fixes = rewriteCandidates(ex.use.image, constraints, mirrors);
    lines.push(
      '',
      fixes.candidates.length > 0
        ? `Quick fix: ${fixes.candidates.map((c) => `\`${c.image}\``).join(', ')}`
        : `No trusted rewrite: ${escape(fixes.reason ?? '')}.`,
    );
  }
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range: rangeOf(a.lines, ex.use.imageNode.span) };
}
