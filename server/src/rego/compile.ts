// From parsed modules to something to evaluate: names resolved (locals, rules of this and other
// packages, imports, builtins), rule bodies ordered as OPA's safety check orders them, recursion and
// unsafe variables refused with their position.
import { Expr, Module, Pos, Rule, RuleKind, Term } from './ast';
import { builtin, BuiltinDef, unsupportedBuiltins } from './builtins';
import { Value } from './value';

export class RegoCompileError extends Error {
  constructor(message: string, readonly module: number, readonly line: number, readonly col: number) {
    super(message);
  }
}

export type CTerm =
  | { readonly t: 'scalar'; readonly v: Value }
  /** A reference to a rule that no package defines: always undefined. */
  | { readonly t: 'undef' }
  | { readonly t: 'local'; readonly name: string }
  | { readonly t: 'input' }
  /** The base data document (data.inventory), from the first path element on. */
  | { readonly t: 'data' }
  | { readonly t: 'rule'; readonly set: RuleSet }
  | { readonly t: 'ref'; readonly head: CTerm; readonly path: readonly CTerm[] }
  | { readonly t: 'array'; readonly items: readonly CTerm[] }
  | { readonly t: 'set'; readonly items: readonly CTerm[] }
  | { readonly t: 'object'; readonly pairs: readonly (readonly [CTerm, CTerm])[] }
  | { readonly t: 'arraycomp'; readonly head: CTerm; readonly body: readonly CExpr[] }
  | { readonly t: 'setcomp'; readonly head: CTerm; readonly body: readonly CExpr[] }
  | { readonly t: 'objcomp'; readonly key: CTerm; readonly value: CTerm; readonly body: readonly CExpr[] }
  | { readonly t: 'builtin'; readonly name: string; readonly def: BuiltinDef; readonly args: readonly CTerm[]; readonly out: CTerm | undefined }
  | { readonly t: 'func'; readonly set: RuleSet; readonly args: readonly CTerm[]; readonly out: CTerm | undefined };

export interface CWith {
  /** input or data.inventory, and the path below it. */
  readonly root: 'input' | 'data';
  readonly path: readonly string[];
  readonly value: CTerm;
}

export type CExpr =
  | { readonly e: 'term'; readonly term: CTerm; readonly negated: boolean; readonly withs: readonly CWith[]; readonly pos: Pos }
  | { readonly e: 'unify'; readonly lhs: CTerm; readonly rhs: CTerm; readonly negated: boolean; readonly withs: readonly CWith[]; readonly pos: Pos }
  | { readonly e: 'some'; readonly vars: readonly string[]; readonly pos: Pos }
  | { readonly e: 'somein'; readonly key: CTerm | undefined; readonly value: CTerm; readonly coll: CTerm; readonly pos: Pos }
  | { readonly e: 'every'; readonly key: CTerm | undefined; readonly value: CTerm; readonly domain: CTerm; readonly body: readonly CExpr[]; readonly pos: Pos };

export interface CRule {
  readonly args: readonly CTerm[];
  readonly key: CTerm | undefined;
  readonly value: CTerm | undefined;
  readonly body: readonly CExpr[];
  readonly elseRule: CRule | undefined;
  readonly pos: Pos;
}

/** All definitions of one rule name in one package. */
export interface RuleSet {
  readonly path: string;
  readonly kind: RuleKind;
  readonly arity: number;
  readonly defs: CRule[];
  defaultValue: CTerm | undefined;
  readonly module: number;
  /** A function that reads neither input nor data (nor rules that do): its result depends on its arguments only. */
  pure?: boolean;
}

export interface CompiledPolicy {
  /** The entry package's `violation` rule. */
  readonly violation: RuleSet;
  readonly rules: ReadonlyMap<string, RuleSet>;
  /** Whether any rule reads data.inventory. */
  readonly usesInventory: boolean;
}

interface Scope {
  readonly module: number;
  readonly pkg: string;
  readonly imports: ReadonlyMap<string, readonly string[]>;
}

export interface CompileOptions {
  /** The rule the entry module must define (Gatekeeper: violation). */
  readonly entry?: string;
}

/**
 * modules[0] is the entry (the template's rego); the rest are its libs. Gatekeeper's rules: libs live
 * under `lib.`, data refs reach only data.lib and data.inventory.
 */
