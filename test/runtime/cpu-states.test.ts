/**
 * The CPU state machine (src/runtime/cpu-state.ts), tried with ordinary public calls in unusual
 * orders, on real workers: each case of issue #11's "Hotplug and kills" and "Arguments, results
 * and options" ends in a defined outcome, with no count lost and verify() holding.
 */
import { describe, expect, it } from 'vitest';
import {
  CpuDiedError,
  CpuFailedError,
  CpuOfflineError,
  InsufficientMemoryError,
  InvalidArgumentError,
  Runtime,
  TasksLoadError,
} from 'percpu';
import { killCpu } from 'percpu/testing';
import { checkWorkerMemory, WORKER_RSS_BYTES, availableMemory } from '../../src/runtime/worker-memory.js';
import { captureLogger, mustAlloc, rejectionOf, trackRuntimes } from './helpers.js';
import type * as LifecycleTasks from '../fixtures/lifecycle-tasks.js';

const runtimes = trackRuntimes();
type Lifecycle = typeof LifecycleTasks;
const LIFECYCLE_TASKS = new URL('../../dist/test/fixtures/lifecycle-tasks.js', import.meta.url);
const EXIT_AT_LOAD = new URL('../../dist/test/fixtures/exit-at-load-tasks.js', import.meta.url);
const HANG_AT_LOAD = new URL('../../dist/test/fixtures/hang-at-load-tasks.js', import.meta.url);
const HEAVY_AT_LOAD = new URL('../../dist/test/fixtures/heavy-at-load-tasks.js', import.meta.url);

/** Increments per long task: long enough (0.1-0.5 s) that hotplug calls arrive while it runs. */
const LONG = 100_000_000;

function start(options: Parameters<typeof runtimes.start>[0]): Promise<Runtime<Lifecycle>> {
  return runtimes.start<Lifecycle>({ tasks: LIFECYCLE_TASKS, ...options });
}

describe('online() while offline() is pending', () => {
  it('waits for the offline: never two workers on one unit, no increment lost', async () => {
    const rt = await start({ cpus: 2 });
    const ptr = mustAlloc(rt, 4);
    const first = rt.runOn(1, 'increment', { ptr, times: LONG });
    const offline = rt.offline(1);
    expect(rt.cpuState(1)).toBe('going-offline');
    const online = rt.online(1);
    // A second online() is refused: the CPU's target is already online.
    expect(await rejectionOf(rt.online(1))).toBeInstanceOf(InvalidArgumentError);
    // Tasks are refused while the offline is pending (they would run on the worker going away).
    expect(await rejectionOf(rt.runOn(1, 'whoAmI'))).toBeInstanceOf(CpuOfflineError);
    await online;
    await offline;
    expect(rt.cpuState(1)).toBe('online');
    await expect(first).resolves.toBe(LONG);
    await expect(rt.runOn(1, 'increment', { ptr, times: LONG })).resolves.toBe(2 * LONG);
    expect(rt.sum(ptr, 's32')).toBe(2 * LONG);
    rt.verify();
  });

  it('with allocations in flight: every area handed out once, nothing leaks, verify() holds', async () => {
    const rt = await start({ cpus: 2, robust: true });
    const first = rt.runOn(1, 'allocMany', { count: 300, size: 16 });
    const offline = rt.offline(1);
    const online = rt.online(1);
    await Promise.all([offline, online]);
    const second = await rt.runOn(1, 'allocMany', { count: 300, size: 16 });
    const all = [...(await first), ...second];
    expect(new Set(all).size).toBe(600);
    expect(rt.stats().allocator.nrCurAlloc).toBe(600);
    expect(rt.stats().cpus[1]!.allocs).toBe(600);
    const report = rt.robustReport()!;
    expect(report.leaks.map((leak) => leak.ptr).sort((a, b) => a - b)).toEqual([...all].sort((a, b) => a - b));
    rt.verify();
  });
});

describe('compare() while an offline is pending', () => {
  it('still counts the CPU going offline in its slack: its local part is still in sum()', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const counter = rt.counter({ batch: 32 });
    await rt.runOn(0, 'counterAdd', { handle: counter.handle, times: 31, amount: 1 });
    await rt.runOn(1, 'counterAdd', { handle: counter.handle, times: 31, amount: 1 });
    expect(counter.read()).toBe(0n); // both parts unfolded
    const ptr = mustAlloc(rt, 4);
    const busy = rt.runOn(1, 'increment', { ptr, times: LONG });
    const offline = rt.offline(1);
    expect(rt.cpuState(1)).toBe('going-offline');
    expect(counter.sum()).toBe(62n);
    expect(counter.compare(33)).toBe(1);
    expect(counter.compare(62)).toBe(0);
    await Promise.all([busy, offline]);
    expect(counter.read()).toBe(31n); // CPU 1's part folded by the offline
    expect(counter.compare(33)).toBe(1);
  });
});

