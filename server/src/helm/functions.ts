// Helm's own template functions (pkg/engine/funcs.go and engine.go) over Sprig's: include and tpl
// (with Helm's recursion guard), required and fail (their text reported alone), the YAML, JSON and
// TOML converters, and lookup, which `helm template` answers with an empty map.
import { Call, FuncDef, TemplateError, TemplateSet } from '../go/template/exec';
import { builtins } from '../go/template/builtins';
import { ParseError, parseTemplate } from '../go/template/parse';
import { GoString, plain, replaceAllText } from '../go/template/text';
import { FuncError, GoMap, Value, isString, str, typeName } from '../go/template/value';
import { fromJsonValue, toJson } from './json';
import { sprigFunctions, strval } from './sprig';
import { readYaml, toYaml } from './yaml';

/** Helm's recursionMaxNums: an include name nested deeper than this is refused. */
export const includeMaxDepth = 1000;

function text(v: Value): GoString {
  if (v === undefined || v === null) return '';
  return strval(v);
}

/** The function map of one render. */
export function helmFunctions(): Map<string, FuncDef> {
  const f = new Map<string, FuncDef>(sprigFunctions);
  const included = new Map<string, number>();
  const def = (name: string, n: number, fn: FuncDef['fn'], variadic = false): void => {
    f.set(name, { n, fn, variadic });
  };
  def('include', 2, (a, call) => {
    const name = plain(text(a[0]));
    const count = included.get(name) ?? 0;
    if (count > includeMaxDepth) throw new FuncError(`rendering template has a nested reference name: ${name}: unable to execute template (limit maxDepth)`);
    included.set(name, count + 1);
    try {
      const t = call.exec.lookup(name);
      if (!t) throw new FuncError(`template: no template ${JSON.stringify(name)} associated with template "gotpl"`);
      return call.exec.run(t, a[1]);
    } finally {
      included.set(name, count);
    }
  });
  def('tpl', 2, (a, call) => tpl(call, text(a[0]), a[1]));
  def('required', 2, (a) => {
    const v = a[1];
    if (v === undefined || v === null || (isString(v) && str(v) === '')) throw new FuncError(plain(text(a[0])), true);
    return v;
  });
  def('fail', 1, (a) => {
    throw new FuncError(plain(text(a[0])), true);
  });
  def('lookup', 4, () => new Map());
  def('toYaml', 1, (a, call) => safe(() => toYaml(a[0], () => call.exec.checkTime()), ''));
  def('mustToYaml', 1, (a, call) => toYaml(a[0], () => call.exec.checkTime()));
  def('toYamlPretty', 1, (a, call) => safe(() => toYaml(a[0], () => call.exec.checkTime()), ''));
  def('fromYaml', 1, (a) => {
    const r = readYaml(plain(text(a[0])), { source: text(a[0]) });
    // go-yaml v2 reads the first document and ignores the rest.
    const m = r.docs.find((d) => d !== null) ?? null;
    if (r.error && r.error.index === 0) return new Map<string, Value>([['Error', `error converting YAML to JSON: yaml: ${r.error.message}`]]);
    if (m === null || m === undefined) return new Map();
    if (!(m instanceof Map)) return new Map<string, Value>([['Error', `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(m)} into Go value of type map[string]interface {}`]]);
    return m;
  });
  def('fromYamlArray', 1, (a) => {
    const r = readYaml(plain(text(a[0])), { source: text(a[0]) });
    if (r.error) return [`error converting YAML to JSON: yaml: ${r.error.message}`];
    const m = r.docs[0];
    if (m === null || m === undefined) return [];
    if (!Array.isArray(m)) return [`error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(m)} into Go value of type []interface {}`];
    return m;
  });
  def('toJson', 1, (a) => safe(() => toJson(a[0]), ''));
  def('mustToJson', 1, (a) => toJson(a[0]));
  def('toRawJson', 1, (a) => safe(() => toJson(a[0], false), ''));
  def('mustToRawJson', 1, (a) => toJson(a[0], false));
  def('toPrettyJson', 1, (a) => safe(() => JSON.stringify(JSON.parse(plain(toJson(a[0]))), null, 2), ''));
  def('fromJson', 1, (a) => {
    try {
      const v = fromJsonValue(JSON.parse(plain(text(a[0]))));
      return v instanceof Map ? v : new Map<string, Value>([['Error', `json: cannot unmarshal into Go value of type map[string]interface {}`]]);
    } catch (e) {
      return new Map<string, Value>([['Error', e instanceof Error ? e.message : String(e)]]);
    }
  });
  def('fromJsonArray', 1, (a) => {
    try {
      const v = fromJsonValue(JSON.parse(plain(text(a[0]))));
      return Array.isArray(v) ? v : ['json: cannot unmarshal into Go value of type []interface {}'];
    } catch (e) {
      return [e instanceof Error ? e.message : String(e)];
    }
  });
  def('toToml', 1, (a) => toToml(a[0]));
  def('mustFromJson', 1, (a) => {
    try {
      return fromJsonValue(JSON.parse(plain(text(a[0]))));
    } catch (e) {
      throw new FuncError(e instanceof Error ? e.message : String(e));
    }
  });
  def('mustToPrettyJson', 1, (a) => JSON.stringify(JSON.parse(plain(toJson(a[0]))), null, 2));
  def('fromToml', 1, () => new Map<string, Value>([['Error', 'fromToml is not supported by this renderer']]));
  return f;
}

