// A recursive-descent parser for Rego v0 and v1 modules (the `if`/`contains`/`in`/`every` keywords are
// on under `import rego.v1` or `import future.keywords[.x]`, or when the caller asks for v1).
import { Expr, Import, Module, Pos, Rule, Term, WithModifier } from './ast';
import { RegoSyntaxError, Token, tokenize } from './lexer';

const keywordNames = ['in', 'if', 'contains', 'every'] as const;
type Keyword = (typeof keywordNames)[number];

export interface ParseOptions {
  /** Parse as Rego v1 (keywords always on, `if` and `contains` required). */
  readonly v1?: boolean;
}

export function parseModule(src: string, options: ParseOptions = {}): Module {
  return new Parser(tokenize(src), options.v1 === true).module();
}

class Parser {
  private i = 0;
  /** >0: inside brackets or parentheses, where newlines do not end anything. */
  private depth = 0;
  private readonly keywords = new Set<Keyword>();
  private wildcard = 0;

  constructor(private readonly toks: Token[], private v1: boolean) {
    if (v1) for (const k of keywordNames) this.keywords.add(k);
  }

  // ---- tokens

  private peekRaw(): Token {
    return this.toks[this.i]!;
  }

  /** The next token; newlines are skipped inside brackets. */
  private peek(): Token {
    if (this.depth > 0) while (this.toks[this.i]!.kind === 'newline') this.i++;
    return this.toks[this.i]!;
  }

  private peekAt(offset: number): Token {
    let j = this.i;
    let seen = 0;
    for (;;) {
      const t = this.toks[j]!;
      if (t.kind === 'eof') return t;
      if (t.kind === 'newline' && this.depth > 0) {
        j++;
        continue;
      }
      if (seen === offset) return t;
      seen++;
      j++;
    }
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private is(value: string): boolean {
    const t = this.peek();
    return (t.kind === 'punct' || t.kind === 'ident') && t.value === value;
  }

  private isKeyword(k: Keyword): boolean {
    return this.keywords.has(k) && this.is(k);
  }

  private expect(value: string): Token {
    const t = this.peek();
    if ((t.kind === 'punct' || t.kind === 'ident') && t.value === value) return this.next();
    throw this.error(`expected ${value}, found ${describe(t)}`, t);
  }

  private error(message: string, t: Token = this.peek()): RegoSyntaxError {
    return new RegoSyntaxError(message, t.line, t.col);
  }

  private skipNewlines(): void {
    while (this.toks[this.i]!.kind === 'newline' || (this.toks[this.i]!.kind === 'punct' && this.toks[this.i]!.value === ';')) this.i++;
  }

  private pos(t: Token): Pos {
    return { line: t.line, col: t.col };
  }

  private nested<T>(depth: number, f: () => T): T {
    const saved = this.depth;
    this.depth = depth;
    try {
      return f();
    } finally {
      this.depth = saved;
    }
  }

  // ---- module

  module(): Module {
    this.skipNewlines();
    const pkgTok = this.peek();
    if (!(pkgTok.kind === 'ident' && pkgTok.value === 'package')) throw this.error('expected package', pkgTok);
    this.next();
    const pkg = this.dottedPath();
    if (pkg[0] === 'data') pkg.shift();
    const imports: Import[] = [];
    const rules: Rule[] = [];
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (t.kind === 'ident' && t.value === 'import') {
        imports.push(this.importDecl());
        continue;
      }
      if (t.kind === 'ident' && t.value === 'package') throw this.error('a module has one package', t);
      rules.push(...this.rule());
    }
    return { pkg, imports, rules, v1: this.v1 };
  }

  private dottedPath(): string[] {
    const parts: string[] = [];
    const first = this.next();
    if (first.kind !== 'ident') throw this.error(`expected a name, found ${describe(first)}`, first);
    parts.push(first.value);
    for (;;) {
      const t = this.peekRaw();
      if (t.kind === 'punct' && t.value === '.') {
        this.i++;
        const n = this.next();
        if (n.kind !== 'ident') throw this.error(`expected a name after ., found ${describe(n)}`, n);
        parts.push(n.value);
        continue;
      }
      if (t.kind === 'punct' && t.value === '[' && !t.spaceBefore) {
        this.i++;
        const s = this.next();
        if (s.kind !== 'string') throw this.error('expected a string in a path', s);
        this.expect(']');
        parts.push(s.value);
        continue;
      }
      return parts;
    }
  }

