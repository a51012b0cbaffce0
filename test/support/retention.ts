// Run with --expose-gc: compacts files whose objects are kept for Rego (as closed files and the CLI's
// data.inventory keep them) and prints the heap left after a full collection, in MB. Each file holds a
// 1 MB comment: a kept substring of its text would keep all of it.
import { analyzeText, compact } from '../../server/src/engine';
import { defaultExpansions } from '../../server/src/engine';

const files = Number(process.argv[2] ?? 60);
const kept: unknown[] = [];
for (let i = 0; i < files; i++) {
  const text =
    `# ${i} ${'x'.repeat(1_000_000)}\n` +
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-${i}-with-a-long-name\n  namespace: a-rather-long-namespace-name\n` +
    `  labels: {app: a-rather-long-label-value}\nspec:\n  template:\n    metadata:\n      labels: {app: a-rather-long-label-value}\n` +
    `    spec:\n      containers:\n      - name: a-rather-long-container-name\n        image: registry.example.com/team/app:1.2.3\n`;
  kept.push(compact(analyzeText(`f${i}.yaml`, text), { templates: defaultExpansions, allReviews: true, objects: true }));
}
analyzeText('other.yaml', 'a: 1\n'); // the parser's last text is another one
const gc = (globalThis as { gc?: () => void }).gc!;
gc();
gc();
process.stdout.write(`${Math.round(process.memoryUsage().heapUsed / 1e6)} ${kept.length}\n`);
