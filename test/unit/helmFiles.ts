// SourceFiles over the real file system, for the Helm tests (the engine itself never opens a file).
import * as fs from 'node:fs';
import { join as pathJoin } from 'node:path';
import * as zlib from 'node:zlib';
import type { SourceFiles } from '../../server/src/sources/origin';

export const diskFiles: SourceFiles = {
  read(path: string): string | undefined {
    try {
      return fs.readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  list(path: string): readonly string[] | undefined {
    try {
      return fs.readdirSync(path);
    } catch {
      return undefined;
    }
  },
  readBytes(path: string): Uint8Array | undefined {
    try {
      return fs.readFileSync(path);
    } catch {
      return undefined;
    }
  },
  gunzip(bytes: Uint8Array): Uint8Array {
    return zlib.gunzipSync(bytes);
  },
};

/** One scenario of a chart in ../shared/conformance/helm (its cases.json), as `helm template` ran it. */
export interface HelmScenario {
  name: string;
  release: string;
  namespace: string;
  values: string | null;
  expected: string;
  expected_images: string;
  expected_image_sources: string;
  documents: number;
  nondeterministic: Array<{ doc_index: number }>;
}

/** The conformance charts under `root` (those with a cases.json), in name order, with their folder and scenarios. */
export function helmCharts(root: string): Array<{ chart: string; base: string; scenarios: HelmScenario[] }> {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((c) => fs.existsSync(pathJoin(root, c, 'cases.json')))
    .sort()
    .map((chart) => {
      const base = pathJoin(root, chart);
      return { chart, base, scenarios: (JSON.parse(fs.readFileSync(pathJoin(base, 'cases.json'), 'utf8')) as { scenarios: HelmScenario[] }).scenarios };
    });
}
