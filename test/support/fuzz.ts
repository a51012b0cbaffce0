// Shared pieces of the seeded fuzz tests of the object and policy sources: an in-memory SourceFiles, text
// mutations that keep a seed's shape (lines, template actions), and a tally of crashes, hangs and the
// slowest input. `TI_FUZZ_SEED` picks other seeds, `TI_FUZZ_SCALE` multiplies the inputs (long runs),
// `TI_FUZZ_TRACE=<file>` writes each input there before it runs (the last one is in it after a crash),
// `TI_FUZZ_DUMP=<dir>` writes the whole input of each crash or hang there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceFiles } from '../../server/src/sources/origin';

export const fuzzSeed = Number(process.env.TI_FUZZ_SEED ?? 0);
export const fuzzScale = Number(process.env.TI_FUZZ_SCALE ?? 1);

/** Every file under `dir`, keyed by its path joined to `dir` (as the engines are given it). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out.set(p, fs.readFileSync(p, 'utf8'));
  }
  return out;
}

/** SourceFiles over a map of path -> text: a directory is any prefix of a stored path. */
export function memoryFiles(files: ReadonlyMap<string, string>): SourceFiles {
  return {
    read: (p) => files.get(p),
    list: (p) => {
      const prefix = p.endsWith('/') ? p : `${p}/`;
      const names = new Set<string>();
      for (const k of files.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
      return names.size > 0 ? [...names] : undefined;
    },
  };
}

export type Rand = () => number;

export function pick<T>(rand: Rand, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

export function int(rand: Rand, n: number): number {
  return Math.floor(rand() * n);
}

/** Numbers that overflow, underflow or are not numbers at all in one reader or another. */
export const hugeNumbers = ['99999999999999999999999999', '-9223372036854775809', '9223372036854775807', '18446744073709551616', '1e308', '1e309', '-0', '0x7fffffffffffffff', '1.7976931348623157e+308', '4294967296', 'NaN', '.inf', '00000000000000000000001'];

/**
 * One random edit of `text`: a character flipped, inserted or deleted, a range deleted, a line or a
 * `{{ }}` action duplicated or deleted, a number made huge, or a piece of `other` spliced in.
 */
export function mutate(rand: Rand, text: string, other: string, alphabet: readonly string[]): string {
  const at = int(rand, text.length + 1);
  switch (int(rand, 9)) {
    case 0:
      return text.slice(0, at) + pick(rand, alphabet) + text.slice(at);
    case 1:
      return text.slice(0, at) + pick(rand, alphabet) + text.slice(at + 1);
    case 2:
      return text.slice(0, at) + text.slice(at + 1 + int(rand, 40));
    case 3: {
      const lines = text.split('\n');
      const i = int(rand, lines.length);
      const n = 1 + int(rand, 4);
      if (rand() < 0.5) lines.splice(i, n);
      else lines.splice(i, 0, ...lines.slice(i, i + n));
      return lines.join('\n');
    }
    case 4: {
      const actions = spans(text, '{{', '}}');
      if (actions.length === 0) return text.slice(0, at) + '{{ . }}' + text.slice(at);
      const [s, e] = pick(rand, actions);
      const action = text.slice(s, e);
      const r = rand();
      if (r < 0.4) return text.slice(0, e) + action + text.slice(e);
      if (r < 0.7) return text.slice(0, s) + text.slice(e);
      // Move the action somewhere else (an `end` before its `if`, a `define` inside a `range`...).
      const to = int(rand, text.length + 1);
      return text.slice(0, to) + action + text.slice(to);
    }
    case 5: {
      const m = /\d+/g;
      const found: Array<[number, number]> = [];
      for (let x = m.exec(text); x !== null && found.length < 200; x = m.exec(text)) found.push([x.index, x.index + x[0].length]);
      if (found.length === 0) return text.slice(0, at) + pick(rand, hugeNumbers) + text.slice(at);
      const [s, e] = pick(rand, found);
      return text.slice(0, s) + pick(rand, hugeNumbers) + text.slice(e);
    }
    case 6: {
      const from = int(rand, other.length + 1);
      return text.slice(0, at) + other.slice(from, from + 1 + int(rand, 400)) + text.slice(at);
    }
    case 7: {
      // Cut at one place, continue from another: a common shape of half-pasted files.
      const to = int(rand, text.length + 1);
      return text.slice(0, Math.min(at, to)) + text.slice(Math.max(at, to));
    }
    default: {
      const lines = text.split('\n');
      const i = int(rand, lines.length);
      const indent = ' '.repeat(int(rand, 6) * 2);
      lines[i] = indent + lines[i];
      return lines.join('\n');
    }
  }
}

function spans(text: string, open: string, close: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = text.indexOf(open);
  while (i >= 0 && out.length < 500) {
    const j = text.indexOf(close, i + open.length);
    if (j < 0) break;
    out.push([i, j + close.length]);
    i = text.indexOf(open, j + close.length);
  }
  return out;
}

/** What a fuzz run met: inputs, crashes (an exception escaped), hangs (over the bound), slowest input. */
export class FuzzTally {
  inputs = 0;
  /** Inputs over the bound in wall time that used less than half of it in CPU time. */
  slowUnderLoad = 0;
  slowestMs = 0;
  slowestInput = '';
  readonly crashes: string[] = [];
  readonly hangs: string[] = [];
  readonly malformed: string[] = [];
  /** Inputs whose problems named a bound, by bound (a hit bound is reported, never a silent pass). */
  readonly bounds = new Map<string, number>();

  constructor(
    readonly engine: string,
    readonly boundMs: number,
  ) {}

  /**
   * Runs `call` on `input` (described for the report), timing it: a thrown exception is a crash, a call
   * over the bound in wall time that also used over half of it in CPU time is a hang.
   */
  run<T>(describe: () => string, call: () => T, files?: () => ReadonlyMap<string, string>): T | undefined {
    this.inputs++;
    // An input that takes the whole process down (out of memory) leaves no tally: trace shows which.
    const trace = process.env.TI_FUZZ_TRACE;
    if (trace) fs.writeFileSync(trace, `${this.engine} #${this.inputs}: ${describe()}\n`);
    const started = Date.now();
    const cpu = process.cpuUsage();
    let out: T | undefined;
    try {
      out = call();
    } catch (e) {
      this.crashes.push(`${e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 4).join(' | ') : String(e)}\n  input: ${describe().slice(0, 2000)}`);
    }
    const took = Date.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = Math.round((used.user + used.system) / 1000);
    // Over the bound in wall time, and the engine really worked past half of it: a hang. Over it in
    // wall time alone is the machine's load (npm test runs every file at once on two cores): counted.
    const hang = took > this.boundMs && cpuMs > this.boundMs / 2;
    if (hang) this.hangs.push(`${took} ms: ${describe().slice(0, 2000)}`);
    else if (took > this.boundMs) this.slowUnderLoad++;
    // `TI_FUZZ_DUMP=<dir>`: the whole input of each crash or hang, for reducing it by hand.
    this.current = { describe, files };
    if (hang || out === undefined) this.dump({ took, cpuMs });
    if (took > this.slowestMs) {
      this.slowestMs = took;
      this.slowestInput = describe().slice(0, 300);
    }
    return out;
  }

  /** The output of the current input is not well formed. */
  malformedOutput(message: string, output?: string): void {
    this.malformed.push(`${message}\n  input: ${this.current?.describe().slice(0, 2000)}`);
    this.dump({ message, output });
  }

  private current: { describe: () => string; files: (() => ReadonlyMap<string, string>) | undefined } | undefined;

  /** `TI_FUZZ_DUMP=<dir>`: the whole input of a crash, hang or malformed output, for reducing it by hand. */
  private dump(what: Record<string, unknown>): void {
    const dir = process.env.TI_FUZZ_DUMP;
    if (!dir || this.current === undefined) return;
    fs.mkdirSync(dir, { recursive: true });
    const files = this.current.files ? Object.fromEntries(this.current.files()) : undefined;
    fs.writeFileSync(path.join(dir, `${this.engine}-${this.inputs}.json`), JSON.stringify({ ...what, input: this.current.describe(), files }, null, 1));
  }

  bound(name: string): void {
    this.bounds.set(name, (this.bounds.get(name) ?? 0) + 1);
  }

  summary(): string {
    const bounds = [...this.bounds].map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    return `${this.engine}: ${this.inputs} inputs, ${this.crashes.length} crashes, ${this.hangs.length} hangs (over ${this.boundMs} ms; ${this.slowUnderLoad} more over it in wall time only), ${this.malformed.length} malformed outputs, bounds hit: ${bounds}; slowest ${this.slowestMs} ms: ${JSON.stringify(this.slowestInput)}`;
  }
}