describe('close() while a CPU is going offline', () => {
  it('waits for that CPU’s tasks, whose allocations are still served', async () => {
    const rt = await start({ cpus: 2 });
    const task = rt.runOn(1, 'spinThenAlloc', { ms: 300, count: 5, size: 8 });
    const offline = rt.offline(1);
    const closing = rt.close();
    await closing;
    const ptrs = await task;
    expect(ptrs).toHaveLength(5);
    await offline;
    expect(rt.stats().cpus[1]!.allocs).toBe(5);
    expect(rt.stats().cpus[1]!.state).toBe('offline');
    for (const ptr of ptrs) expect(rt.read(ptr, 1, 'u32')).toBe(2);
  });
});

describe('killCpu twice in quick succession', () => {
  it('kills the worker, then its replacement; the task queued behind runs on the third worker', async () => {
    const log = captureLogger('info');
    const rt = await start({ cpus: 2, logger: log.logger });
    const ptr = mustAlloc(rt, 4);
    const running = rejectionOf(rt.runOn(1, 'increment', { ptr, times: 10 * LONG }));
    const queued = rt.runOn(1, 'increment', { ptr, times: 5 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all([killCpu(rt, 1), killCpu(rt, 1)]);
    expect(await running).toBeInstanceOf(CpuDiedError);
    const value = await queued;
    expect(rt.read(ptr, 1, 's32')).toBe(value); // the queued task ran, on top of what was counted
    expect(rt.stats().cpus[1]!.deaths).toBe(2);
    expect(log.count('CPU worker died', 1)).toBe(2);
    expect(log.count('CPU worker replaced', 1)).toBe(2);
    expect(rt.cpuState(1)).toBe('online');
  });
});

describe('killCpu while online() starts the CPU', () => {
  it('runs after the online: online() resolves, the new worker is killed and replaced', async () => {
    const rt = await start({ cpus: 2 });
    await rt.offline(1);
    const online = rt.online(1);
    const kill = killCpu(rt, 1);
    await expect(online).resolves.toBeUndefined();
    await expect(kill).resolves.toBeUndefined();
    expect(rt.cpuState(1)).toBe('online');
    expect(rt.stats().cpus[1]!.deaths).toBe(1);
    await expect(rt.runOn(1, 'whoAmI')).resolves.toBe(1);
  });
});

describe('a tasks module that calls process.exit() while loading', () => {
  it('start() rejects with TasksLoadError and everything started is stopped', async () => {
    const log = captureLogger('info');
    const error = await rejectionOf(Runtime.start({ cpus: 2, tasks: EXIT_AT_LOAD, logger: log.logger }));
    expect(error).toBeInstanceOf(TasksLoadError);
    expect((error as TasksLoadError).cpu).toBe(1);
    expect((error as Error).message).toMatch(/exited while loading it \(exit code 3\)/);
    expect(log.count('runtime started')).toBe(0);
  });

  it('on one CPU only: online() rejects with TasksLoadError and the CPU stays offline', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start<Lifecycle>({ cpus: 2, online: [0], tasks: EXIT_AT_LOAD, logger: log.logger });
    const error = await rejectionOf(rt.online(1));
    expect(error).toBeInstanceOf(TasksLoadError);
    expect(rt.cpuState(1)).toBe('offline');
    expect(rt.onlineCpus()).toEqual([0]);
    expect(rt.stats().cpus[1]!.deaths).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(log.count('CPU worker replaced', 1)).toBe(0); // not respawned
    await expect(rt.runOn(0, 'whoAmI')).resolves.toBe(0);
  });

  it('in a replacement: restarts back off, and at maxStartFailures the CPU is failed, its data kept', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start<Lifecycle>({
      cpus: 3,
      online: [0, 2],
      tasks: EXIT_AT_LOAD,
      logger: log.logger,
      statics: { exitAtLoad: 'u32', kept: 'u32' },
      maxStartFailures: 3,
      restartBackoffMs: 20,
    });
    rt.write(rt.staticPtr('kept'), 2, 'u32', 77);
    rt.write(rt.staticPtr('exitAtLoad'), 2, 'u32', 1); // CPU 2's next worker exits while loading
    const counter = rt.counter({ batch: 1000 });
    counter.add(5);
    const started = performance.now();
    await killCpu(rt, 2);
    const waited = performance.now() - started;
    expect(rt.cpuState(2)).toBe('failed');
    // Three failed starts: the first at once (a kill), then after 20 and 40 ms of back-off.
    expect(log.count('CPU worker failed to start', 2)).toBe(3);
    expect(log.count('CPU failed', 2)).toBe(1);
    expect(waited).toBeGreaterThanOrEqual(60);
    expect(rt.onlineCpus()).toEqual([0]);
    for (const call of [rt.runOn(2, 'whoAmI'), killCpu(rt, 2)])
      expect(await rejectionOf(call)).toBeInstanceOf(CpuFailedError);
    expect(rt.read(rt.staticPtr('kept'), 2, 'u32')).toBe(77); // the unit is kept
    expect(counter.sum()).toBe(5n);
    // online() tries again, with a fresh count of failures.
    rt.write(rt.staticPtr('exitAtLoad'), 2, 'u32', 0);
    await rt.online(2);
    expect(rt.cpuState(2)).toBe('online');
    await expect(rt.runOn(2, 'whoAmI')).resolves.toBe(2);
  });

  it('a worker that dies idle counts as a start failure (maxStartFailures 1: failed at once)', async () => {
    const rt = await start({ cpus: 2, maxStartFailures: 1 });
    await rt.runOn(1, 'exitWhenIdle', { ms: 20 });
    const deadline = Date.now() + 10_000;
    while (rt.cpuState(1) !== 'failed' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(rt.cpuState(1)).toBe('failed');
    expect(rt.stats().cpus[1]!.deaths).toBe(1);
  });
});

describe('a tasks module whose loading never finishes', () => {
  it('start() rejects with TasksLoadError at startTimeoutMs', async () => {
    const started = performance.now();
    const error = await rejectionOf(
      Runtime.start({ cpus: 2, tasks: HANG_AT_LOAD, startTimeoutMs: 400, logger: captureLogger().logger }),
    );
    expect(error).toBeInstanceOf(TasksLoadError);
    expect((error as Error).message).toContain('did not finish loading within 400 ms (option startTimeoutMs)');
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('task arguments and results that cannot be copied', () => {
  it('an argument whose getter throws is an InvalidArgumentError before dispatch; no stats change', async () => {
    const log = captureLogger('info');
    const rt = await start({ cpus: 2, logger: log.logger });
    const arg = {
      get boom(): number {
        throw new Error('getter throws');
      },
    };
    for (const call of [
      () => rt.runOn(0, 'whoAmI', arg),
      () => rt.runOnEach('whoAmI', arg),
      () => rt.run('whoAmI', arg),
    ]) {
      const error = await rejectionOf(call());
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('arg');
      expect(((error as Error).cause as Error).message).toBe('getter throws');
    }
    expect(rt.stats().cpus.map((c) => [c.tasksRun, c.tasksFailed, c.deaths])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(log.count('CPU worker died')).toBe(0);
  });

  it('a result whose getter throws on its second read arrives as read once; the worker lives', async () => {
    const rt = await start({ cpus: 1 });
    await expect(rt.runOn(0, 'resultReadOnce')).resolves.toEqual({ value: 42 });
    expect(rt.stats().cpus[0]!.deaths).toBe(0);
    await expect(rt.runOn(0, 'whoAmI')).resolves.toBe(0);
  });
});

describe('workerResourceLimits that cannot run', () => {
  it.each([
    [{ maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 }, 'workerResourceLimits.maxOldGenerationSizeMb'],
    [{ stackSizeMb: 0.1 }, 'workerResourceLimits.stackSizeMb'],
    [{ maxYoungGenerationSizeMb: 0.1 }, 'workerResourceLimits.maxYoungGenerationSizeMb'],
  ])('%j is an InvalidArgumentError before any worker starts', async (limits, argument) => {
    const log = captureLogger('info');
    const error = await rejectionOf(
      Runtime.start({ cpus: 1, tasks: LIFECYCLE_TASKS, workerResourceLimits: limits, logger: log.logger }),
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    expect(log.count('CPU online')).toBe(0);
  });

  it('limits that pass the check but not the tasks module: TasksLoadError, out of memory as its cause', async () => {
    const error = await rejectionOf(
      Runtime.start({
        cpus: 1,
        tasks: HEAVY_AT_LOAD,
        workerResourceLimits: { maxOldGenerationSizeMb: 16 },
        logger: captureLogger().logger,
      }),
    );
    expect(error).toBeInstanceOf(TasksLoadError);
    expect(((error as Error).cause as { code?: string }).code).toBe('ERR_WORKER_OUT_OF_MEMORY');
  });
});

describe('more online CPUs than the process can hold', () => {
  it('checkWorkerMemory refuses workers past half the available memory, naming the figures', () => {
    const available = 100 * WORKER_RSS_BYTES;
    expect(() => checkWorkerMemory('start', 50, 0, available)).not.toThrow();
    const error = (() => {
      try {
        checkWorkerMemory('start 51 CPU workers', 51, 0, available);
      } catch (e) {
        return e;
      }
      return null;
    })();
    // (src/ and the package are two module instances here: compare by name and code.)
    expect((error as Error).name).toBe('InsufficientMemoryError');
    expect((error as InsufficientMemoryError).code).toBe('PERCPU_INSUFFICIENT_MEMORY');
    expect((error as Error).message).toContain('at most 50 more can start');
  });

  it('cpus 1024, all online: start() rejects at once with InsufficientMemoryError, no worker started', async () => {
    // This machine's precondition, stated: 1024 workers need more than half its available memory.
    expect(1024 * WORKER_RSS_BYTES).toBeGreaterThan(availableMemory() / 2);
    const log = captureLogger('info');
    const started = performance.now();
    const error = await rejectionOf(Runtime.start({ cpus: 1024, tasks: LIFECYCLE_TASKS, logger: log.logger }));
    expect(error).toBeInstanceOf(InsufficientMemoryError);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(log.count('CPU online')).toBe(0);
  });
});
