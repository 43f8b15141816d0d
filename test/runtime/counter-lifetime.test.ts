/**
 * A counter's lifetime against the CPUs that use it (issue 11, items 11 and 12), on real workers:
 *
 * - memory a counter owns is not the caller's to free: rt.free and thisCpu.free of it are an
 *   InvalidFreeError ('owned-by-counter') that changes nothing, and destroy() afterwards still
 *   frees exactly the counter (not an allocation that took its offset), and its slot;
 * - destroy() while a CPU still adds: a newer counter never gets the stale adds (its memory and
 *   slot are not the destroyed one's until the task that had the handle finished), and the stale
 *   CPU-side counter's next add gets CounterDestroyedError; a handle or a CPU-side counter kept
 *   past the destroy gets the same error, even once the memory is reused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CounterDestroyedError, InvalidFreeError, OutOfSpaceError, type Runtime } from 'percpu';
import type * as LifetimeTasks from '../fixtures/counter-lifetime-tasks.js';
import { mustAlloc, thrownBy, trackRuntimes } from './helpers.js';

const runtimes = trackRuntimes();
const LIFETIME_TASKS = new URL('../../dist/test/fixtures/counter-lifetime-tasks.js', import.meta.url);
type Lifetime = typeof LifetimeTasks;

function start(options: { cpus: number; maxCounters?: number; robust?: boolean }): Promise<Runtime<Lifetime>> {
  return runtimes.start<Lifetime>({ ...options, tasks: LIFETIME_TASKS });
}

/** Waits until CPU `cpu` has set its u32 at `ptr` (the task is inside its loop). */
async function untilSet(rt: Runtime<Lifetime>, ptr: number, cpu: number): Promise<void> {
  for (let i = 0; i < 5000 && rt.read(ptr, cpu, 'u32') === 0; i++) await sleep(1);
  expect(rt.read(ptr, cpu, 'u32')).toBe(1);
}

describe('memory a counter owns', () => {
  it('rt.free and thisCpu.free of it are InvalidFreeError (owned-by-counter) and change nothing; destroy() then frees only the counter', async () => {
    const rt = await start({ cpus: 2, maxCounters: 1, robust: true });
    const counter = rt.counter();
    await rt.runOn(0, 'incFresh', { handle: counter.handle, times: 5 });
    const before = rt.stats().allocator;

    const error = thrownBy(() => rt.free(counter.handle.ptr));
    expect(error).toBeInstanceOf(InvalidFreeError);
    expect((error as InvalidFreeError).reason).toBe('owned-by-counter');
    expect((error as InvalidFreeError).offset).toBe(counter.handle.ptr);
    expect(await rt.runOn(1, 'tryFree', { ptr: counter.handle.ptr })).toEqual({
      ok: false,
      name: 'InvalidFreeError',
      code: 'PERCPU_INVALID_FREE',
      reason: 'owned-by-counter',
    });
    expect(rt.stats().allocator).toEqual(before);
    expect(rt.read(counter.handle.ptr, 0, 's32')).toBe(5);
    expect(counter.sum()).toBe(5n);
    rt.verify();

    // An allocation made now cannot take the counter's offset, and destroy() leaves it alone.
    const other = mustAlloc(rt, 4);
    expect(other).not.toBe(counter.handle.ptr);
    counter.destroy();
    expect(rt.stats().allocator.nrCurAlloc).toBe(before.nrCurAlloc);
    expect(() => rt.free(other)).not.toThrow();
    // The one slot is free again: the next counter gets it, from 0.
    const next = rt.counter();
    expect(next.sum()).toBe(0n);
    expect(rt.robustReport()?.writesAfterFree).toEqual([]);
    rt.verify();
  });
});

