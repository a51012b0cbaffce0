// The in-process Helm renderer against Helm v4.1.4's own output (../shared/conformance/helm): every
// scenario rendered, its documents compared parsed and in order (random documents by their images
// only), and every image's origin checked against expected.image-sources.tsv: the values line that
// feeds it, or a template line when no values key does.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { renderChart } from '../../server/src/helm/render';
import { originAt } from '../../server/src/sources/origin';
import { parseYaml, toJS, YNode } from '../../server/src/yaml/documents';
import { diskFiles, helmCharts } from './helmFiles';

const root = path.resolve(__dirname, '../../../shared/conformance/helm');

/** Scenarios known not to conform, by `chart/scenario`, with the reason. None today. */
const knownFailures = new Map<string, string>();

/** Documents per chart, summed over its scenarios (cases.json's `documents`). */
const expectedCounts: Record<string, number> = {
  'argo-cd': 247,
  'bitnami-nginx': 18,
  'bitnami-redis': 39,
  'cert-manager': 171,
  gatekeeper: 62,
  grafana: 34,
  'ingress-nginx': 70,
  'kube-state-metrics': 18,
  longhorn: 162,
  'microservices-demo': 116,
  podinfo: 20,
};

function tsv(file: string): Array<Record<string, string>> {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length);
  const cols = head!.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [cols[i]!, v])));
}

function documents(text: string): Array<YNode | null> {
  return parseYaml(text).documents.map((d) => d.root);
}

function at(node: YNode | null | undefined, containerPath: string): YNode | undefined {
  let cur: YNode | null | undefined = node;
  for (const part of containerPath.split('.')) {
    const m = /^([^[]+)(?:\[(\d+)\])?$/.exec(part)!;
    if (!cur || cur.kind !== 'map') return undefined;
    cur = cur.entries.get(m[1]!);
    if (m[2] !== undefined) {
      if (!cur || cur.kind !== 'seq') return undefined;
      cur = cur.items[Number(m[2])];
    }
  }
  return cur ?? undefined;
}

function canonical(n: YNode | null | undefined): string {
  return JSON.stringify(toJS(n), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

function lineOf(file: string, offset: number): number {
  const text = fs.readFileSync(file, 'utf8');
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

for (const { chart: chartId, base, scenarios } of helmCharts(root)) {
  const cases = { scenarios };
  test(`helm template conformance: ${chartId}`, () => {
    let docCount = 0;
    let imagesChecked = 0;
    const failures: string[] = [];
    for (const sc of cases.scenarios) {
      const key = `${chartId}/${sc.name}`;
      const r = renderChart(diskFiles, path.join(base, 'chart'), {
        release: sc.release,
        namespace: sc.namespace,
        valuesFiles: sc.values ? [path.join(base, sc.values)] : [],
      });
      const errors = r.problems.filter((p) => p.severity === 'error');
      const expectedText = fs.readFileSync(path.join(base, sc.expected), 'utf8');
      const want = documents(expectedText);
      const got = documents(r.stream.text);
      const random = new Set(sc.nondeterministic.map((n) => n.doc_index));
      const why: string[] = [];
      if (errors.length) why.push(`render failed: ${errors[0]!.message}`);
      if (got.length !== want.length) why.push(`${got.length} documents, want ${want.length}`);
      // Compared parsed; and, as printed, byte for byte (Helm's `---` and `# Source:` lines included).
      const printed = (t: string): string[] => t.split(/^(?=---\n# Source: )/m);
      const wantText = printed(expectedText);
      const gotText = printed(r.stream.text);
      for (let i = 0; i < Math.min(got.length, want.length); i++) {
        if (random.has(i)) continue;
        if (canonical(got[i]) !== canonical(want[i])) why.push(`document ${i} differs`);
        else if (gotText[i] !== wantText[i]) why.push(`document ${i} is printed differently`);
      }
      // Images: in place for every row, random documents included; and their origins.
      for (const row of tsv(path.join(base, sc.expected_images))) {
        const node = at(got[Number(row.doc_index)], `${row.container_path}.image`);
        if (!node || node.kind !== 'scalar' || node.value !== row.image) {
          why.push(`image ${row.image} not at document ${row.doc_index} ${row.container_path}`);
          continue;
        }
        const sources = tsv(path.join(base, sc.expected_image_sources)).filter((s) => s.doc_index === row.doc_index && s.container_path === row.container_path);
        const origin = originAt(r.stream, node.span.start);
        if (!origin) {
          why.push(`image ${row.image}: no origin`);
          continue;
        }
        const rel = path.relative(base, origin.primary.file);
        const line = lineOf(origin.primary.file, origin.primary.start);
        const fromValues = sources.filter((s) => s.values_path !== '' && s.file !== '');
        if (fromValues.length) {
          if (!fromValues.some((s) => s.file === rel && Number(s.line) === line)) {
            why.push(`image ${row.image}: origin ${rel}:${line}, want one of ${fromValues.map((s) => `${s.file}:${s.line}`).join(' ')}`);
          }
        } else if (!/(^|\/)templates\//.test(rel)) {
          why.push(`image ${row.image}: origin ${rel}:${line}, want a template line`);
        }
        imagesChecked++;
      }
      docCount += got.length;
      const known = knownFailures.get(key);
      if (known === undefined && why.length) failures.push(`${key}: ${why.slice(0, 5).join('; ')}`);
      if (known !== undefined && !why.length) failures.push(`${key}: listed as a known failure (${known}) but conforms now`);
    }
    assert.deepEqual(failures, []);
    assert.equal(docCount, expectedCounts[chartId], `documents rendered for ${chartId}`);
    assert.ok(imagesChecked > 0);
  });
}