export function compilePolicy(modules: readonly Module[], options: CompileOptions = {}): CompiledPolicy {
  const entry = options.entry ?? 'violation';
  const rules = new Map<string, RuleSet>();
  const packages = new Set<string>();
  modules.forEach((m, mi) => {
    const pkg = m.pkg.join('.');
    if (mi > 0 && m.pkg[0] !== 'lib') throw new RegoCompileError(`library package ${pkg} must begin with lib.`, mi, 0, 0);
    packages.add(pkg);
    for (const r of m.rules) {
      const path = pkg + '.' + r.name;
      let set = rules.get(path);
      const arity = r.kind === 'function' ? r.args.length : 0;
      if (set === undefined) {
        set = { path, kind: r.kind, arity, defs: [], defaultValue: undefined, module: mi };
        rules.set(path, set);
      } else if (set.kind !== r.kind) {
        throw new RegoCompileError(`conflicting rules ${path} found (${set.kind} and ${r.kind})`, mi, r.pos.line, r.pos.col);
      } else if (set.arity !== arity) {
        throw new RegoCompileError(`conflicting rules ${path}: functions must have the same number of arguments`, mi, r.pos.line, r.pos.col);
      }
    }
  });
  const state = { usesInventory: false };
  modules.forEach((m, mi) => {
    const pkg = m.pkg.join('.');
    const imports = new Map<string, readonly string[]>();
    for (const im of m.imports) {
      if (im.path[0] === 'future' || im.path[0] === 'rego') continue;
      const name = im.alias ?? im.path[im.path.length - 1]!;
      if (im.path[0] === 'data' && im.path[1] !== 'lib' && im.path[1] !== 'inventory') {
        throw new RegoCompileError(`Gatekeeper allows data references to data.lib and data.inventory only: ${im.path.join('.')}`, mi, im.pos.line, im.pos.col);
      }
      imports.set(name, im.path);
    }
    const scope: Scope = { module: mi, pkg, imports };
    for (const r of m.rules) {
      const set = rules.get(pkg + '.' + r.name)!;
      if (r.isDefault) {
        if (set.defaultValue !== undefined) throw new RegoCompileError(`multiple default rules ${set.path} found`, mi, r.pos.line, r.pos.col);
        set.defaultValue = new Resolver(scope, rules, packages, state).term(r.value!, new Set());
        continue;
      }
      set.defs.push(compileRule(r, scope, rules, packages, state));
    }
  });
  const violation = rules.get(modules[0]!.pkg.join('.') + '.' + entry);
  if (violation === undefined) throw new RegoCompileError(`the template's Rego defines no ${entry} rule`, 0, 0, 0);
  if (violation.kind !== 'partialset') throw new RegoCompileError(`${entry} must be a partial set rule: ${entry}[{"msg": msg}] { ... }`, 0, violation.defs[0]?.pos.line ?? 0, violation.defs[0]?.pos.col ?? 0);
  checkRecursion(rules);
  markPure(rules);
  return { violation, rules, usesInventory: state.usesInventory };
}

function compileRule(r: Rule, scope: Scope, rules: Map<string, RuleSet>, packages: Set<string>, state: { usesInventory: boolean }): CRule {
  const res = new Resolver(scope, rules, packages, state);
  const locals = new Set<string>();
  for (const a of r.args) for (const v of varsOf(a)) locals.add(v);
  const args = r.args.map((a) => res.term(a, locals));
  const body = hoistBody(res.body(r.body, locals));
  const key = r.key ? res.term(r.key, locals) : undefined;
  const value = r.value ? res.term(r.value, locals) : undefined;
  const bound = new Set<string>();
  for (const a of args) for (const v of cvars(a)) bound.add(v);
  const ordered = orderBody(body, bound, scope.module);
  // Head variables must be bound by the body (those of a comprehension in the head are its own).
  for (const t of [key, value]) {
    if (!t) continue;
    for (const v of headVars(t)) {
      if (!bound.has(v) && !v.startsWith('$_')) throw new RegoCompileError(`var ${v} is unsafe`, scope.module, r.pos.line, r.pos.col);
    }
  }
  // Comprehensions in the head are rewritten and ordered as body ones are.
  const head = (t: CTerm | undefined): CTerm | undefined => {
    if (!t) return undefined;
    const e = orderNested({ e: 'term', term: hoistInTerm(t), negated: false, withs: [], pos: r.pos }, bound, scope.module);
    return (e as { term: CTerm }).term;
  };
  const elseRule = r.elseRule ? compileRule({ ...r.elseRule, args: r.args }, scope, rules, packages, state) : undefined;
  return { args, key: head(key), value: head(value), body: ordered, elseRule, pos: r.pos };
}

/** Variables of a compiled term outside the comprehensions in it. */
function headVars(t: CTerm, out: Set<string> = new Set()): Set<string> {
  if (t.t === 'local') out.add(t.name);
  else if (!isComprehension(t)) for (const c of childTerms(t)) headVars(c, out);
  return out;
}

/** The comprehensions anywhere in a term, rewritten as bodies are (see hoistBody). */
function hoistInTerm(t: CTerm): CTerm {
  return mapTerm(t, hoistInTerm, hoistBody);
}

// ---- walking compiled terms

function isComprehension(t: CTerm): t is Extract<CTerm, { t: 'arraycomp' | 'setcomp' | 'objcomp' }> {
  return t.t === 'arraycomp' || t.t === 'setcomp' || t.t === 'objcomp';
}

/** The terms directly inside a term (a comprehension's body apart: see bodyOf). */
function childTerms(t: CTerm): readonly CTerm[] {
  switch (t.t) {
    case 'ref':
      return [t.head, ...t.path];
    case 'array':
    case 'set':
      return t.items;
    case 'object':
      return t.pairs.flat();
    case 'builtin':
    case 'func':
      return t.out ? [...t.args, t.out] : t.args;
    case 'arraycomp':
    case 'setcomp':
      return [t.head];
    case 'objcomp':
      return [t.key, t.value];
    default:
      return [];
  }
}

