/**
 * A CPU's worker dying in the middle of a task, each way it can: process.exit (with a non-zero
 * code and with 0), an uncaught exception thrown from a timer, running out of heap. Every time:
 * the task rejects with CpuDiedError, every increment made before the death is in the sum, the
 * CPU comes back (same id, same data) and stats() counts the death.
 */
import { describe, expect, it } from 'vitest';
import { CpuDiedError, type Runtime, type RuntimeOptions } from 'percpu';
import { killCpu } from 'percpu/testing';
import { type Counting, captureLogger, mustAlloc, rejectionOf, trackRuntimes } from './helpers.js';

const runtimes = trackRuntimes();

interface Way {
  readonly label: string;
  readonly task: string;
  readonly options: Pick<RuntimeOptions, 'workerResourceLimits'>;
  crash(rt: Runtime<Counting>, cpu: number, ptr: number, times: number): Promise<unknown>;
}

const WAYS: readonly Way[] = [
  {
    label: 'process.exit(7)',
    task: 'incrementThenExit',
    options: {},
    crash: (rt, cpu, ptr, times) => rt.runOn(cpu, 'incrementThenExit', { ptr, times, code: 7 }),
  },
  {
    label: 'process.exit(0)',
    task: 'incrementThenExit',
    options: {},
    crash: (rt, cpu, ptr, times) => rt.runOn(cpu, 'incrementThenExit', { ptr, times, code: 0 }),
  },
  {
    label: 'an uncaught exception thrown in a setTimeout',
    task: 'incrementThenThrowInTimer',
    options: {},
    crash: (rt, cpu, ptr, times) => rt.runOn(cpu, 'incrementThenThrowInTimer', { ptr, times }),
  },
  {
    label: 'killCpu(rt, cpu) terminating the worker from outside',
    task: 'incrementThenHang',
    options: {},
    crash: async (rt, cpu, ptr, times) => {
      const target = rt.read(ptr, cpu, 's32') + times;
      const task = rt.runOn(cpu, 'incrementThenHang', { ptr, times });
      task.catch(() => undefined); // the caller checks the rejection; this only marks it handled meanwhile
      // Wait until the task has counted (its increments are visible in the CPU's unit).
      while (rt.read(ptr, cpu, 's32') < target) await new Promise<void>((resolve) => setTimeout(resolve, 2));
      await killCpu(rt, cpu);
      return task;
    },
  },
  {
    label: 'running out of heap (maxOldGenerationSizeMb: 32)',
    task: 'incrementThenExhaustHeap',
    options: { workerResourceLimits: { maxOldGenerationSizeMb: 32 } },
    crash: (rt, cpu, ptr, times) => rt.runOn(cpu, 'incrementThenExhaustHeap', { ptr, times }),
  },
];

describe.each(WAYS)('a CPU that dies by $label', (way) => {
  it('fails its task with CpuDiedError, keeps its counts and comes back, counted in stats().deaths', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start({ cpus: 2, ...way.options, logger: log.logger });
    const ptr = mustAlloc(rt, 4);
    await rt.runOnEach('increment', { ptr, times: 1000 });

    const error = await rejectionOf(way.crash(rt, 1, ptr, 777));
    expect(error).toBeInstanceOf(CpuDiedError);
    const died = error as CpuDiedError;
    expect(died.code).toBe('PERCPU_CPU_DIED');
    expect(died.cpu).toBe(1);
    expect(died.task).toBe(way.task);

    // Every increment made before the death counts.
    expect(rt.read(ptr, 1, 's32')).toBe(1777);
    expect(rt.sum(ptr, 's32')).toBe(2777);

    let stats = rt.stats().cpus;
    expect(stats[1]).toMatchObject({ online: true, deaths: 1 });
    expect(stats[0]!.deaths).toBe(0);
    expect(rt.onlineCpus()).toEqual([0, 1]);

    // The CPU comes back: the same id, bound to the same unit.
    expect(await rt.runOn(1, 'whoAmI')).toEqual({ id: 1, viaImport: 1 });
    expect(await rt.runOn(1, 'readLocal', { ptr, type: 's32' })).toBe(1777);
    expect(await rt.runOn(1, 'increment', { ptr, times: 3 })).toBe(1780);
    expect(rt.sum(ptr, 's32')).toBe(2780);
    // CPU 0 was never disturbed.
    expect(await rt.runOn(0, 'readLocal', { ptr, type: 's32' })).toBe(1000);

    expect(log.count('CPU worker died', 1)).toBe(1);
    expect(log.count('CPU worker replaced', 1)).toBe(1);
    expect(log.count('CPU worker died', 0)).toBe(0);
    // The death names the thread that died: the one CPU 1 came online with (a Worker's own
    // threadId reads -1 once it has exited, so it is captured at start).
    const onlineLine = log.records().find((r) => r.msg === 'CPU online' && r.cpu === 1)!;
    const diedLine = log.records().find((r) => r.msg === 'CPU worker died' && r.cpu === 1)!;
    expect(diedLine.threadId).toBe(onlineLine.threadId);
    expect(diedLine.threadId).toBeGreaterThan(0);

    // A second death on the same CPU is counted again, and the CPU comes back again.
    const again = await rejectionOf(way.crash(rt, 1, ptr, 20));
    expect(again).toBeInstanceOf(CpuDiedError);
    expect(rt.read(ptr, 1, 's32')).toBe(1800);
    stats = rt.stats().cpus;
    expect(stats[1]!.deaths).toBe(2);
    expect(await rt.runOn(1, 'whoAmI')).toEqual({ id: 1, viaImport: 1 });
    expect(rt.sum(ptr, 's32')).toBe(2800);
  });
});

