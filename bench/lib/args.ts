/** Minimal flag parsing for the benchmark scripts: `--name` and `--name=value`. */

export function hasFlag(argv: readonly string[], name: string): boolean {
  return argv.includes(`--${name}`);
}

/** The integer after `--name=`, or `fallback` when the flag is absent. Throws on a bad value. */
export function intFlag(argv: readonly string[], name: string, fallback: number): number {
  const prefix = `--${name}=`;
  const arg = argv.find((a) => a.startsWith(prefix));
  if (arg === undefined) return fallback;
  const value = Number(arg.slice(prefix.length));
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`Expected \`--${name}\` to be a non-negative integer, got \`${arg.slice(prefix.length)}\``);
  }
  return value;
}

/** The command line that started this process, as a user would type it (paths relative to cwd). */
export function commandLine(argv: readonly string[]): string {
  const path = argv[1] ?? '';
  const relative = path.startsWith(`${process.cwd()}/`) ? path.slice(process.cwd().length + 1) : path;
  return ['node', relative, ...argv.slice(2)].join(' ');
}

/** The npm script that started this process (`npm run bench` sets "bench"), or null. */
export function npmScript(): string | null {
  return process.env['npm_lifecycle_event'] ?? null;
}