function bodyOf(t: CTerm): readonly CExpr[] {
  return isComprehension(t) ? t.body : [];
}

/** The terms of an expression, its `with` values included (an `every` body apart). */
function exprTerms(e: CExpr): CTerm[] {
  const withs = 'withs' in e ? e.withs.map((w) => w.value) : [];
  switch (e.e) {
    case 'term':
      return [e.term, ...withs];
    case 'unify':
      return [e.lhs, e.rhs, ...withs];
    case 'some':
      return [];
    case 'somein':
      return e.key ? [e.key, e.value, e.coll] : [e.value, e.coll];
    case 'every':
      return e.key ? [e.key, e.value, e.domain] : [e.value, e.domain];
  }
}

/** A term with each term directly inside it mapped, and each comprehension body. */
function mapTerm(t: CTerm, term: (x: CTerm) => CTerm, body: (b: readonly CExpr[]) => CExpr[] = (b) => [...b]): CTerm {
  switch (t.t) {
    case 'ref':
      return { ...t, head: term(t.head), path: t.path.map(term) };
    case 'array':
    case 'set':
      return { ...t, items: t.items.map(term) };
    case 'object':
      return { ...t, pairs: t.pairs.map(([k, v]) => [term(k), term(v)] as const) };
    case 'builtin':
    case 'func':
      return { ...t, args: t.args.map(term), out: t.out && term(t.out) };
    case 'arraycomp':
    case 'setcomp':
      return { ...t, head: term(t.head), body: body(t.body) };
    case 'objcomp':
      return { ...t, key: term(t.key), value: term(t.value), body: body(t.body) };
    default:
      return t;
  }
}

/** The variables a term mentions, as written (before resolution). */
function varsOf(t: Term, out: Set<string> = new Set()): Set<string> {
  switch (t.t) {
    case 'var':
      out.add(t.name);
      break;
    case 'ref':
      varsOf(t.head, out);
      for (const p of t.path) varsOf(p, out);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) varsOf(x, out);
      break;
    case 'object':
      for (const [k, v] of t.pairs) {
        varsOf(k, out);
        varsOf(v, out);
      }
      break;
    case 'call':
      for (const a of t.args) varsOf(a, out);
      break;
  }
  return out;
}

class Resolver {
  constructor(
    private readonly scope: Scope,
    private readonly rules: Map<string, RuleSet>,
    private readonly packages: Set<string>,
    private readonly state: { usesInventory: boolean },
  ) {}

  private err(message: string, pos: Pos): RegoCompileError {
    return new RegoCompileError(message, this.scope.module, pos.line, pos.col);
  }

  body(exprs: readonly Expr[], locals: Set<string>): CExpr[] {
    return exprs.map((e) => this.expr(e, locals));
  }

  private withs(e: Expr, locals: Set<string>): CWith[] {
    if (!('withs' in e)) return [];
    return e.withs.map((w) => {
      const target = w.target;
      const head = target.t === 'ref' ? target.head : target;
      const path: string[] = [];
      if (target.t === 'ref') {
        for (const p of target.path) {
          if (p.t !== 'scalar' || typeof p.v !== 'string') throw this.err('with targets must be plain references', target.pos);
          path.push(p.v);
        }
      }
      if (head.t !== 'var' || (head.name !== 'input' && head.name !== 'data')) throw this.err('with applies to input and data.inventory only', target.pos);
      if (head.name === 'data' && path[0] !== 'inventory') throw this.err('with applies to input and data.inventory only', target.pos);
      return { root: head.name === 'input' ? 'input' : 'data', path, value: this.term(w.value, locals) };
    });
  }

  private expr(e: Expr, locals: Set<string>): CExpr {
    switch (e.e) {
      case 'term':
        return { e: 'term', term: this.term(e.term, locals), negated: e.negated, withs: this.withs(e, locals), pos: e.pos };
      case 'unify':
        return { e: 'unify', lhs: this.term(e.lhs, locals), rhs: this.term(e.rhs, locals), negated: e.negated, withs: this.withs(e, locals), pos: e.pos };
      case 'assign': {
        const rhs = this.term(e.rhs, locals);
        for (const v of varsOf(e.lhs)) {
          if (locals.has(v) && !v.startsWith('$_')) throw this.err(`var ${v} assigned above`, e.pos);
          locals.add(v);
        }
        if (e.lhs.t !== 'var' && e.lhs.t !== 'array' && e.lhs.t !== 'object') throw this.err('cannot assign to ' + e.lhs.t, e.pos);
        return { e: 'unify', lhs: this.term(e.lhs, locals), rhs, negated: false, withs: this.withs(e, locals), pos: e.pos };
      }
      case 'some':
        for (const v of e.vars) locals.add(v);
        return { e: 'some', vars: e.vars, pos: e.pos };
      case 'somein': {
        const coll = this.term(e.coll, locals);
        for (const t of [e.key, e.value]) if (t) for (const v of varsOf(t)) locals.add(v);
        return { e: 'somein', key: e.key ? this.term(e.key, locals) : undefined, value: this.term(e.value, locals), coll, pos: e.pos };
      }
      case 'every': {
        const domain = this.term(e.domain, locals);
        const inner = new Set(locals);
        for (const t of [e.key, e.value]) if (t) for (const v of varsOf(t)) inner.add(v);
        const key = e.key ? this.term(e.key, inner) : undefined;
        const value = this.term(e.value, inner);
        const body = this.body(e.body, inner);
        return { e: 'every', key, value, domain, body, pos: e.pos };
      }
    }
  }

