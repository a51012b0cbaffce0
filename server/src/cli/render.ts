// `trusted-images render PATH`: what the cluster would receive from a chart or an overlay, printed as
// `helm template` or `kubectl kustomize` prints it, by the same in-process renderers the check uses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineIndex } from '../yaml/documents';
import { diskSourceFiles, isChartFile, isKustomizationFile, kustomizationNames } from '../workspace/objectSources';
import { buildOne, renderOneChart, RenderedSource } from '../workspace/renderedSources';
import { ArgReader, UsageError } from './args';

export const renderUsage = `Usage: trusted-images render PATH [options]

Prints the objects a Helm chart renders (as helm template prints them) or a
kustomization builds (as kubectl kustomize prints them). Nothing is run and
nothing is fetched: Helm's lookup returns nothing, remote bases are not read.

PATH is a chart folder (with Chart.yaml) or a kustomization folder or file.

Options (charts):
  -f, --values FILE          a values file (repeatable, later files win)
  --release NAME             release name (default: release-name)
  --namespace NS             release namespace (default: default)
  --max-file-size-mb N       skip larger files (default: 10)
  -h, --help                 show this help

Exit status: 0 rendered, 1 the render failed or is incomplete, 2 bad usage.`;

export interface RenderArgs {
  readonly target: string;
  readonly valuesFiles: readonly string[];
  readonly release?: string;
  readonly namespace?: string;
  readonly maxFileBytes: number;
}

export function parseRenderArgs(argv: readonly string[]): RenderArgs | 'help' {
  const args = new ArgReader(argv);
  const targets: string[] = [];
  const valuesFiles: string[] = [];
  let release: string | undefined;
  let namespace: string | undefined;
  let maxFileBytes = 10 * 1024 * 1024;
  while (!args.done) {
    const a = args.next();
    if ('word' in a) {
      targets.push(a.word);
      continue;
    }
    switch (a.flag) {
      case '-h':
      case '--help':
        return 'help';
      case '-f':
      case '--values':
        valuesFiles.push(args.value(a));
        break;
      case '--release':
        release = args.value(a);
        break;
      case '--namespace':
      case '-n':
        namespace = args.value(a);
        break;
      case '--max-file-size-mb':
        maxFileBytes = args.megabytes(a);
        break;
      default:
        throw new UsageError(`unknown option: ${a.flag}`);
    }
  }
  if (targets.length !== 1) throw new UsageError('render takes one PATH: a chart folder or a kustomization');
  return { target: targets[0]!, valuesFiles, ...(release !== undefined ? { release } : {}), ...(namespace !== undefined ? { namespace } : {}), maxFileBytes };
}

/** The chart or kustomization a path names, or why it names neither. */
export function sourceAt(target: string): { kind: 'helm' | 'kustomize'; dir: string } | { error: string } {
  const abs = path.resolve(target);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    return { error: `${target}: no such file or directory` };
  }
  if (st.isFile()) {
    if (isKustomizationFile(abs)) return { kind: 'kustomize', dir: path.dirname(abs) };
    if (isChartFile(abs)) return { kind: 'helm', dir: path.dirname(abs) };
    return { error: `${target}: not a chart (Chart.yaml) nor a kustomization` };
  }
  if (fs.existsSync(path.join(abs, 'Chart.yaml'))) return { kind: 'helm', dir: abs };
  if (kustomizationNames.some((n) => fs.existsSync(path.join(abs, n)))) return { kind: 'kustomize', dir: abs };
  return { error: `${target}: the folder holds no Chart.yaml and no kustomization file` };
}

/** Renders a chart or builds an overlay, as the check does. */
export function renderTarget(args: RenderArgs): RenderedSource | { error: string } {
  const at = sourceAt(args.target);
  if ('error' in at) return at;
  const files = diskSourceFiles({ maxBytes: args.maxFileBytes });
  if (at.kind === 'kustomize') return buildOne(files, at.dir);
  const valuesFiles = args.valuesFiles.map((f) => path.resolve(f));
  return renderOneChart(files, at.dir, { valuesFiles: () => valuesFiles, ...(args.release !== undefined ? { release: args.release } : {}), ...(args.namespace !== undefined ? { namespace: args.namespace } : {}) });
}

export function runRender(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  let args: RenderArgs | 'help';
  try {
    args = parseRenderArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`trusted-images: ${e.message}\n\n${renderUsage}\n`);
      return 2;
    }
    throw e;
  }
  if (args === 'help') {
    out(renderUsage + '\n');
    return 0;
  }
  const r = renderTarget(args);
  if ('error' in r) {
    err(`trusted-images: ${r.error}\n`);
    return 2;
  }
  out(r.stream.text);
  const texts = new Map<string, LineIndex | undefined>();
  for (const p of r.problems) {
    let lines = texts.get(p.at.file);
    if (!texts.has(p.at.file)) {
      const text = (() => {
        try {
          return fs.readFileSync(p.at.file, 'utf8');
        } catch {
          return undefined;
        }
      })();
      texts.set(p.at.file, (lines = text === undefined ? undefined : new LineIndex(text)));
    }
    const pos = lines?.position(p.at.start);
    err(`${path.relative(process.cwd(), p.at.file) || p.at.file}:${pos ? pos.line + 1 : 1}:${pos ? pos.character + 1 : 1}: ${p.severity} ${p.message}\n`);
  }
  return r.incomplete ? 1 : 0;
}
