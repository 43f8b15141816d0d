/**
 * Bad flag values of the `percpu` command: NaN, ±Infinity, negative, fractional, huge, empty,
 * out of range, unwritable paths. Each is a usage error: exit 2, nothing on stdout, and a message
 * naming the flag and quoting the value. test/cli/usage.test.ts covers one bad value of most
 * flags; these are the remaining kinds of bad number. Every run has a fresh working directory, so
 * a flag that were wrongly accepted could not leave files behind in the repository.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../cli/run-cli.js';

/** [command, flag as the message names it, value] */
const CASES: readonly (readonly [string, string, string])[] = [
  ['run', '--cpus <n>', 'NaN'],
  ['run', '--cpus <n>', 'Infinity'],
  ['run', '--cpus <n>', '-Infinity'],
  ['run', '--cpus <n>', '-1'],
  ['run', '--cpus <n>', '2.5'],
  ['run', '--cpus <n>', '1025'],
  ['run', '--online <n>', '0'],
  ['run', '--counters <n>', 'NaN'],
  ['run', '--counters <n>', '100001'],
  ['run', '--ops <n>', '1e400'],
  ['run', '--ops <n>', '9007199254740993'],
  ['run', '--seconds <s>', 'NaN'],
  ['run', '--seconds <s>', 'Infinity'],
  ['run', '--seconds <s>', '0'],
  ['run', '--seed <n>', '-1'],
  ['stress', '--ops <n>', ''],
  ['stress', '--ops <n>', '0'],
  ['stress', '--seed <n>', '0.5'],
  ['stress', '--seed <n>', '4294967296'],
  ['stress', '--max-size <bytes>', 'NaN'],
  ['stress', '--max-size <bytes>', '0'],
  ['stress', '--faults <n>', 'Infinity'],
  ['stress', '--faults <n>', '1.5'],
  ['stress', '--log <file>', '/'],
  ['stress', '--log <file>', '/no-such-directory/stress.log'],
  ['run', '--log <file>', '/no-such-directory/run.log'],
  ['stress', '--log-level <level>', 'WARN'],
  ['map', '--cpus <n>', '0'],
  ['map', '--ops <n>', '-5'],
  ['map', '--counters <n>', '1.5'],
  ['map', '--out <file>', '/no-such-directory/map.svg'],
];

describe.concurrent('bad flag values exit 2 naming the flag and the value', () => {
  it.each(CASES)('percpu %s %s %j', async (command, flag, value) => {
    const result = await runCli([command, flag.split(' ')[0]!, value], tempDir());
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`option '${flag}' argument '${value}' is invalid`);
    // The value is quoted once more in what is allowed.
    expect(result.stderr).toContain(`"${value}"`);
  });
});

/** Every flag naming a file the command writes. */
const OUTPUT_FLAGS: readonly (readonly [string, string])[] = [
  ['run', '--log <file>'],
  ['stress', '--log <file>'],
  ['map', '--out <file>'],
];

describe.concurrent('every output path flag has one rule: its directory must exist, none is created', () => {
  it.each(OUTPUT_FLAGS)('percpu %s %s missing-dir/x', async (command, flag) => {
    const cwd = tempDir();
    const value = join('missing-dir', 'deeper', 'x.out');
    const result = await runCli([command, flag.split(' ')[0]!, value], cwd);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `option '${flag}' argument '${value}' is invalid. Expected a file in an existing directory (no directory is created), got "${value}".`,
    );
    expect(existsSync(join(cwd, 'missing-dir'))).toBe(false);
  });
});
