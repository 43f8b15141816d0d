/**
 * The counter benchmark: every variant (percpu's paths and its peers) on every workload, on 1..k
 * CPUs of one runtime, in interleaved rounds after a calibration and a warm-up; then the cost
 * and staleness of reading totals. Results are plain JSON data.
 */
import { fileURLToPath } from 'node:url';
import { Runtime } from 'percpu';
import { Prng } from '../lib/prng.js';
import { median } from '../lib/timing.js';
import { type CoreLatency, coreLatencyNs } from './core-latency.js';
import { type CounterRuntime, type WorkloadBuffers, measure } from './measure.js';
import {
  type Variant,
  VARIANTS,
  type Workload,
  WORKLOADS,
  counterCount,
  sharedBufferBytes,
  stripedBufferBytes,
} from './model.js';
import { type ReadResults, measureReads } from './read.js';
import type * as CounterTasks from './tasks.js';

export type Mode = 'full' | 'quick';

export interface CounterSizes {
  /** Each measurement runs about this long (n is calibrated per variant, workload and CPUs). */
  readonly targetMs: number;
  /** Timed rounds, after one warm-up round. */
  readonly rounds: number;
  /** Repetitions of percpu's sum of 1,000 counters, and of prom-client's round trip. */
  readonly sumReps: number;
  readonly promReps: number;
  /** How long the CPUs count while totals are read (staleness), and their slice between publications. */
  readonly serveMs: number;
  readonly serveSlice: number;
  /** Round trips of each core-to-core latency probe (core-latency.ts). */
  readonly latencyTrips: number;
}

export const COUNTER_SIZES: Readonly<Record<Mode, CounterSizes>> = {
  quick: {
    targetMs: 100,
    rounds: 3,
    sumReps: 200,
    promReps: 15,
    serveMs: 1000,
    serveSlice: 1000,
    latencyTrips: 10_000,
  },
  full: {
    targetMs: 250,
    rounds: 11,
    sumReps: 1000,
    promReps: 50,
    serveMs: 3000,
    serveSlice: 1000,
    latencyTrips: 20_000,
  },
};

export interface ConfigResult {
  readonly variant: Variant;
  readonly workload: Workload;
  readonly cpus: number;
  /** Ops per CPU per measurement. */
  readonly n: number;
  /** Medians over the rounds. */
  readonly perCpuOps: number;
  readonly aggregateOps: number;
  readonly roundsPerCpuOps: readonly number[];
  readonly roundsAggregateOps: readonly number[];
  /**
   * CPU 0 ↔ CPU 1 latency around each round, for the shared Atomics.add peer at two or more CPUs
   * (its speed depends on it); absent for every other configuration.
   */
  readonly roundsCoreLatency?: readonly CoreLatency[];
}

export interface CounterResults {
  readonly mode: Mode;
  readonly seed: number;
  readonly cpuCounts: readonly number[];
  readonly sizes: CounterSizes;
  readonly configs: readonly ConfigResult[];
  readonly read: ReadResults;
  /** Wall-clock time of the whole suite. */
  readonly elapsedMs: number;
}

export interface CounterSuiteOptions {
  readonly mode: Mode;
  readonly seed: number;
  readonly cpuCounts: readonly number[];
  readonly sizes: CounterSizes;
  readonly log: (line: string) => void;
}

const TASKS_PATH = fileURLToPath(new URL('./tasks.js', import.meta.url));
const MIN_N = 10_000;
/** Below 2^31, so every count fits the 32-bit counters it is checked against. */
const MAX_N = 1_000_000_000;

interface Config {
  readonly variant: Variant;
  readonly workload: Workload;
  readonly cpus: number;
}

/** The configurations whose rounds are bracketed by core-to-core latency probes. */
function probesLatency(c: Config): boolean {
  return c.variant === 'sharedAtomic' && c.cpus >= 2;
}

function clampN(n: number): number {
  return Math.min(MAX_N, Math.max(MIN_N, Math.round(n)));
}

function allocBuffers(rt: CounterRuntime, maxCpus: number): Record<Workload, WorkloadBuffers> {
  const buffers: Partial<Record<Workload, WorkloadBuffers>> = {};
  for (const workload of WORKLOADS) {
    const ptr = rt.alloc(counterCount(workload) * 4, 128);
    if (ptr === null) throw new Error('no per-CPU space for the benchmark counters');
    buffers[workload] = {
      ptr,
      shared: new SharedArrayBuffer(sharedBufferBytes(workload)),
      striped: new SharedArrayBuffer(stripedBufferBytes(workload, maxCpus)),
    };
  }
  return buffers as Record<Workload, WorkloadBuffers>;
}

