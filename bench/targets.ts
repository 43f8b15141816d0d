/**
 * The targets the project set itself, judged on the saved results, in one list: percpu's fast
 * counter paths against the limit and the peers (ratios measured in the same run), reading a
 * total, and the allocator against the kernel's published figures (allocator/reference.ts).
 * Context: main thread (the report).
 */
import { KIRAN, ZHOU_KERNEL } from './allocator/reference.js';
import type { AllocatorResults } from './allocator/suite.js';
import { aggregate, judgedCpus, perCpu } from './counters/lookup.js';
import { FAST_PATHS, VARIANT_LABEL, type Variant, WORKLOAD_LABEL, type Workload, WORKLOADS } from './counters/model.js';
import { sharedPeer } from './counters/shared-peer.js';
import type { CounterResults } from './counters/suite.js';
import type { SavedRuns } from './groups.js';
import * as fmt from './lib/format.js';
import type { Table } from './lib/table.js';

export const TARGETS = {
  /** percpu's fast paths per CPU, as a share of the limit's per-CPU ops/s, at every CPU count. */
  perCpuVsLimit: 0.9,
  /** Two CPUs' aggregate ops/s over one CPU's, for percpu's fast paths (scaled for more CPUs). */
  twoCpusVsOne: 1.8,
  /** percpu's fast paths' aggregate over the shared Atomics.add peer's (the faster placement) and the striped peer's. */
  vsSharedAtomic: 10,
  vsStriped: 4,
  /** The CPU count the peers are compared at (the largest measured if not measured). */
  atCpus: 2,
  /** Reading a total of 1,000 counters over all CPUs: prom-client's round trip over percpu's sum. */
  readSpeedup: 100,
  /** Ours / the kernel's, every Zhou size, alloc and free. */
  zhouRatio: 0.5,
  millionMs: 1000,
  /** ns per alloc+free pair at many live / at few live. */
  scalingRatio: 1.5,
} as const;

/** One judged figure: null met means not judged. */
export interface Verdict {
  readonly actual: string;
  readonly met: boolean | null;
}

export interface TargetCheck extends Verdict {
  readonly what: string;
  readonly target: string;
}

const check = (what: string, target: string, actual: string, met: boolean | null): TargetCheck => ({ what, target, actual, met });

/** A quick run does part of the work: it can show a time over its limit, never one within it. */
function timeLimit(mode: AllocatorResults['mode'], value: number, limit: number): boolean | null {
  if (value > limit) return false;
  return mode === 'quick' ? null : true;
}

interface CounterTarget {
  readonly what: (path: Variant, cpus: number) => string;
  readonly target: (results: CounterResults, cpus: number) => string;
  readonly judge: (results: CounterResults, path: Variant, workload: Workload, cpus: number) => Verdict;
}

const COUNTER_TARGETS: readonly CounterTarget[] = [
  {
    what: (path) => `${VARIANT_LABEL[path]} per CPU vs the limit`,
    target: (r) => `≥ ${TARGETS.perCpuVsLimit}× at ${r.cpuCounts.join(' and ')} CPUs`,
    judge: (r, path, w) => {
      const ratios = r.cpuCounts.map((k) => perCpu(r, path, w, k) / perCpu(r, 'limit', w, k));
      return { actual: ratios.map((x) => fmt.times(x)).join(', '), met: ratios.every((x) => x >= TARGETS.perCpuVsLimit) };
    },
  },
  {
    what: (path, cpus) => `${VARIANT_LABEL[path]}, aggregate at ${cpus} CPUs vs 1 CPU`,
    target: (_, cpus) => `≥ ${(TARGETS.twoCpusVsOne * cpus) / 2}×`,
    judge: (r, path, w, cpus) => {
      const scale = aggregate(r, path, w, cpus) / aggregate(r, path, w, 1);
      return { actual: fmt.times(scale), met: scale >= (TARGETS.twoCpusVsOne * cpus) / 2 };
    },
  },
  {
    what: (path, cpus) => `${VARIANT_LABEL[path]} vs the shared Atomics.add peer, aggregate at ${cpus} CPUs`,
    target: () => `≥ ${TARGETS.vsSharedAtomic}× (the peer's faster placement)`,
    judge: (r, path, w, cpus) => {
      const ops = aggregate(r, path, w, cpus);
      const peer = sharedPeer(r, w, cpus);
      if (!peer.split) return { actual: fmt.times(ops / peer.all), met: ops / peer.all >= TARGETS.vsSharedAtomic };
      // The peer ran in one placement only: its speed in the other is unknown, and may be higher.
      if (peer.closeRounds === 0 || peer.farRounds === 0) return { actual: `${fmt.times(ops / (peer.closeRounds === 0 ? peer.far : peer.close))} (one placement only)`, met: null };
      const ratio = ops / Math.max(peer.close, peer.far);
      return { actual: fmt.times(ratio), met: ratio >= TARGETS.vsSharedAtomic };
    },
  },
  {
    what: (path, cpus) => `${VARIANT_LABEL[path]} vs the striped (LongAdder) peer, aggregate at ${cpus} CPUs`,
    target: () => `≥ ${TARGETS.vsStriped}×`,
    judge: (r, path, w, cpus) => {
      const ratio = aggregate(r, path, w, cpus) / aggregate(r, 'striped', w, cpus);
      return { actual: fmt.times(ratio), met: ratio >= TARGETS.vsStriped };
    },
  },
];