  term(t: Term, locals: Set<string>): CTerm {
    switch (t.t) {
      case 'scalar':
        return { t: 'scalar', v: t.v };
      case 'var':
        return this.name(t.name, [], t.pos, locals);
      case 'ref': {
        if (t.head.t === 'var') {
          const staticPath: string[] = [];
          for (const p of t.path) {
            if (p.t === 'scalar' && typeof p.v === 'string') staticPath.push(p.v);
            else break;
          }
          return this.name(t.head.name, t.path.map((p) => this.term(p, locals)), t.pos, locals, staticPath);
        }
        const head = this.term(t.head, locals);
        return { t: 'ref', head, path: t.path.map((p) => this.term(p, locals)) };
      }
      case 'array':
        return { t: 'array', items: t.items.map((x) => this.term(x, locals)) };
      case 'set':
        return { t: 'set', items: t.items.map((x) => this.term(x, locals)) };
      case 'object':
        return { t: 'object', pairs: t.pairs.map(([k, v]) => [this.term(k, locals), this.term(v, locals)] as const) };
      case 'arraycomp':
      case 'setcomp': {
        const inner = new Set(locals);
        const body = this.body(t.body, inner);
        return { t: t.t, head: this.term(t.head, inner), body };
      }
      case 'objcomp': {
        const inner = new Set(locals);
        const body = this.body(t.body, inner);
        return { t: 'objcomp', key: this.term(t.key, inner), value: this.term(t.value, inner), body };
      }
      case 'call':
        return this.call(t.fn, t.args.map((a) => this.term(a, locals)), t.pos, locals);
    }
  }

  /** A name with the path after it: a local, an import, a rule of this package, input or data. */
  private name(name: string, path: CTerm[], pos: Pos, locals: Set<string>, staticPath: string[] = []): CTerm {
    const wrap = (head: CTerm, rest: CTerm[]): CTerm => (rest.length === 0 ? head : { t: 'ref', head, path: rest });
    if (locals.has(name) || name.startsWith('$_')) return wrap({ t: 'local', name }, path);
    const imported = this.scope.imports.get(name);
    if (imported !== undefined) {
      const full = [...imported.slice(1), ...staticPath];
      if (imported[0] === 'input') return wrap({ t: 'input' }, [...imported.slice(1).map((s) => ({ t: 'scalar', v: s }) as CTerm), ...path]);
      return this.dataRef(full, [...imported.slice(1).map((s) => ({ t: 'scalar', v: s }) as CTerm), ...path], pos);
    }
    const own = this.rules.get(this.scope.pkg + '.' + name);
    if (own !== undefined) return wrap(this.ruleTerm(own, pos), path);
    if (name === 'input') return wrap({ t: 'input' }, path);
    if (name === 'data') return this.dataRef(staticPath, path, pos);
    return wrap({ t: 'local', name }, path);
  }

  /** data.<path>: a rule of a package, or the base document (data.inventory). */
  private dataRef(staticPath: readonly string[], path: CTerm[], pos: Pos): CTerm {
    for (let i = staticPath.length; i >= 1; i--) {
      const pkg = staticPath.slice(0, i - 1).join('.');
      if (i >= 2 && this.packages.has(pkg)) {
        const set = this.rules.get(pkg + '.' + staticPath[i - 1]);
        if (set === undefined) return { t: 'undef' };
        const rest = path.slice(i);
        const head = this.ruleTerm(set, pos);
        return rest.length === 0 ? head : { t: 'ref', head, path: rest };
      }
    }
    if (staticPath[0] === 'inventory') {
      this.state.usesInventory = true;
      return path.length === 0 ? { t: 'data' } : { t: 'ref', head: { t: 'data' }, path };
    }
    if (staticPath[0] === 'lib') {
      throw this.err(`data.${staticPath.join('.')} refers to no rule of the template's libs`, pos);
    }
    throw this.err(`Gatekeeper allows data references to data.lib and data.inventory only: data.${staticPath.join('.')}`, pos);
  }

  /** A rule named as a value; a function without arguments is called (OPA reads `f` as `f()`). */
  private ruleTerm(set: RuleSet, pos: Pos): CTerm {
    if (set.kind !== 'function') return { t: 'rule', set };
    if (set.arity === 0) return { t: 'func', set, args: [], out: undefined };
    throw this.err(`function ${set.path} must be called`, pos);
  }