  private importDecl(): Import {
    const t = this.next();
    const path = this.dottedPath();
    let alias: string | undefined;
    const a = this.peekRaw();
    if (a.kind === 'ident' && a.value === 'as') {
      this.i++;
      const n = this.next();
      if (n.kind !== 'ident') throw this.error('expected a name after as', n);
      alias = n.value;
    }
    const root = path[0];
    if (root === 'future') {
      if (path[1] !== 'keywords') throw this.error(`unknown import ${path.join('.')}`, t);
      if (path.length === 2) for (const k of keywordNames) this.keywords.add(k);
      else if (path.length === 3 && (keywordNames as readonly string[]).includes(path[2]!)) this.keywords.add(path[2] as Keyword);
      else throw this.error(`unknown keyword import ${path.join('.')}`, t);
    } else if (root === 'rego') {
      if (path.length !== 2 || path[1] !== 'v1') throw this.error(`unknown import ${path.join('.')}`, t);
      for (const k of keywordNames) this.keywords.add(k);
      this.v1 = true;
    } else if (root !== 'data' && root !== 'input') {
      throw this.error(`import must begin with data or input: ${path.join('.')}`, t);
    }
    return { path, alias, pos: this.pos(t) };
  }

  // ---- rules

  /** A rule; a head followed by several bodies (`p { a } { b }`) is one rule per body. */
  private rule(): Rule[] {
    const start = this.peek();
    let isDefault = false;
    if (start.kind === 'ident' && start.value === 'default') {
      this.next();
      isDefault = true;
    }
    const nameTok = this.next();
    if (nameTok.kind !== 'ident') throw this.error(`expected a rule, found ${describe(nameTok)}`, nameTok);
    const name = nameTok.value;
    if (this.peekRaw().kind === 'punct' && this.peekRaw().value === '.') {
      throw this.error(`rule heads with references (${name}.…) are not supported`, this.peekRaw());
    }
    let args: Term[] | undefined;
    let key: Term | undefined;
    let value: Term | undefined;
    let kind: Rule['kind'] = 'complete';
    if (this.peekRaw().kind === 'punct' && this.peekRaw().value === '(') {
      this.i++;
      args = this.nested(1, () => this.termList(')'));
      kind = 'function';
    } else if (this.peekRaw().kind === 'punct' && this.peekRaw().value === '[') {
      this.i++;
      key = this.nested(1, () => this.term());
      this.nested(1, () => this.expect(']'));
      kind = 'partialset';
    }
    let viaContains = false;
    if (this.isKeyword('contains')) {
      if (kind !== 'complete') throw this.error('contains after a key or arguments');
      this.next();
      viaContains = true;
      key = this.term();
      kind = 'partialset';
    }
    if (this.is('=') || this.is(':=')) {
      this.next();
      value = this.infix();
      if (kind === 'partialset') kind = 'partialobject';
    } else if (kind === 'partialset' && this.v1 && !viaContains) {
      // Rego v1: `p[x] if ...` is a single-value rule at p[x] (value true).
      kind = 'partialobject';
    }
    if (isDefault) {
      if (value === undefined) throw this.error('a default rule needs a value', start);
      if (kind !== 'complete' && kind !== 'function') throw this.error('default rules must be complete rules or functions', start);
      return [{ name, kind, args: args ?? [], key: undefined, value, body: [], elseRule: undefined, isDefault: true, pos: this.pos(nameTok) }];
    }
    const body = this.ruleBody();
    let elseRule: Rule | undefined;
    const saved = this.i;
    this.skipNewlines();
    if (this.peek().kind === 'ident' && this.peek().value === 'else') {
      if (kind !== 'complete' && kind !== 'function') throw this.error('else applies to complete rules and functions');
      elseRule = this.elseChain(name, kind, args ?? []);
    } else {
      this.i = saved;
    }
    const head = { name, kind, args: args ?? [], key, value: value ?? (kind === 'partialset' ? undefined : trueTerm(nameTok)), isDefault: false, pos: this.pos(nameTok) };
    const rules: Rule[] = [{ ...head, body, elseRule }];
    // v0: more bodies after the first, each another definition with the same head.
    while (!this.v1 && elseRule === undefined && this.peekRaw().kind === 'punct' && this.peekRaw().value === '{') {
      rules.push({ ...head, body: this.bracedBody(), elseRule: undefined });
    }
    return rules;
  }