/** The counter targets as a table: one row per target and fast path, one column per workload. */
export function counterTargets(results: CounterResults): Table {
  const cpus = judgedCpus(results, TARGETS.atCpus);
  const scales = results.cpuCounts.includes(1) && cpus > 1;
  const rows = COUNTER_TARGETS.filter((_, i) => i !== 1 || scales).flatMap((t) =>
    FAST_PATHS.map((path) => [
      t.what(path, cpus),
      t.target(results, cpus),
      ...WORKLOADS.map((w) => {
        const v = t.judge(results, path, w, cpus);
        return `${v.actual}: ${fmt.verdict(v.met)}`;
      }),
    ]),
  );
  return { title: 'Counter targets', headers: ['Measure', 'Target', ...WORKLOADS.map((w) => WORKLOAD_LABEL[w])], rows, align: ['left', 'left', 'left', 'left', 'left'] };
}

/** Every counter verdict, for the count of met and missed. */
function counterVerdicts(results: CounterResults): Verdict[] {
  const cpus = judgedCpus(results, TARGETS.atCpus);
  const scales = results.cpuCounts.includes(1) && cpus > 1;
  return COUNTER_TARGETS.filter((_, i) => i !== 1 || scales).flatMap((t) => FAST_PATHS.flatMap((path) => WORKLOADS.map((w) => t.judge(results, path, w, cpus))));
}

/** Reading a total, and the allocator's targets. */
export function otherTargets(runs: SavedRuns): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const read = runs.counters?.results.read;
  if (read !== undefined) {
    checks.push(
      check(
        `reading ${fmt.int(read.counters)} counters over ${read.cpus} CPUs: percpu's sum vs prom-client's round trip`,
        `≥ ${TARGETS.readSpeedup}× faster`,
        `${fmt.us(read.percpuSumUs.median)} µs vs ${fmt.ms(read.promRoundTripMs)} ms: ${fmt.times(read.speedup)}`,
        read.speedup >= TARGETS.readSpeedup,
      ),
    );
  }
  const a = runs.allocator?.results;
  if (a === undefined) return checks;
  const last = a.kiranCounters.steps[a.kiranCounters.steps.length - 1];
  checks.push(
    check(
      'Kiran (a), after free all',
      'only the first chunk, no populated page',
      last === undefined ? 'no steps' : `${last.chunks} chunk(s), ${last.populatedPages} populated page(s)`,
      last !== undefined && last.chunks === 1 && last.populatedPages === 0,
    ),
  );
  for (const i of [0, 2]) {
    const step = a.kiranObjects.steps[i];
    const seed = KIRAN.objectUtilization[i] ?? 1;
    checks.push(check(`Kiran (b), utilization after "${step?.step ?? '?'}"`, `≥ ${fmt.pct(seed, 1)} (2005)`, step === undefined ? 'missing' : fmt.pct(step.utilization), step !== undefined && step.utilization >= seed));
  }
  for (const size of a.zhou.sizes) {
    const kernel = ZHOU_KERNEL.find((k) => k.size === size.size);
    const allocRatio = kernel === undefined ? NaN : size.worstAllocMs / kernel.allocMs;
    const freeRatio = kernel === undefined ? NaN : size.worstFreeMs / kernel.freeMs;
    checks.push(
      check(`Zhou, ${size.size} B: worst alloc / free vs the kernel`, `≤ ${fmt.ratio(TARGETS.zhouRatio)} both`, `${fmt.ratio(allocRatio)} / ${fmt.ratio(freeRatio)}`, timeLimit(a.mode, Math.max(allocRatio, freeRatio), TARGETS.zhouRatio)),
    );
  }
  const m = a.million;
  checks.push(
    check(
      `${fmt.count(m.allocations)} four-byte allocations at 8-byte alignment`,
      `≤ ${fmt.int(TARGETS.millionMs)} ms`,
      m.completed ? `${fmt.ms(m.allocMs)} ms` : `stopped after ${fmt.ms(m.allocMs)} ms at ${fmt.int(m.allocationsMade)} (projected ${fmt.int(m.projectedMs / 1000)} s)`,
      timeLimit(a.mode, m.allocMs, TARGETS.millionMs),
    ),
  );
  checks.push(check('scaling: ns per alloc+free pair at many live / at few live', `≤ ${fmt.ratio(TARGETS.scalingRatio)}`, fmt.ratio(a.scaling.ratio), a.mode === 'quick' ? null : a.scaling.ratio <= TARGETS.scalingRatio));
  return checks;
}

export function otherTargetsTable(checks: readonly TargetCheck[]): Table {
  return { title: 'Other targets', headers: ['Measure', 'Target', 'Result', 'Verdict'], rows: checks.map((t) => [t.what, t.target, t.actual, fmt.verdict(t.met)]), align: ['left', 'left', 'left', 'left'] };
}

/** "40 met, 12 missed, 0 not judged". */
export function targetCounts(runs: SavedRuns): string {
  const all: Verdict[] = [...(runs.counters === null ? [] : counterVerdicts(runs.counters.results)), ...otherTargets(runs)];
  const n = (met: boolean | null): number => all.filter((v) => v.met === met).length;
  return `${n(true)} met, ${n(false)} missed, ${n(null)} not judged`;
}
