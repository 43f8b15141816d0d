import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './run-cli.js';

interface StressJson {
  cpus: number;
  allocations: number;
  frees: number;
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
    const result = await runCli(['stress', '--cpus', '3', '--ops', '600', '--seed', '9', '--json', '--log', join(tempDir(), 'stress.ndjson')]);
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
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(report.logLines).toBe(lines.length);
    expect(lines.filter((l) => l.msg === 'CPU worker died')).toHaveLength(8);
    expect(lines.filter((l) => l.msg === 'CPU worker replaced')).toHaveLength(8);
  });
});

describe('percpu map', () => {
  it('prints percpu_stats and draws one row per chunk with every live area', async () => {
    const dir = tempDir();
    const svgPath = join(dir, 'map.svg');
    const result = await runCli(['map', '--after', 'stress', '--cpus', '2', '--ops', '400', '--out', svgPath, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { svg: string; workloadOk: boolean; chunks: { index: number; nrAreas: number; nrPages: number }[]; allocator: { nrCurAlloc: number } };
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
  });
});
