// Go's text/template executor over parsed trees: Go's truth, variables and scopes, missing keys as
// Helm configures them (missingkey=zero: a missing key is a nil interface, printed as <no value>),
// field chains that fail on nil as Go words it, and every bound of untrusted input checked.
import { Arg, Command, Node, Pipe, lineCol } from './parse';
import type { Call, FuncDef, Runner } from './func';
import { TemplateDef, TemplateSet } from './set';
import { GoString, Src, Text, TextBuilder, plain } from './text';
import { ExecError, FuncError, GoMap, GoStruct, Value, compareStrings, maxValueNodes, printed, truth, typeName } from './value';
import { builtins } from './builtins';

export interface Limits {
  /** Nodes and calls evaluated in one render. */
  readonly maxSteps: number;
  /** Characters of output of one template execution (include results count too). */
  readonly maxOutput: number;
  /** Nesting of template calls (template, include, tpl). */
  readonly maxDepth: number;
  /** Wall time, ms. */
  readonly maxMillis: number;
}

// The real charts of the conformance set take under 200,000 steps (argo-cd included) and nest template
// calls a few levels deep; Helm's own bound (1000 nested includes of one name) would overflow the JS stack.
export const defaultLimits: Limits = { maxSteps: 1_000_000, maxOutput: 20_000_000, maxDepth: 250, maxMillis: 10_000 };

/** A bound was hit: the error names it, and says where when it is known. */
export class BoundError extends ExecError {
  constructor(
    message: string,
    readonly source?: GoString,
    readonly offset?: number,
  ) {
    super(message);
  }
}

/** An execution error with where it happened, worded as Go's template package words it. */
export class TemplateError extends ExecError {
  constructor(
    /** `template: name:line:col: executing "name" at <...>: msg`, of the outermost template. */
    readonly goMessage: string,
    /** Where the error happened: the innermost template, its source and offset. */
    readonly template: string,
    readonly source: GoString,
    readonly offset: number,
    /** fail and required: the user's text alone. */
    readonly userText: string | undefined,
    /** `name:line:col` of the outermost template (Helm's location). */
    readonly location: string,
    /**
     * The chain of wrapped errors as Go's errors.Unwrap walks it, outermost first: each level's own
     * message (template levels, and the bare message of a function's error at the end).
     */
    readonly levels: readonly string[] = [goMessage],
  ) {
    super(goMessage);
  }
}

/** A text node's slice of its source, cut once: a tree belongs to one source. */
const textCache = new WeakMap<Node, GoString>();

class BreakSignal {}
class ContinueSignal {}

interface Frame {
  readonly def: TemplateDef;
  readonly vars: Array<{ name: string; value: Value }>;
}

export class Executor implements Runner {
  private steps = 0;
  private depth = 0;
  private readonly deadline: number;

  constructor(
    readonly set: TemplateSet,
    readonly funcs: ReadonlyMap<string, FuncDef>,
    readonly limits: Limits = defaultLimits,
    readonly now: () => number = Date.now,
  ) {
    this.deadline = now() + limits.maxMillis;
  }

  /** Executes template `name` with `data` as dot and $. */
  execute(name: string, data: Value): GoString {
    const def = this.set.defs.get(name);
    if (!def) throw new ExecError(`template: no template ${JSON.stringify(name)} associated with template "gotpl"`);
    return this.run(def, data);
  }

  /** Runs a definition in a new frame (template calls, include, tpl). */
  run(def: TemplateDef, data: Value, set?: TemplateSet): GoString {
    if (++this.depth > this.limits.maxDepth) {
      this.depth--;
      throw new BoundError(`exceeded maximum template depth (${this.limits.maxDepth}) (limit maxDepth)`);
    }
    const saveSet = this.currentSet;
    if (set) this.currentSet = set;
    try {
      const out = new TextBuilder();
      const frame: Frame = { def, vars: [{ name: '$', value: data }] };
      this.walkList(frame, data, def.root, out);
      return out.build();
    } catch (e) {
      // The JS stack ran out before maxDepth: converted at the first frame with room to spare.
      if (e instanceof RangeError) {
        throw e.message.includes('call stack') ? new BoundError('template calls nested too deeply for the stack (limit maxDepth)') : new BoundError(`${e.message} (limit maxOutput)`);
      }
      throw e;
    } finally {
      this.currentSet = saveSet;
      this.depth--;
    }
  }