export async function runCounterSuite(options: CounterSuiteOptions): Promise<CounterResults> {
  const started = process.hrtime.bigint();
  const { sizes, cpuCounts, log } = options;
  const maxCpus = Math.max(...cpuCounts);
  const prng = new Prng(options.seed);
  const seeds = (): number[] => Array.from({ length: maxCpus }, () => prng.nextU32() | 0 || 1);
  const rt: CounterRuntime = await Runtime.start<typeof CounterTasks>({ cpus: maxCpus, tasks: TASKS_PATH });
  try {
    const buffers = allocBuffers(rt, maxCpus);
    await rt.runOnEach('promSetUp');
    const configs: Config[] = [];
    for (const workload of WORKLOADS)
      for (const cpus of cpuCounts) for (const variant of VARIANTS) configs.push({ variant, workload, cpus });

    // Calibration: n for about targetMs per measurement, from a short run once V8 has optimized
    // the loop; the warm-up round (not recorded) refines it, so a probe disturbed by other work
    // on the machine does not size the timed rounds.
    const targetNs = sizes.targetMs * 1e6;
    const nFor = new Map<Config, number>();
    for (const c of configs) {
      const first = await measure(rt, c.variant, c.workload, c.cpus, MIN_N, buffers[c.workload], seeds());
      const probeN = clampN((targetNs / 8) * (MIN_N / first.maxElapsedNs));
      const probe = await measure(rt, c.variant, c.workload, c.cpus, probeN, buffers[c.workload], seeds());
      nFor.set(c, clampN(targetNs * (probeN / probe.maxElapsedNs)));
    }
    for (const c of configs) {
      const n = nFor.get(c)!;
      const warm = await measure(rt, c.variant, c.workload, c.cpus, n, buffers[c.workload], seeds());
      nFor.set(c, clampN(targetNs * (n / warm.maxElapsedNs)));
    }
    log(`counters: calibrated and warmed up ${configs.length} configurations`);

    const perCpu = new Map<Config, number[]>(configs.map((c) => [c, []]));
    const aggregate = new Map<Config, number[]>(configs.map((c) => [c, []]));
    const latency = new Map<Config, CoreLatency[]>(configs.filter(probesLatency).map((c) => [c, []]));
    if (maxCpus >= 2) await coreLatencyNs(rt, sizes.latencyTrips); // warm-up: the probe's first run is not optimized yet
    for (let round = 0; round < sizes.rounds; round++) {
      for (const c of configs) {
        const probed = latency.get(c);
        const beforeNs = probed === undefined ? NaN : await coreLatencyNs(rt, sizes.latencyTrips);
        const m = await measure(rt, c.variant, c.workload, c.cpus, nFor.get(c)!, buffers[c.workload], seeds());
        if (probed !== undefined) probed.push({ beforeNs, afterNs: await coreLatencyNs(rt, sizes.latencyTrips) });
        perCpu.get(c)!.push(m.perCpuOps);
        aggregate.get(c)!.push(m.aggregateOps);
      }
      log(`counters: round ${round + 1} of ${sizes.rounds} done`);
    }

    const read = await measureReads(rt, buffers.random, maxCpus, sizes, seeds(), log);
    return {
      mode: options.mode,
      seed: options.seed,
      cpuCounts,
      sizes,
      configs: configs.map((c) => ({
        ...c,
        n: nFor.get(c)!,
        perCpuOps: median(perCpu.get(c)!),
        aggregateOps: median(aggregate.get(c)!),
        roundsPerCpuOps: perCpu.get(c)!,
        roundsAggregateOps: aggregate.get(c)!,
        ...(latency.has(c) ? { roundsCoreLatency: latency.get(c)! } : {}),
      })),
      read,
      elapsedMs: Number(process.hrtime.bigint() - started) / 1e6,
    };
  } finally {
    await rt.close();
  }
}

/** 1, 2, 4, ... up to `max`, and `max` itself. */
export function cpuCountsUpTo(max: number): number[] {
  const counts: number[] = [];
  for (let k = 1; k < max; k *= 2) counts.push(k);
  counts.push(max);
  return counts;
}
