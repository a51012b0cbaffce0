// `trusted-images check`: the engine's verdicts for CI, as text, JSON or SARIF.
import { buildReport, defaultReportOptions, Report, ReportOptions } from '../workspace/report';
import { toSarif } from './sarif';
import { toText } from './text';
import { runRender } from './render';
import { ArgReader, UsageError } from './args';

const usage = `Usage: trusted-images check [PATH...] [options]
       trusted-images render PATH [options]   (see trusted-images render --help)

Checks Kubernetes manifests against the OPA Gatekeeper constraints found in the
same files: the image policies (K8sAllowedRepos, K8sAllowedReposv2,
K8sDisallowedRepos) and any other constraint, by its ConstraintTemplate's Rego.

Options:
  --format text|json|sarif   output format (default: text)
  --constraints PATH         more files or folders to read constraints from (repeatable)
  --namespace NS             namespace of objects that name none (default: default);
                             '*' makes them match every namespace rule, as gator verify does
  --only KIND[,KIND...]      check only constraints of these kinds (repeatable), e.g.
                             --only K8sAllowedRepos,K8sAllowedReposv2,K8sDisallowedRepos
  --no-pod-templates         check Pods only, not the Pods that workloads create
  --engine auto|rego         which code decides a ConstraintTemplate with both CEL and
                             Rego: auto (Gatekeeper's default: CEL), or rego (a cluster
                             that runs Gatekeeper with CEL disabled)
  -f, --values FILE          a values file for the charts checked (repeatable)
  --release NAME             release name for the charts checked (default: release-name)
  --max-file-size-mb N       skip larger files (default: 10)
  --inventory PATH           objects for data.inventory (repeatable); they are data
                             only, not checked. Default: the checked files' objects
  -h, --help                 show this help

Exit status: 0 no deny violation, 1 at least one, 2 bad usage or nothing readable.`;

interface Args {
  paths: string[];
  format: 'text' | 'json' | 'sarif';
  options: ReportOptions;
}

export function parseArgs(argv: readonly string[], cwd: string): Args | 'help' {
  const first = argv[0];
  if (first === '-h' || first === '--help' || first === 'help') return 'help';
  if (first !== 'check') {
    if (first !== undefined && !first.startsWith('-')) throw new UsageError(`unknown command: ${first}`);
    if (argv.includes('-h') || argv.includes('--help')) return 'help';
    throw new UsageError('missing command: check');
  }
  const args = new ArgReader(argv.slice(1));
  const paths: string[] = [];
  const constraintPaths: string[] = [];
  const inventoryPaths: string[] = [];
  const onlyKinds: string[] = [];
  let format: Args['format'] = 'text';
  let namespace = defaultReportOptions.namespace;
  let checkPodTemplates = true;
  let engine: 'auto' | 'rego' = 'auto';
  const valuesFiles: string[] = [];
  let release: string | undefined;
  let maxFileBytes = defaultReportOptions.maxFileBytes;
  while (!args.done) {
    const a = args.next();
    if ('word' in a) {
      paths.push(a.word);
      continue;
    }
    switch (a.flag) {
      case '--':
        paths.push(...args.rest());
        break;
      case '-h':
      case '--help':
        return 'help';
      case '--format': {
        const f = args.value(a);
        if (f !== 'text' && f !== 'json' && f !== 'sarif') throw new UsageError(`--format must be text, json or sarif, not ${f}`);
        format = f;
        break;
      }
      case '--constraints':
        constraintPaths.push(args.value(a));
        break;
      case '--namespace':
        namespace = args.value(a);
        break;
      case '--inventory':
        inventoryPaths.push(args.value(a));
        break;
      case '--only':
        for (const k of args.value(a).split(',')) {
          if (!/^[A-Za-z][A-Za-z0-9]*$/.test(k.trim())) throw new UsageError(`--only takes constraint kinds separated by commas, not ${JSON.stringify(k)}`);
          onlyKinds.push(k.trim());
        }
        break;
      case '--no-pod-templates':
        checkPodTemplates = false;
        break;
      case '--engine': {
        const e = args.value(a);
        if (e !== 'auto' && e !== 'rego') throw new UsageError(`--engine must be auto or rego, not ${e}`);
        engine = e;
        break;
      }
      case '-f':
      case '--values':
        valuesFiles.push(args.value(a));
        break;
      case '--release':
        release = args.value(a);
        break;
      case '--max-file-size-mb':
        maxFileBytes = args.megabytes(a);
        break;
      default:
        throw new UsageError(`unknown option: ${a.flag}`);
    }
  }
  if (paths.length === 0) paths.push('.');
  return {
    paths,
    format,
    options: {
      ...defaultReportOptions,
      cwd,
      namespace,
      checkPodTemplates,
      maxFileBytes,
      constraintPaths,
      inventoryPaths,
      engine,
      valuesFiles,
      ...(release !== undefined ? { release } : {}),
      ...(onlyKinds.length > 0 ? { onlyKinds } : {}),
    },
  };
}

export function exitCodeOf(report: Report): number {
  if (report.violations.some((v) => v.enforcementAction === 'deny')) return 1;
  const unreadable = report.summary.files === 0 && report.errors.length > 0;
  return unreadable ? 2 : 0;
}

export async function main(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (argv[0] === 'render') return runRender(argv.slice(1), out, err);
  let args: Args | 'help';
  try {
    args = parseArgs(argv, process.cwd());
  } catch (e) {
    if (e instanceof UsageError) {
      err(`trusted-images: ${e.message}\n\n${usage}\n`);
      return 2;
    }
    throw e;
  }
  if (args === 'help') {
    out(usage + '\n');
    return 0;
  }
  const report = await buildReport(args.paths, args.options);
  // A misspelt kind would check nothing and pass: say so.
  for (const k of args.options.onlyKinds ?? []) {
    if (!report.constraints.some((c) => c.kind === k)) err(`trusted-images: --only ${k}: no constraint of this kind was found\n`);
  }
  if (report.summary.files === 0 && report.errors.length > 0) {
    for (const e of report.errors) err(`trusted-images: ${e.file}: ${e.message}\n`);
    if (args.format === 'text') return 2;
  }
  switch (args.format) {
    case 'json':
      out(JSON.stringify(report, null, 2) + '\n');
      break;
    case 'sarif':
      out(JSON.stringify(toSarif(report), null, 2) + '\n');
      break;
    default:
      out(toText(report));
  }
  return exitCodeOf(report);
}
