/**
 * The defined outcomes of docs/api.md that test/runtime/lifecycle.test.ts does not already cover:
 *
 * - closing while tasks run, when a task's worker dies during the close (the task rejects with
 *   CpuDiedError, the tasks queued behind it run on the replacement worker, close() settles
 *   promptly), when tasks fail, and when CPUs are allocating (their requests are still served;
 *   nothing leaks);
 * - using a runtime after close: killCpu throws ClosedError too; stats, chunkStats, verify,
 *   robustReport, staticPtr and onlineCpus still answer;
 * - two runtimes at once: an offset freed in the other runtime (rejected, or — documented —
 *   freeing the other's area at the same offset), a CPU death in one leaves the other alone.
 */
import { describe, expect, it } from 'vitest';
import { ClosedError, CpuDiedError, InvalidFreeError, TaskFailedError } from 'percpu';
import { killCpu } from 'percpu/testing';
import { captureLogger, mustAlloc, rejectionOf, thrownBy, trackRuntimes } from '../runtime/helpers.js';
import { expectDisjoint, liveAreas, startReliability, tableAreas } from './helpers.js';

const runtimes = trackRuntimes();

/** How long a close may take here: piscina's own close would wait 30 s for a dead worker. */
const PROMPT_MS = 5000;

describe('closing while tasks run', () => {
  it('a task whose worker dies during close rejects with CpuDiedError; tasks queued behind it run on a new worker', async () => {
    const log = captureLogger('info');
    const rt = await startReliability(runtimes, { cpus: 2, logger: log.logger });
    const ptr = mustAlloc(rt, 4);
    const u64Ptr = mustAlloc(rt, 8, 8);
    const counter = rt.counter();
    const arg = { ptr, u64Ptr, handle: counter.handle, times: 1000, counterAdds: 10, amount: 1, markerPtr: 0 };
    const dying = rejectionOf(rt.runOn(1, 'countThenDie', { ...arg, way: 'exit' }));
    const queued = rt.runOn(1, 'increment', { ptr, times: 5 });
    const other = rt.runOn(0, 'increment', { ptr, times: 7 });

    const started = performance.now();
    const closing = rt.close();
    expect(rt.close()).toBe(closing);
    await closing;
    expect(performance.now() - started).toBeLessThan(PROMPT_MS);

    expect(await dying).toBeInstanceOf(CpuDiedError);
    await expect(queued).resolves.toBe(1005);
    await expect(other).resolves.toBe(7);
    expect(rt.sum(ptr, 's32')).toBe(1012);
    // The death is handled as any other: counted and logged, before the CPU went offline.
    expect(rt.stats().cpus.map((c) => c.deaths)).toEqual([0, 1]);
    expect(log.count('CPU worker died', 1)).toBe(1);
    expect(log.count('CPU worker replaced', 1)).toBe(1);
    expect(log.count('CPU offline', 1)).toBe(1);
  });

  it('tasks that fail during close reject with TaskFailedError, as they would have', async () => {
    const rt = await startReliability(runtimes, { cpus: 2 });
    const failing = rejectionOf(rt.runOn(1, 'freePtr', { ptr: 4 }));
    const fine = rt.runOn(0, 'whoAmI');
    await rt.close();
    expect(await failing).toBeInstanceOf(TaskFailedError);
    await expect(fine).resolves.toBe(0);
  });

  it('CPUs allocating during close are served to the end, even one dying with a request in flight: nothing leaks', async () => {
    const log = captureLogger('info');
    const rt = await startReliability(runtimes, {
      cpus: 2,
      robust: { verifyEveryOperation: true },
      logger: log.logger,
    });
    const loop = { ops: 120, seed: 5, maxSize: 300 };
    const survivor = rt.runOn(0, 'allocLoop', { ...loop, die: null });
    const dying = rejectionOf(
      rt.runOn(1, 'allocLoop', { ...loop, die: { at: 30, way: 'exit', inFlight: 'served', op: 'alloc' } }),
    );
    const resumed = rt.runOn(1, 'allocLoop', { ...loop, die: null }); // queued behind the dying one
    const started = performance.now();
    await rt.close();
    expect(performance.now() - started).toBeLessThan(PROMPT_MS);

    expect(await dying).toBeInstanceOf(CpuDiedError);
    await expect(survivor).resolves.toMatchObject({ opsDone: 120 });
    await expect(resumed).resolves.toMatchObject({ opsDone: 120 });
    // What the CPUs still hold is exactly what robust mode lists as leaked at close.
    rt.verify();
    const tables = tableAreas(rt);
    expect(liveAreas(rt)).toEqual(tables);
    expectDisjoint(tables);
    expect(log.count('leak at close')).toBe(tables.length);
    expect(rt.sum(rt.staticPtr('rel_violations'), 'u32')).toBe(0);
    expect(log.count('allocator invariants broken')).toBe(0);
  });
});