  /** The set templates resolve in (tpl runs in a clone holding its own defines). */
  currentSet: TemplateSet | undefined;
  private get templates(): TemplateSet {
    return this.currentSet ?? this.set;
  }

  lookup(name: string): TemplateDef | undefined {
    return this.templates.defs.get(name);
  }

  checkTime(): void {
    if (this.now() > this.deadline) throw new BoundError(`render stopped after ${this.limits.maxMillis} ms (limit maxMillis)`);
  }

  private step(f: Frame, pos: number): void {
    if (++this.steps > this.limits.maxSteps) this.fail(f, pos, `render stopped after ${this.limits.maxSteps} steps (limit maxSteps)`, BoundError);
    if ((this.steps & 0xfff) === 0 && this.now() > this.deadline) this.fail(f, pos, `render stopped after ${this.limits.maxMillis} ms (limit maxMillis)`, BoundError);
  }

  private fail(f: Frame, pos: number, msg: string, bound?: typeof BoundError, context?: string): never {
    if (bound) throw new BoundError(this.describe(f, pos, msg), f.def.source, pos);
    throw this.error(f, pos, msg, undefined, context);
  }

  private describe(f: Frame, pos: number, msg: string): string {
    const { line, col } = lineCol(plain(f.def.source), pos);
    return `template: ${f.def.parseName ?? f.def.name}:${line}:${col}: ${msg}`;
  }

  private error(f: Frame, pos: number, msg: string, userText?: string, context?: string): TemplateError {
    const text = plain(f.def.source);
    const { line, col } = lineCol(text, pos);
    const ctx = context ?? nodeText(text, pos);
    const location = `${f.def.parseName ?? f.def.name}:${line}:${col}`;
    const go = `template: ${location}: executing ${JSON.stringify(f.def.name)} at <${ctx}>: ${msg}`;
    return new TemplateError(go, f.def.name, f.def.source, pos, userText, location, [go]);
  }

  /** The source location of an offset of a template (for provenance of text it writes). */
  srcAt(f: Frame, pos: number, len = 1): Src | undefined {
    const s = f.def.source;
    if (typeof s === 'string') return undefined;
    for (const g of s.segs) {
      if (pos >= g.start && pos < g.end) {
        if (!g.src.verbatim) return g.src;
        const off = g.src.start + (pos - g.start);
        return { file: g.src.file, start: off, end: Math.min(off + len, g.src.start + (g.end - g.start)), verbatim: false, what: g.src.what };
      }
    }
    return undefined;
  }

  private walkList(f: Frame, dot: Value, nodes: readonly Node[], out: TextBuilder): void {
    for (const n of nodes) this.walk(f, dot, n, out);
  }

  private walk(f: Frame, dot: Value, n: Node, out: TextBuilder): void {
    switch (n.t) {
      case 'text': {
        let t = textCache.get(n);
        if (t === undefined) {
          const s = f.def.source;
          t = typeof s === 'string' ? s.slice(n.start, n.end) : s.slice(n.start, n.end);
          textCache.set(n, t);
        }
        out.add(t);
        break;
      }
      case 'action': {
        this.step(f, n.pos);
        const v = this.pipeline(f, dot, n.pipe);
        if (n.pipe.decl.length === 0) {
          const p = printed(v);
          const via = this.srcAt(f, n.pos, actionLength(plain(f.def.source), n.pos));
          if (typeof p === 'string') out.addSourced(p, via && p.length ? { ...via, what: 'template' } : undefined);
          else out.add(p, via);
        }
        break;
      }
      case 'if':
      case 'with': {
        this.step(f, n.pos);
        const mark = f.vars.length;
        const v = this.pipeline(f, dot, n.pipe);
        if (truth(v)) this.walkList(f, n.t === 'with' ? v : dot, n.list, out);
        else if (n.elseList) this.walkList(f, dot, n.elseList, out);
        f.vars.length = mark;
        break;
      }
      case 'range':
        this.range(f, dot, n, out);
        break;
      case 'template': {
        this.step(f, n.pos);
        const def = this.templates.defs.get(n.name);
        if (!def) this.fail(f, n.pos, `template ${JSON.stringify(n.name)} not defined`, undefined, templateText(plain(f.def.source), n.pos, n.name));
        const data = n.pipe ? this.pipeline(f, dot, n.pipe) : null;
        out.add(this.run(def, data));
        break;
      }
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
    }
    if (out.length > this.limits.maxOutput) this.fail(f, 0, `output larger than ${this.limits.maxOutput} characters (limit maxOutput)`, BoundError);
  }

