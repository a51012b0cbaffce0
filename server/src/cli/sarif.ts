// SARIF 2.1.0 as GitHub code scanning reads it: one rule per constraint, one result per violation.
import { Report } from '../workspace/report';

const level = { error: 'error', warning: 'warning', info: 'note' } as const;

export function toSarif(report: Report): object {
  const ruleIds = new Map<string, number>();
  const rules: object[] = [];
  const ruleIndex = (kind: string, name: string): number => {
    const id = `${kind}/${name}`;
    let i = ruleIds.get(id);
    if (i === undefined) {
      i = rules.length;
      ruleIds.set(id, i);
      const c = report.constraints.find((x) => x.kind === kind && x.name === name);
      rules.push({
        id,
        name: `${kind}${name.replace(/(^|[^A-Za-z0-9])([a-z0-9])/g, (_m, _p, ch: string) => ch.toUpperCase())}`,
        shortDescription: { text: `Gatekeeper constraint ${kind} ${name}` },
        fullDescription: {
          text: c?.repos ? `${kind} ${name} (${c.enforcementAction}) with ${JSON.stringify(c.repos)}` : `${kind} ${name}`,
        },
        helpUri: 'https://open-policy-agent.github.io/gatekeeper-library/website/',
        help: { text: c ? `Defined in ${c.file}:${c.line}.` : `Gatekeeper constraint ${kind} ${name}.` },
        defaultConfiguration: { level: c?.enforcementAction === 'warn' ? 'warning' : c?.enforcementAction === 'dryrun' ? 'note' : 'error' },
        properties: { tags: ['security', 'kubernetes', 'gatekeeper'] },
      });
    }
    return i;
  };
  for (const c of report.constraints) ruleIndex(c.kind, c.name);
  // A ValidatingAdmissionPolicy is a rule per binding, as the constraints list names it.
  const ruleName = (c: Report['violations'][number]['constraint']) => (c.binding !== undefined ? `${c.name} (binding ${c.binding})` : c.name);
  const results = report.violations.map((v) => ({
    ruleId: `${v.constraint.kind}/${ruleName(v.constraint)}`,
    ruleIndex: ruleIndex(v.constraint.kind, ruleName(v.constraint)),
    level: level[v.severity],
    message: { text: v.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(v.file), uriBaseId: '%SRCROOT%' },
          region: { startLine: v.line, startColumn: v.column, endLine: v.endLine, endColumn: v.endColumn },
        },
      },
    ],
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'trusted-images', informationUri: 'https://github.com/trusted-images/trusted-images', semanticVersion: '0.1.0', rules } },
        columnKind: 'utf16CodeUnits',
        results,
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.errors.map((e) => ({
              level: 'error',
              message: { text: e.message },
              locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(e.file), uriBaseId: '%SRCROOT%' }, region: { startLine: e.line } } }],
            })),
          },
        ],
      },
    ],
  };
}