function jsonKind(v: Value): string {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (isString(v)) return 'string';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) return fallback;
    throw e;
  }
}

function tpl(call: Call, source: GoString, data: Value): GoString {
  const exec = call.exec;
  const set: TemplateSet = (exec.currentSet ?? exec.set).clone();
  let parsed;
  try {
    parsed = parseTemplate('gotpl', source, (n) => exec.funcs.has(n) || builtins.has(n));
  } catch (e) {
    if (e instanceof ParseError) throw new FuncError(`cannot parse template ${JSON.stringify(plain(source))}: ${e.message}`);
    throw e;
  }
  set.addParsed(parsed);
  const def = set.defs.get('gotpl')!;
  let out: GoString;
  try {
    out = exec.run(def, data, set);
  } catch (e) {
    if (e instanceof TemplateError && e.userText === undefined) {
      // Helm wraps tpl's errors; the wrapped message is no template error of its own.
      const msg = `error during tpl function execution for ${JSON.stringify(plain(source))}: ${e.goMessage}`;
      throw new TemplateError(msg, e.template, e.source, e.offset, e.userText, e.location, [msg, ...e.levels]);
    }
    throw e;
  }
  return replaceAllText(out, '<no value>', '');
}

/** BurntSushi/toml's encoding of a map: scalars first, then tables, keys sorted. */
function toToml(v: Value): string {
  if (!(v instanceof Map)) return `toml: top-level values must be Go maps or structs (got ${typeName(v)})`;
  const out: string[] = [];
  const scalar = (x: Value): string => {
    if (isString(x)) return JSON.stringify(str(x));
    if (typeof x === 'bigint' || typeof x === 'boolean') return String(x);
    if (typeof x === 'number') return Number.isInteger(x) ? x.toFixed(1) : String(x);
    if (Array.isArray(x)) return '[' + x.map(scalar).join(', ') + ']';
    return '""';
  };
  const table = (m: GoMap, path: string[]): void => {
    const keys = [...m.keys()].sort();
    const plainKeys = keys.filter((k) => !(m.get(k) instanceof Map));
    const tables = keys.filter((k) => m.get(k) instanceof Map);
    const indent = '  '.repeat(Math.max(0, path.length - 1));
    for (const k of plainKeys) if (m.get(k) !== null && m.get(k) !== undefined) out.push(`${indent}${k} = ${scalar(m.get(k))}`);
    for (const k of tables) {
      const p = [...path, k];
      out.push('', `${'  '.repeat(p.length - 1)}[${p.join('.')}]`);
      table(m.get(k) as GoMap, p);
    }
  };
  table(v, []);
  return out.join('\n').replace(/^\n/, '') + '\n';
}
