// What a constraint does across the workspace: the images each entry admits (and which it alone
// admits), and the violations the constraint causes. For hovers on the policy side.
import { matchableOf, violationSpan } from '../engine';
import { AnyConstraint, CelConstraint, Constraint, PolicySet, RegoConstraint } from '../engine';
import { matches } from '../engine';
import { entryMatches } from '../engine';
import { ConstraintTally, WorkspaceIndex } from './index';

export interface EntryStats {
  readonly images: number;
  readonly files: number;
  /** Images no other entry of the list admits. */
  readonly onlyThis: string[];
}

/** The images (in objects the constraint applies to) that an entry of its list matches. */
export function entryStats(index: WorkspaceIndex, c: Constraint, entry: string): EntryStats {
  const policy = index.policy();
  const others = (c.list ?? []).filter((e) => e !== entry);
  let images = 0;
  const files = new Set<string>();
  const onlyThis = new Set<string>();
  for (const uri of index.uris()) {
    for (const r of index.reviews(uri)) {
      if (r.uses.length === 0 || matches(c.match, matchableOf(r, policy, index.checkOptions)).matched !== true) continue;
      for (const u of r.uses) {
        if (typeof u.image !== 'string' || !entryMatches(c.kind, entry, u.image)) continue;
        images++;
        files.add(uri);
        if (!others.some((e) => entryMatches(c.kind, e, u.image as string))) onlyThis.add(u.image);
      }
    }
  }
  return { images, files: files.size, onlyThis: [...onlyThis].sort() };
}

/** Every violation a constraint causes, where it is: only the files it had violations in are checked again. */
export function constraintViolations(index: WorkspaceIndex, kind: string, name: string): Array<{ uri: string; offset: number; message: string }> {
  const out: Array<{ uri: string; offset: number; message: string }> = [];
  const files = new Set(index.filesViolating(kind, name));
  for (const uri of index.uris()) {
    if (!files.has(uri)) continue;
    for (const v of index.violations(uri)) {
      if (v.constraint.kind !== kind || v.constraint.name !== name) continue;
      out.push({ uri, offset: violationSpan(v).start, message: v.message });
    }
  }
  return out;
}

/** A constraint's violations and files across the workspace, as the files were last checked: O(1). */
export function constraintStats(index: WorkspaceIndex, c: { readonly kind: string; readonly name: string }): ConstraintTally {
  return index.constraintTally(c.kind, c.name);
}

/**
 * Every constraint the check evaluates: the image checks, then the Rego and CEL ones in file order
 * (as they were listed when Rego evaluated them all).
 */
export function allConstraints(policy: PolicySet): AnyConstraint[] {
  const templated: Array<RegoConstraint | CelConstraint> = [...policy.regoConstraints, ...policy.celConstraints];
  const byPlace = (x: AnyConstraint, y: AnyConstraint) => (x.file < y.file ? -1 : x.file > y.file ? 1 : x.span.start - y.span.start);
  return [...policy.constraints, ...(policy.celConstraints.length > 0 ? templated.sort(byPlace) : templated)];
}