  private range(f: Frame, dot: Value, n: Extract<Node, { t: 'range' }>, out: TextBuilder): void {
    this.step(f, n.pos);
    const mark = f.vars.length;
    const pipe: Pipe = { ...n.pipe, decl: [] };
    let v = this.pipeline(f, dot, pipe);
    if (v instanceof GoStruct && v.mapView) v = v.mapView();
    else if (v instanceof GoStruct && v.listView) v = v.listView();
    const decl = n.pipe.decl;
    const one = (key: Value, elem: Value): boolean => {
      this.step(f, n.pos);
      const m = f.vars.length;
      if (decl.length === 1) this.setVar(f, decl[0]!, elem, n.pipe.isAssign);
      else if (decl.length === 2) {
        this.setVar(f, decl[0]!, key, n.pipe.isAssign);
        this.setVar(f, decl[1]!, elem, n.pipe.isAssign);
      }
      try {
        this.walkList(f, elem, n.list, out);
      } catch (e) {
        if (e instanceof BreakSignal) return false;
        if (!(e instanceof ContinueSignal)) throw e;
      } finally {
        f.vars.length = m;
      }
      return true;
    };
    let any = false;
    if (Array.isArray(v) || v instanceof Uint8Array) {
      for (let i = 0; i < v.length; i++) {
        any = true;
        const el: Value = v instanceof Uint8Array ? BigInt(v[i]!) : v[i];
        if (!one(BigInt(i), el)) break;
      }
    } else if (v instanceof Map) {
      for (const k of [...v.keys()].sort(compareStrings)) {
        any = true;
        if (!one(k, v.get(k))) break;
      }
    } else if (typeof v === 'bigint') {
      if (decl.length > 1) this.fail(f, n.pos, `can't use ${v} to iterate over more than one variable`);
      for (let i = 0n; i < v; i++) {
        any = true;
        if (!one(i, i)) break;
      }
    } else if (v !== undefined && v !== null) {
      this.fail(f, n.pos, `range can't iterate over ${plain(printed(v))}`);
    }
    if (!any && n.elseList) this.walkList(f, dot, n.elseList, out);
    f.vars.length = mark;
  }

  private setVar(f: Frame, name: string, value: Value, assign: boolean): void {
    if (assign) {
      for (let i = f.vars.length - 1; i >= 0; i--) {
        if (f.vars[i]!.name === name) {
          f.vars[i]!.value = value;
          return;
        }
      }
    }
    f.vars.push({ name, value });
  }

  private pipeline(f: Frame, dot: Value, pipe: Pipe): Value {
    let v: Value = undefined;
    let has = false;
    for (const c of pipe.cmds) {
      v = this.command(f, dot, c, has ? { v } : undefined);
      has = true;
    }
    // A nil interface becomes no value (Go unwraps interface{} results).
    if (v === null) v = undefined;
    for (const d of pipe.decl) this.setVar(f, d, v, pipe.isAssign);
    return v;
  }

  private command(f: Frame, dot: Value, c: Command, final: { v: Value } | undefined): Value {
    const first = c.args[0]!;
    this.step(f, first.pos);
    switch (first.t) {
      case 'field':
        return this.fieldChain(f, dot, dot, first.idents, first.pos, c.args, final);
      case 'chain': {
        const base = this.arg(f, dot, first.node);
        return this.fieldChain(f, dot, base === null ? undefined : base, first.idents, first.pos, c.args, final);
      }
      case 'var': {
        const val = this.varValue(f, first.name, first.pos);
        if (!first.idents.length) {
          this.notAFunction(f, c.args, final);
          return val;
        }
        return this.fieldChain(f, dot, val, first.idents, first.pos, c.args, final);
      }
      case 'ident':
        return this.call(f, dot, first.name, first.pos, c.args.slice(1), final, c);
      case 'pipe':
        this.notAFunction(f, c.args, final);
        return this.pipeline(f, dot, first.pipe);
      default:
        this.notAFunction(f, c.args, final);
        return this.arg(f, dot, first);
    }
  }

