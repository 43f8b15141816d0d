/**
 * How stale is a total read while every CPU counts? The CPUs serve (serve.ts) for a while; the
 * coordinator reads a total every few milliseconds:
 *
 * - percpu: reads every CPU's 1,000 counters itself (rt.sum each). Its total includes every op
 *   a CPU published before the read began; the ops done while it read (the window) bound how
 *   stale it can be.
 * - prom-client: broadcasts a request, each worker answers at its next yield with a snapshot,
 *   the coordinator merges. Staleness: ops done after the snapshots and before the merged total
 *   is in hand (progress words read then, minus the ops each snapshot holds).
 *
 * Progress words are published once per slice, so each figure is exact to within one slice per
 * CPU.
 */
import { type Summary, summarize } from '../lib/stats.js';
import { type CounterRuntime, type WorkloadBuffers, sumAll } from './measure.js';
import { type MetricsClient, grandTotal, mergeSnapshots } from './metrics-client.js';
import { BARRIER_ARRIVED, BARRIER_RELEASE, RANDOM_COUNTERS } from './model.js';
import { type ServeResult, progressBufferBytes, progressIndex } from './serve.js';
import type { CounterSizes } from './suite.js';

export interface ServingResult {
  /** Ops/s of all CPUs together while serving. */
  readonly opsPerSecond: number;
  /** Time from the start of a read to the total in hand, µs. */
  readonly readUs: Summary;
  /** Ops done between the values read and the total in hand. */
  readonly staleOps: Summary;
  /** Reads whose total disagreed with the progress the CPUs published (should be 0). */
  readonly inconsistent: number;
}

export interface StalenessResults {
  readonly cpus: number;
  readonly durationMs: number;
  readonly slice: number;
  readonly intervalMs: number;
  readonly percpu: ServingResult;
  readonly prom: ServingResult;
}

const INTERVAL_MS = 10;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function progressSum(words: Int32Array, cpus: number): number {
  let total = 0;
  // Atomics.load: each CPU publishes with Atomics.store.
  for (let cpu = 0; cpu < cpus; cpu++) total += Atomics.load(words, progressIndex(cpu));
  return total;
}

interface Sample {
  readonly readUs: number;
  readonly staleOps: number;
  readonly consistent: boolean;
}

async function serve(
  rt: CounterRuntime,
  task: 'promServe' | 'percpuServe',
  buffers: WorkloadBuffers,
  cpus: number,
  sizes: CounterSizes,
  seeds: readonly number[],
  read: (progress: Int32Array) => Promise<Sample>,
): Promise<ServingResult> {
  const barrier = new SharedArrayBuffer(8);
  const barrierWords = new Int32Array(barrier);
  const progress = new SharedArrayBuffer(progressBufferBytes(cpus));
  const words = new Int32Array(progress);
  const runs = Array.from({ length: cpus }, (_, cpu) =>
    rt.runOn(cpu, task, {
      barrier,
      progress,
      durationMs: sizes.serveMs,
      slice: sizes.serveSlice,
      seed: seeds[cpu] ?? 1,
      ptr: buffers.ptr,
    }),
  );
  const all: Promise<ServeResult[]> = Promise.all(runs);
  // Atomics.load: the CPUs count themselves in at the barrier with Atomics.add.
  while (Atomics.load(barrierWords, BARRIER_ARRIVED) < cpus) await sleep(1);
  // Atomics.store: releases every CPU at once.
  Atomics.store(barrierWords, BARRIER_RELEASE, 1);
  const released = process.hrtime.bigint();
  const samples: Sample[] = [];
  await sleep(50);
  // Stop reading before the CPUs stop serving, so every read sees them all busy.
  while (Number(process.hrtime.bigint() - released) / 1e6 < sizes.serveMs - 100) {
    samples.push(await read(words));
    await sleep(INTERVAL_MS);
  }
  const results = await all;
  const ns = Math.max(...results.map((r) => r.ns));
  return {
    opsPerSecond: results.reduce((sum, r) => sum + r.done, 0) / (ns / 1e9),
    readUs: summarize(samples.map((s) => s.readUs)),
    staleOps: summarize(samples.map((s) => s.staleOps)),
    inconsistent: samples.filter((s) => !s.consistent).length,
  };
}

export async function measureStaleness(
  rt: CounterRuntime,
  client: MetricsClient,
  buffers: WorkloadBuffers,
  cpus: number,
  sizes: CounterSizes,
  seeds: readonly number[],
  log: (line: string) => void,
): Promise<StalenessResults> {
  const slack = cpus * sizes.serveSlice;

  const totals = new Float64Array(RANDOM_COUNTERS);
  sumAll(rt, buffers.ptr, totals);
  const percpuBase = totals.reduce((a, b) => a + b, 0);
  const percpu = await serve(rt, 'percpuServe', buffers, cpus, sizes, seeds, (words) => {
    const before = progressSum(words, cpus);
    const start = process.hrtime.bigint();
    sumAll(rt, buffers.ptr, totals);
    const readUs = Number(process.hrtime.bigint() - start) / 1000;
    const after = progressSum(words, cpus);
    const counted = totals.reduce((a, b) => a + b, 0) - percpuBase;
    // Every op published before the read is in the total; none beyond what the CPUs could do by its end.
    return Promise.resolve({
      readUs,
      staleOps: after - before,
      consistent: counted >= before && counted <= after + slack,
    });
  });
  log(`counters: staleness of percpu's sum measured`);

  const promBase = grandTotal(mergeSnapshots((await client.ask('random')).map((r) => r.metrics)));
  const prom = await serve(rt, 'promServe', buffers, cpus, sizes, seeds, async (words) => {
    const start = process.hrtime.bigint();
    const replies = await client.ask('random');
    const counted = grandTotal(mergeSnapshots(replies.map((r) => r.metrics))) - promBase;
    const readUs = Number(process.hrtime.bigint() - start) / 1000;
    const after = progressSum(words, cpus);
    const inSnapshots = replies.reduce((sum, r) => sum + r.done, 0);
    return { readUs, staleOps: after - inSnapshots, consistent: counted === inSnapshots };
  });
  log(`counters: staleness of prom-client's round trip measured`);

  return { cpus, durationMs: sizes.serveMs, slice: sizes.serveSlice, intervalMs: INTERVAL_MS, percpu, prom };
}
