/**
 * Tasks for the update-path benchmark. Each loop runs `n` updates after a start barrier (so CPUs
 * run together) and reports its own elapsed time; the loops are written alike so only the update
 * differs.
 */
import { thisCpu } from 'percpu/cpu';

export interface LoopArg {
  readonly n: number;
  /** Start barrier: tasks spin until word 0 of this buffer is non-zero. */
  readonly barrier: SharedArrayBuffer;
  readonly ptr: number;
  /** For the shared-atomic peer: one Int32 cell every worker adds to. */
  readonly shared?: SharedArrayBuffer;
}

export interface LoopResult {
  readonly cpu: number;
  readonly ns: number;
  readonly n: number;
  /** The value the loop left behind, so the work cannot be optimized away. */
  readonly check: number;
}

function awaitBarrier(barrier: SharedArrayBuffer): void {
  const word = new Int32Array(barrier);
  // Atomics.load: the coordinator's Atomics.store of 1 releases every CPU at once.
  while (Atomics.load(word, 0) === 0) {
    // spin: the wait is a few microseconds at most
  }
}

function timed(arg: LoopArg, loop: () => number): LoopResult {
  awaitBarrier(arg.barrier);
  const start = process.hrtime.bigint();
  const check = loop();
  const ns = Number(process.hrtime.bigint() - start);
  return { cpu: thisCpu.id, ns, n: arg.n, check };
}

/**
 * The limit: a plain Int32Array that is not shared, in the same worker, indexed the way a counter
 * table is (an index held in a const, not a literal), so only the memory differs from cellInc.
 */
export function plainInt32(arg: LoopArg): LoopResult {
  const cells = new Int32Array(1024);
  const index = (arg.ptr >>> 2) & 1023;
  const n = arg.n;
  return timed(arg, () => {
    for (let i = 0; i < n; i++) cells[index]!++;
    return cells[index]!;
  });
}

/** percpu's fast path: a ref made once. */
export function refInc(arg: LoopArg): LoopResult {
  const hits = thisCpu.ref(arg.ptr, 's32');
  const n = arg.n;
  return timed(arg, () => {
    for (let i = 0; i < n; i++) hits.inc();
    return hits.read();
  });
}

/** percpu's rawest path: the CPU's own typed array and index, `array[index]++`. */
export function cellInc(arg: LoopArg): LoopResult {
  const { array, index } = thisCpu.cell(arg.ptr, 's32');
  const n = arg.n;
  return timed(arg, () => {
    for (let i = 0; i < n; i++) array[index]!++;
    return array[index]!;
  });
}

/** percpu's generic path: pointer and type checked on every call. */
export function genericInc(arg: LoopArg): LoopResult {
  const n = arg.n;
  const ptr = arg.ptr;
  return timed(arg, () => {
    for (let i = 0; i < n; i++) thisCpu.inc(ptr, 's32');
    return thisCpu.read(ptr, 's32');
  });
}

/** The shared-atomic peer: every worker does Atomics.add on one cell. */
export function sharedAtomic(arg: LoopArg): LoopResult {
  if (arg.shared === undefined) throw new Error('sharedAtomic needs `shared`');
  const cell = new Int32Array(arg.shared);
  const n = arg.n;
  return timed(arg, () => {
    // Atomics.add: the peer being measured, one contended cell.
    for (let i = 0; i < n; i++) Atomics.add(cell, 0, 1);
    return Atomics.load(cell, 0);
  });
}

/** Round trips of thisCpu.alloc + thisCpu.free, in microseconds each. */
export async function allocRoundTrips(arg: { readonly n: number }): Promise<number[]> {
  const micros: number[] = [];
  for (let i = 0; i < arg.n; i++) {
    const start = process.hrtime.bigint();
    const ptr = await thisCpu.alloc(16);
    const mid = process.hrtime.bigint();
    if (ptr === null) throw new Error('out of space');
    await thisCpu.free(ptr);
    micros.push(Number(mid - start) / 1000);
  }
  return micros;
}