  private call(fn: readonly string[], args: CTerm[], pos: Pos, locals: Set<string>): CTerm {
    void locals;
    let path: readonly string[] | undefined;
    if (fn.length === 1) {
      const own = this.rules.get(this.scope.pkg + '.' + fn[0]);
      if (own !== undefined) return this.userCall(own, args, pos);
      const imported = this.scope.imports.get(fn[0]!);
      if (imported !== undefined) path = imported.slice(1);
    } else {
      const imported = this.scope.imports.get(fn[0]!);
      if (imported !== undefined) path = [...imported.slice(1), ...fn.slice(1)];
      else if (fn[0] === 'data') path = fn.slice(1);
    }
    if (path !== undefined) {
      const set = this.rules.get(path.join('.'));
      if (set === undefined) throw this.err(`undefined function data.${path.join('.')}`, pos);
      return this.userCall(set, args, pos);
    }
    const name = fn.join('.');
    // print writes to OPA's print hook, which Gatekeeper does not show: it always succeeds.
    if (name === 'print') return { t: 'scalar', v: true };
    if (unsupportedBuiltins.has(name)) throw this.err(`${name} is not supported: Trusted Images never reaches the network, the clock or the OPA runtime`, pos);
    const def = builtin(name);
    if (def === undefined) throw this.err(`undefined function ${name}`, pos);
    checkLiteralTypes(name, args, (m) => this.err(m, pos));
    if (args.length === def.arity) return { t: 'builtin', name, def, args, out: undefined };
    if (args.length === def.arity + 1) return { t: 'builtin', name, def, args: args.slice(0, -1), out: args[args.length - 1] };
    throw this.err(`${name}: arity mismatch: ${args.length} arguments given, ${def.arity} expected`, pos);
  }

  private userCall(set: RuleSet, args: CTerm[], pos: Pos): CTerm {
    if (set.kind !== 'function') throw this.err(`${set.path} is not a function`, pos);
    if (args.length === set.arity) return { t: 'func', set, args, out: undefined };
    if (args.length === set.arity + 1) return { t: 'func', set, args: args.slice(0, -1), out: args[args.length - 1] };
    throw this.err(`${set.path}: arity mismatch: ${args.length} arguments given, ${set.arity} expected`, pos);
  }
}

// ---- OPA's type check, for what is written literally: `startswith(1, "a")` is a compile error

type LiteralType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object' | 'set';
const S: LiteralType[] = ['string'];
const N: LiteralType[] = ['number'];
const signatures: Record<string, ReadonlyArray<readonly LiteralType[] | undefined>> = {
  startswith: [S, S], endswith: [S, S], contains: [S, S], lower: [S], upper: [S], split: [S, S], replace: [S, S, S],
  trim: [S, S], trim_left: [S, S], trim_right: [S, S], trim_prefix: [S, S], trim_suffix: [S, S], trim_space: [S],
  substring: [S, N, N], indexof: [S, S], sprintf: [S, ['array']], concat: [S, ['array', 'set']], 'regex.match': [S, S],
  'glob.match': [S, ['array', 'null'], S], count: [['string', 'array', 'object', 'set']], 'object.get': [['object'], undefined, undefined],
  mul: [N, N], div: [N, N], rem: [N, N], abs: [N], round: [N], ceil: [N], floor: [N], format_int: [N, N],
  'strings.any_prefix_match': [['string', 'array', 'set'], ['string', 'array', 'set']], 'strings.any_suffix_match': [['string', 'array', 'set'], ['string', 'array', 'set']],
};

function literalType(t: CTerm): LiteralType | undefined {
  switch (t.t) {
    case 'scalar':
      return t.v === null ? 'null' : typeof t.v === 'string' ? 'string' : typeof t.v === 'number' ? 'number' : typeof t.v === 'boolean' ? 'boolean' : undefined;
    case 'array':
    case 'arraycomp':
      return 'array';
    case 'object':
    case 'objcomp':
      return 'object';
    case 'set':
    case 'setcomp':
      return 'set';
    default:
      return undefined;
  }
}

function checkLiteralTypes(name: string, args: readonly CTerm[], fail: (m: string) => Error): void {
  const sig = signatures[name];
  if (!sig) return;
  sig.forEach((want, i) => {
    const a = args[i];
    const have = a ? literalType(a) : undefined;
    if (want && have && !want.includes(have)) throw fail(`rego_type_error: ${name}: operand ${i + 1} must be ${want.join(' or ')}, not ${have}`);
  });
}

// ---- OPA's expression rewriting (RewriteExprTerms and RewriteDynamicTerms)
//
// OPA evaluates the nested parts of an expression before the expression, as separate positive
// expressions, even when the expression is negated: `not f(input.x)` runs as `t = input.x; not f(t)`,
// so it is undefined (not true) when input.x is undefined. Gatekeeper's library depends on this.

let hoisted = 0;