describe('destroy() while a CPU still uses the counter', () => {
  it('a newer counter never gets the stale adds, and the stale add throws CounterDestroyedError', async () => {
    const rt = await start({ cpus: 2, maxCounters: 2 });
    const started = mustAlloc(rt, 4);
    const old = rt.counter();
    const running = rt.runOn(0, 'addUntilThrows', { handle: old.handle, maxMs: 3000, startedPtr: started });
    await untilSet(rt, started, 0);
    old.destroy();

    // Made while CPU 0 may still be adding to the old counter: not its slot, not its memory.
    const fresh = rt.counter();
    expect(fresh.handle.slot).not.toBe(old.handle.slot);
    expect(fresh.handle.ptr).not.toBe(old.handle.ptr);
    // The old slot is held until that task ends, so the only other slot is in use.
    expect(thrownBy(() => rt.counter())).toBeInstanceOf(OutOfSpaceError);
    await sleep(20);
    expect(fresh.sum()).toBe(0n);

    const outcome = await running;
    expect(outcome.error).toEqual({ name: 'CounterDestroyedError', code: 'PERCPU_COUNTER_DESTROYED' });
    expect(outcome.adds).toBeGreaterThan(0);
    expect(fresh.sum()).toBe(0n);
    expect(fresh.read()).toBe(0n);

    // The task ended: the old slot and memory are free again, and whoever gets them starts from 0.
    const reused = rt.counter();
    expect(reused.handle.slot).toBe(old.handle.slot);
    expect(reused.sum()).toBe(0n);
    // The destroyed counter's handle is refused on every CPU, and adds nothing anywhere.
    for (const cpu of [0, 1]) {
      expect(await rt.runOn(cpu, 'incFresh', { handle: old.handle, times: 100 })).toEqual({
        adds: 0,
        error: { name: 'CounterDestroyedError', code: 'PERCPU_COUNTER_DESTROYED' },
      });
    }
    // No count lost: the live counters count exactly.
    await rt.runOnEach('incFresh', { handle: fresh.handle, times: 1000 });
    await rt.runOnEach('incFresh', { handle: reused.handle, times: 777 });
    expect(fresh.sum()).toBe(2000n);
    expect(reused.sum()).toBe(1554n);
    rt.verify();
  });

  it('with add(amount), the stale fold never reaches a newer counter either', async () => {
    const rt = await start({ cpus: 2, maxCounters: 4 });
    const started = mustAlloc(rt, 4);
    const old = rt.counter({ batch: 8 });
    const running = rt.runOn(1, 'addUntilThrows', { handle: old.handle, maxMs: 3000, amount: 3, startedPtr: started });
    await untilSet(rt, started, 1);
    old.destroy();
    const others = [rt.counter(), rt.counter(), rt.counter()];
    const outcome = await running;
    expect(outcome.error?.code).toBe('PERCPU_COUNTER_DESTROYED');
    for (const other of others) expect(other.sum()).toBe(0n);
    rt.verify();
  });

  it('a CPU-side counter kept past destroy() throws at its next add, even once its memory and slot are reused', async () => {
    const rt = await start({ cpus: 2, maxCounters: 1 });
    const old = rt.counter();
    await rt.runOn(1, 'keepCounter', { handle: old.handle });
    expect(await rt.runOn(1, 'incKept', { times: 3 })).toEqual({ adds: 3, error: null });
    old.destroy();
    // No task was running: the slot and the memory are free at once, and the new counter has them.
    const fresh = rt.counter();
    expect(fresh.handle.slot).toBe(old.handle.slot);
    expect(fresh.handle.ptr).toBe(old.handle.ptr);
    expect(await rt.runOn(1, 'incKept', { times: 1000 })).toEqual({
      adds: 0,
      error: { name: 'CounterDestroyedError', code: 'PERCPU_COUNTER_DESTROYED' },
    });
    expect(fresh.sum()).toBe(0n);
    await rt.runOn(1, 'incFresh', { handle: fresh.handle, times: 10 });
    expect(fresh.sum()).toBe(10n);
    expect(new CounterDestroyedError(old.handle.slot).code).toBe('PERCPU_COUNTER_DESTROYED');
    rt.verify();
  });
});