  private elseChain(name: string, kind: Rule['kind'], args: Term[]): Rule {
    const t = this.expect('else');
    let value: Term | undefined;
    if (this.is('=') || this.is(':=')) {
      this.next();
      value = this.infix();
    }
    const body = this.ruleBody();
    let elseRule: Rule | undefined;
    const saved = this.i;
    this.skipNewlines();
    if (this.peek().kind === 'ident' && this.peek().value === 'else') elseRule = this.elseChain(name, kind, args);
    else this.i = saved;
    return { name, kind, args, key: undefined, value: value ?? trueTerm(t), body, elseRule, isDefault: false, pos: this.pos(t) };
  }

  /** `{ body }`, `if { body }`, `if expr`, or nothing (a rule that always holds). */
  private ruleBody(): Expr[] {
    if (this.isKeyword('if')) {
      this.next();
      if (this.peek().kind === 'punct' && this.peek().value === '{') return this.bracedBody();
      return this.nested(0, () => [this.expr()]);
    }
    if (this.v1 && this.peekRaw().kind === 'punct' && this.peekRaw().value === '{') {
      throw this.error('`if` is required before a rule body in Rego v1', this.peekRaw());
    }
    const t = this.peekRaw();
    if (t.kind === 'punct' && t.value === '{') return this.bracedBody();
    return [];
  }

  private bracedBody(): Expr[] {
    this.expect('{');
    return this.nested(0, () => {
      const body = this.body('}');
      this.expect('}');
      if (body.length === 0) throw this.error('a rule body cannot be empty');
      return body;
    });
  }

