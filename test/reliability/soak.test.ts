/**
 * Soaks, short forms of the figures in docs/reliability.md:
 *
 * - the CLI's `percpu stress` with injected worker deaths (every CPU allocating and freeing at
 *   once, stamping its areas; deaths by process.exit, an exception in a timer, out of heap and
 *   termination from outside): 0 violations, 0 leaks, 0 lost counts, verify() clean, deaths == injected, every
 *   served allocation freed, and the log's per-CPU summaries agree with the report;
 * - counting through random deaths of every way on both CPUs: 0 lost counts.
 *
 * test/cli/stress-and-map.test.ts runs 8 faults and checks the report's verdict; here the run is
 * longer and the report is cross-checked against the log line by line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuDiedError } from 'percpu';
import { killCpu } from 'percpu/testing';
import { runCli, tempDir } from '../cli/run-cli.js';
import type { DeathWay } from '../fixtures/reliability-tasks.js';
import { captureLogger, mustAlloc, trackRuntimes } from '../runtime/helpers.js';
import { startReliability, waitFor } from './helpers.js';

const runtimes = trackRuntimes();

interface StressJson {
  readonly cpus: number;
  readonly opsPerCpu: number;
  readonly allocations: number;
  readonly frees: number;
  readonly violations: number;
  readonly leaks: number;
  readonly faultsPlanned: number;
  readonly faultsInjected: Readonly<Record<string, number>>;
  readonly deaths: number;
  readonly verified: boolean;
  readonly ok: boolean;
  readonly counts: {
    readonly expected: string;
    readonly perCpu: string;
    readonly counter: string;
    readonly lost: string;
  };
  readonly allocator: { readonly nrAlloc: number; readonly nrDealloc: number; readonly nrCurAlloc: number };
}

interface LogLine {
  readonly msg: string;
  readonly cpu?: number;
  readonly deaths?: number;
  readonly allocs?: number;
  readonly frees?: number;
}

describe('the CLI soak, short', () => {
  it('stress --cpus 2 --ops 1500 --faults 12: 0 violations, 0 leaks, 0 lost counts, deaths == injected, nothing unaccounted', async () => {
    const log = join(tempDir(), 'soak.ndjson');
    const result = await runCli(['stress', '--cpus', '2', '--ops', '1500', '--faults', '12', '--json', '--log', log]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as StressJson;
    expect(report.violations).toBe(0);
    expect(report.leaks).toBe(0);
    expect(report.verified).toBe(true);
    expect(report.ok).toBe(true);
    expect(report.deaths).toBe(12);
    expect(report.faultsPlanned).toBe(12);
    expect(Object.values(report.faultsInjected).reduce((a, b) => a + b, 0)).toBe(report.deaths);
    expect(report.faultsInjected).toEqual({ exit: 3, throw: 3, oom: 3, terminate: 3 });
    // Every allocation served was freed, the allocator agrees (plus the coordinator's one
    // allocation: the run's percpu_counter, destroyed at the end), and nothing is left.
    expect(report.frees).toBe(report.allocations);
    expect(report.allocator).toMatchObject({
      nrAlloc: report.allocations + 1,
      nrDealloc: report.frees + 1,
      nrCurAlloc: 0,
    });
    // 0 lost counts: each of the 14 tasks (12 that died, one per CPU that finished) counted its
    // burst of 1009 before it ended, and both sums hold every burst.
    expect(report.counts).toEqual({
      expected: String(14 * 1009),
      perCpu: String(14 * 1009),
      counter: String(14 * 1009),
      lost: '0',
    });

    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogLine);
    const summaries = lines.filter((l) => l.msg === 'CPU summary');
    expect(summaries.map((s) => s.cpu)).toEqual([0, 1]);
    const total = (field: 'deaths' | 'allocs' | 'frees'): number =>
      summaries.reduce((sum, s) => sum + (s[field] ?? 0), 0);
    expect(total('deaths')).toBe(report.deaths);
    expect(total('allocs')).toBe(report.allocations);
    expect(total('frees')).toBe(report.frees);
    expect(lines.filter((l) => l.msg === 'CPU worker died')).toHaveLength(report.deaths);
    expect(lines.filter((l) => l.msg === 'CPU worker replaced')).toHaveLength(report.deaths);
    // Only injected deaths: none in between (a death outside the plan would make these differ).
    expect(lines.filter((l) => l.msg === 'injected fault')).toHaveLength(
      report.deaths - report.faultsInjected.terminate!,
    );
  });
});

describe('counting through random deaths', () => {
  it('24 deaths of every way on both CPUs while both count: 0 lost counts', async () => {
    const log = captureLogger('info');
    const rt = await startReliability(runtimes, {
      cpus: 2,
      logger: log.logger,
      workerResourceLimits: { maxOldGenerationSizeMb: 32 },
    });
    const ptr = mustAlloc(rt, 4);
    const u64Ptr = mustAlloc(rt, 8, 8);
    const counter = rt.counter({ batch: 100 });
    const markerPtr = rt.staticPtr('rel_dying');
    const ways: readonly DeathWay[] = ['exit', 'uncaught', 'timer', 'rejection', 'oom', 'kill'];
    let seed = 0x2545f491;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const expected = { s32: 0, u64: 0n, counter: 0n };
    let injected = 0;
    for (let round = 0; round < 24; round++) {
      const victim = random(2);
      const way = ways[round % ways.length]!;
      const dead = {
        ptr,
        u64Ptr,
        handle: counter.handle,
        times: 1000 + random(100_000),
        counterAdds: random(500),
        amount: 1 + random(5),
      };
      const alive = {
        ptr,
        u64Ptr,
        handle: counter.handle,
        times: 1000 + random(100_000),
        counterAdds: random(500),
        amount: -1,
      };
      rt.write(markerPtr, victim, 'u32', 0);
      const dying = rt.runOn(victim, 'countThenDie', { ...dead, way, markerPtr }).then(
        () => null,
        (error: unknown) => error,
      );
      const survivor = rt.runOn(1 - victim, 'count', alive);
      if (way === 'kill') {
        await waitFor(() => rt.read(markerPtr, victim, 'u32') === 1, `CPU ${victim} to ask to be killed`);
        await killCpu(rt, victim);
      }
      expect(await dying).toBeInstanceOf(CpuDiedError);
      injected++;
      await survivor;
      expected.s32 += dead.times + alive.times;
      expected.u64 += BigInt(dead.times + alive.times);
      expected.counter += BigInt(dead.counterAdds * dead.amount + alive.counterAdds * alive.amount);
    }
    expect(rt.sum(ptr, 's32')).toBe(expected.s32);
    expect(rt.sum(u64Ptr, 'u64')).toBe(expected.u64);
    expect(counter.sum()).toBe(expected.counter);
    const deaths = rt.stats().cpus.reduce((sum, c) => sum + c.deaths, 0);
    expect(deaths).toBe(injected);
    expect(log.count('CPU worker died')).toBe(injected);
    expect(await rt.runOnEach('whoAmI')).toEqual(
      new Map([
        [0, 0],
        [1, 1],
      ]),
    );
    rt.verify();
  });
});
