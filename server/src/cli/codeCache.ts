// dist/cli.js: starts the CLI's bundle (dist/cli.bundle.js) from V8's code cache when there is one.
// Compiling the 1.5 MB bundle is about 50 ms of every cold `check` or `render` (Node 20 has no
// compile cache of its own; Node 22's `module.enableCompileCache` is not available to us). The build
// runs the CLI once on examples/ and keeps V8's cached data for the bundle, named by the bundle's hash:
// V8 checks only the source's length before it trusts cached data, so a cache of another build must
// never be found. Rejected data (another Node or V8 flags) costs nothing but the normal compile.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import Module from 'node:module';

/** Set by the build: the bundle's content hash, which names its cache. */
declare const BUNDLE_HASH: string;

const bundle = path.join(__dirname, 'cli.bundle.js');
const cacheFile = path.join(__dirname, `cli.bundle.${BUNDLE_HASH}.cache`);

function cached(): Buffer | undefined {
  try {
    return fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

const source = fs.readFileSync(bundle, 'utf8');
const cachedData = process.env.TRUSTED_IMAGES_WRITE_CODE_CACHE ? undefined : cached();
const script = new vm.Script(Module.wrap(source), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
// For the tests: whether V8 took the cached data.
if (process.env.TRUSTED_IMAGES_CODE_CACHE_DEBUG) process.stderr.write(`code cache: ${cachedData ? (script.cachedDataRejected ? 'rejected' : 'accepted') : 'none'}\n`);
const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;
const mod = { exports: {} };
// The build's training run: the cache is written when the process ends, with the functions it ran.
if (process.env.TRUSTED_IMAGES_WRITE_CODE_CACHE) process.on('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()));
wrapper.call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, __dirname);
