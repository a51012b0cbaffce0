// Go's text/template syntax: a template text -> a tree, parsed once. Delimiters {{ }}, trim markers
// ({{- and -}} with a space), comments, pipelines, variables and the control actions. Error messages
// follow text/template/parse.
import { GoString, plain } from './text';

export type Node = TextNode | ActionNode | IfNode | RangeNode | WithNode | TemplateNode | BreakNode | ContinueNode;

export interface TextNode {
  readonly t: 'text';
  readonly start: number;
  readonly end: number;
}
export interface ActionNode {
  readonly t: 'action';
  readonly pos: number;
  readonly pipe: Pipe;
}
export interface IfNode {
  readonly t: 'if';
  readonly pos: number;
  readonly pipe: Pipe;
  readonly list: Node[];
  readonly elseList: Node[] | undefined;
}
export interface WithNode {
  readonly t: 'with';
  readonly pos: number;
  readonly pipe: Pipe;
  readonly list: Node[];
  readonly elseList: Node[] | undefined;
}
export interface RangeNode {
  readonly t: 'range';
  readonly pos: number;
  readonly pipe: Pipe;
  readonly list: Node[];
  readonly elseList: Node[] | undefined;
}
export interface TemplateNode {
  readonly t: 'template';
  readonly pos: number;
  readonly name: string;
  readonly pipe: Pipe | undefined;
}
export interface BreakNode {
  readonly t: 'break';
  readonly pos: number;
}
export interface ContinueNode {
  readonly t: 'continue';
  readonly pos: number;
}

export interface Pipe {
  readonly pos: number;
  readonly decl: string[];
  readonly isAssign: boolean;
  readonly cmds: Command[];
}
export interface Command {
  readonly pos: number;
  /** Where the command's text ends (before a `|`, `)` or the closing delimiter). */
  readonly end: number;
  readonly args: Arg[];
}

export type Arg =
  | { readonly t: 'field'; readonly pos: number; readonly start?: number; readonly idents: string[] }
  | { readonly t: 'var'; readonly pos: number; readonly start?: number; readonly name: string; readonly idents: string[] }
  | { readonly t: 'chain'; readonly pos: number; readonly node: Arg; readonly idents: string[] }
  | { readonly t: 'ident'; readonly pos: number; readonly name: string }
  | { readonly t: 'dot'; readonly pos: number }
  | { readonly t: 'nil'; readonly pos: number }
  | { readonly t: 'bool'; readonly pos: number; readonly value: boolean }
  | { readonly t: 'number'; readonly pos: number; readonly value: bigint | number; readonly text: string }
  | { readonly t: 'string'; readonly pos: number; readonly value: string; readonly quoted: string; readonly verbatimAt?: number }
  | { readonly t: 'pipe'; readonly pos: number; readonly pipe: Pipe };

/** A parsed template text: its own body and the templates it defines. */
export interface Parsed {
  readonly name: string;
  readonly source: GoString;
  readonly root: Node[];
  readonly defines: Map<string, { root: Node[]; source: GoString; name: string; parseName: string }>;
}

export class ParseError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type TokKind = 'field' | 'var' | 'ident' | 'dot' | 'string' | 'raw' | 'char' | 'number' | '(' | ')' | '|' | ':=' | '=' | ',' | 'eoa';
interface Tok {
  readonly k: TokKind;
  readonly v: string;
  readonly pos: number;
  /** Whitespace before the token (fields after a space start a new argument). */
  readonly space: boolean;
}

const keywords = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'nil', 'template', 'with']);

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}
function isAlnum(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{Nd}_]/u.test(c);
}

/** Line and column (1-based line, 0-based byte column as Go's ErrorContext counts) of an offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, col: offset - last - 1 };
}

const maxParseDepth = 300;

/** Parses a template text. `name` is used in messages (`template: name:line: ...`). */
export function parseTemplate(name: string, source: GoString, hasFunc?: (name: string) => boolean): Parsed {
  return new Parser(name, source, hasFunc).parse();
}

