// The hover on an image: every constraint's verdict, and where each constraint lives.
import { Hover, MarkupKind } from 'vscode-languageserver';
import { FileAnalysis } from '../engine';
import { applicableConstraints, Mirrors, rewriteCandidates } from '../engine';
import { WorkspaceIndex } from '../workspace/index';
import { constraintStats, entryStats } from '../workspace/policyStats';
import { commands } from '../shared/protocol';
import { explainAt, VerdictStatus } from '../engine';
import { opaString } from '../go/fmt';
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

/** On the policy side: an entry of a constraint's list, or the constraint's name. */
function policyHover(a: FileAnalysis, offset: number, index: WorkspaceIndex): Hover | null {
  const inside = (s: { start: number; end: number }) => offset >= s.start && offset <= s.end;
  for (const c of index.policy().regoConstraints) {
    if (c.file !== a.file || !inside(c.span)) continue;
    const s = constraintStats(index, c);
    const value =
      `**${c.kind} ${escape(c.name)}** (${c.actions.join(', ') || `${c.enforcementAction}, not enforced at admission`}): ` +
      `${s.violations} violation${s.violations === 1 ? '' : 's'} in ${s.files} file${s.files === 1 ? '' : 's'} of the workspace, ` +
      `from the Rego of ConstraintTemplate ${escape(c.template.name)}.` +
      (s.violations > 0
        ? ` [Show them](command:${commands.showViolations}?${encodeURIComponent(JSON.stringify([c.kind, c.name]))} "Pick one of the violations") (or filter the Problems panel by \`${escape(c.name)}\`).`
        : '');
    return { contents: { kind: MarkupKind.Markdown, value }, range: rangeOf(a.lines, c.span) };
  }
  for (const c of index.policy().constraints) {
    if (c.file !== a.file) continue;
    if (inside(c.span)) {
      const s = constraintStats(index, c);
      const param = c.kind === 'K8sAllowedReposv2' ? 'allowedImages' : 'repos';
      const value =
        `**${c.kind} ${escape(c.name)}** (${c.actions.join(', ') || `${c.enforcementAction}, not enforced at admission`}): ` +
        `${s.violations} violation${s.violations === 1 ? '' : 's'} in ${s.files} file${s.files === 1 ? '' : 's'} of the workspace` +
        (c.list ? `, ${c.list.length} ${param} entr${c.list.length === 1 ? 'y' : 'ies'}.` : `, no ${param}.`) +
        (s.violations > 0
          ? ` [Show them](command:${commands.showViolations}?${encodeURIComponent(JSON.stringify([c.kind, c.name]))} "Pick one of the violations") (or filter the Problems panel by \`${escape(c.name)}\`).`
          : '');
      return { contents: { kind: MarkupKind.Markdown, value }, range: rangeOf(a.lines, c.span) };
    }
    const list = c.listNode;
    if (list?.kind !== 'seq' || !c.list) continue;
    const i = list.items.findIndex((item) => inside(item.span));
    if (i < 0) continue;
    const entry = c.list[i]!;
    const s = entryStats(index, c, entry);
    const verb = c.kind === 'K8sDisallowedRepos' ? 'refuses' : 'admits';
    const lines = [
      `**${escape(entry)}** in ${c.kind} ${escape(c.name)} ${verb} ${s.images} image${s.images === 1 ? '' : 's'} in ${s.files} file${s.files === 1 ? '' : 's'} of the workspace.`,
    ];
    if (c.kind !== 'K8sDisallowedRepos') {
      lines.push(
        '',
        s.onlyThis.length === 0
          ? 'No image depends on this entry alone: every one it admits is admitted by another entry too.'
          : `The only entry that admits ${s.onlyThis.length}: ${s.onlyThis.slice(0, 8).map((x) => `\`${x.replace(/`/g, "'")}\``).join(', ')}${s.onlyThis.length > 8 ? ', …' : ''}.`,
      );
    }
    return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range: rangeOf(a.lines, list.items[i]!.span) };
  }
  return null;
}

export function hoverAt(a: FileAnalysis, offset: number, index: WorkspaceIndex, mirrors: Mirrors, linesOf: LinesOf): Hover | null {
  const policy = index.policy();
  const reviews = index.reviews(a.file);
  const ex = explainAt(reviews, policy, index.checkOptions, offset);
  if (!ex) return policyHover(a, offset, index);
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
