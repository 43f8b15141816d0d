/**
 * The CPU side of `percpu run`: a counter workload. Every CPU updates counter objects (single
 * u64 counters and MIB-like structures of many u64 fields) with thisCpu's fast path, and keeps
 * what it did in a plain local model, which the coordinator compares with the per-CPU sums.
 */
import { thisCpu } from '../cpu/index.js';
import { Prng } from '../util/prng.js';
import { type StopFlag, stopRaised, stopView } from './stop-flag.js';

/** A counter object: `fields` u64 counters at ptr, ptr + 8, ... */
export interface CounterObject {
  readonly ptr: number;
  readonly fields: number;
}

export interface CountArg {
  readonly objects: readonly CounterObject[];
  /** Operations for this CPU, or 0 to run for `seconds`. */
  readonly ops: number;
  readonly seconds: number;
  readonly seed: number;
  /** MIB-like structures this CPU allocates itself while it runs, and updates. */
  readonly ownObjects: number;
  readonly ownFields: number;
  /** Static u64 where this CPU publishes how many operations it has done (for progress). */
  readonly progressPtr: number;
  /** Raised by the coordinator on SIGINT/SIGTERM: return early with what was done (stop-flag.ts). */
  readonly stop: StopFlag;
}

export interface CountResult {
  readonly cpu: number;
  readonly ops: number;
  readonly ns: number;
  /** Per object, per field: what this CPU added (numbers: per CPU they stay below 2^53). */
  readonly expected: number[][];
  readonly own: readonly { readonly object: CounterObject; readonly expected: number[] }[];
}

/** Operations between checks of the clock, the stop flag, the progress word and the allocation schedule. */
const SLICE = 1 << 16;
/** Byte counts a MIB update adds to its second field, as bigints made once. */
const SIZES = Array.from({ length: 64 }, (_, i) => BigInt(64 + i * 23));

interface Target {
  readonly array: BigUint64Array;
  readonly index: number;
  readonly fields: number;
  readonly expected: number[];
}

function target(object: CounterObject): Target {
  const { array, index } = thisCpu.cell(object.ptr, 'u64');
  return { array, index, fields: object.fields, expected: new Array<number>(object.fields).fill(0) };
}

export async function count(arg: CountArg): Promise<CountResult> {
  // Each CPU draws its own stream from the run's seed.
  const prng = new Prng((arg.seed ^ Math.imul(thisCpu.id + 1, 0x9e3779b1)) >>> 0);
  const targets = arg.objects.map(target);
  const progress = thisCpu.cell(arg.progressPtr, 'u64');
  const stop = stopView(arg.stop);
  const own: { object: CounterObject; expected: number[] }[] = [];
  const deadline = arg.ops > 0 ? Infinity : Date.now() + arg.seconds * 1000;
  const totalOps = arg.ops > 0 ? arg.ops : Infinity;
  // Allocate own structures at evenly spread points of the run (by slice number).
  const allocEvery = arg.ops > 0 ? Math.max(1, Math.floor(arg.ops / SLICE / (arg.ownObjects + 1))) : 16;
  let done = 0;
  let slice = 0;
  const start = process.hrtime.bigint();
  // A stop is noticed within one slice; every slice is whole, so `expected` is exactly what was done.
  while (done < totalOps && Date.now() < deadline && !stopRaised(stop)) {
    if (own.length < arg.ownObjects && slice % allocEvery === allocEvery - 1) {
      const ptr = await thisCpu.alloc(arg.ownFields * 8, 8);
      if (ptr !== null) {
        const object = { ptr, fields: arg.ownFields };
        const t = target(object);
        targets.push(t);
        own.push({ object, expected: t.expected });
      }
    }
    const n = Math.min(SLICE, totalOps - done);
    for (let i = 0; i < n; i++) {
      const r = prng.nextU32();
      const t = targets[r % targets.length]!;
      if (t.fields === 1) {
        t.array[t.index]! += 1n;
        t.expected[0]!++;
      } else {
        // A MIB update: one packet in field 0, its bytes in another field.
        const field = 1 + ((r >>> 8) % (t.fields - 1));
        const size = SIZES[(r >>> 20) & 63]!;
        t.array[t.index]! += 1n;
        t.array[t.index + field]! += size;
        t.expected[0]!++;
        t.expected[field]! += Number(size);
      }
    }
    done += n;
    slice++;
    progress.array[progress.index] = BigInt(done);
  }
  const ns = Number(process.hrtime.bigint() - start);
  return {
    cpu: thisCpu.id,
    ops: done,
    ns,
    expected: targets.slice(0, arg.objects.length).map((t) => t.expected),
    own,
  };
}
