/**
 * The atomic peers, as a competent user writes them without percpu:
 *
 * - shared: one array of counters in a SharedArrayBuffer, every worker does Atomics.add on it;
 * - striped: Java's LongAdder idea, one stripe of counters per worker, stripes padded to 128
 *   bytes apart so no two workers' counters share a cache line, each update an Atomics.add (a
 *   LongAdder cell may be shared, so its updates are atomic); a reader sums the stripes.
 */
import { thisCpu } from 'percpu/cpu';
import { type LoopArg, type LoopResult, SHARED_START, counterCount, stripeStart } from './model.js';
import { timed } from './timed.js';

function atomicSum(cells: Int32Array, start: number, count: number): number {
  let total = 0;
  // Atomics.load: other workers may be adding to these words.
  for (let i = 0; i < count; i++) total += Atomics.load(cells, start + i);
  return total;
}

/** The shared peer cannot tell its own adds from the others': the coordinator checks the total. */
const UNKNOWN = (): number => NaN;

export function sharedHot(arg: LoopArg): LoopResult {
  const cells = new Int32Array(arg.shared);
  const at = SHARED_START;
  const n = arg.n;
  return timed(arg, UNKNOWN, () => {
    // Atomics.add: the peer being measured.
    for (let i = 0; i < n; i++) Atomics.add(cells, at, 1);
  });
}

export function sharedRandom(arg: LoopArg): LoopResult {
  const cells = new Int32Array(arg.shared);
  const b = SHARED_START;
  const n = arg.n;
  const seed = arg.seed;
  return timed(arg, UNKNOWN, () => {
    let x = seed;
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      // Atomics.add: the peer being measured.
      Atomics.add(cells, b + (((x >>> 16) * 1000) >>> 16), 1);
    }
  });
}

export function sharedMib(arg: LoopArg): LoopResult {
  const f = new Int32Array(arg.shared);
  const b = SHARED_START;
  const n = arg.n;
  const seed = arg.seed;
  return timed(arg, UNKNOWN, () => {
    let x = seed;
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      // Atomics.add: the peer being measured, six fields per op.
      Atomics.add(f, b, 1);
      Atomics.add(f, b + 1, 64 + (x & 1023));
      Atomics.add(f, b + 2 + ((x >>> 10) & 15), 1);
      Atomics.add(f, b + 18 + ((x >>> 14) & 7), 1);
      Atomics.add(f, b + 26 + ((x >>> 17) & 3), 1);
      Atomics.add(f, b + 30 + ((x >>> 19) & 1), 1);
    }
  });
}

export function stripedHot(arg: LoopArg): LoopResult {
  const cells = new Int32Array(arg.striped);
  const at = stripeStart('hot', thisCpu.id);
  const n = arg.n;
  return timed(
    arg,
    () => Atomics.load(cells, at),
    () => {
      // Atomics.add: the peer being measured, on this worker's own padded cell.
      for (let i = 0; i < n; i++) Atomics.add(cells, at, 1);
    },
  );
}

export function stripedRandom(arg: LoopArg): LoopResult {
  const cells = new Int32Array(arg.striped);
  const b = stripeStart('random', thisCpu.id);
  const n = arg.n;
  const seed = arg.seed;
  return timed(
    arg,
    () => atomicSum(cells, b, counterCount('random')),
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        // Atomics.add: the peer being measured.
        Atomics.add(cells, b + (((x >>> 16) * 1000) >>> 16), 1);
      }
    },
  );
}

export function stripedMib(arg: LoopArg): LoopResult {
  const f = new Int32Array(arg.striped);
  const b = stripeStart('mib', thisCpu.id);
  const n = arg.n;
  const seed = arg.seed;
  return timed(
    arg,
    () => Atomics.load(f, b),
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        // Atomics.add: the peer being measured, six fields per op.
        Atomics.add(f, b, 1);
        Atomics.add(f, b + 1, 64 + (x & 1023));
        Atomics.add(f, b + 2 + ((x >>> 10) & 15), 1);
        Atomics.add(f, b + 18 + ((x >>> 14) & 7), 1);
        Atomics.add(f, b + 26 + ((x >>> 17) & 3), 1);
        Atomics.add(f, b + 30 + ((x >>> 19) & 1), 1);
      }
    },
  );
}