  private notAFunction(f: Frame, args: readonly Arg[], final: { v: Value } | undefined): void {
    if (args.length > 1 || final) this.fail(f, args[0]!.pos, `can't give argument to non-function ${argText(plain(f.def.source), args[0]!)}`);
  }

  private varValue(f: Frame, name: string, pos: number): Value {
    for (let i = f.vars.length - 1; i >= 0; i--) if (f.vars[i]!.name === name) return f.vars[i]!.value;
    this.fail(f, pos, `undefined variable: ${name}`);
  }

  /** Evaluates an argument (Go's evalArg): a pipeline's nil becomes no value. */
  private arg(f: Frame, dot: Value, a: Arg): Value {
    switch (a.t) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'bool':
        return a.value;
      case 'number':
        return a.value;
      case 'string': {
        if (a.verbatimAt === undefined || !a.value.length) return a.value;
        const s = f.def.source;
        if (typeof s === 'string') return a.value;
        const t = s.slice(a.verbatimAt, a.verbatimAt + a.value.length);
        return typeof t === 'string' ? t : new Text(a.value, t.segs);
      }
      case 'field':
        return this.fieldChain(f, dot, dot, a.idents, a.pos, [a], undefined);
      case 'var': {
        const v = this.varValue(f, a.name, a.pos);
        return a.idents.length ? this.fieldChain(f, dot, v, a.idents, a.pos, [a], undefined) : v;
      }
      case 'chain': {
        const base = this.arg(f, dot, a.node);
        return this.fieldChain(f, dot, base === null ? undefined : base, a.idents, a.pos, [a], undefined);
      }
      case 'pipe':
        return this.pipeline(f, dot, a.pipe);
      case 'ident':
        return this.call(f, dot, a.name, a.pos, [], undefined);
    }
  }

  private fieldChain(f: Frame, dot: Value, receiver: Value, idents: readonly string[], pos: number, args: readonly Arg[], final: { v: Value } | undefined): Value {
    let r = receiver;
    for (let i = 0; i < idents.length - 1; i++) r = this.field(f, dot, idents[i]!, pos, [], undefined, r);
    return this.field(f, dot, idents[idents.length - 1]!, pos, args.slice(1), final, r);
  }

  private field(f: Frame, dot: Value, name: string, pos: number, args: readonly Arg[], final: { v: Value } | undefined, r: Value): Value {
    if (r === undefined) return undefined;
    if (r === null) this.fail(f, pos, `nil pointer evaluating interface {}.${name}`, undefined, operandAround(plain(f.def.source), pos));
    const hasArgs = args.length > 0 || final !== undefined;
    if (r instanceof GoStruct) {
      const m = r.methods[name];
      if (m) {
        const vals = args.map((a) => this.arg(f, dot, a));
        if (final) vals.push(final.v);
        try {
          return m(vals);
        } catch (e) {
          if (e instanceof FuncError) throw this.error(f, pos, `error calling ${name}: ${e.message}`, e.user ? e.message : undefined);
          throw e;
        }
      }
      if (r.fields.has(name)) {
        if (hasArgs) this.fail(f, pos, `${name} has arguments but cannot be invoked as function`);
        return r.fields.get(name);
      }
      this.fail(f, pos, `can't evaluate field ${name} in type ${r.type}`, undefined, operandAround(plain(f.def.source), pos));
    }
    if (r instanceof Map) {
      if (hasArgs) this.fail(f, pos, `${name} is not a method but has arguments`);
      const v = (r as GoMap).get(name);
      return v === undefined ? null : v;
    }
    this.fail(f, pos, `can't evaluate field ${name} in type ${typeName(r)}`, undefined, operandAround(plain(f.def.source), pos));
  }

  private call(f: Frame, dot: Value, name: string, pos: number, args: readonly Arg[], final: { v: Value } | undefined, cmd?: Command): Value {
    const ctx = (): string => (cmd ? plain(f.def.source).slice(cmd.pos, cmd.end) : name);
    const def = this.funcs.get(name) ?? builtins.get(name);
    if (!def) this.fail(f, pos, `function ${JSON.stringify(name)} not defined`);
    const count = args.length + (final ? 1 : 0);
    if (name === 'and' || name === 'or') {
      if (count < 1) this.fail(f, pos, `wrong number of args for ${name}: want at least 1 got 0`);
      let v: Value = undefined;
      for (const a of args) {
        v = this.arg(f, dot, a);
        if (truth(v) === (name === 'or')) return v;
      }
      if (final) v = final.v;
      return v;
    }
    if (def.variadic ? count < def.n : count !== def.n) {
      this.fail(f, pos, `wrong number of args for ${name}: want ${def.variadic ? 'at least ' : ''}${def.n} got ${count}`, undefined, name);
    }
    const vals = args.map((a) => this.arg(f, dot, a));
    if (final) vals.push(final.v);
    try {
      const out = def.fn(vals, { exec: this, name, at: this.srcAt(f, pos, name.length) });
      // A value built by doubling (printf "%s%s" $x $x, concat $l $l) grows without output: bounded here.
      if ((typeof out === 'string' || out instanceof Text) && out.length > this.limits.maxOutput) this.fail(f, pos, `${name} made a string of ${out.length} characters (limit maxOutput)`, BoundError);
      if (Array.isArray(out) && out.length > maxValueNodes) this.fail(f, pos, `${name} made a list of ${out.length} items (limit maxOutput)`, BoundError);
      return out;
    } catch (e) {
      if (e instanceof FuncError) {
        const outer = this.error(f, pos, `error calling ${name}: ${e.message}`, e.user ? e.message : undefined, ctx());
        throw new TemplateError(outer.goMessage, outer.template, outer.source, outer.offset, outer.userText, outer.location, [outer.goMessage, e.message]);
      }
      if (e instanceof BoundError) throw e;
      if (e instanceof TemplateError) {
        // An error inside include/tpl: Go wraps it in the outer call; where it happened stays the inner place.
        const outer = this.error(f, pos, `error calling ${name}: ${e.goMessage}`, e.userText, ctx());
        throw new TemplateError(outer.goMessage, e.template, e.source, e.offset, e.userText, outer.location, [outer.goMessage, ...e.levels]);
      }
      if (e instanceof ExecError) throw this.error(f, pos, `error calling ${name}: ${e.message}`, undefined, ctx());
      throw e;
    }
  }
}

