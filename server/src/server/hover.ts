// Hovers: find what is under the cursor and hand the engine's words to the client. The texts are
// the engine's (describe.ts); the workspace-wide counts come from the index's tallies (no file is
// checked again for a hover).
import { Hover, MarkupKind } from 'vscode-languageserver';
import {
  applicableConstraints,
  describeConstraint,
  describeEntry,
  describeImage,
  escapeMarkdown,
  explainAt,
  FileAnalysis,
  Mirrors,
  policyVerdicts,
  rewriteCandidates,
} from '../engine';
import { WorkspaceIndex } from '../workspace/index';
import { constraintStats, entryStats } from '../workspace/policyStats';
import { commands } from '../shared/protocol';
import { constraintLocation, LinesOf, rangeOf } from './diagnostics';

export interface HoverContext {
  readonly index: WorkspaceIndex;
  /** The mirrors setting of the hovered file's folder. */
  readonly mirrors: Mirrors;
  readonly linesOf: LinesOf;
}

function showViolationsLink(kind: string, name: string): string {
  return ` [Show them](command:${commands.showViolations}?${encodeURIComponent(JSON.stringify([kind, name]))} "Pick one of the violations") (or filter the Problems panel by \`${escapeMarkdown(name)}\`).`;
}

/** On the policy side: a constraint's name (any engine), or an entry of an image constraint's list. */
function policyHover(a: FileAnalysis, offset: number, index: WorkspaceIndex): Hover | null {
  const inside = (s: { start: number; end: number }) => offset >= s.start && offset <= s.end;
  const policy = index.policy();
  for (const c of [...policy.regoConstraints, ...policy.celConstraints, ...policy.constraints]) {
    if (c.file !== a.file || !inside(c.span)) continue;
    const s = constraintStats(index, c);
    const value = describeConstraint(c, s) + (s.violations > 0 ? showViolationsLink(c.kind, c.name) : '');
    return { contents: { kind: MarkupKind.Markdown, value }, range: rangeOf(a.lines, c.span) };
  }
  for (const c of policy.constraints) {
    const list = c.listNode;
    if (c.file !== a.file || list?.kind !== 'seq' || !c.list) continue;
    const i = list.items.findIndex((item) => inside(item.span));
    if (i < 0) continue;
    const entry = c.list[i]!;
    const value = describeEntry(c, entry, entryStats(index, c, entry));
    return { contents: { kind: MarkupKind.Markdown, value }, range: rangeOf(a.lines, list.items[i]!.span) };
  }
  return null;
}

export function hoverAt(a: FileAnalysis, offset: number, ctx: HoverContext): Hover | null {
  const { index } = ctx;
  const policy = index.policy();
  const reviews = index.reviews(a.file);
  const ex = explainAt(reviews, policy, index.checkOptions, offset);
  if (!ex) return policyHover(a, offset, index);
  const refused = ex.verdicts.some((v) => v.status === 'refused');
  const objectReviews = reviews.filter((r) => r.origin === ex.object);
  const value = describeImage({
    explanation: ex,
    policyVerdicts: policyVerdicts(objectReviews, policy, index.checkOptions, index.violations(a.file)),
    fixes: refused ? rewriteCandidates(ex.use.image, applicableConstraints(reviews, ex.use.imageNode, policy, index.checkOptions), ctx.mirrors) : undefined,
    placeOf: (c) => constraintLocation(c, ctx.linesOf),
  });
  return { contents: { kind: MarkupKind.Markdown, value }, range: rangeOf(a.lines, ex.use.imageNode.span) };
}
