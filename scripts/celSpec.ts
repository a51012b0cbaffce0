// The cel-spec conformance figure of the CEL engine we ship (server/src/cel, Kubernetes' environment),
// passed/total per suite, for the tests that need no protobuf messages. The test data comes from the
// npm package @bufbuild/cel-spec, which is not a dependency of the project: install it anywhere and
// point CEL_SPEC at it, e.g.
//   (mkdir -p /tmp/celeval && cd /tmp/celeval && npm i @bufbuild/cel-spec@0.6.1)
//   CEL_SPEC=/tmp/celeval/node_modules/@bufbuild/cel-spec npx tsx scripts/celSpec.ts [suite]
// With a suite name it also lists that suite's failures. A test that expects an evaluation error with
// the checker disabled counts as passed when our (checked) environment refuses it at compile time.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { celEnv, compileCel } from '../server/src/cel';

type Json = Record<string, unknown>;
interface SpecTest { original: Json & { name: string; expr: string } }
interface Suite { name: string; suites?: Suite[]; tests?: SpecTest[] }

const wanted = ['basic', 'comparisons', 'conversions', 'fields', 'fp_math', 'integer_math', 'lists', 'logic', 'macros', 'macros2', 'optionals', 'parse', 'plumbing', 'string', 'string_ext', 'timestamps', 'namespace', 'bindings_ext', 'math_ext', 'encoders_ext', 'block_ext'];
const protoish = (s: string): boolean => /TestAllTypes|google\.protobuf|proto[23]|Enum\b|GlobalEnum|objectValue|enumValue|"@type"/.test(s);

function canonExpected(v: Json): unknown {
  if ('int64Value' in v) return { int: String(v['int64Value']) };
  if ('uint64Value' in v) return { uint: String(v['uint64Value']) };
  if ('doubleValue' in v) return { double: String(Number(v['doubleValue'])) };
  if ('stringValue' in v) return { string: v['stringValue'] };
  if ('bytesValue' in v) return { bytes: Buffer.from(String(v['bytesValue']), 'base64').toString('hex') };
  if ('boolValue' in v) return v['boolValue'];
  if ('nullValue' in v) return null;
  if ('listValue' in v) return { list: (((v['listValue'] as Json)['values'] as Json[]) ?? []).map(canonExpected) };
  if ('mapValue' in v) return { map: (((v['mapValue'] as Json)['entries'] as Json[]) ?? []).map((e) => [JSON.stringify(canonExpected(e['key'] as Json)), canonExpected(e['value'] as Json)]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)) };
  if ('typeValue' in v) return { type: v['typeValue'] };
  return { unsupported: Object.keys(v) };
}

let uintCtor: (new (v: bigint) => unknown) | undefined;
function jsOf(v: Json): unknown {
  if ('int64Value' in v) return BigInt(String(v['int64Value']));
  if ('uint64Value' in v) {
    const c = compileCel(celEnv({ variables: [] }), '1u');
    if (c.ok && uintCtor === undefined) {
      const r = c.program.evaluate({});
      if (r.ok) uintCtor = (r.value as object).constructor as new (v: bigint) => unknown;
    }
    return new uintCtor!(BigInt(String(v['uint64Value'])));
  }
  if ('doubleValue' in v) return Number(v['doubleValue']);
  if ('stringValue' in v) return v['stringValue'];
  if ('bytesValue' in v) return new Uint8Array(Buffer.from(String(v['bytesValue']), 'base64'));
  if ('boolValue' in v) return v['boolValue'];
  if ('nullValue' in v) return null;
  if ('listValue' in v) return (((v['listValue'] as Json)['values'] as Json[]) ?? []).map(jsOf);
  if ('mapValue' in v) return new Map((((v['mapValue'] as Json)['entries'] as Json[]) ?? []).map((e) => [jsOf(e['key'] as Json), jsOf(e['value'] as Json)]));
  throw new Error('unsupported binding');
}

function canon(x: unknown): unknown {
  if (x === null || typeof x === 'boolean') return x;
  if (typeof x === 'bigint') return { int: String(x) };
  if (typeof x === 'number') return { double: String(x) };
  if (typeof x === 'string') return { string: x };
  if (x instanceof Uint8Array) return { bytes: Buffer.from(x).toString('hex') };
  if (Array.isArray(x)) return { list: x.map(canon) };
  const name = (x as object).constructor?.name;
  if (name === 'UnsignedInt') return { uint: String(x) };
  const entries: Array<[unknown, unknown]> = x instanceof Map ? [...x] : name === undefined || name === 'Object' ? Object.entries(x as object) : [];
  if (x instanceof Map || name === undefined || name === 'Object') return { map: entries.map(([k, v]) => [JSON.stringify(canon(k)), canon(v)]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)) };
  if (name === 'Type' || name === 'TypeDeclaration') return { type: String((x as { name?: string }).name ?? x) };
  return { other: name };
}

async function main(): Promise<void> {
  const dir = process.env['CEL_SPEC'] ?? '/tmp/celeval/node_modules/@bufbuild/cel-spec';
  const mod = (await import(pathToFileURL(path.join(dir, 'dist/esm/testdata/conformance.js')).href)) as { tests: Suite };
  const show = process.argv[2];
  let P = 0;
  let T = 0;
  for (const suite of mod.tests.suites ?? []) {
    if (!wanted.includes(suite.name)) continue;
    let pass = 0;
    let total = 0;
    const fails: string[] = [];
    const walk = (s: Suite): void => {
      for (const { original: t } of s.tests ?? []) {
        if (t['checkOnly'] || t['typedResult'] || (t['container'] ?? '') !== '' || protoish(JSON.stringify([t.expr, t['value'] ?? null, t['bindings'] ?? null, t['typeEnv'] ?? null]))) continue;
        total++;
        const bindings: Record<string, unknown> = {};
        for (const [k, v] of Object.entries((t['bindings'] ?? {}) as Record<string, Json>)) bindings[k] = jsOf(v['value'] as Json);
        const declared = new Set(Object.keys(bindings));
        for (const d of (t['typeEnv'] ?? []) as Json[]) declared.add(String(d['name']));
        const c = compileCel(celEnv({ variables: [...declared] }), t.expr);
        let ok: boolean;
        let got: string;
        if (!c.ok) {
          // A test that expects an error and runs unchecked in cel-spec (disableCheck) is one a
          // checked environment like Kubernetes' refuses at compile time: that refusal is the error.
          ok = t['evalError'] !== undefined && t['disableCheck'] === true && c.error.kind !== 'parse';
          got = `compile ${c.error.kind}: ${c.error.message}`;
        } else {
          const r = c.program.evaluate(bindings);
          if (t['evalError'] !== undefined) {
            ok = !r.ok;
            got = r.ok ? JSON.stringify(canon(r.value)) : r.error;
          } else if (!r.ok) {
            ok = false;
            got = `error: ${r.error}`;
          } else {
            got = JSON.stringify(canon(r.value));
            ok = got === JSON.stringify(canonExpected((t['value'] ?? { boolValue: true }) as Json));
          }
        }
        if (ok) pass++;
        else fails.push(`  ${t.name}: ${t.expr} => ${got.slice(0, 140)}`);
      }
      for (const x of s.suites ?? []) walk(x);
    };
    walk(suite);
    console.log(`${suite.name.padEnd(14)} ${pass}/${total}`);
    if (show === suite.name) console.log(fails.join('\n'));
    P += pass;
    T += total;
  }
  console.log(`${'total'.padEnd(14)} ${P}/${T}`);
}

void main();