function hoistBody(body: readonly CExpr[]): CExpr[] {
  const out: CExpr[] = [];
  for (const e of body) {
    const withs = 'withs' in e ? e.withs : [];
    const gen = (t: CTerm): CTerm => {
      const name = `$h${hoisted++}`;
      out.push({ e: 'unify', lhs: { t: 'local', name }, rhs: t, negated: false, withs, pos: e.pos });
      return { t: 'local', name };
    };
    switch (e.e) {
      case 'term': {
        const t = e.term;
        if (t.t === 'builtin' || t.t === 'func') {
          const args = t.args.map((a) => dynamicOne(expandTerm(a, gen), gen));
          out.push({ ...e, term: { ...t, args } });
        } else {
          out.push({ ...e, term: dynamicInHead(expandTerm(t, gen, true), gen) });
        }
        break;
      }
      case 'unify':
        out.push({ ...e, lhs: dynamicInHead(expandTerm(e.lhs, gen, true), gen), rhs: dynamicInHead(expandTerm(e.rhs, gen, true), gen) });
        break;
      case 'every':
        out.push({ ...e, body: hoistBody(e.body) });
        break;
      default:
        out.push(e);
    }
  }
  return out;
}

/** expandExprTerm: nested calls become their own expressions; top: the expression's own term. */
function expandTerm(t: CTerm, gen: (t: CTerm) => CTerm, top = false): CTerm {
  switch (t.t) {
    case 'builtin':
    case 'func': {
      const args = t.args.map((a) => expandTerm(a, gen));
      const call = { ...t, args };
      return top ? call : gen(call);
    }
    case 'ref': {
      const path = t.path.map((p) => expandTerm(p, gen));
      let head = t.head;
      if (head.t === 'builtin' || head.t === 'func') head = expandTerm(head, gen);
      else if (head.t === 'array' || head.t === 'object' || head.t === 'set' || isComprehension(head)) head = gen(hoistInTerm(head));
      return { t: 'ref', head, path };
    }
    case 'array':
    case 'set':
      return { ...t, items: t.items.map((x) => expandTerm(x, gen)) };
    case 'object':
      return { ...t, pairs: t.pairs.map(([k, v]) => [expandTerm(k, gen), expandTerm(v, gen)] as const) };
    default:
      return hoistInTerm(t);
  }
}

/** rewriteDynamicsOne: a reference or comprehension in a call's arguments is evaluated first. */
function dynamicOne(t: CTerm, gen: (t: CTerm) => CTerm): CTerm {
  switch (t.t) {
    case 'ref':
      return gen({ ...t, path: t.path.map((p) => dynamicOne(p, gen)) });
    case 'array':
    case 'set':
      return { ...t, items: t.items.map((x) => dynamicOne(x, gen)) };
    case 'object':
      return { ...t, pairs: t.pairs.map(([k, v]) => [dynamicOne(k, gen), dynamicOne(v, gen)] as const) };
    case 'arraycomp':
    case 'setcomp':
    case 'objcomp':
      return gen(t);
    default:
      return t;
  }
}

/** rewriteDynamicsInHead: a reference stays, the dynamic parts of its path are evaluated first. */
function dynamicInHead(t: CTerm, gen: (t: CTerm) => CTerm): CTerm {
  switch (t.t) {
    case 'ref':
      return { ...t, path: t.path.map((p) => dynamicOne(p, gen)) };
    case 'array':
    case 'set':
      return { ...t, items: t.items.map((x) => dynamicInHead(x, gen)) };
    case 'object':
      return { ...t, pairs: t.pairs.map(([k, v]) => [dynamicInHead(k, gen), dynamicInHead(v, gen)] as const) };
    default:
      return t;
  }
}

// ---- safety: which variables an expression needs bound, and which it binds

/** All local variables in a compiled term, its comprehensions' included. */
function cvars(t: CTerm, out: Set<string> = new Set()): Set<string> {
  if (t.t === 'local') out.add(t.name);
  for (const c of childTerms(t)) cvars(c, out);
  for (const e of bodyOf(t)) exprVars(e, out);
  return out;
}

function exprVars(e: CExpr, out: Set<string>): Set<string> {
  for (const t of exprTerms(e)) cvars(t, out);
  if (e.e === 'every') for (const b of e.body) exprVars(b, out);
  return out;
}

/** Variables a term can bind when evaluated: ref indices, and call outputs. */
function outputVars(t: CTerm, out: Set<string> = new Set()): Set<string> {
  switch (t.t) {
    case 'ref':
      outputVars(t.head, out);
      for (const p of t.path) patternVars(p, out);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) outputVars(x, out);
      break;
    case 'object':
      for (const [k, v] of t.pairs) {
        outputVars(k, out);
        outputVars(v, out);
      }
      break;
    case 'builtin':
    case 'func':
      for (const a of t.args) outputVars(a, out);
      if (t.out) patternVars(t.out, out);
      break;
  }
  return out;
}

/** Variables of a pattern (a unification side or a ref index): bound by matching. */
function patternVars(t: CTerm, out: Set<string>): Set<string> {
  switch (t.t) {
    case 'local':
      out.add(t.name);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) patternVars(x, out);
      break;
    case 'object':
      for (const [k, v] of t.pairs) {
        outputVars(k, out);
        patternVars(v, out);
      }
      break;
    default:
      outputVars(t, out);
  }
  return out;
}