class Parser {
  private readonly text: string;
  private i = 0;
  private toks: Tok[] = [];
  private ti = 0;
  private readonly defines = new Map<string, { root: Node[]; source: GoString; name: string; parseName: string }>();
  /** Text to trim at the start of the next text node (after a -}}). */
  private trimNext = false;
  private rangeDepth = 0;
  private vars: string[][] = [];

  constructor(
    private readonly name: string,
    private readonly source: GoString,
    /** Go checks at parse time that every function named exists. */
    private readonly hasFunc?: (name: string) => boolean,
  ) {
    this.text = plain(source);
  }

  private fail(msg: string, at: number): never {
    const { line } = lineCol(this.text, at);
    throw new ParseError(`template: ${this.name}:${line}: ${msg}`, at);
  }

  parse(): Parsed {
    this.vars = [['$']];
    const { nodes, end } = this.list(true);
    if (end) this.fail(`unexpected {{${end.word}}}`, end.pos);
    return { name: this.name, source: this.source, root: nodes, defines: this.defines };
  }

  /**
   * Reads nodes until an {{end}} or {{else...}} (returned) or the end of the text.
   */
  private list(top: boolean): { nodes: Node[]; end?: { word: 'end' | 'else'; pos: number; rest?: Tok[] } } {
    const nodes: Node[] = [];
    for (;;) {
      const open = this.text.indexOf('{{', this.i);
      let textEnd = open < 0 ? this.text.length : open;
      let trimLeft = false;
      if (open >= 0 && this.text[open + 2] === '-' && isSpace(this.text[open + 3])) trimLeft = true;
      let textStart = this.i;
      if (this.trimNext) {
        while (textStart < textEnd && isSpace(this.text[textStart])) textStart++;
        this.trimNext = false;
      }
      if (trimLeft) while (textEnd > textStart && isSpace(this.text[textEnd - 1])) textEnd--;
      if (textEnd > textStart) nodes.push({ t: 'text', start: textStart, end: textEnd });
      if (open < 0) {
        this.i = this.text.length;
        return { nodes };
      }
      this.i = open + 2 + (trimLeft ? 2 : 0);
      // Comments: {{/* ... */}} right after the delimiter (and its trim marker).
      if (this.text.startsWith('/*', this.i)) {
        const close = this.text.indexOf('*/', this.i + 2);
        if (close < 0) this.fail('unclosed comment', open);
        let j = close + 2;
        let trimRight = false;
        if (isSpace(this.text[j]) && this.text[j + 1] === '-' && this.text.startsWith('}}', j + 2)) {
          trimRight = true;
          j += 2;
        }
        if (!this.text.startsWith('}}', j)) this.fail('comment ends before closing delimiter', open);
        this.i = j + 2;
        this.trimNext = trimRight;
        continue;
      }
      const toks = this.lexAction(open);
      const first = toks[0]!;
      if (first.k === 'ident' && keywords.has(first.v) && first.v !== 'nil') {
        const node = this.control(first, toks, top);
        if (node === 'end' || node === 'else') return { nodes, end: { word: node, pos: first.pos, rest: toks } };
        if (node) nodes.push(node);
        continue;
      }
      this.toks = toks;
      this.ti = 0;
      const pipe = this.pipeline('command', open);
      nodes.push({ t: 'action', pos: open, pipe });
    }
  }