describe('a death on one CPU', () => {
  it('does not disturb a task running on another CPU at the same time', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = mustAlloc(rt, 4);
    const [survivor, death] = await Promise.allSettled([
      rt.runOn(0, 'increment', { ptr, times: 500_000 }),
      rt.runOn(1, 'incrementThenExit', { ptr, times: 10, code: 1 }),
    ]);
    expect(survivor).toEqual({ status: 'fulfilled', value: 500_000 });
    expect(death.status).toBe('rejected');
    expect(rt.sum(ptr, 's32')).toBe(500_010);
    expect(rt.stats().cpus.map((c) => c.deaths)).toEqual([0, 1]);
  });

  it('runs the tasks queued behind the dying one on the new worker', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = mustAlloc(rt, 4);
    const dying = rt.runOn(1, 'incrementThenExit', { ptr, times: 10, code: 1 });
    const queued = rt.runOn(1, 'increment', { ptr, times: 5 });
    const [first, second] = await Promise.allSettled([dying, queued]);
    expect(first.status).toBe('rejected');
    expect(second).toEqual({ status: 'fulfilled', value: 15 });
    expect(rt.read(ptr, 1, 's32')).toBe(15);
    expect(rt.stats().cpus[1]!.deaths).toBe(1);
  });
});

describe('a death with an allocation in flight', () => {
  it('undoes an allocation the dying CPU never received: nothing leaks', async () => {
    const log = captureLogger('debug');
    const rt = await runtimes.start({ cpus: 2, logger: log.logger });
    const kept = mustAlloc(rt, 16);
    const marker = mustAlloc(rt, 4);
    // The coordinator stays busy (this loop) until the CPU has posted its request, so the CPU has
    // to wait for the reply; it then blocks for 300 ms and exits, leaving the reply uncollected.
    const dying = rejectionOf(rt.runOn(1, 'allocThenExit', { size: 64, markerPtr: marker, sleepMs: 300, code: 3 }));
    const deadline = Date.now() + 10_000;
    while (rt.read(marker, 1, 'u32') !== 1 && Date.now() < deadline) {
      // keep the coordinator from serving the request yet
    }
    expect(rt.read(marker, 1, 'u32')).toBe(1);
    const error = await dying;
    expect(error).toBeInstanceOf(CpuDiedError);
    expect(log.count('alloc requested by CPU', 1), log.lines.join('')).toBe(1);
    expect(log.count('allocation undone: the CPU died before receiving it', 1), log.lines.join('')).toBe(1);
    expect(rt.stats().allocator.nrCurAlloc).toBe(2); // kept and marker
    rt.verify();
    rt.free(kept);
    // The new worker's mailbox works.
    const ptr = await rt.runOn(1, 'allocOnly', { size: 64, align: 4 });
    expect(ptr).not.toBeNull();
    expect(rt.stats().allocator.nrCurAlloc).toBe(2);
  });

  it('logs an idle worker’s uncaught exception once, as its death, and replaces the worker', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start({ cpus: 2, logger: log.logger });
    expect(await rt.runOn(1, 'throwWhenIdle', { ms: 20 })).toBe(20);
    const deadline = Date.now() + 10_000;
    while (log.count('CPU worker replaced', 1) === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.count('CPU worker replaced', 1)).toBe(1);
    const died = log.records().filter((r) => r.msg === 'CPU worker died');
    expect(died).toHaveLength(1);
    expect(died[0]).toMatchObject({ cpu: 1, during: 'idle', err: { message: 'uncaught exception while idle' } });
    // Not also as an error piscina reports with no task (it used to be logged a second time).
    expect(log.count('CPU worker error')).toBe(0);
    expect(rt.stats().cpus[1]!.deaths).toBe(1);
    expect(await rt.runOn(1, 'whoAmI')).toMatchObject({ id: 1 });
  });
});
