/**
 * The limit: plain Int32Array increments on an array that is not shared, made inside the worker.
 * Nothing can be faster in JavaScript; percpu's paths are measured against it. The loops are the
 * same as every other variant's (the same xorshift, the same index arithmetic), so only the
 * memory and the update differ.
 */
import { type LoopArg, type LoopResult, MIB_FIELDS, RANDOM_COUNTERS } from './model.js';
import { timed } from './timed.js';

function sum(cells: Int32Array): number {
  let total = 0;
  for (let i = 0; i < cells.length; i++) total += cells[i]!;
  return total;
}

export function limitHot(arg: LoopArg): LoopResult {
  const cells = new Int32Array(1024);
  // An index held in a const (not a literal), as a counter table is indexed.
  const index = (arg.ptr >>> 2) & 1023;
  const n = arg.n;
  return timed(
    arg,
    () => cells[index]!,
    () => {
      for (let i = 0; i < n; i++) cells[index]!++;
    },
  );
}

export function limitRandom(arg: LoopArg): LoopResult {
  const cells = new Int32Array(RANDOM_COUNTERS);
  const n = arg.n;
  const seed = arg.seed;
  return timed(
    arg,
    () => sum(cells),
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        cells[((x >>> 16) * 1000) >>> 16]!++;
      }
    },
  );
}

export function limitMib(arg: LoopArg): LoopResult {
  const f = new Int32Array(MIB_FIELDS);
  const n = arg.n;
  const seed = arg.seed;
  return timed(
    arg,
    () => f[0]!,
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        f[0]!++;
        f[1]! += 64 + (x & 1023);
        f[2 + ((x >>> 10) & 15)]!++;
        f[18 + ((x >>> 14) & 7)]!++;
        f[26 + ((x >>> 17) & 3)]!++;
        f[30 + ((x >>> 19) & 1)]!++;
      }
    },
  );
}
