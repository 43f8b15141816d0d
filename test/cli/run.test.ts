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
  counters: {
    ptr: number;
    fields: number;
    allocatedBy: 'coordinator' | { cpu: number };
    expected: string[];
    actual: string[];
    exact: boolean;
  }[];
  allocator: { nrAlloc: number; nrDealloc: number; nrCurAlloc: number };
  log: string;
  logLines: number;
}

describe('percpu run', () => {
  it('counts exactly and reports it as JSON, with a log of one line per event', async () => {
    const dir = tempDir();
    const log = join(dir, 'run.ndjson');
    const result = await runCli([
      'run',
      '--cpus',
      '3',
      '--online',
      '2',
      '--ops',
      '300000',
      '--counters',
      '12',
      '--seed',
      '5',
      '--json',
      '--log',
      log,
    ]);
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
    // The JSON says what the table says: "coordinator", or the CPU.
    expect(report.counters.slice(0, 12).every((c) => c.allocatedBy === 'coordinator')).toBe(true);
    expect(report.counters.slice(12).map((c) => c.allocatedBy)).toEqual([
      { cpu: 0 },
      { cpu: 0 },
      { cpu: 1 },
      { cpu: 1 },
    ]);
    for (const counter of report.counters) expect(counter.actual).toEqual(counter.expected);
    expect(report.leaks).toBe(0);
    expect(report.allocator.nrAlloc).toBe(16);
    expect(report.allocator.nrDealloc).toBe(16);

    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; cpu?: number });
    expect(report.log).toBe(log);
    expect(report.logLines).toBe(lines.length);
    // At info: 2 × 'CPU online', 'runtime started', 2 × 'CPU offline', 3 × 'CPU summary', 'runtime closed'.
    // CPUs start in parallel: each logs 'CPU online' when its worker has loaded the tasks.
    expect(
      lines
        .filter((l) => l.msg === 'CPU online')
        .map((l) => l.cpu)
        .sort(),
    ).toEqual([0, 1]);
    expect(lines.filter((l) => l.msg === 'CPU summary').map((l) => l.cpu)).toEqual([0, 1, 2]);
    expect(lines).toHaveLength(9);
  });

  it('logs each allocation a CPU requests at --log-level debug', async () => {
    const log = join(tempDir(), 'debug.ndjson');
    const result = await runCli([
      'run',
      '--cpus',
      '2',
      '--ops',
      '100000',
      '--counters',
      '4',
      '--json',
      '--log',
      log,
      '--log-level',
      'debug',
    ]);
    expect(result.code).toBe(0);
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; cpu?: number });
    const allocs = lines.filter((l) => l.msg === 'alloc requested by CPU');
    expect(allocs.map((l) => l.cpu).sort()).toEqual([0, 0, 1, 1]);
  });

  it('runs for --seconds instead of --ops', async () => {
    const result = await runCli([
      'run',
      '--cpus',
      '2',
      '--seconds',
      '0.5',
      '--counters',
      '4',
      '--json',
      '--log',
      join(tempDir(), 's.ndjson'),
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as RunJson;
    expect(report.opsPerCpu).toBeNull();
    expect(report.seconds).toBe(0.5);
    expect(report.exact).toBe(true);
    expect(report.totalOps).toBeGreaterThan(0);
  });

  it('prints tables on a terminal-less stdout without --json', async () => {
    const result = await runCli([
      'run',
      '--cpus',
      '2',
      '--ops',
      '50000',
      '--counters',
      '3',
      '--log',
      join(tempDir(), 't.ndjson'),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Per CPU');
    expect(result.stdout).toMatch(/all counters: expected [\d,]+, actual [\d,]+: EXACT/);
    expect(result.stdout).toContain('verify OK');
  });

  it('with 64 counters (the default) the table shows the 8 busiest and a total row; --json has every object', async () => {
    const dir = tempDir();
    // 300,000 ops per CPU: each CPU allocates its 2 structures too (at evenly spread slices of 65,536 ops).
    const args = ['run', '--cpus', '2', '--ops', '300000', '--seed', '3', '--log', join(dir, 'busy.ndjson')];
    const [text, json] = await Promise.all([runCli(args), runCli([...args, '--json'])]);
    expect(text.code).toBe(0);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as RunJson;
    expect(report.counters).toHaveLength(64 + 2 * 2);

    const tableAt = text.stdout.indexOf('Counters, the 8 busiest of 68 (expected');
    expect(tableAt, text.stdout).toBeGreaterThan(0);
    const tableLines = text.stdout.slice(tableAt).split('\n');
    // Title, headers, rule, 8 rows, the total row, the line saying what is not shown.
    const rows = tableLines.slice(3, 11);
    const totalRow = tableLines[11]!;
    expect(tableLines[12]).toBe(
      '(60 objects not shown, all exact; --all-counters lists every one, --json has them all)',
    );
    // The 8 rows are the 8 objects with the largest totals, busiest first. The seed is fixed, so
    // the text run's totals are the --json run's, and so are the coordinator's offsets (a CPU's
    // objects get offsets in the order the CPUs' requests arrive).
    const total = (c: RunJson['counters'][number]): bigint => c.expected.reduce((sum, v) => sum + BigInt(v), 0n);
    const busiest = [...report.counters]
      .sort((a, b) => (total(a) === total(b) ? 0 : total(a) > total(b) ? -1 : 1))
      .slice(0, 8);
    const cells = rows.map((row) => row.split(/\s{2,}/));
    expect(cells.map((row) => row[3])).toEqual(busiest.map((c) => total(c).toLocaleString('en-US')));
    for (const [i, c] of busiest.entries()) {
      if (c.allocatedBy === 'coordinator') expect(Number(cells[i]![0])).toBe(c.ptr);
      else expect(cells[i]![2]).toBe(`CPU ${c.allocatedBy.cpu}`);
    }
    const fields = report.counters.reduce((sum, c) => sum + c.fields, 0);
    expect(totalRow.split(/\s{2,}/)).toEqual([
      'total',
      String(fields),
      '68 objects',
      BigInt(report.expected).toLocaleString('en-US'),
      BigInt(report.actual).toLocaleString('en-US'),
      'exact',
    ]);
  });

  it('--all-counters lists every object in allocation order, then the total', async () => {
    const args = [
      'run',
      '--cpus',
      '2',
      '--ops',
      '300000',
      '--counters',
      '10',
      '--seed',
      '4',
      '--log',
      join(tempDir(), 'all.ndjson'),
    ];
    const [text, json] = await Promise.all([runCli([...args, '--all-counters']), runCli([...args, '--json'])]);
    expect(text.code).toBe(0);
    const report = JSON.parse(json.stdout) as RunJson;
    expect(report.counters).toHaveLength(14);
    const tableAt = text.stdout.indexOf('Counters (expected');
    expect(tableAt, text.stdout).toBeGreaterThan(0);
    const tableLines = text.stdout.slice(tableAt).split('\n');
    const rows = tableLines.slice(3, 3 + 14).map((row) => row.split(/\s{2,}/));
    // The coordinator's objects have the same offsets in both runs; which offsets the CPUs get
    // depends on the order their requests arrive in.
    expect(rows.slice(0, 10).map((row) => Number(row[0]))).toEqual(report.counters.slice(0, 10).map((c) => c.ptr));
    expect(rows.map((row) => row[2])).toEqual(
      report.counters.map((c) => (c.allocatedBy === 'coordinator' ? 'coordinator' : `CPU ${c.allocatedBy.cpu}`)),
    );
    expect(tableLines[3 + 14]).toMatch(/^total\s+\d+\s+14 objects\s/);
    expect(text.stdout).not.toContain('not shown');
  });

  it('counts in the text are singular for one: 1 possible CPU, 1 chunk, 1 op', async () => {
    const log = join(tempDir(), 'one.ndjson');
    const result = await runCli(['run', '--cpus', '1', '--ops', '1', '--counters', '1', '--log', log]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('percpu run: 1 possible CPU, 1 online, 1 op per CPU, seed 1');
    expect(result.stdout).toContain('total: 1 operation in');
    expect(result.stdout).toMatch(
      /allocator: \d+ allocations, \d+ frees, peak \d+ live, 1 chunk at most, \d+ pages? populated/,
    );
    expect(result.stdout).not.toMatch(/\b1 (possible CPUs|chunks|ops|operations|lines|objects)\b/);
  });

  it('says how to read the log with a command that works where percpu is installed: percpu log', async () => {
    const log = join(tempDir(), 'hint.ndjson');
    const result = await runCli(['run', '--cpus', '2', '--ops', '1000', '--counters', '2', '--log', log]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`log: ${log} \\(\\d+ lines; read it with: npx percpu log ${log}\\)`));
    expect(result.stdout).not.toContain('pino-pretty');
  });
});
