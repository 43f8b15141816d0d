/**
 * The progress bar of `percpu run` and `percpu stress`, drawn only when stderr is a terminal: the
 * CLI runs here under script(1), which gives it a real pseudo-terminal, and what it drew is read
 * back. Counts are printed with thousands separators.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from './run-cli.js';

/** Runs the CLI on a pseudo-terminal; stdout and stderr both come back in one stream. */
function runOnTerminal(args: readonly string[]): Promise<{ code: number; output: string }> {
  const command = [process.execPath, CLI, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { timeout: 60_000, env: { ...process.env, COLUMNS: '160' } },
      (error, stdout) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, output: stdout });
      },
    );
  });
}

describe('the progress bar on a terminal', () => {
  it('percpu run: value and total with thousands separators (60,000,000, not 60000000)', async () => {
    const result = await runOnTerminal([
      'run',
      '--cpus',
      '2',
      '--ops',
      '3000000',
      '--counters',
      '2',
      '--log',
      join(tempDir(), 'p.ndjson'),
    ]);
    expect(result.code, result.output).toBe(0);
    // The bar starts at 0 and ends at the total.
    expect(result.output).toContain('| 0/6,000,000 ops |');
    expect(result.output).toContain('| 6,000,000/6,000,000 ops |');
    expect(result.output).not.toContain('/6000000 ops');
  });

  it('percpu stress: the same', async () => {
    const result = await runOnTerminal([
      'stress',
      '--cpus',
      '2',
      '--ops',
      '1000',
      '--log',
      join(tempDir(), 's.ndjson'),
    ]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('| 0/2,000 ops |');
    expect(result.output).not.toContain('/2000 ops');
  });

  it('--json draws no bar', async () => {
    const result = await runOnTerminal([
      'stress',
      '--cpus',
      '2',
      '--ops',
      '100',
      '--json',
      '--log',
      join(tempDir(), 'j.ndjson'),
    ]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toContain('/200 ops');
    expect(result.output).not.toContain('0/200');
  });
});