/**
 * OPA's order: again and again, the first expression (in the order written) whose inputs are bound.
 * An expression stays ready once it is (bound only grows), so the ready ones wait in a heap by
 * position and each binding wakes the expressions waiting for it: a body of n expressions written in
 * reverse order costs n log n, not n^2 walks of its expressions (22 s for 4,000).
 */
function orderBody(body: readonly CExpr[], bound: Set<string>, module: number): CExpr[] {
  // Variables some expression of this body binds: only those make a negation or a closure wait.
  const bindable = new Set<string>(bound);
  const outs = body.map((e) => exprOutputs(e));
  for (const o of outs) for (const v of o) bindable.add(v);
  const inputs = body.map((e) => exprInputs(e, bindable));
  const missing = new Int32Array(body.length);
  const waiting = new Map<string, number[]>();
  const ready = new PositionHeap();
  for (let i = 0; i < body.length; i++) {
    for (const v of inputs[i]!) {
      if (bound.has(v)) continue;
      missing[i]++;
      const w = waiting.get(v);
      if (w) w.push(i);
      else waiting.set(v, [i]);
    }
    if (missing[i] === 0) ready.push(i);
  }
  const placed = new Uint8Array(body.length);
  const ordered: CExpr[] = [];
  while (ordered.length < body.length) {
    const i = ready.pop();
    if (i === undefined) {
      const first = body[placed.indexOf(0)]!;
      const unbound = [...inputs[placed.indexOf(0)]!].filter((v) => !bound.has(v) && !v.startsWith('$_'));
      throw new RegoCompileError(`var ${unbound[0] ?? '?'} is unsafe`, module, first.pos.line, first.pos.col);
    }
    placed[i] = 1;
    ordered.push(orderNested(body[i]!, bound, module));
    for (const v of outs[i]!) {
      if (bound.has(v)) continue;
      bound.add(v);
      for (const j of waiting.get(v) ?? []) if (--missing[j] === 0) ready.push(j);
    }
  }
  return ordered;
}

/** A min-heap of positions. */
class PositionHeap {
  private readonly items: number[] = [];
  push(x: number): void {
    const a = this.items;
    let i = a.push(x) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= x) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = x;
  }
  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && a[l + 1]! < a[l]! ? l + 1 : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/** Comprehension and every bodies are ordered too, knowing what the outer body has bound. */
function orderNested(e: CExpr, bound: Set<string>, module: number): CExpr {
  const fixTerm = (t: CTerm): CTerm => mapTerm(t, fixTerm, (b) => orderBody(b, new Set(bound), module));
  switch (e.e) {
    case 'term':
      return { ...e, term: fixTerm(e.term) };
    case 'unify':
      return { ...e, lhs: fixTerm(e.lhs), rhs: fixTerm(e.rhs) };
    case 'somein':
      return { ...e, coll: fixTerm(e.coll) };
    case 'every': {
      const inner = new Set(bound);
      for (const t of [e.key, e.value]) if (t) patternVars(t, inner);
      return { ...e, domain: fixTerm(e.domain), body: orderBody(e.body, inner, module) };
    }
    default:
      return e;
  }
}

function exprOutputs(e: CExpr): Set<string> {
  const out = new Set<string>();
  switch (e.e) {
    case 'term':
      if (!e.negated) outputVars(e.term, out);
      break;
    case 'unify':
      if (!e.negated) {
        patternVars(e.lhs, out);
        patternVars(e.rhs, out);
      }
      break;
    case 'somein':
      if (e.key) patternVars(e.key, out);
      patternVars(e.value, out);
      outputVars(e.coll, out);
      break;
  }
  return out;
}

/** What must be bound first: a negation waits for what others bind; a closure for its outer vars. */
function exprInputs(e: CExpr, bindable: Set<string>): Set<string> {
  const out = new Set<string>();
  const closures = (t: CTerm): void => {
    // Comprehensions: their variables that the outer body binds are inputs.
    if (isComprehension(t)) {
      for (const v of cvars(t)) if (bindable.has(v)) out.add(v);
      return;
    }
    childTerms(t).forEach(closures);
  };
  const plain = (t: CTerm): void => {
    if (isComprehension(t)) return closures(t);
    const ins = new Set<string>();
    inputVarsShallow(t, ins);
    for (const v of ins) out.add(v);
    closures(t);
  };
  switch (e.e) {
    case 'term':
      if (e.negated) {
        for (const v of exprVars(e, new Set())) if (bindable.has(v)) out.add(v);
      } else plain(e.term);
      break;
    case 'unify':
      if (e.negated) {
        for (const v of exprVars(e, new Set())) if (bindable.has(v)) out.add(v);
      } else {
        unifyInputs(e.lhs, out);
        unifyInputs(e.rhs, out);
        closures(e.lhs);
        closures(e.rhs);
        // `x = y` with both unbound: one side must be bound by someone else.
        if (e.lhs.t === 'local' && e.rhs.t === 'local') out.add(e.rhs.name);
      }
      break;
    case 'somein':
      plain(e.coll);
      break;
    case 'every':
      plain(e.domain);
      for (const b of e.body) for (const v of exprVars(b, new Set())) if (bindable.has(v)) out.add(v);
      break;
  }
  for (const w of 'withs' in e ? e.withs : []) for (const v of cvars(w.value)) out.add(v);
  return out;
}