  private control(first: Tok, toks: Tok[], top: boolean): Node | 'end' | 'else' | undefined {
    this.toks = toks;
    this.ti = 1;
    switch (first.v) {
      case 'end':
        this.expectEoa('end');
        return 'end';
      case 'else':
        return 'else';
      case 'if':
      case 'with':
      case 'range':
        return this.branch(first.v, first.pos);
      case 'break':
      case 'continue':
        if (this.rangeDepth === 0) this.fail(`{{${first.v}}} outside {{range}}`, first.pos);
        this.expectEoa(first.v);
        return { t: first.v, pos: first.pos };
      case 'template': {
        const nameTok = this.next();
        if (nameTok.k !== 'string' && nameTok.k !== 'raw') this.fail(`unexpected ${describe(nameTok)} in template clause`, nameTok.pos);
        const name = this.unquote(nameTok);
        let pipe: Pipe | undefined;
        if (this.peek().k !== 'eoa') pipe = this.pipeline('template', first.pos);
        return { t: 'template', pos: nameTok.pos, name, pipe };
      }
      case 'define':
      case 'block': {
        if (first.v === 'define' && !top) this.fail('unexpected <define> in command', first.pos);
        const nameTok = this.next();
        if (nameTok.k !== 'string' && nameTok.k !== 'raw') this.fail(`unexpected ${describe(nameTok)} in ${first.v} clause`, nameTok.pos);
        const name = this.unquote(nameTok);
        let pipe: Pipe | undefined;
        if (first.v === 'block') pipe = this.pipeline('block', first.pos);
        else this.expectEoa('define');
        const saveVars = this.vars;
        const saveRange = this.rangeDepth;
        this.vars = [['$']];
        this.rangeDepth = 0;
        this.deeper(first.pos);
        const body = this.list(false);
        this.depth--;
        this.vars = saveVars;
        this.rangeDepth = saveRange;
        if (!body.end) this.fail(`unexpected EOF`, this.text.length);
        if (body.end.word !== 'end') this.fail(`unexpected {{else}}`, body.end.pos);
        const prev = this.defines.get(name);
        if (!prev || !isEmptyTree(body.nodes, this.text)) this.defines.set(name, { root: body.nodes, source: this.source, name, parseName: this.name });
        if (first.v === 'block') return { t: 'template', pos: first.pos, name, pipe };
        return undefined;
      }
    }
    this.fail(`unexpected ${first.v}`, first.pos);
  }

  private branch(kind: 'if' | 'with' | 'range', pos: number): Node {
    this.deeper(pos);
    try {
      return this.branchBody(kind, pos);
    } finally {
      this.depth--;
    }
  }

  /** Nesting of blocks and parentheses, bounded as Go bounds it (its maxStackDepth), below the JS stack. */
  private depth = 0;
  private deeper(pos: number): void {
    if (++this.depth > maxParseDepth) this.fail(`max depth of nested expressions exceeded (${maxParseDepth}) (limit maxDepth)`, pos);
  }

  private branchBody(kind: 'if' | 'with' | 'range', pos: number): Node {
    this.vars.push([]);
    const pipe = this.pipeline(kind, pos);
    if (kind === 'range') this.rangeDepth++;
    const body = this.list(false);
    if (kind === 'range') this.rangeDepth--;
    if (!body.end) this.fail('unexpected EOF', this.text.length);
    let elseList: Node[] | undefined;
    if (body.end.word === 'else') {
      const rest = body.end.rest!;
      // {{else if ...}} / {{else with ...}}: an else list holding one more branch, sharing the {{end}}.
      if (rest.length > 2 && rest[1]!.k === 'ident' && (rest[1]!.v === 'if' || rest[1]!.v === 'with') && kind !== 'range') {
        this.toks = rest;
        this.ti = 2;
        this.vars.pop();
        this.vars.push([]);
        const inner = this.branch(rest[1]!.v as 'if' | 'with', rest[1]!.pos);
        elseList = [inner];
        this.vars.pop();
        return { t: kind, pos, pipe, list: body.nodes, elseList } as Node;
      }
      if (rest.length !== 2) this.fail(`unexpected ${describe(rest[1]!)} in else`, rest[1]!.pos);
      this.vars.pop();
      this.vars.push([]);
      const e = this.list(false);
      if (!e.end) this.fail('unexpected EOF', this.text.length);
      if (e.end.word !== 'end') this.fail('expected end; found {{else}}', e.end.pos);
      elseList = e.nodes;
    }
    this.vars.pop();
    return { t: kind, pos, pipe, list: body.nodes, elseList } as Node;
  }

