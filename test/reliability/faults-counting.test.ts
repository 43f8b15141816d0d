/**
 * Nothing counted is lost when a CPU dies. For each way a worker can die, CPU 1 counts a known
 * number of times — an s32 through the fast path, a u64, a percpu_counter — and then dies, three
 * times in a row, while CPU 0 counts at the same time. Every increment must be in the sums, the
 * CPU must come back (the next task runs on it, on the same unit), and the runtime keeps serving.
 *
 * test/runtime/crashes.test.ts covers one s32 per death for exit, a timer, out of heap and
 * killCpu; this file adds an uncaught exception outside a timer and an unhandled rejection, the
 * u64 and percpu_counter parts (local remainders of a dead worker stay in the sum), repeated
 * deaths, and a second CPU counting through each death.
 */
import { describe, expect, it } from 'vitest';
import { CpuDiedError } from 'percpu';
import { killCpu } from 'percpu/testing';
import type { DeathWay } from '../fixtures/reliability-tasks.js';
import { captureLogger, mustAlloc, rejectionOf, trackRuntimes } from '../runtime/helpers.js';
import { startReliability, waitFor } from './helpers.js';

const runtimes = trackRuntimes();

/** Each way, and what the CpuDiedError's message must say about the death. */
const WAYS: readonly (readonly [DeathWay, RegExp])[] = [
  ['uncaught', /injected fault: uncaught exception/],
  ['timer', /injected fault: exception in a timer/],
  ['rejection', /injected fault: unhandled rejection/],
  ['exit', /exited with code: 71/],
  ['oom', /memory limit|out of memory/i],
  ['kill', /exited with code: 1\b/],
];

const ROUNDS = 3;
const BATCH = 64;

describe.each(WAYS)('a CPU that dies by %s after counting', (way, cause) => {
  it('loses no increment, comes back on the same unit, and the runtime keeps serving', async () => {
    const log = captureLogger('info');
    const rt = await startReliability(runtimes, {
      cpus: 2,
      logger: log.logger,
      workerResourceLimits: { maxOldGenerationSizeMb: 32 },
    });
    const ptr = mustAlloc(rt, 4);
    const u64Ptr = mustAlloc(rt, 8, 8);
    const counter = rt.counter({ batch: BATCH });
    const markerPtr = rt.staticPtr('rel_dying');
    const expected = { s32: [0, 0], u64: 0n, counter: 0n };

    for (let round = 1; round <= ROUNDS; round++) {
      // Not multiples of the batch: each death leaves an unfolded local part behind.
      const dead = {
        ptr,
        u64Ptr,
        handle: counter.handle,
        times: 250_000 * round + 7,
        counterAdds: 37 * round,
        amount: 3,
      };
      const alive = { ptr, u64Ptr, handle: counter.handle, times: 100_000, counterAdds: 50, amount: -1 };
      rt.write(markerPtr, 1, 'u32', 0);
      const dying = rejectionOf(rt.runOn(1, 'countThenDie', { ...dead, way, markerPtr }));
      const survivor = rt.runOn(0, 'count', alive);
      if (way === 'kill') {
        await waitFor(() => rt.read(markerPtr, 1, 'u32') === 1, 'CPU 1 to ask to be killed');
        await killCpu(rt, 1);
      }
      const error = await dying;
      expect(error).toBeInstanceOf(CpuDiedError);
      expect(error).toMatchObject({ code: 'PERCPU_CPU_DIED', cpu: 1, task: 'countThenDie' });
      expect((error as Error).message).toMatch(cause);
      await survivor;
      expected.s32[1]! += dead.times;
      expected.s32[0]! += alive.times;
      expected.u64 += BigInt(dead.times + alive.times);
      expected.counter += BigInt(dead.counterAdds * dead.amount + alive.counterAdds * alive.amount);

      // Every increment made before the death is in the sums.
      expect(rt.read(ptr, 1, 's32')).toBe(expected.s32[1]);
      expect(rt.read(ptr, 0, 's32')).toBe(expected.s32[0]);
      expect(rt.sum(ptr, 's32')).toBe(expected.s32[0]! + expected.s32[1]!);
      expect(rt.sum(u64Ptr, 'u64')).toBe(expected.u64);
      expect(counter.sum()).toBe(expected.counter);

      // The CPU comes back: the next task runs on it.
      expect(await rt.runOn(1, 'whoAmI')).toBe(1);
      expect(rt.stats().cpus.map((c) => [c.online, c.deaths])).toEqual([
        [true, 0],
        [true, round],
      ]);
    }
    // The dead workers' local counter part is still CPU 1's: it was never folded, and it counts.
    expect(rt.read(counter.handle.ptr, 1, 's32')).not.toBe(0);

    // The replacement worker continues from the same unit.
    const next = await rt.runOn(1, 'count', {
      ptr,
      u64Ptr,
      handle: counter.handle,
      times: 1,
      counterAdds: 1,
      amount: 1,
    });
    expect(next.s32).toBe(expected.s32[1]! + 1);
    expect(next.u64).toBe(BigInt(expected.s32[1]! + 1));
    expect(counter.sum()).toBe(expected.counter + 1n);

    // The runtime keeps serving: tasks on every CPU, the allocator, the logs.
    expect(await rt.runOnEach('whoAmI')).toEqual(
      new Map([
        [0, 0],
        [1, 1],
      ]),
    );
    rt.free(mustAlloc(rt, 64));
    rt.verify();
    expect(log.count('CPU worker died', 1)).toBe(ROUNDS);
    expect(log.count('CPU worker replaced', 1)).toBe(ROUNDS);
    expect(log.count('CPU worker died', 0)).toBe(0);
  });
});
