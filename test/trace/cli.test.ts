/**
 * The CLI's tracing: `percpu trace --after stress|run` and `run --trace` write a Perfetto JSON
 * (one named track per CPU, the workload's tasks and requests in it) and an SVG timeline beside
 * it, and print per CPU the events written, drained, lost and the busiest names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChromeTrace } from '../../src/trace/perfetto.js';
import { runCli, tempDir } from '../cli/run-cli.js';

describe('percpu trace', () => {
  it('--after stress with faults: JSON, SVG and the per-CPU table; nothing lost', async () => {
    const dir = tempDir();
    const out = join(dir, 'stress.json');
    const result = await runCli([
      'trace',
      '--after',
      'stress',
      '--cpus',
      '2',
      '--ops',
      '400',
      '--faults',
      '2',
      '--out',
      out,
      '--log',
      join(dir, 'log.ndjson'),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('result             OK');
    expect(result.stdout).toMatch(/CPU\s+written\s+drained\s+lost\s+busiest event names/);
    const rows = result.stdout.split('\n').filter((line) => /^[01] {2}/.test(line));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const [, written, drained, lost] = row.trim().split(/\s+/);
      expect(written).toBe(drained);
      expect(lost).toBe('0');
      expect(row).toMatch(/alloc [\d,]+, free [\d,]+/);
    }
    const trace = JSON.parse(readFileSync(out, 'utf8')) as ChromeTrace;
    expect(trace.traceEvents.filter((e) => e.name === 'thread_name').map((e) => e.args?.name)).toEqual([
      'CPU 0',
      'CPU 1',
    ]);
    expect(trace.traceEvents.filter((e) => e.ph === 'X' && e.name === 'stress').length).toBeGreaterThanOrEqual(2);
    expect(trace.traceEvents.filter((e) => e.name === 'CPU worker died')).toHaveLength(2);
    const svg = readFileSync(join(dir, 'stress.svg'), 'utf8');
    expect(svg).toContain('CPU 0');
    expect(svg).toContain('✕ died');
    expect(svg).toContain('milliseconds since the first event');
  });

  it('run --trace <file> traces the counter workload; --json keeps stdout one document', async () => {
    const dir = tempDir();
    const out = join(dir, 'run.json');
    const result = await runCli([
      'run',
      '--cpus',
      '2',
      '--ops',
      '20000',
      '--trace',
      out,
      '--json',
      '--log',
      join(dir, 'log.ndjson'),
    ]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { exact: boolean }).exact).toBe(true);
    expect(result.stderr).toContain('Trace (per CPU)');
    expect(existsSync(join(dir, 'run.svg'))).toBe(true);
    const trace = JSON.parse(readFileSync(out, 'utf8')) as ChromeTrace;
    expect(
      trace.traceEvents
        .filter((e) => e.ph === 'X' && e.name === 'count')
        .map((e) => e.tid)
        .sort(),
    ).toEqual([0, 1]);
  });

  it('refuses --trace inside percpu trace, a missing --after and a bad workload flag', async () => {
    expect((await runCli(['trace', '--after', 'run', '--trace', 'x.json'])).code).toBe(2);
    expect((await runCli(['trace', '--out', 'x.json'])).code).toBe(2);
    expect((await runCli(['trace', '--after', 'stress', '--bogus'])).code).toBe(2);
    expect((await runCli(['trace', '--after', 'stress', '--cpus', '0'])).code).toBe(2);
  });
});
