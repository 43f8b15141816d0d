/**
 * percpu's paths, the way its docs tell a user to write them:
 *
 * - ref: `thisCpu.ref(ptr, 's32')` made once per counter, `.inc()` / `.add(d)` in the loop;
 * - cell: `thisCpu.cell(ptr, 's32')` once, `array[index + k]++` in the loop (k: the counter's
 *   position in the allocation);
 * - array: `thisCpu.array(ptr, 's32', count)` once, this CPU's copy of the allocation as its own
 *   Int32Array, `c[k]++` in the loop;
 * - generic: `thisCpu.inc(ptr, 's32')` / `thisCpu.add(ptr, 's32', d)`, checked on every call.
 *
 * A workload's counters are one allocation of s32s: counter k is at ptr + 4k on every CPU.
 */
import { thisCpu } from 'percpu/cpu';
import type { CpuRef } from 'percpu/cpu';
import { type LoopArg, type LoopResult, MIB_FIELDS, RANDOM_COUNTERS } from './model.js';
import { timed } from './timed.js';

function refs(ptr: number, count: number): CpuRef<'s32'>[] {
  return Array.from({ length: count }, (_, k) => thisCpu.ref(ptr + 4 * k, 's32'));
}

function localSum(ptr: number, count: number): number {
  const { array, index } = thisCpu.cell(ptr, 's32');
  let total = 0;
  for (let k = 0; k < count; k++) total += array[index + k]!;
  return total;
}

export function refHot(arg: LoopArg): LoopResult {
  const hits = thisCpu.ref(arg.ptr, 's32');
  const n = arg.n;
  return timed(
    arg,
    () => hits.read(),
    () => {
      for (let i = 0; i < n; i++) hits.inc();
    },
  );
}

export function refRandom(arg: LoopArg): LoopResult {
  const counters = refs(arg.ptr, RANDOM_COUNTERS);
  const n = arg.n;
  const seed = arg.seed;
  return timed(
    arg,
    () => localSum(arg.ptr, RANDOM_COUNTERS),
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        counters[((x >>> 16) * 1000) >>> 16]!.inc();
      }
    },
  );
}

export function refMib(arg: LoopArg): LoopResult {
  const f = refs(arg.ptr, MIB_FIELDS);
  const packets = f[0]!;
  const octets = f[1]!;
  const n = arg.n;
  const seed = arg.seed;
  return timed(
    arg,
    () => packets.read(),
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        packets.inc();
        octets.add(64 + (x & 1023));
        f[2 + ((x >>> 10) & 15)]!.inc();
        f[18 + ((x >>> 14) & 7)]!.inc();
        f[26 + ((x >>> 17) & 3)]!.inc();
        f[30 + ((x >>> 19) & 1)]!.inc();
      }
    },
  );
}

export function cellHot(arg: LoopArg): LoopResult {
  const { array, index } = thisCpu.cell(arg.ptr, 's32');
  const n = arg.n;
  return timed(
    arg,
    () => array[index]!,
    () => {
      for (let i = 0; i < n; i++) array[index]!++;
    },
  );
}

export function cellRandom(arg: LoopArg): LoopResult {
  const { array, index } = thisCpu.cell(arg.ptr, 's32');
  const n = arg.n;
  const seed = arg.seed;
  return timed(
    arg,
    () => localSum(arg.ptr, RANDOM_COUNTERS),
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        array[index + (((x >>> 16) * 1000) >>> 16)]!++;
      }
    },
  );
}

export function cellMib(arg: LoopArg): LoopResult {
  const { array: f, index: b } = thisCpu.cell(arg.ptr, 's32');
  const n = arg.n;
  const seed = arg.seed;
  return timed(
    arg,
    () => f[b]!,
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        f[b]!++;
        f[b + 1]! += 64 + (x & 1023);
        f[b + 2 + ((x >>> 10) & 15)]!++;
        f[b + 18 + ((x >>> 14) & 7)]!++;
        f[b + 26 + ((x >>> 17) & 3)]!++;
        f[b + 30 + ((x >>> 19) & 1)]!++;
      }
    },
  );
}

export function arrayHot(arg: LoopArg): LoopResult {
  const c = thisCpu.array(arg.ptr, 's32', 1);
  const n = arg.n;
  return timed(
    arg,
    () => c[0]!,
    () => {
      for (let i = 0; i < n; i++) c[0]!++;
    },
  );
}

export function arrayRandom(arg: LoopArg): LoopResult {
  const c = thisCpu.array(arg.ptr, 's32', RANDOM_COUNTERS);
  const n = arg.n;
  const seed = arg.seed;
  return timed(
    arg,
    () => localSum(arg.ptr, RANDOM_COUNTERS),
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        c[((x >>> 16) * 1000) >>> 16]!++;
      }
    },
  );
}

export function arrayMib(arg: LoopArg): LoopResult {
  const f = thisCpu.array(arg.ptr, 's32', MIB_FIELDS);
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

export function genericHot(arg: LoopArg): LoopResult {
  const ptr = arg.ptr;
  const n = arg.n;
  return timed(
    arg,
    () => thisCpu.read(ptr, 's32'),
    () => {
      for (let i = 0; i < n; i++) thisCpu.inc(ptr, 's32');
    },
  );
}

export function genericRandom(arg: LoopArg): LoopResult {
  const ptr = arg.ptr;
  const n = arg.n;
  const seed = arg.seed;
  return timed(
    arg,
    () => localSum(ptr, RANDOM_COUNTERS),
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        thisCpu.inc(ptr + ((((x >>> 16) * 1000) >>> 16) << 2), 's32');
      }
    },
  );
}

export function genericMib(arg: LoopArg): LoopResult {
  const ptr = arg.ptr;
  const n = arg.n;
  const seed = arg.seed;
  return timed(
    arg,
    () => thisCpu.read(ptr, 's32'),
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        thisCpu.inc(ptr, 's32');
        thisCpu.add(ptr + 4, 's32', 64 + (x & 1023));
        thisCpu.inc(ptr + ((2 + ((x >>> 10) & 15)) << 2), 's32');
        thisCpu.inc(ptr + ((18 + ((x >>> 14) & 7)) << 2), 's32');
        thisCpu.inc(ptr + ((26 + ((x >>> 17) & 3)) << 2), 's32');
        thisCpu.inc(ptr + ((30 + ((x >>> 19) & 1)) << 2), 's32');
      }
    },
  );
}