/** A unification side: pattern variables are outputs, what is inside refs and calls are inputs. */
function unifyInputs(t: CTerm, out: Set<string>): void {
  switch (t.t) {
    case 'local':
      return;
    case 'array':
    case 'set':
      t.items.forEach((x) => unifyInputs(x, out));
      return;
    case 'object':
      t.pairs.forEach(([k, v]) => {
        inputVarsShallow(k, out);
        unifyInputs(v, out);
      });
      return;
    default:
      inputVarsShallow(t, out);
  }
}

/** Inputs of a term, not looking into comprehensions (their closure is handled apart). */
function inputVarsShallow(t: CTerm, out: Set<string>): void {
  switch (t.t) {
    case 'local':
      out.add(t.name);
      return;
    case 'ref':
      inputVarsShallow(t.head, out);
      // Ref indices bind; but vars inside a call or ref in an index are needed.
      for (const p of t.path) {
        if (p.t === 'local' || p.t === 'array' || p.t === 'object' || p.t === 'set' || p.t === 'scalar') continue;
        inputVarsShallow(p, out);
      }
      return;
    case 'array':
    case 'set':
      t.items.forEach((x) => inputVarsShallow(x, out));
      return;
    case 'object':
      t.pairs.forEach(([k, v]) => {
        inputVarsShallow(k, out);
        inputVarsShallow(v, out);
      });
      return;
    case 'builtin':
    case 'func':
      for (const a of t.args) inputVarsShallow(a, out);
      return;
    default:
      return;
  }
}

/** Marks the functions whose results depend on their arguments only (checked after recursion). */
function markPure(rules: Map<string, RuleSet>): void {
  const memo = new Map<RuleSet, boolean>();
  const pureSet = (set: RuleSet): boolean => {
    if (set.kind !== 'function') return false;
    let v = memo.get(set);
    if (v !== undefined) return v;
    memo.set(set, false);
    const rule = (r: CRule | undefined): boolean =>
      !r || (r.args.every(term) && term(r.key) && term(r.value) && r.body.every(expr) && rule(r.elseRule));
    v = set.defs.every(rule) && term(set.defaultValue);
    memo.set(set, v);
    return v;
  };
  const term = (t: CTerm | undefined): boolean => {
    if (!t) return true;
    if (t.t === 'input' || t.t === 'data' || t.t === 'rule') return false;
    if (t.t === 'func' && !pureSet(t.set)) return false;
    return childTerms(t).every(term) && bodyOf(t).every(expr);
  };
  const expr = (e: CExpr): boolean =>
    !('withs' in e && e.withs.length > 0) && exprTerms(e).every(term) && (e.e !== 'every' || e.body.every(expr));
  for (const set of rules.values()) if (set.kind === 'function') set.pure = pureSet(set);
}

function checkRecursion(rules: Map<string, RuleSet>): void {
  const deps = new Map<RuleSet, Set<RuleSet>>();
  const collect = (t: CTerm | undefined, into: Set<RuleSet>): void => {
    if (!t) return;
    if (t.t === 'rule' || t.t === 'func') into.add(t.set);
    for (const c of childTerms(t)) collect(c, into);
    for (const e of bodyOf(t)) collectExpr(e, into);
  };
  const collectExpr = (e: CExpr, into: Set<RuleSet>): void => {
    for (const t of exprTerms(e)) collect(t, into);
    if (e.e === 'every') for (const b of e.body) collectExpr(b, into);
  };
  for (const set of rules.values()) {
    const into = new Set<RuleSet>();
    const visit = (r: CRule): void => {
      r.args.forEach((a) => collect(a, into));
      collect(r.key, into);
      collect(r.value, into);
      r.body.forEach((e) => collectExpr(e, into));
      if (r.elseRule) visit(r.elseRule);
    };
    set.defs.forEach(visit);
    collect(set.defaultValue, into);
    deps.set(set, into);
  }
  const state = new Map<RuleSet, 1 | 2>();
  const dfs = (s: RuleSet, stack: RuleSet[]): void => {
    const st = state.get(s);
    if (st === 2) return;
    if (st === 1) {
      const cycle = stack.slice(stack.indexOf(s)).map((x) => x.path);
      const at = s.defs[0]?.pos ?? { line: 0, col: 0 };
      throw new RegoCompileError(`rego_recursion_error: rule ${s.path} is recursive: ${[...cycle, s.path].join(' -> ')}`, s.module, at.line, at.col);
    }
    state.set(s, 1);
    stack.push(s);
    for (const d of deps.get(s) ?? []) dfs(d, stack);
    stack.pop();
    state.set(s, 2);
  };
  for (const s of rules.values()) dfs(s, []);
}
