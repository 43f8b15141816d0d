/**
 * The coordinator side of one measurement: start a loop task on CPUs 0..k-1, wait until all of
 * them wait at the barrier, release them at once, collect their clocks and check their counts.
 */
import type { Runtime } from 'percpu';
import { mean } from '../lib/stats.js';
import {
  BARRIER_ARRIVED,
  BARRIER_RELEASE,
  type LoopResult,
  SHARED_START,
  type Variant,
  type Workload,
  counterCount,
} from './model.js';
import type * as CounterTasks from './tasks.js';

export type CounterRuntime = Runtime<typeof CounterTasks>;

/** Where a workload's counters live for each variant. */
export interface WorkloadBuffers {
  readonly ptr: number;
  readonly shared: SharedArrayBuffer;
  readonly striped: SharedArrayBuffer;
}

export interface Measurement {
  /** Mean over the CPUs of each CPU's own ops/s. */
  readonly perCpuOps: number;
  /** All CPUs' ops over the span from the first start to the last end. */
  readonly aggregateOps: number;
  /** The slowest CPU's elapsed time, ns. */
  readonly maxElapsedNs: number;
}

/** percpu's read of a total: every counter of an allocation summed over all CPUs (rt.sum each). */
export function sumAll(rt: CounterRuntime, ptr: number, totals: Float64Array): void {
  for (let k = 0; k < totals.length; k++) totals[k] = rt.sum(ptr + 4 * k, 's32');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `count` tasks wait at the barrier; rejects if a task fails first. */
export async function allArrived(words: Int32Array, count: number, runs: Promise<unknown>): Promise<void> {
  // Set by the catch below (an object, so the loop's check is not narrowed away at the declaration).
  const failure: { failed: boolean; error: unknown } = { failed: false, error: undefined };
  runs.catch((error: unknown) => {
    failure.failed = true;
    failure.error = error;
  });
  // Atomics.load: the CPUs count themselves in with Atomics.add.
  while (Atomics.load(words, BARRIER_ARRIVED) < count) {
    if (failure.failed) throw failure.error;
    await sleep(1);
  }
}

function sharedTotal(workload: Workload, shared: SharedArrayBuffer): number {
  const words = new Int32Array(shared);
  const count = workload === 'random' ? counterCount('random') : 1;
  let total = 0;
  // Atomics.load: read after every worker finished, but the buffer is shared.
  for (let i = 0; i < count; i++) total += Atomics.load(words, SHARED_START + i);
  return total;
}

export async function measure(
  rt: CounterRuntime,
  variant: Variant,
  workload: Workload,
  cpus: number,
  n: number,
  buffers: WorkloadBuffers,
  seeds: readonly number[],
): Promise<Measurement> {
  const barrier = new SharedArrayBuffer(8);
  const words = new Int32Array(barrier);
  const sharedBefore = sharedTotal(workload, buffers.shared);
  const runs = Array.from({ length: cpus }, (_, cpu) =>
    rt.runOn(cpu, 'runLoop', {
      variant,
      workload,
      n,
      seed: seeds[cpu] ?? 1,
      barrier,
      ptr: buffers.ptr,
      shared: buffers.shared,
      striped: buffers.striped,
    }),
  );
  const all = Promise.all(runs);
  await allArrived(words, cpus, all);
  // Atomics.store: releases every CPU spinning on Atomics.load of this word.
  Atomics.store(words, BARRIER_RELEASE, 1);
  const results: LoopResult[] = await all;
  check(variant, workload, n, cpus, results, (sharedTotal(workload, buffers.shared) - sharedBefore) | 0);
  const starts = results.map((r) => r.startNs);
  const ends = results.map((r) => r.endNs);
  const first = starts.reduce((a, b) => (b < a ? b : a));
  const last = ends.reduce((a, b) => (b > a ? b : a));
  const elapsed = results.map((r) => Number(r.endNs - r.startNs));
  return {
    perCpuOps: mean(elapsed.map((ns) => n / (ns / 1e9))),
    aggregateOps: (cpus * n) / (Number(last - first) / 1e9),
    maxElapsedNs: Math.max(...elapsed),
  };
}

/** Every op must be counted exactly once: a lost or doubled update is a bug, not noise. */
function check(
  variant: Variant,
  workload: Workload,
  n: number,
  cpus: number,
  results: readonly LoopResult[],
  sharedDelta: number,
): void {
  if (variant === 'sharedAtomic') {
    if (sharedDelta !== ((cpus * n) | 0))
      throw new Error(`${variant}/${workload}: the shared total grew by ${sharedDelta}, expected ${cpus * n}`);
    return;
  }
  for (const r of results) {
    if (r.counted !== (n | 0))
      throw new Error(`${variant}/${workload} on CPU ${r.cpu}: counted ${r.counted}, expected ${n}`);
  }
}