  private expectEoa(ctx: string): void {
    const t = this.next();
    if (t.k !== 'eoa') this.fail(`unexpected ${describe(t)} in ${ctx}`, t.pos);
  }

  private peek(): Tok {
    return this.toks[this.ti]!;
  }
  private next(): Tok {
    const t = this.toks[this.ti]!;
    if (t.k !== 'eoa') this.ti++;
    return t;
  }

  private pipeline(ctx: string, pos: number, end: TokKind = 'eoa'): Pipe {
    const decl: string[] = [];
    let isAssign = false;
    // Declarations: $x := / $x = / $i, $e :=
    const t0 = this.peek();
    if (t0.k === 'var') {
      const t1 = this.toks[this.ti + 1]!;
      if (t1.k === ':=' || t1.k === '=') {
        this.ti += 2;
        decl.push(t0.v);
        isAssign = t1.k === '=';
      } else if (t1.k === ',' && ctx === 'range') {
        const t2 = this.toks[this.ti + 2]!;
        const t3 = this.toks[this.ti + 3]!;
        if (t2.k === 'var' && (t3.k === ':=' || t3.k === '=')) {
          this.ti += 4;
          decl.push(t0.v, t2.v);
          isAssign = t3.k === '=';
        } else this.fail(`range can only initialize variables`, t1.pos);
      }
      if (decl.length) {
        if (isAssign) {
          for (const d of decl) if (!this.known(d)) this.fail(`undefined variable "${d}"`, t0.pos);
        } else for (const d of decl) this.vars[this.vars.length - 1]!.push(d);
      }
    }
    const cmds: Command[] = [];
    for (;;) {
      const t = this.peek();
      if (t.k === end) {
        if (end === ')') this.ti++;
        break;
      }
      if (t.k === 'eoa') this.fail(`unclosed left paren`, t.pos);
      cmds.push(this.command(end));
      const n = this.peek();
      if (n.k === '|') {
        this.ti++;
        if (this.peek().k === end || this.peek().k === 'eoa') this.fail(`missing command`, n.pos);
        continue;
      }
    }
    if (cmds.length === 0) this.fail(`missing value for ${ctx}`, pos);
    // Go: only the first command of a pipeline may be a non-function; later ones get the value appended.
    for (let k = 1; k < cmds.length; k++) {
      const a = cmds[k]!.args[0]!;
      if (a.t === 'bool' || a.t === 'dot' || a.t === 'nil' || a.t === 'number' || a.t === 'string') this.fail(`non executable command in pipeline stage ${k + 1}`, a.pos);
    }
    return { pos, decl, isAssign, cmds };
  }

  private known(name: string): boolean {
    for (let k = this.vars.length - 1; k >= 0; k--) if (this.vars[k]!.includes(name)) return true;
    return false;
  }

  private command(end: TokKind): Command {
    const args: Arg[] = [];
    const pos = this.peek().pos;
    for (;;) {
      const t = this.peek();
      if (t.k === end || t.k === '|' || t.k === 'eoa') break;
      args.push(this.operand());
    }
    if (!args.length) this.fail(`empty command`, pos);
    let stop = this.peek().pos;
    while (stop > pos && isSpace(this.text[stop - 1])) stop--;
    return { pos, end: stop, args };
  }

