// The command line as both commands read it: words, flags with their value after `=` or as the next
// argument, and the usage error either prints with its usage text.

export class UsageError extends Error {}

export class ArgReader {
  private readonly args: string[];

  constructor(argv: readonly string[]) {
    this.args = [...argv];
  }

  get done(): boolean {
    return this.args.length === 0;
  }

  /** The arguments not read yet, all of them (after `--`). */
  rest(): string[] {
    return this.args.splice(0);
  }

  /** The next argument: a word (`-` is one), or a flag with the value written after its `=`. */
  next(): { readonly word: string } | { readonly flag: string; readonly inline: string | undefined } {
    const a = this.args.shift()!;
    if (!a.startsWith('-') || a === '-') return { word: a };
    const eq = a.indexOf('=');
    return eq > 0 ? { flag: a.slice(0, eq), inline: a.slice(eq + 1) } : { flag: a, inline: undefined };
  }

  /** A flag's value: after its `=`, else the next argument; never empty. */
  value(f: { readonly flag: string; readonly inline: string | undefined }): string {
    const v = f.inline ?? this.args.shift();
    if (v === undefined || v === '') throw new UsageError(`${f.flag} needs a value`);
    return v;
  }

  /** `--max-file-size-mb N`: bytes. */
  megabytes(f: { readonly flag: string; readonly inline: string | undefined }): number {
    const n = Number(this.value(f));
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${f.flag} needs a positive number`);
    return Math.floor(n * 1024 * 1024);
  }
}
