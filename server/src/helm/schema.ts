// values.schema.json, the part charts rely on: type (with integer for whole numbers), required,
// enum, const, properties, additionalProperties: false, items, minimum/maximum, min/maxLength,
// pattern (RE2), anyOf/oneOf/allOf/not. Messages in the shape of Helm v4's validator
// (`at '/path': got string, want integer`).
import { GoMap, Value, isString, str } from '../go/template/value';
import { tryCompileRe2 } from '../re2';

type Schema = Record<string, unknown> | boolean;

export function validateSchema(text: string, values: GoMap): string[] {
  let schema: Schema;
  try {
    schema = JSON.parse(text) as Schema;
  } catch (e) {
    return [`invalid values.schema.json: ${e instanceof Error ? e.message : String(e)}`];
  }
  const errors: string[] = [];
  check(schema, values, '', errors, schema, 0);
  return errors;
}

function typeOf(v: Value): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (isString(v)) return 'string';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Map) return 'object';
  return 'object';
}

function typeMatches(want: string, v: Value): boolean {
  const t = typeOf(v);
  return want === t || (want === 'number' && t === 'integer');
}

function toJs(v: Value): unknown {
  if (isString(v)) return str(v);
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(toJs);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toJs(x)]));
  return v ?? null;
}

function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith('#')) return undefined;
  let cur: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur as Schema;
}

function check(s: Schema, v: Value, path: string, errors: string[], root: Schema, depth: number): void {
  if (depth > 100 || errors.length > 100) return;
  if (s === true) return;
  if (s === false) {
    errors.push(`at '${path || '/'}': false schema`);
    return;
  }
  if (typeof s.$ref === 'string') {
    const r = resolveRef(root, s.$ref);
    if (r !== undefined) check(r, v, path, errors, root, depth + 1);
  }
  const where = `at '${path || ''}'`;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => typeMatches(t, v))) {
      errors.push(`${where}: got ${typeOf(v) === 'integer' ? 'number' : typeOf(v)}, want ${types.join(' or ')}`);
      return;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(toJs(v)))) {
    errors.push(`${where}: value must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(toJs(v))) errors.push(`${where}: value must be ${JSON.stringify(s.const)}`);
  if (typeof v === 'number' || typeof v === 'bigint') {
    const n = Number(v);
    if (typeof s.minimum === 'number' && n < s.minimum) errors.push(`${where}: minimum: got ${n}, want ${s.minimum}`);
    if (typeof s.maximum === 'number' && n > s.maximum) errors.push(`${where}: maximum: got ${n}, want ${s.maximum}`);
  }
  if (isString(v)) {
    const t = str(v);
    if (typeof s.minLength === 'number' && [...t].length < s.minLength) errors.push(`${where}: minLength: got ${[...t].length}, want ${s.minLength}`);
    if (typeof s.maxLength === 'number' && [...t].length > s.maxLength) errors.push(`${where}: maxLength: got ${[...t].length}, want ${s.maxLength}`);
    if (typeof s.pattern === 'string') {
      const re = tryCompileRe2(s.pattern);
      if (re && !re.test(t)) errors.push(`${where}: '${t}' does not match pattern '${s.pattern}'`);
    }
  }
  if (v instanceof Map) {
    if (Array.isArray(s.required)) {
      const miss = (s.required as string[]).filter((k) => !v.has(k));
      if (miss.length) errors.push(`${where}: missing property ${miss.map((m) => `'${m}'`).join(', ')}`);
    }
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const [k, x] of v) {
      if (k in props) check(props[k]!, x, `${path}/${k}`, errors, root, depth + 1);
      else if (s.additionalProperties === false) errors.push(`${where}: additional properties '${k}' not allowed`);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') check(s.additionalProperties as Schema, x, `${path}/${k}`, errors, root, depth + 1);
    }
  }
  if (Array.isArray(v) && s.items && typeof s.items === 'object' && !Array.isArray(s.items)) {
    v.forEach((x, i) => check(s.items as Schema, x, `${path}/${i}`, errors, root, depth + 1));
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[key];
    if (!Array.isArray(list)) continue;
    const results = list.map((sub: Schema) => {
      const e: string[] = [];
      check(sub, v, path, e, root, depth + 1);
      return e;
    });
    const ok = results.filter((r) => r.length === 0).length;
    if (key === 'allOf' && ok < list.length) errors.push(...results.flat());
    if (key === 'anyOf' && ok === 0) errors.push(`${where}: anyOf failed`);
    if (key === 'oneOf' && ok !== 1) errors.push(`${where}: oneOf failed`);
  }
  if (s.not && typeof s.not === 'object') {
    const e: string[] = [];
    check(s.not as Schema, v, path, e, root, depth + 1);
    if (!e.length) errors.push(`${where}: not failed`);
  }
}