describe('using a runtime after close', () => {
  it('killCpu throws ClosedError naming what was attempted; the read-only calls still answer', async () => {
    const rt = await startReliability(runtimes, { cpus: 2, robust: true });
    const ptr = mustAlloc(rt, 16);
    await rt.close();
    const error = await rejectionOf(killCpu(rt, 1));
    expect(error).toBeInstanceOf(ClosedError);
    expect(error).toMatchObject({ code: 'PERCPU_CLOSED' });
    expect((error as Error).message).toContain('kill a CPU');

    expect(rt.onlineCpus()).toEqual([]);
    expect(rt.stats().allocator.nrCurAlloc).toBe(1);
    expect(rt.stats().cpus.map((c) => c.online)).toEqual([false, false]);
    expect(rt.chunkStats().length).toBeGreaterThan(0);
    rt.verify();
    expect(rt.staticPtr('rel_ops')).toBeGreaterThanOrEqual(0);
    expect(rt.robustReport()!.leaks).toMatchObject([{ ptr, size: 16, allocatedBy: 'coordinator' }]);
  });
});

describe('two runtimes at once', () => {
  it('an offset from the other runtime is rejected where nothing lives, and frees the area at the same offset where one does', async () => {
    const [a, b] = await Promise.all([
      startReliability(runtimes, { cpus: 2 }),
      startReliability(runtimes, { cpus: 2 }),
    ]);
    const pa = mustAlloc(a, 64);
    const error = thrownBy(() => b.free(pa));
    expect(error).toBeInstanceOf(InvalidFreeError);
    expect(error).toMatchObject({ code: 'PERCPU_INVALID_FREE', offset: pa, reason: 'not-allocated' });
    // From one of b's CPUs, the same.
    const remote = await rejectionOf(b.runOn(1, 'freePtr', { ptr: pa }));
    expect((remote as TaskFailedError).remote).toMatchObject({ code: 'PERCPU_INVALID_FREE' });

    // docs/api.md: an offset is a plain number; where b has a live area at the same offset, b frees it.
    const pb = mustAlloc(b, 64);
    expect(pb).toBe(pa);
    b.free(pa);
    expect(b.stats().allocator.nrCurAlloc).toBe(0);
    expect(a.stats().allocator.nrCurAlloc).toBe(1);
    a.verify();
    b.verify();
  });

  it('a CPU dying in one runtime leaves the other’s CPU of the same id alone', async () => {
    const [a, b] = await Promise.all([
      startReliability(runtimes, { cpus: 2 }),
      startReliability(runtimes, { cpus: 2 }),
    ]);
    const pa = mustAlloc(a, 4);
    const pb = mustAlloc(b, 4);
    const u64Ptr = mustAlloc(a, 8, 8);
    const counter = a.counter();
    const counting = b.runOn(1, 'increment', { ptr: pb, times: 2_000_000 });
    const dying = rejectionOf(
      a.runOn(1, 'countThenDie', {
        ptr: pa,
        u64Ptr,
        handle: counter.handle,
        times: 10,
        counterAdds: 0,
        amount: 0,
        way: 'exit',
        markerPtr: 0,
      }),
    );
    expect(await dying).toBeInstanceOf(CpuDiedError);
    await expect(counting).resolves.toBe(2_000_000);
    expect(a.stats().cpus[1]!.deaths).toBe(1);
    expect(b.stats().cpus[1]!.deaths).toBe(0);
    expect(a.sum(pa, 's32')).toBe(10);
    expect(b.sum(pb, 's32')).toBe(2_000_000);
  });
});
