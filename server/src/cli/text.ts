// The text format: one line per violation, as compilers print them, then a summary.
import { Report } from '../workspace/report';

export function toText(report: Report): string {
  const lines: string[] = [];
  for (const v of report.violations) {
    lines.push(`${v.file}:${v.line}:${v.column}: ${v.severity} ${v.message} [${v.constraint.name}]`);
  }
  for (const e of report.errors) lines.push(`${e.file}:${e.line}: error: ${e.message}`);
  for (const w of report.warnings) lines.push(`${w.file}:${w.line}: warning: ${w.message}`);
  for (const s of report.skipped) lines.push(`${s.file}: skipped: ${s.reason}`);
  const by = (sev: string) => report.violations.filter((v) => v.severity === sev).length;
  const s = report.summary;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(
    `${plural(s.violations, 'violation')} (${by('error')} deny, ${by('warning')} warn, ${by('info')} dryrun); ` +
      `${plural(report.constraints.length, 'constraint')}, ${plural(s.files, 'file')}, ${plural(s.objects, 'object')}, ${plural(s.images, 'image')}` +
      (report.errors.length ? `, ${plural(report.errors.length, 'error')}` : '') +
      (report.skipped.length ? `, ${report.skipped.length} skipped` : ''),
  );
  if (report.constraints.length === 0) {
    lines.push('No Gatekeeper constraint was found: nothing to check against (see --constraints).');
  }
  return lines.join('\n') + '\n';
}
