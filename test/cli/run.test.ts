import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './run-cli.js';

interface RunJson {
  cpus: number;
  online: number;
  opsPerCpu: number | null;
  seconds: number | null;
  totalOps: number;
  expected: string;
  actual: string;
  exact: boolean;
  mismatches: number;
  leaks: number;
  verified: boolean;
  perCpu: { cpu: number; ops: number; opsPerSecond: number; share: number }[];
  counters: { ptr: number; fields: number; allocatedBy: number | null; expected: string[]; actual: string[]; exact: boolean }[];
  allocator: { nrAlloc: number; nrDealloc: number; nrCurAlloc: number };
  log: string;
  logLines: number;
}

describe('percpu run', () => {
  it('counts exactly and reports it as JSON, with a log of one line per event', async () => {
    const dir = tempDir();
    const log = join(dir, 'run.ndjson');
    const result = await runCli(['run', '--cpus', '3', '--online', '2', '--ops', '300000', '--counters', '12', '--seed', '5', '--json', '--log', log]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunJson;
    expect(report.cpus).toBe(3);
    expect(report.online).toBe(2);
    expect(report.opsPerCpu).toBe(300_000);
    expect(report.totalOps).toBe(600_000);
    expect(report.exact).toBe(true);
    expect(report.mismatches).toBe(0);
    expect(report.expected).toBe(report.actual);
    expect(BigInt(report.expected)).toBeGreaterThan(600_000n);
    expect(report.perCpu.map((c) => c.cpu)).toEqual([0, 1]);
    for (const cpu of report.perCpu) {
      expect(cpu.ops).toBe(300_000);
      expect(cpu.opsPerSecond).toBeGreaterThan(0);
      expect(cpu.share).toBeCloseTo(0.5, 5);
    }
    // 12 objects from the coordinator, 2 more from each online CPU while it ran.
    expect(report.counters).toHaveLength(12 + 2 * 2);
    expect(report.counters.filter((c) => c.allocatedBy !== null).map((c) => c.allocatedBy)).toEqual([0, 0, 1, 1]);
    for (const counter of report.counters) expect(counter.actual).toEqual(counter.expected);
    expect(report.leaks).toBe(0);
    expect(report.allocator.nrAlloc).toBe(16);
    expect(report.allocator.nrDealloc).toBe(16);

    const lines = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string; cpu?: number });
    expect(report.log).toBe(log);
    expect(report.logLines).toBe(lines.length);
    // At info: 2 × 'CPU online', 'runtime started', 2 × 'CPU offline', 3 × 'CPU summary', 'runtime closed'.
    // CPUs start in parallel: each logs 'CPU online' when its worker has loaded the tasks.
    expect(lines.filter((l) => l.msg === 'CPU online').map((l) => l.cpu).sort()).toEqual([0, 1]);
    expect(lines.filter((l) => l.msg === 'CPU summary').map((l) => l.cpu)).toEqual([0, 1, 2]);
    expect(lines).toHaveLength(9);
  });

  it('logs each allocation a CPU requests at --log-level debug', async () => {
    const log = join(tempDir(), 'debug.ndjson');
    const result = await runCli(['run', '--cpus', '2', '--ops', '100000', '--counters', '4', '--json', '--log', log, '--log-level', 'debug']);
    expect(result.code).toBe(0);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string; cpu?: number });
    const allocs = lines.filter((l) => l.msg === 'alloc requested by CPU');
    expect(allocs.map((l) => l.cpu).sort()).toEqual([0, 0, 1, 1]);
  });

  it('runs for --seconds instead of --ops', async () => {
    const result = await runCli(['run', '--cpus', '2', '--seconds', '0.5', '--counters', '4', '--json', '--log', join(tempDir(), 's.ndjson')]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunJson;
    expect(report.opsPerCpu).toBeNull();
    expect(report.seconds).toBe(0.5);
    expect(report.exact).toBe(true);
    expect(report.totalOps).toBeGreaterThan(0);
  });

  it('prints tables on a terminal-less stdout without --json', async () => {
    const result = await runCli(['run', '--cpus', '2', '--ops', '50000', '--counters', '3', '--log', join(tempDir(), 't.ndjson')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Per CPU');
    expect(result.stdout).toMatch(/all counters: expected [\d,]+, actual [\d,]+: EXACT/);
    expect(result.stdout).toContain('verify OK');
  });
});