  private operand(): Arg {
    let a = this.term();
    if (this.peek().k === 'field' && !this.peek().space) {
      // Go gives the chained node the position of its first added field (errors cite that column).
      const chainPos = this.peek().pos;
      const idents: string[] = [];
      while (this.peek().k === 'field' && !this.peek().space) idents.push(this.next().v.slice(1));
      switch (a.t) {
        case 'field':
          a = { t: 'field', pos: chainPos, start: a.pos, idents: [...a.idents, ...idents] };
          break;
        case 'var':
          a = { t: 'var', pos: chainPos, start: a.pos, name: a.name, idents: [...a.idents, ...idents] };
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.fail(`unexpected . after term "${this.text.slice(a.pos, this.peek().pos)}"`, a.pos);
          break;
        default:
          a = { t: 'chain', pos: a.pos, node: a, idents };
      }
    }
    return a;
  }

  private term(): Arg {
    const t = this.next();
    switch (t.k) {
      case 'field':
        return { t: 'field', pos: t.pos, idents: [t.v.slice(1)] };
      case 'var':
        if (!this.known(t.v.split('.')[0]!)) this.fail(`undefined variable "${t.v}"`, t.pos);
        return { t: 'var', pos: t.pos, name: t.v, idents: [] };
      case 'dot':
        return { t: 'dot', pos: t.pos };
      case 'ident':
        if (t.v === 'true' || t.v === 'false') return { t: 'bool', pos: t.pos, value: t.v === 'true' };
        if (t.v === 'nil') return { t: 'nil', pos: t.pos };
        if (keywords.has(t.v)) this.fail(`unexpected <${t.v}> in operand`, t.pos);
        if (this.hasFunc && !this.hasFunc(t.v)) this.fail(`function ${JSON.stringify(t.v)} not defined`, t.pos);
        return { t: 'ident', pos: t.pos, name: t.v };
      case 'string':
      case 'raw': {
        const value = this.unquote(t);
        const inner = t.v.slice(1, -1);
        return { t: 'string', pos: t.pos, value, quoted: t.v, verbatimAt: inner === value ? t.pos + 1 : undefined };
      }
      case 'char':
        return { t: 'number', pos: t.pos, value: BigInt(charValue(t.v)), text: t.v };
      case 'number':
        return { t: 'number', pos: t.pos, value: numberValue(t.v, () => this.fail(`illegal number syntax: "${t.v}"`, t.pos)), text: t.v };
      case '(': {
        this.deeper(t.pos);
        try {
          return { t: 'pipe', pos: t.pos, pipe: this.pipeline('parenthesized pipeline', t.pos, ')') };
        } finally {
          this.depth--;
        }
      }
    }
    this.fail(`unexpected ${describe(t)} in operand`, t.pos);
  }

  private unquote(t: Tok): string {
    if (t.k === 'raw') return t.v.slice(1, -1).replace(/\r/g, '');
    return unquoteGo(t.v, () => this.fail(`invalid syntax`, t.pos));
  }