  /** Expressions separated by newlines or `;`, up to (not including) `close`. */
  private body(close: string): Expr[] {
    const out: Expr[] = [];
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.kind === 'punct' && t.value === close) return out;
      if (t.kind === 'eof') throw this.error(`expected ${close}, found end of input`, t);
      out.push(this.expr());
      const after = this.peekRaw();
      if (after.kind === 'newline' || (after.kind === 'punct' && (after.value === ';' || after.value === close))) continue;
      throw this.error(`unexpected ${describe(after)} after an expression`, after);
    }
  }

  // ---- expressions

  private expr(): Expr {
    const t = this.peek();
    const pos = this.pos(t);
    if (t.kind === 'ident' && t.value === 'some') {
      this.next();
      const names: Term[] = [this.term()];
      while (this.is(',')) {
        this.next();
        names.push(this.term());
      }
      if (this.isKeyword('in')) {
        this.next();
        const coll = this.arith(true);
        if (names.length > 2) throw this.error('some takes at most a key and a value before in', t);
        return { e: 'somein', key: names.length === 2 ? names[0] : undefined, value: names[names.length - 1]!, coll, pos };
      }
      const vars: string[] = [];
      for (const n of names) {
        if (n.t !== 'var') throw this.error('some declares variables', t);
        vars.push(n.name);
      }
      return { e: 'some', vars, pos };
    }
    if (t.kind === 'ident' && t.value === 'every' && this.keywords.has('every')) {
      this.next();
      const first = this.term();
      let key: Term | undefined;
      let value = first;
      if (this.is(',')) {
        this.next();
        key = first;
        value = this.term();
      }
      if (!this.isKeyword('in')) throw this.error('expected in after every');
      this.next();
      const domain = this.arith(true);
      const body = this.nested(0, () => {
        this.expect('{');
        const b = this.body('}');
        this.expect('}');
        return b;
      });
      return { e: 'every', key, value, domain, body, pos };
    }
    let negated = false;
    if (t.kind === 'ident' && t.value === 'not') {
      this.next();
      negated = true;
    }
    const lhs = this.infix();
    let out: Expr;
    if (this.is(':=')) {
      if (negated) throw this.error('not cannot apply to an assignment');
      this.next();
      const rhs = this.infix();
      out = { e: 'assign', lhs, rhs, withs: [], pos };
    } else if (this.is('=')) {
      this.next();
      const rhs = this.infix();
      out = { e: 'unify', lhs, rhs, negated, withs: [], pos };
    } else {
      out = { e: 'term', term: lhs, negated, withs: [], pos };
    }
    const withs: WithModifier[] = [];
    while (this.peek().kind === 'ident' && this.peek().value === 'with') {
      this.next();
      const target = this.refTerm();
      this.expect('as');
      const value = this.infix();
      withs.push({ target, value });
    }
    if (withs.length > 0) out = { ...out, withs } as Expr;
    return out;
  }

  /** The `in` level: `x in xs`, `k, v in xs` is only read by `some`. */
  private infix(): Term {
    let left = this.relation();
    while (this.isKeyword('in')) {
      const t = this.next();
      const right = this.relation();
      left = { t: 'call', fn: ['internal', 'member_2'], args: [left, right], pos: this.pos(t) };
    }
    return left;
  }

  /** `==`, `!=`, `<`... over operands read by `operand` (`|` included, or not: see headTerm). */
  private relation(operand: () => Term = () => this.or()): Term {
    let left = operand();
    for (;;) {
      const t = this.peek();
      const op = t.kind === 'punct' ? relationOps[t.value] : undefined;
      if (op === undefined) return left;
      this.next();
      left = { t: 'call', fn: [op], args: [left, operand()], pos: this.pos(t) };
    }
  }

  private or(): Term {
    let left = this.and();
    while (this.is('|')) {
      const t = this.next();
      left = { t: 'call', fn: ['or'], args: [left, this.and()], pos: this.pos(t) };
    }
    return left;
  }

  private and(): Term {
    let left = this.arith(false);
    while (this.is('&')) {
      const t = this.next();
      left = { t: 'call', fn: ['and'], args: [left, this.arith(false)], pos: this.pos(t) };
    }
    return left;
  }

  /** `+`/`-` over `*`/`/`/`%`; withOr: `|` and `&` too (the domain of some-in and every). */
  private arith(withOr: boolean): Term {
    if (withOr) return this.or();
    let left = this.factor();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || (t.value !== '+' && t.value !== '-')) return left;
      this.next();
      left = { t: 'call', fn: [t.value === '+' ? 'plus' : 'minus'], args: [left, this.factor()], pos: this.pos(t) };
    }
  }

  private factor(): Term {
    let left = this.term();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || (t.value !== '*' && t.value !== '/' && t.value !== '%')) return left;
      this.next();
      const fn = t.value === '*' ? 'mul' : t.value === '/' ? 'div' : 'rem';
      left = { t: 'call', fn: [fn], args: [left, this.term()], pos: this.pos(t) };
    }
  }

  /** A term without infix operators at its top: a scalar, a collection, a reference or a call. */
  term(): Term {
    const t = this.peek();
    const pos = this.pos(t);
    let base: Term;
    switch (t.kind) {
      case 'string':
        this.next();
        base = { t: 'scalar', v: t.value, pos };
        break;
      case 'number':
        this.next();
        base = { t: 'scalar', v: Number(t.value), pos };
        break;
      case 'punct':
        if (t.value === '-') {
          const n = this.peekAt(1);
          if (n.kind === 'number' && !n.spaceBefore) {
            this.next();
            this.next();
            return { t: 'scalar', v: -Number(n.value), pos };
          }
          this.next();
          return { t: 'call', fn: ['minus'], args: [{ t: 'scalar', v: 0, pos }, this.term()], pos };
        }
        if (t.value === '(') {
          this.next();
          const inner = this.nested(1, () => {
            const x = this.infix();
            this.expect(')');
            return x;
          });
          base = inner;
          break;
        }
        if (t.value === '[') {
          base = this.arrayLike();
          break;
        }
        if (t.value === '{') {
          base = this.braceLike();
          break;
        }
        throw this.error(`unexpected ${describe(t)}`, t);
      case 'ident':
        base = this.identTerm();
        break;
      default:
        throw this.error(`unexpected ${describe(t)}`, t);
    }
    return this.refTail(base);
  }

  private refTerm(): Term {
    const t = this.peek();
    if (t.kind !== 'ident') throw this.error(`expected a reference, found ${describe(t)}`, t);
    return this.refTail(this.identTerm());
  }

  private identTerm(): Term {
    const t = this.next();
    const pos = this.pos(t);
    switch (t.value) {
      case 'true':
        return { t: 'scalar', v: true, pos };
      case 'false':
        return { t: 'scalar', v: false, pos };
      case 'null':
        return { t: 'scalar', v: null, pos };
    }
    if (t.value === 'set' && this.peekRaw().kind === 'punct' && this.peekRaw().value === '(' && this.toks[this.i + 1]?.value === ')') {
      this.i += 2;
      return { t: 'set', items: [], pos };
    }
    // A dotted name followed by `(` is a call: `object.get(...)`, `data.lib.f(...)`.
    let j = this.i;
    const names = [t.value];
    while (this.toks[j]!.kind === 'punct' && this.toks[j]!.value === '.' && this.toks[j + 1]!.kind === 'ident') {
      names.push(this.toks[j + 1]!.value);
      j += 2;
    }
    const after = this.toks[j]!;
    if (after.kind === 'punct' && after.value === '(' && !after.spaceBefore) {
      this.i = j + 1;
      const args = this.nested(1, () => this.termList(')'));
      return { t: 'call', fn: names, args, pos };
    }
    if (t.value === '_') return { t: 'var', name: `$_${this.wildcard++}`, pos };
    return { t: 'var', name: t.value, pos };
  }

  /** `.name` and `[term]` after a term. */
  private refTail(head: Term): Term {
    const path: Term[] = [];
    for (;;) {
      const t = this.peekRaw();
      if (t.kind === 'punct' && t.value === '.' && !t.spaceBefore) {
        this.i++;
        const n = this.peekRaw();
        if (n.kind !== 'ident') throw this.error(`expected a name after ., found ${describe(n)}`, n);
        this.i++;
        path.push({ t: 'scalar', v: n.value, pos: this.pos(n) });
        continue;
      }
      if (t.kind === 'punct' && t.value === '[' && !t.spaceBefore) {
        this.i++;
        const k = this.nested(1, () => {
          const x = this.infix();
          this.expect(']');
          return x;
        });
        path.push(k);
        continue;
      }
      break;
    }
    if (path.length === 0) return head;
    if (head.t === 'ref') return { t: 'ref', head: head.head, path: [...head.path, ...path], pos: head.pos };
    if (head.t === 'scalar') throw this.error('a scalar cannot be indexed');
    return { t: 'ref', head, path, pos: head.pos };
  }

  private termList(close: string): Term[] {
    if (this.is(close)) {
      this.next();
      return [];
    }
    return this.listAfter(this.infix(), close, () => this.infix());
  }

  /** The items of a list whose first one is read: `, item` up to `close` (a trailing comma allowed). */
  private listAfter<T>(first: T, close: string, item: () => T): T[] {
    const items = [first];
    while (this.is(',')) {
      this.next();
      if (this.is(close)) break;
      items.push(item());
    }
    this.expect(close);
    return items;
  }

  /** After `|`: a comprehension's body and its closing bracket. */
  private comprehensionAfterBar(close: string): Expr[] {
    this.expect('|');
    const body = this.comprehensionBody(close);
    this.expect(close);
    return body;
  }

  private comprehensionBody(close: string): Expr[] {
    return this.nested(0, () => {
      const body = this.body(close);
      if (body.length === 0) throw this.error('a comprehension body cannot be empty');
      return body;
    });
  }

  private arrayLike(): Term {
    const open = this.next();
    const pos = this.pos(open);
    return this.nested(1, () => {
      if (this.is(']')) {
        this.next();
        return { t: 'array', items: [], pos } as Term;
      }
      const first = this.headTerm();
      if (this.is('|')) return { t: 'arraycomp', head: first, body: this.comprehensionAfterBar(']'), pos } as Term;
      return { t: 'array', items: this.listAfter(this.continueInfix(first), ']', () => this.infix()), pos } as Term;
    });
  }

  private braceLike(): Term {
    const open = this.next();
    const pos = this.pos(open);
    return this.nested(1, () => {
      if (this.is('}')) {
        this.next();
        return { t: 'object', pairs: [], pos } as Term;
      }
      const first = this.headTerm();
      if (this.is(':')) {
        this.next();
        const v = this.headTerm();
        if (this.is('|')) return { t: 'objcomp', key: first, value: v, body: this.comprehensionAfterBar('}'), pos } as Term;
        const pair = (): [Term, Term] => {
          const k = this.infix();
          this.expect(':');
          return [k, this.infix()];
        };
        return { t: 'object', pairs: this.listAfter<[Term, Term]>([first, this.continueInfix(v)], '}', pair), pos } as Term;
      }
      if (this.is('|')) return { t: 'setcomp', head: first, body: this.comprehensionAfterBar('}'), pos } as Term;
      return { t: 'set', items: this.listAfter(this.continueInfix(first), '}', () => this.infix()), pos } as Term;
    });
  }

  /** A comprehension head or first element: everything but `|` (and `in`) at its top. */
  private headTerm(): Term {
    return this.relation(() => this.and());
  }

  /** After headTerm, when no `|` followed: the rest of an element (`in`). */
  private continueInfix(left: Term): Term {
    while (this.isKeyword('in')) {
      const t = this.next();
      left = { t: 'call', fn: ['internal', 'member_2'], args: [left, this.relation()], pos: this.pos(t) };
    }
    return left;
  }
}

const relationOps: Record<string, string | undefined> = {
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
};

function trueTerm(t: Token): Term {
  return { t: 'scalar', v: true, pos: { line: t.line, col: t.col } };
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of input';
    case 'newline':
      return 'end of line';
    case 'string':
      return 'a string';
    case 'number':
      return `number ${t.value}`;
    default:
      return t.value;
  }
}