function actionLength(text: string, pos: number): number {
  const e = text.indexOf('}}', pos);
  return e < 0 ? 2 : e + 2 - pos;
}

function nodeText(text: string, pos: number): string {
  const e = text.indexOf('}}', pos);
  return text.slice(pos, e < 0 ? pos + 20 : e).replace(/^\{\{-?\s*/, '').replace(/\s*-?$/, '').trim();
}

/** The field chain or variable written around an offset (`.Values.a.b`), as Go's error context shows it. */
function operandAround(text: string, pos: number): string {
  const part = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{Nd}_.$]/u.test(c);
  let a = pos;
  while (a > 0 && part(text[a - 1])) a--;
  let b = pos;
  while (b < text.length && part(text[b])) b++;
  return text.slice(a, b);
}

/** Go's String() of a template action: {{template "name" pipeline}}. */
function templateText(text: string, namePos: number, name: string): string {
  const q = text[namePos];
  const close = text.indexOf(q === '`' ? '`' : '"', namePos + 1);
  const end = text.indexOf('}}', close);
  const pipe = text.slice(close + 1, end < 0 ? close + 1 : end).replace(/\s*-?$/, '').trim();
  return `{{template ${JSON.stringify(name)}${pipe ? ' ' + pipe : ''}}}`;
}

function argText(text: string, a: Arg): string {
  if (a.t === 'string') return a.quoted;
  if (a.t === 'number') return a.text;
  return nodeText(text, a.pos);
}

export type { Call, FuncDef, TemplateDef };
export { TemplateSet };
