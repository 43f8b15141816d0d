import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './run-cli.js';

interface StressJson {
  cpus: number;
  allocations: number;
  frees: number;
  coordinatorAllocations: number;
  coordinatorFrees: number;
  allocator: { nrAlloc: number; nrDealloc: number };
  problems: string[];
  peakLive: number;
  violations: number;
  leaks: number;
  deaths: number;
  faultsInjected: Record<string, number>;
  verified: boolean;
  ok: boolean;
  seconds: number;
  logLines: number;
  log: string;
}

describe('percpu stress', () => {
  it('allocates and frees on every CPU at once with no violation and no leak', async () => {
    const result = await runCli([
      'stress',
      '--cpus',
      '3',
      '--ops',
      '600',
      '--seed',
      '9',
      '--json',
      '--log',
      join(tempDir(), 'stress.ndjson'),
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as StressJson;
    expect(report.cpus).toBe(3);
    expect(report.allocations).toBeGreaterThan(600);
    expect(report.frees).toBe(report.allocations);
    expect(report.peakLive).toBeGreaterThan(10);
    expect(report.violations).toBe(0);
    expect(report.leaks).toBe(0);
    expect(report.verified).toBe(true);
    expect(report.ok).toBe(true);
  });

  it('survives injected worker deaths of every kind and still verifies', async () => {
    const log = join(tempDir(), 'faults.ndjson');
    const result = await runCli(['stress', '--cpus', '2', '--ops', '800', '--faults', '8', '--json', '--log', log]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as StressJson;
    expect(report.deaths).toBe(8);
    expect(report.faultsInjected).toEqual({ exit: 2, throw: 2, oom: 2, terminate: 2 });
    expect(report.violations).toBe(0);
    expect(report.leaks).toBe(0);
    expect(report.ok).toBe(true);
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string });
    expect(report.logLines).toBe(lines.length);
    expect(lines.filter((l) => l.msg === 'CPU worker died')).toHaveLength(8);
    expect(lines.filter((l) => l.msg === 'CPU worker replaced')).toHaveLength(8);
  });
});

interface FaultsJson {
  faultsRequested: number;
  faultsInjectedTotal: number;
  faultsInjected: Record<string, number>;
  deaths: number;
  violations: number;
  leaks: number;
  ok: boolean;
  problems: string[];
}

describe('percpu stress: allocation counts that cannot be misread', () => {
  it("--json: the CPUs' allocations and frees plus the coordinator's (the percpu_counter) are the allocator's nr_alloc and nr_dealloc", async () => {
    const result = await runCli([
      'stress',
      '--cpus',
      '2',
      '--ops',
      '500',
      '--faults',
      '4',
      '--json',
      '--log',
      join(tempDir(), 'counts.ndjson'),
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as StressJson;
    expect(report.problems).toEqual([]);
    // The coordinator allocates one area itself: the percpu_counter's per-CPU part, freed by destroy().
    expect(report.coordinatorAllocations).toBe(1);
    expect(report.coordinatorFrees).toBe(1);
    expect(report.allocations).toBeGreaterThan(250);
    expect(report.allocations + report.coordinatorAllocations).toBe(report.allocator.nrAlloc);
    expect(report.frees + report.coordinatorFrees).toBe(report.allocator.nrDealloc);
  });

  it('the text says which allocations it counts and adds them up to nr_alloc', async () => {
    const result = await runCli([
      'stress',
      '--cpus',
      '1',
      '--ops',
      '300',
      '--log',
      join(tempDir(), 'counts-text.ndjson'),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('percpu stress: 1 CPU × 300 operations,');
    const allocs =
      /allocations {8}([\d,]+) for the CPUs \+ 1 by the coordinator \(the percpu_counter\) = ([\d,]+), the allocator's nr_alloc/.exec(
        result.stdout,
      );
    const frees =
      /frees {14}([\d,]+) for the CPUs \+ 1 by the coordinator \(the percpu_counter\) = ([\d,]+), the allocator's nr_dealloc/.exec(
        result.stdout,
      );
    expect(allocs, result.stdout).not.toBeNull();
    expect(frees, result.stdout).not.toBeNull();
    const n = (s: string): number => Number(s.replaceAll(',', ''));
    expect(n(allocs![1]!) + 1).toBe(n(allocs![2]!));
    expect(n(frees![1]!) + 1).toBe(n(frees![2]!));
    // The log's closing line has the allocator's stats: the same nr_alloc.
    const log = /log: (\S+) \((\d+) lines; read it with: npx percpu log (\S+)\)/.exec(result.stdout);
    expect(log, result.stdout).not.toBeNull();
    expect(log![3]).toBe(log![1]);
    const closed = readFileSync(log![1]!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; allocator?: { nrAlloc: number } })
      .find((l) => l.msg === 'runtime closed');
    expect(closed?.allocator?.nrAlloc).toBe(n(allocs![2]!));
  });
});

describe('percpu stress --faults: requested and injected faults', () => {
  it('fails (exit 1, saying why) when fewer faults were injected than requested: --ops 1 has no point between two operations', async () => {
    const result = await runCli([
      'stress',
      '--cpus',
      '2',
      '--ops',
      '1',
      '--faults',
      '5',
      '--json',
      '--log',
      join(tempDir(), 'short.ndjson'),
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as FaultsJson;
    expect(report.faultsRequested).toBe(5);
    expect(report.faultsInjectedTotal).toBe(0);
    expect(report.deaths).toBe(0);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      "only 0 of 5 requested faults were injected: a fault strikes between two of a CPU's operations, and --ops 1 has none (use --ops 2 or more)",
    ]);
    // Everything else verified: the only failure is the faults.
    expect(report.violations).toBe(0);
    expect(report.leaks).toBe(0);
  });

  it('prints requested and injected faults and the reason it failed', async () => {
    const result = await runCli([
      'stress',
      '--cpus',
      '2',
      '--ops',
      '1',
      '--faults',
      '5',
      '--log',
      join(tempDir(), 'short-text.ndjson'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'faults             requested 5, injected 0 (exit 0, throw 0, oom 0, terminate 0), worker deaths 0  <- fewer than requested',
    );
    expect(result.stdout).toContain('result             FAILED: only 0 of 5 requested faults were injected');
  });

  it('injects every requested fault even when a CPU finishes its operations before its next fault (--ops 2 --faults 8)', async () => {
    // CPU 1 gets throw, terminate, throw, terminate, all after operation 1: a worker killed from
    // outside may finish operation 2 before the kill lands, and the next fault must still strike.
    const result = await runCli([
      'stress',
      '--cpus',
      '2',
      '--ops',
      '2',
      '--faults',
      '8',
      '--json',
      '--log',
      join(tempDir(), 'eight.ndjson'),
    ]);
    const report = JSON.parse(result.stdout) as FaultsJson;
    expect(report.problems).toEqual([]);
    expect(result.code).toBe(0);
    expect(report.faultsRequested).toBe(8);
    expect(report.faultsInjectedTotal).toBe(8);
    expect(report.faultsInjected).toEqual({ exit: 2, throw: 2, oom: 2, terminate: 2 });
    expect(report.deaths).toBe(8);
    expect(report.ok).toBe(true);
  });
});

describe('percpu map', () => {
  it('prints percpu_stats and draws one row per chunk with every live area', async () => {
    const dir = tempDir();
    const svgPath = join(dir, 'map.svg');
    const result = await runCli([
      'map',
      '--after',
      'stress',
      '--cpus',
      '2',
      '--ops',
      '400',
      '--out',
      svgPath,
      '--json',
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      svg: string;
      workloadOk: boolean;
      chunks: { index: number; nrAreas: number; nrPages: number }[];
      allocator: { nrCurAlloc: number };
    };
    expect(report.svg).toBe(svgPath);
    expect(report.workloadOk).toBe(true);
    const svg = readFileSync(svgPath, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const chunkGroups = svg.match(/<g class="chunk" data-index="\d+">/g) ?? [];
    expect(chunkGroups).toHaveLength(report.chunks.length);
    // Every live area is drawn: the dynamic ones per chunk plus the reserved region's (none here).
    const areas = svg.match(/class="area"/g) ?? [];
    expect(areas.length).toBe(report.allocator.nrCurAlloc);
    expect(report.allocator.nrCurAlloc).toBeGreaterThan(0);
    const pages = svg.match(/class="page (populated|unpopulated)"/g) ?? [];
    expect(pages.length).toBe(report.chunks.reduce((sum, c) => sum + c.nrPages, 0));
    expect(svg).toContain('class="static"');
    expect(svg).toContain('class="reserved"');
  });

  it('prints the report as tables without --json', async () => {
    const svgPath = join(tempDir(), 'map.svg');
    const result = await runCli(['map', '--after', 'run', '--cpus', '2', '--ops', '20000', '--out', svgPath]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nr_alloc');
    expect(result.stdout).toContain('sum_frag');
    expect(result.stdout).toContain(svgPath);
    // Counts of one are singular: the run's 64 counters and 4 structures fit in one chunk.
    const svg = readFileSync(svgPath, 'utf8');
    expect(svg).toContain('>percpu map after run: 1 chunk</text>');
    expect(svg).toMatch(/, \d+ areas<\/text>/);
    expect(svg).not.toMatch(/\b1 (chunks|areas)\b/);
  });
});
