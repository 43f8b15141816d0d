/**
 * The CPU side of one measurement: read this CPU's total, wait at the start barrier with the
 * other CPUs, run the loop, stop the clock, read the total again.
 */
import { thisCpu } from 'percpu/cpu';
import { BARRIER_ARRIVED, BARRIER_RELEASE, type LoopArg, type LoopResult } from './model.js';

/** Spins until the coordinator releases every CPU at once. */
export function awaitBarrier(barrier: SharedArrayBuffer): void {
  const words = new Int32Array(barrier);
  // Atomics.add: the coordinator waits until every CPU has arrived before it releases them.
  Atomics.add(words, BARRIER_ARRIVED, 1);
  // Atomics.load: the coordinator's Atomics.store releases every CPU at once.
  while (Atomics.load(words, BARRIER_RELEASE) === 0) {
    // spin: the coordinator releases within a millisecond or so of the last arrival
  }
}

/**
 * Times `loop` between the barrier and its end. `total` reads what this CPU's counters add up
 * to (or NaN when it cannot know), before and after, outside the timed part.
 */
export function timed(arg: LoopArg, total: () => number, loop: () => void): LoopResult {
  const before = total();
  awaitBarrier(arg.barrier);
  const startNs = process.hrtime.bigint();
  loop();
  const endNs = process.hrtime.bigint();
  const counted = (total() - before) | 0;
  return { cpu: thisCpu.id, n: arg.n, startNs, endNs, counted: Number.isNaN(before) ? NaN : counted };
}
