/**
 * What a piscina user expects of the pool percpu replaces, on real workers: a task's `signal`,
 * `timeout` and `transferList`; `maxQueue`; runOnEachSettled; per-CPU task wait and run times;
 * and the coordinator's whole-structure reads (sumArray, readArray), `logLevel`, and how a task
 * failure is logged.
 */
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  QueueFullError,
  Runtime,
  TaskAbortedError,
  TaskFailedError,
  TaskTimeoutError,
} from 'percpu';
import type * as LifecycleTasks from '../fixtures/lifecycle-tasks.js';
import { captureLogger, mustAlloc, rejectionOf, trackRuntimes } from './helpers.js';

const runtimes = trackRuntimes();
type Lifecycle = typeof LifecycleTasks;
const LIFECYCLE_TASKS = new URL('../../dist/test/fixtures/lifecycle-tasks.js', import.meta.url);

function start(options: Parameters<typeof runtimes.start>[0]): Promise<Runtime<Lifecycle>> {
  return runtimes.start<Lifecycle>({ tasks: LIFECYCLE_TASKS, ...options });
}

describe('signal', () => {
  it('a queued task aborted leaves the queue (started: false); the running one is untouched', async () => {
    const rt = await start({ cpus: 1 });
    const controller = new AbortController();
    const running = rt.runOn(0, 'spin', { ms: 200 });
    const queued = rejectionOf(rt.runOn(0, 'spin', { ms: 1 }, { signal: controller.signal }));
    controller.abort(new Error('changed my mind'));
    const error = await queued;
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).started).toBe(false);
    expect(((error as Error).cause as Error).message).toBe('changed my mind');
    await expect(running).resolves.toBe(0);
    expect(rt.stats().cpus[0]!.deaths).toBe(0);
  });

  it('a running task aborted ends with its worker (started: true); counts kept, the CPU comes back', async () => {
    const log = captureLogger('info');
    const rt = await start({ cpus: 2, logger: log.logger });
    const ptr = mustAlloc(rt, 4);
    await rt.runOn(1, 'increment', { ptr, times: 1000 });
    const controller = new AbortController();
    const aborted = rejectionOf(rt.runOn(1, 'spin', { ms: 60_000 }, { signal: controller.signal }));
    const queued = rt.runOn(1, 'whoAmI');
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    const error = await aborted;
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).started).toBe(true);
    await expect(queued).resolves.toBe(1); // queued behind: runs on the new worker
    expect(rt.read(ptr, 1, 's32')).toBe(1000);
    expect(rt.stats().cpus[1]).toMatchObject({ deaths: 1, tasksFailed: 1, state: 'online' });
    expect(log.count('CPU worker replaced', 1)).toBe(1);
  });

  it('an already aborted signal rejects at once; nothing is queued or counted', async () => {
    const rt = await start({ cpus: 1 });
    const error = await rejectionOf(rt.runOn(0, 'whoAmI', undefined, { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect(rt.stats().cpus[0]).toMatchObject({ tasksRun: 0, tasksFailed: 0 });
  });
});

describe('timeout', () => {
  it('a task running past its timeout ends with TaskTimeoutError (started: true)', async () => {
    const rt = await start({ cpus: 1 });
    const error = await rejectionOf(rt.runOn(0, 'spin', { ms: 60_000 }, { timeout: 100 }));
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ code: 'PERCPU_TASK_TIMEOUT', started: true, timeoutMs: 100, cpu: 0, task: 'spin' });
    await expect(rt.runOn(0, 'whoAmI')).resolves.toBe(0);
  });

  it('counts from the call: a task still queued at its timeout never starts (started: false)', async () => {
    const rt = await start({ cpus: 1 });
    const running = rt.runOn(0, 'spin', { ms: 300 });
    const error = await rejectionOf(rt.runOn(0, 'spin', { ms: 1 }, { timeout: 50 }));
    expect(error).toMatchObject({ code: 'PERCPU_TASK_TIMEOUT', started: false });
    await expect(running).resolves.toBe(0);
    expect(rt.stats().cpus[0]!.deaths).toBe(0);
  });

  it.each([0, -1, 1.5, '100', Infinity])('timeout %j is an InvalidArgumentError', async (timeout) => {
    const rt = await start({ cpus: 1 });
    const error = await rejectionOf(rt.runOn(0, 'whoAmI', undefined, { timeout: timeout as number }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('options.timeout');
  });
});

describe('transferList', () => {
  it('moves an ArrayBuffer to the worker instead of copying it', async () => {
    const rt = await start({ cpus: 1 });
    const buffer = new Uint8Array([1, 2, 3, 4]).buffer;
    await expect(rt.runOn(0, 'sumBytes', { buffer }, { transferList: [buffer] })).resolves.toBe(10);
    expect(buffer.byteLength).toBe(0); // detached here: it was moved
  });

  it('runOnEach on several CPUs refuses a transfer list (a buffer moves to one worker only)', async () => {
    const rt = await start({ cpus: 2 });
    const buffer = new ArrayBuffer(4);
    const error = await rejectionOf(rt.runOnEach('sumBytes', { buffer }, { transferList: [buffer] }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(buffer.byteLength).toBe(4);
  });
});

describe('maxQueue', () => {
  it('past maxQueue tasks waiting on a CPU, a task is refused with QueueFullError', async () => {
    const rt = await start({ cpus: 1, maxQueue: 1 });
    const running = rt.runOn(0, 'spin', { ms: 200 });
    const waiting = rt.runOn(0, 'whoAmI');
    const error = await rejectionOf(rt.runOn(0, 'whoAmI'));
    expect(error).toBeInstanceOf(QueueFullError);
    expect(error).toMatchObject({ code: 'PERCPU_QUEUE_FULL', cpu: 0, maxQueue: 1 });
    await expect(Promise.all([running, waiting])).resolves.toEqual([0, 0]);
    await expect(rt.runOn(0, 'whoAmI')).resolves.toBe(0);
  });

  it.each([-1, 1.5, 'x'])('maxQueue %j is an InvalidArgumentError', async (maxQueue) => {
    const error = await rejectionOf(Runtime.start({ cpus: 1, maxQueue: maxQueue as number }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('maxQueue');
  });
});

describe('runOnEachSettled', () => {
  it('keeps every CPU’s outcome: one CPU’s failure does not discard the others’ results', async () => {
    const rt = await start({ cpus: 3 });
    const outcomes = await rt.runOnEachSettled('failOn', { cpus: [1] });
    expect([...outcomes.keys()]).toEqual([0, 1, 2]);
    expect(outcomes.get(0)).toEqual({ status: 'fulfilled', value: 0 });
    expect(outcomes.get(2)).toEqual({ status: 'fulfilled', value: 2 });
    const failed = outcomes.get(1)!;
    expect(failed.status).toBe('rejected');
    expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(TaskFailedError);
    // runOnEach rejects with the failure, after every CPU settled.
    expect(await rejectionOf(rt.runOnEach('failOn', { cpus: [2] }))).toBeInstanceOf(TaskFailedError);
  });
});

describe('task wait and run times', () => {
  it('stats() gives per CPU the time tasks waited in the queue and ran', async () => {
    const rt = await start({ cpus: 2 });
    await Promise.all([rt.runOn(1, 'spin', { ms: 80 }), rt.runOn(1, 'spin', { ms: 1 })]);
    const cpu1 = rt.stats().cpus[1]!;
    expect(cpu1.taskRunMs.total).toBeGreaterThanOrEqual(80);
    expect(cpu1.taskRunMs.max).toBeGreaterThanOrEqual(80);
    expect(cpu1.taskWaitMs.max).toBeGreaterThanOrEqual(70); // the second waited for the first
    expect(rt.stats().cpus[0]!.taskRunMs).toEqual({ total: 0, max: 0 });
  });
});

describe('sumArray and readArray', () => {
  it('sum every field of a structure over the CPUs at once, and snapshot one CPU’s copy', async () => {
    const rt = await start({ cpus: 3 });
    const ptr = mustAlloc(rt, 4 * 5);
    await rt.runOnEach('fillStruct', { ptr, values: [1, 2, 3, 4, 5] });
    // CPU c wrote values × (c + 1): the sums are values × (1 + 2 + 3).
    expect(rt.sumArray(ptr, 's32', 5)).toEqual([6, 12, 18, 24, 30]);
    const snapshot = rt.readArray(ptr, 1, 's32', 5);
    expect(snapshot).toBeInstanceOf(Int32Array);
    expect([...snapshot]).toEqual([2, 4, 6, 8, 10]);
    snapshot[0] = 99; // a copy: the CPU's memory is unchanged
    expect(rt.read(ptr, 1, 's32')).toBe(2);
    const wide = mustAlloc(rt, 16, 8);
    rt.write(wide + 8, 2, 'u64', 2n ** 60n);
    expect(rt.sumArray(wide, 'u64', 2)).toEqual([0n, 2n ** 60n]);
  });

  it.each([0, -1, 1.5, 100_000_000])('length %j is an InvalidArgumentError naming length', async (length) => {
    const rt = await start({ cpus: 1 });
    const ptr = mustAlloc(rt, 8);
    for (const call of [() => rt.sumArray(ptr, 's32', length), () => rt.readArray(ptr, 0, 's32', length)]) {
      let error: unknown = null;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('length');
    }
  });
});

describe('logging', () => {
  it('logLevel sets the default logger’s level; with a logger of one’s own it is refused', async () => {
    const rt = await Runtime.start({ cpus: 1, logLevel: 'silent' });
    try {
      expect(rt.logger.level).toBe('silent');
    } finally {
      await rt.close();
    }
    for (const options of [
      { cpus: 1, logLevel: 'loud' },
      { cpus: 1, logLevel: 'info', logger: captureLogger().logger },
    ]) {
      const error = await rejectionOf(Runtime.start(options as Parameters<typeof Runtime.start>[0]));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('logLevel');
    }
  });

  it('a task failure the caller gets is logged at debug, its err.type the error’s class', async () => {
    const log = captureLogger('debug');
    const rt = await start({ cpus: 1, logger: log.logger });
    await rejectionOf(rt.runOn(0, 'failOn', { cpus: [0] }));
    const line = log.records().find((r) => r.msg === 'task failed')!;
    expect(line.level).toBe(20); // debug
    expect((line.err as { type: string }).type).toBe('TaskFailedError');
    expect(line.remoteType).toBe('RangeError');
  });
});
