/**
 * How stale is a total? Each CPU counts (a random counter of 1,000) for a while, "serving": in
 * slices of `slice` ops, after each of which it publishes how many ops it has done in its own
 * padded progress word. Meanwhile the coordinator reads totals:
 *
 * - prom-client: a worker can only answer a metrics request when its event loop turns, so the
 *   serving loop yields (setImmediate) after every slice, as a server yields between requests;
 * - percpu: the coordinator reads the CPUs' memory itself, so the loop never yields.
 */
import { thisCpu } from 'percpu/cpu';
import type { Counter } from 'prom-client';
import { PAD_BYTES, RANDOM_COUNTERS } from './model.js';
import { listenForMetricsRequests, promSets, setDoneReporter } from './prom-registry.js';
import { awaitBarrier } from './timed.js';

export interface ServeArg {
  readonly barrier: SharedArrayBuffer;
  /** One Int32 progress word per CPU, PAD_BYTES apart (see progressIndex). */
  readonly progress: SharedArrayBuffer;
  readonly durationMs: number;
  readonly slice: number;
  readonly seed: number;
  /** percpu offset of the random workload's counters. */
  readonly ptr: number;
}

export interface ServeResult {
  readonly cpu: number;
  readonly done: number;
  readonly ns: number;
}

export function progressIndex(cpu: number): number {
  return ((cpu + 1) * PAD_BYTES) / 4;
}

export function progressBufferBytes(cpus: number): number {
  return (cpus + 2) * PAD_BYTES;
}

function promSlice(counters: readonly Counter[], slice: number, seed: number): number {
  let x = seed;
  for (let i = 0; i < slice; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    counters[((x >>> 16) * 1000) >>> 16]!.inc();
  }
  return x;
}

function cellSlice(array: Int32Array, index: number, slice: number, seed: number): number {
  let x = seed;
  for (let i = 0; i < slice; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    array[index + (((x >>> 16) * 1000) >>> 16)]!++;
  }
  return x;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function promServe(arg: ServeArg): Promise<ServeResult> {
  const counters = promSets().random.counters;
  const cpu = thisCpu.id;
  listenForMetricsRequests(cpu);
  const progress = new Int32Array(arg.progress);
  const at = progressIndex(cpu);
  let done = 0;
  setDoneReporter(() => done);
  try {
    awaitBarrier(arg.barrier);
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(arg.durationMs * 1e6));
    let x = arg.seed;
    while (process.hrtime.bigint() < end) {
      x = promSlice(counters, arg.slice, x);
      done += arg.slice;
      // Atomics.store: the coordinator reads progress while this CPU runs.
      Atomics.store(progress, at, done);
      await yieldToEventLoop();
    }
    return { cpu, done, ns: Number(process.hrtime.bigint() - start) };
  } finally {
    setDoneReporter(null);
  }
}

export function percpuServe(arg: ServeArg): ServeResult {
  const { array, index } = thisCpu.cell(arg.ptr, 's32');
  if (RANDOM_COUNTERS !== 1000) throw new Error('the loops draw one of 1000 counters');
  const cpu = thisCpu.id;
  const progress = new Int32Array(arg.progress);
  const at = progressIndex(cpu);
  let done = 0;
  awaitBarrier(arg.barrier);
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(arg.durationMs * 1e6));
  let x = arg.seed;
  while (process.hrtime.bigint() < end) {
    x = cellSlice(array, index, arg.slice, x);
    done += arg.slice;
    // Atomics.store: the coordinator reads progress while this CPU runs.
    Atomics.store(progress, at, done);
  }
  return { cpu, done, ns: Number(process.hrtime.bigint() - start) };
}
