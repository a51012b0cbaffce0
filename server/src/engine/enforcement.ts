// Gatekeeper's enforcement actions: what a constraint does at admission (deny, warn, dryrun, or scoped to
// enforcement points), and how each shows in an editor.
import { getPath, toJS, YNode } from '../yaml/documents';

export type Action = 'deny' | 'warn' | 'dryrun';
const actionRank: Record<Action, number> = { deny: 0, warn: 1, dryrun: 2 };

export type Severity = 'error' | 'warning' | 'info';
export const severityOf: Record<Action, Severity> = { deny: 'error', warn: 'warning', dryrun: 'info' };

const enforcementPoints = new Set(['validation.gatekeeper.sh', 'audit.gatekeeper.sh', 'gator.gatekeeper.sh', 'vap.k8s.io', '*']);

function scopedActions(node: YNode | undefined): Action[] {
  const v = node ? toJS(node) : undefined;
  if (!Array.isArray(v)) throw new Error('scopedEnforcementActions is required when enforcementAction is scoped');
  const found = new Set<Action>();
  for (const entry of v as Array<Record<string, unknown>>) {
    const action = entry?.action;
    if (action !== 'deny' && action !== 'warn' && action !== 'dryrun') {
      throw new Error(`unrecognized enforcementAction: ${JSON.stringify(action)} is not within the supported list [deny dryrun warn]`);
    }
    const points = entry.enforcementPoints;
    if (!Array.isArray(points) || points.length === 0) throw new Error('each scopedEnforcementActions entry needs enforcementPoints');
    for (const p of points as Array<Record<string, unknown>>) {
      const name = p?.name;
      if (typeof name !== 'string' || !enforcementPoints.has(name)) {
        throw new Error(`unrecognized enforcement point ${JSON.stringify(name)}; supported are ${[...enforcementPoints].join(', ')}`);
      }
      if (name === 'validation.gatekeeper.sh' || name === '*') found.add(action);
    }
  }
  return [...found].sort((a, b) => actionRank[a] - actionRank[b]);
}

/**
 * A constraint's spec.enforcementAction (deny when unset) and the actions that apply at admission,
 * strongest first. Throws what Gatekeeper's webhook refuses.
 */
export function readEnforcement(
  spec: YNode | undefined,
  label: string,
  problem: (message: string, severity: 'error' | 'warning' | 'info') => void,
): { enforcementAction: string; actions: Action[] } {
  const actionNode = getPath(spec, 'enforcementAction');
  const raw = actionNode ? toJS(actionNode) : undefined;
  if (raw !== undefined && raw !== null && typeof raw !== 'string') throw new Error('spec.enforcementAction must be a string');
  const enforcementAction = raw === undefined || raw === null || raw === '' ? 'deny' : raw;
  let actions: Action[];
  if (enforcementAction === 'deny' || enforcementAction === 'warn' || enforcementAction === 'dryrun') {
    actions = [enforcementAction];
  } else if (enforcementAction === 'scoped') {
    actions = scopedActions(getPath(spec, 'scopedEnforcementActions'));
    if (actions.length === 0) {
      problem(`${label}: no scopedEnforcementActions apply to admission (validation.gatekeeper.sh); it is not checked`, 'info');
    }
  } else {
    throw new Error(`unrecognized enforcementAction: ${JSON.stringify(enforcementAction)} is not within the supported list [deny dryrun warn scoped]`);
  }
  return { enforcementAction, actions };
}