  /** Lexes one action from after its {{ to its }}; leaves this.i after the delimiter. */
  private lexAction(open: number): Tok[] {
    const text = this.text;
    const toks: Tok[] = [];
    let i = this.i;
    let space = true;
    for (;;) {
      if (i >= text.length) this.fail('unclosed action', open);
      const c = text[i]!;
      if (isSpace(c)) {
        // " -}}": trim marker
        if (text[i + 1] === '-' && text.startsWith('}}', i + 2)) {
          toks.push({ k: 'eoa', v: '', pos: i, space: true });
          this.i = i + 4;
          this.trimNext = true;
          return toks;
        }
        i++;
        space = true;
        continue;
      }
      if (text.startsWith('}}', i)) {
        toks.push({ k: 'eoa', v: '', pos: i, space });
        this.i = i + 2;
        return toks;
      }
      const start = i;
      let k: TokKind;
      if (c === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          if (text[i] === '\n') this.fail('unterminated quoted string', start);
          i++;
        }
        if (i >= text.length) this.fail('unterminated quoted string', start);
        i++;
        k = 'string';
      } else if (c === '`') {
        const e = text.indexOf('`', i + 1);
        if (e < 0) this.fail('unterminated raw quoted string', start);
        i = e + 1;
        k = 'raw';
      } else if (c === "'") {
        i++;
        while (i < text.length && text[i] !== "'") {
          if (text[i] === '\\') i++;
          i++;
        }
        i++;
        k = 'char';
      } else if (c === '$') {
        i++;
        while (isAlnum(text[i])) i++;
        k = 'var';
      } else if (c === '.') {
        if (/[0-9]/.test(text[i + 1] ?? '')) {
          i = scanNumber(text, i);
          k = 'number';
        } else {
          i++;
          while (isAlnum(text[i])) i++;
          k = i - start === 1 ? 'dot' : 'field';
        }
      } else if (/[0-9+-]/.test(c)) {
        i = scanNumber(text, i);
        if (i === start) this.fail(`bad character ${goQuoteRune(c)}`, start);
        k = 'number';
      } else if (isAlnum(c)) {
        while (isAlnum(text[i])) i++;
        k = 'ident';
      } else if (c === ':' && text[i + 1] === '=') {
        i += 2;
        k = ':=';
      } else if (c === '=' || c === '(' || c === ')' || c === '|' || c === ',') {
        i++;
        k = c as TokKind;
      } else {
        this.fail(`bad character ${goQuoteRune(c)}`, start);
      }
      toks.push({ k, v: text.slice(start, i), pos: start, space });
      space = false;
    }
  }
}

function goQuoteRune(c: string): string {
  return "U+" + c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0') + " '" + c + "'";
}

function scanNumber(text: string, i: number): number {
  const m = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/.exec(text.slice(i, i + 100));
  if (!m || m[0] === '' || m[0] === '+' || m[0] === '-') return i;
  return i + m[0].length;
}

function numberValue(s: string, bad: () => never): bigint | number {
  const t = s.replace(/_/g, '');
  if (/^[+-]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[0-9]+)$/.test(t)) {
    const neg = t.startsWith('-');
    const body = t.replace(/^[+-]/, '');
    let v: bigint;
    if (/^0[0-7]+$/.test(body)) v = BigInt('0o' + body.slice(1));
    else v = BigInt(body);
    return neg ? -v : v;
  }
  const f = Number(t);
  if (Number.isNaN(f)) bad();
  return f;
}

function charValue(s: string): number {
  const inner = s.slice(1, -1);
  if (inner.startsWith('\\')) return unquoteGo('"' + inner + '"', () => 0 as never).codePointAt(0) ?? 0;
  return inner.codePointAt(0) ?? 0;
}

/** strconv.Unquote of a double-quoted Go string. */
export function unquoteGo(q: string, bad: () => never): string {
  const s = q.slice(1, -1);
  if (!s.includes('\\')) return s;
  let out = '';
  const bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length) {
      out += new TextDecoder().decode(new Uint8Array(bytes));
      bytes.length = 0;
    }
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      flush();
      out += c;
      continue;
    }
    const e = s[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e !== undefined && e in simple) {
      flush();
      out += simple[e];
    } else if (e === 'x') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      flush();
      const n = e === 'u' ? 4 : 8;
      out += String.fromCodePoint(parseInt(s.slice(i + 1, i + 1 + n), 16));
      i += n;
    } else if (e !== undefined && /[0-7]/.test(e)) {
      bytes.push(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else bad();
  }
  flush();
  return out;
}

function describe(t: Tok): string {
  switch (t.k) {
    case 'eoa':
      return '"}}"';
    case 'string':
    case 'raw':
      return `quoted string`;
    default:
      return `"${t.v}"`;
  }
}

/** A define whose body is only spaces does not replace an earlier definition (Go's IsEmptyTree). */
function isEmptyTree(nodes: Node[], text: string): boolean {
  return nodes.every((n) => n.t === 'text' && text.slice(n.start, n.end).trim() === '');
}
