/**
 * `percpu log <file>`: the command run and stress print as the way to read their log. It prints
 * every pino line readably (the level, the CPU, the message, the fields), and --cpu / --level
 * keep one CPU's lines or a level and above; a file that is not there is a usage error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './run-cli.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly cpu?: number;
}

/** A real log of a run: 2 CPUs, at debug (so it has debug lines as well as info). */
let logPath = '';
let lines: LogLine[] = [];

beforeAll(async () => {
  logPath = join(tempDir(), 'run.ndjson');
  const result = await runCli([
    'run',
    '--cpus',
    '2',
    '--ops',
    '300000',
    '--counters',
    '3',
    '--log',
    logPath,
    '--log-level',
    'debug',
  ]);
  expect(result.code).toBe(0);
  lines = readFileSync(logPath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LogLine);
});

/** The pretty form's first line of each entry: "[time] LEVEL: [cpu n] message". */
const ENTRY =
  /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): (?:\[cpu (\d+)\] )?(.*)$/;
const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

function entries(stdout: string): { level: string; cpu: number | undefined; msg: string }[] {
  return stdout
    .split('\n')
    .map((line) => ENTRY.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ level: m[1]!, cpu: m[2] === undefined ? undefined : Number(m[2]), msg: m[3]! }));
}

function expectedEntries(keep: (line: LogLine) => boolean): { level: string; cpu: number | undefined; msg: string }[] {
  return lines.filter(keep).map((l) => ({ level: LEVEL_NAMES[l.level]!, cpu: l.cpu, msg: l.msg }));
}

describe('percpu log', () => {
  it('prints every line of the log readably, in order, with its level, CPU, message and fields', async () => {
    const result = await runCli(['log', logPath]);
    expect(result.code, result.stderr).toBe(0);
    expect(lines.length).toBeGreaterThan(8);
    expect(entries(result.stdout)).toEqual(expectedEntries(() => true));
    // The data fields are printed under their line; pid and hostname are left out; no colour on a pipe.
    expect(result.stdout).toMatch(
      /\] DEBUG: \[cpu \d\] alloc requested by CPU\n {4}size: 256\n {4}align: 8\n {4}ptr: \d+\n/,
    );
    expect(result.stdout).not.toContain('hostname');
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('--cpu 1 keeps the lines that carry cpu 1', async () => {
    const result = await runCli(['log', logPath, '--cpu', '1']);
    expect(result.code).toBe(0);
    const shown = entries(result.stdout);
    expect(shown).toEqual(expectedEntries((l) => l.cpu === 1));
    expect(shown.map((e) => e.msg)).toContain('CPU summary');
  });

  it('--level info keeps info and above; with --cpu 0, both filters apply', async () => {
    const info = await runCli(['log', logPath, '--level', 'info']);
    expect(info.code).toBe(0);
    expect(entries(info.stdout)).toEqual(expectedEntries((l) => l.level >= 30));
    expect(info.stdout).not.toContain('DEBUG');
    const both = await runCli(['log', logPath, '--level', 'info', '--cpu', '0']);
    expect(entries(both.stdout)).toEqual(expectedEntries((l) => l.level >= 30 && l.cpu === 0));
  });

  it('says so on stderr when no line matches, and exits 0', async () => {
    const result = await runCli(['log', logPath, '--cpu', '9']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`percpu log: no line matched --cpu 9 (${lines.length} lines in the file)\n`);
  });

  it('prints a line that is not JSON as it is (and no filter matches it)', async () => {
    const path = join(tempDir(), 'mixed.ndjson');
    writeFileSync(path, `${readFileSync(logPath, 'utf8').split('\n')[0]!}\nnot a pino line\n`);
    const all = await runCli(['log', path]);
    expect(
      all.stdout
        .split('\n')
        .filter((l) => l !== '')
        .at(-1),
    ).toBe('not a pino line');
    const filtered = await runCli(['log', path, '--level', 'trace']);
    expect(filtered.stdout).not.toContain('not a pino line');
  });

  it('a file that does not exist, a bad --cpu or a bad --level is a usage error naming it', async () => {
    const missing = join(tempDir(), 'none.ndjson');
    const cases: [string[], string][] = [
      [
        ['log', missing],
        `error: command-argument value '${missing}' is invalid for argument 'file'. Expected an existing file, got "${missing}".`,
      ],
      [['log', tempDir()], "argument 'file'. Expected an existing file"],
      [['log', logPath, '--cpu', '-1'], "option '--cpu <n>' argument '-1' is invalid"],
      [
        ['log', logPath, '--level', 'loud'],
        "option '--level <level>' argument 'loud' is invalid. Allowed choices are trace, debug, info, warn, error, fatal.",
      ],
      [['log'], "missing required argument 'file'"],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain('(add --help for the options)');
    }
  });

  it('works in an installed package: pino-pretty, which it imports, is a dependency, not a dev dependency', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(manifest.dependencies['pino-pretty']).toBeDefined();
    expect(manifest.devDependencies['pino-pretty']).toBeUndefined();
    expect(readFileSync(new URL('../../dist/src/cli/commands/log.js', import.meta.url), 'utf8')).toContain(
      "from 'pino-pretty'",
    );
  });
});
