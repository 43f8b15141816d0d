/** Minimal flag parsing for the benchmark scripts: `--name`, `--name=value` and `--name value`. */

export function hasFlag(argv: readonly string[], name: string): boolean {
  return argv.includes(`--${name}`);
}

/** The value after `--name=` or the argument after `--name`, or undefined when the flag is absent. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  const joined = argv.find((a) => a.startsWith(prefix));
  if (joined !== undefined) return joined.slice(prefix.length);
  const at = argv.indexOf(`--${name}`);
  const next = at >= 0 ? argv[at + 1] : undefined;
  return next !== undefined && !next.startsWith('--') ? next : undefined;
}

/** The integer value of `--name`, or `fallback` when the flag is absent. Throws on a bad value. */
export function intFlag(argv: readonly string[], name: string, fallback: number): number {
  const raw = flagValue(argv, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`Expected \`--${name}\` to be a non-negative integer, got \`${raw}\``);
  }
  return value;
}

/** The comma-separated values of `--name`, or undefined when the flag is absent. */
export function listFlag(argv: readonly string[], name: string): string[] | undefined {
  const raw = flagValue(argv, name);
  return raw === undefined
    ? undefined
    : raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
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
