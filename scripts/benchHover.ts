// Hover on a constraint's name (and on an entry of an image constraint's list) in ../shared/corpus/real, over stdio as an editor asks: during the
// workspace pass and right after it. `tsx scripts/benchHover.ts [dist/server.js]`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { analyzeText, mayHoldPolicyObjects } from '../server/src/engine';
import { walkYaml } from '../server/src/workspace/files';
import { TestClient } from '../test/protocol/lspClient';

const root = path.resolve(__dirname, '..');
const folder = path.resolve(root, '..', 'shared', 'corpus', 'real');
const hovers = 30;

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** The first constraint of the workspace (path order) of each sort: a built-in image check and a Rego one. */
async function findConstraints(): Promise<Array<{ label: string; file: string; text: string; offset: number }>> {
  const found: Array<{ label: string; file: string; text: string; offset: number }> = [];
  let image = false;
  let rego = false;
  for (const f of (await walkYaml([folder])).files) {
    const text = fs.readFileSync(f.path, 'utf8');
    if (!mayHoldPolicyObjects(text)) continue;
    const a = analyzeText(f.path, text);
    const c = a.policy.constraints[0];
    if (!image && c) {
      image = true;
      found.push({ label: `${c.kind} ${c.name} (image check)`, file: f.path, text, offset: c.span.start });
      const entry = c.listNode?.kind === 'seq' ? c.listNode.items[0] : undefined;
      if (entry) found.push({ label: `an entry of ${c.kind} ${c.name}'s list`, file: f.path, text, offset: entry.span.start });
    }
    const o = a.policy.others[0];
    if (!rego && o) {
      rego = true;
      found.push({ label: `${o.kind} ${o.name} (Rego)`, file: f.path, text, offset: o.span.start });
    }
    if (image && rego) break;
  }
  return found;
}

function summary(xs: readonly number[]): string {
  return `${xs.length} hovers, p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
}

/** Hover figures on corpus/real, printed and returned (all hovers during and after the pass); `serverPath`: another build of the server. */
export async function hoverFigures(serverPath?: string): Promise<{ during: number[]; after: number[] }> {
  const all = { during: [] as number[], after: [] as number[] };
  if (!fs.existsSync(folder)) throw new Error(`${folder} is not there`);
  const targets = await findConstraints();
  console.log(`corpus/real, server ${serverPath ?? 'dist/server.js'}, node ${process.version}`);
  for (const t of targets) {
    const client = await TestClient.start({ folder, ...(serverPath ? { serverPath } : {}) });
    const uri = URI.file(t.file).toString();
    client.open(uri, t.text, 1);
    const before = t.text.slice(0, t.offset);
    const position = { line: before.split('\n').length - 1, character: t.offset - before.lastIndexOf('\n') - 1 };
    const hover = async (): Promise<number> => {
      const start = performance.now();
      await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
      return performance.now() - start;
    };
    const during: number[] = [];
    let scanning = true;
    const scan = client.scanned().then(() => (scanning = false));
    while (scanning && during.length < hovers) during.push(await hover());
    await scan;
    const after: number[] = [];
    for (let i = 0; i < hovers; i++) after.push(await hover());
    console.log(`${t.label}:`);
    console.log(`  during the pass: ${summary(during)}`);
    console.log(`  after the pass:  ${summary(after)} (first ${after[0]!.toFixed(1)} ms; target p95 <= 50 ms)`);
    all.during.push(...during);
    all.after.push(...after);
    await client.stop();
  }
  return all;
}

export { pct };

if (require.main === module) {
  hoverFigures(process.argv[2] ? path.resolve(process.argv[2]) : undefined).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
