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
import { GENERIC_TARGET, genericRatio } from './counters/generic-path-results.js';
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

const check = (what: string, target: string, actual: string, met: boolean | null): TargetCheck => ({
  what,
  target,
  actual,
  met,
});
const atLeast = (ratio: number, goal: number): Verdict => ({ actual: fmt.times(ratio), met: ratio >= goal });

/** A quick run does part of the work: it can show a time over its limit, never one within it. */
function timeLimit(mode: AllocatorResults['mode'], value: number, limit: number): boolean | null {
  if (value > limit) return false;
  return mode === 'quick' ? null : true;
}

/** The counter targets: a table with one row per target and fast path, a column per workload; and every verdict. */
export function counterTargets(r: CounterResults): { readonly table: Table; readonly verdicts: readonly Verdict[] } {
  const cpus = judgedCpus(r, TARGETS.atCpus);
  const rows: string[][] = [];
  const verdicts: Verdict[] = [];
  const add = (what: string, target: string, judge: (path: Variant, w: Workload) => Verdict): void => {
    for (const path of FAST_PATHS) {
      const judged = WORKLOADS.map((w) => judge(path, w));
      verdicts.push(...judged);
      rows.push([`${VARIANT_LABEL[path]}${what}`, target, ...judged.map((v) => `${v.actual}: ${fmt.verdict(v.met)}`)]);
    }
  };
  add(' per CPU vs the limit', `≥ ${TARGETS.perCpuVsLimit}× at ${r.cpuCounts.join(' and ')} CPUs`, (path, w) => {
    const ratios = r.cpuCounts.map((k) => perCpu(r, path, w, k) / perCpu(r, 'limit', w, k));
    return { actual: ratios.map((x) => fmt.times(x)).join(', '), met: ratios.every((x) => x >= TARGETS.perCpuVsLimit) };
  });
  if (r.cpuCounts.includes(1) && cpus > 1) {
    const goal = (TARGETS.twoCpusVsOne * cpus) / 2;
    add(`, aggregate at ${cpus} CPUs vs 1 CPU`, `≥ ${goal}×`, (path, w) =>
      atLeast(aggregate(r, path, w, cpus) / aggregate(r, path, w, 1), goal),
    );
  }
  add(
    ` vs the shared Atomics.add peer, aggregate at ${cpus} CPUs`,
    `≥ ${TARGETS.vsSharedAtomic}× (the peer's faster placement)`,
    (path, w) => {
      const ops = aggregate(r, path, w, cpus);
      const peer = sharedPeer(r, w, cpus);
      if (!peer.split) return atLeast(ops / peer.all, TARGETS.vsSharedAtomic);
      // The peer ran in one placement only: its speed in the other is unknown, and may be higher.
      if (peer.closeRounds === 0 || peer.farRounds === 0)
        return {
          actual: `${fmt.times(ops / (peer.closeRounds === 0 ? peer.far : peer.close))} (one placement only)`,
          met: null,
        };
      return atLeast(ops / Math.max(peer.close, peer.far), TARGETS.vsSharedAtomic);
    },
  );
  add(` vs the striped (LongAdder) peer, aggregate at ${cpus} CPUs`, `≥ ${TARGETS.vsStriped}×`, (path, w) =>
    atLeast(aggregate(r, path, w, cpus) / aggregate(r, 'striped', w, cpus), TARGETS.vsStriped),
  );
  const headers = ['Measure', 'Target', ...WORKLOADS.map((w) => WORKLOAD_LABEL[w])];
  return { table: { title: 'Counter targets', headers, rows, align: headers.map((): 'left' => 'left') }, verdicts };
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
  for (const run of runs.genericPath) {
    for (const row of run.results.rows) {
      const ratio = genericRatio(run.results, row);
      const against = row.type === 'u64' ? 'ref()' : 'the limit';
      checks.push(
        check(
          `thisCpu.inc(ptr, '${row.type}') vs ${against}, Node ${run.machine.nodeVersion}`,
          `≥ ${GENERIC_TARGET}×`,
          fmt.times(ratio),
          ratio >= GENERIC_TARGET,
        ),
      );
    }
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
    checks.push(
      check(
        `Kiran (b), utilization after "${step?.step ?? '?'}"`,
        `≥ ${fmt.pct(seed, 1)} (2005)`,
        step === undefined ? 'missing' : fmt.pct(step.utilization),
        step !== undefined && step.utilization >= seed,
      ),
    );
  }
  for (const size of a.zhou.sizes) {
    const kernel = ZHOU_KERNEL.find((k) => k.size === size.size);
    const allocRatio = kernel === undefined ? NaN : size.worstAllocMs / kernel.allocMs;
    const freeRatio = kernel === undefined ? NaN : size.worstFreeMs / kernel.freeMs;
    checks.push(
      check(
        `Zhou, ${size.size} B: worst alloc / free vs the kernel`,
        `≤ ${fmt.ratio(TARGETS.zhouRatio)} both`,
        `${fmt.ratio(allocRatio)} / ${fmt.ratio(freeRatio)}`,
        timeLimit(a.mode, Math.max(allocRatio, freeRatio), TARGETS.zhouRatio),
      ),
    );
  }
  const m = a.million;
  checks.push(
    check(
      `${fmt.count(m.allocations)} four-byte allocations at 8-byte alignment`,
      `≤ ${fmt.int(TARGETS.millionMs)} ms`,
      m.completed
        ? `${fmt.ms(m.allocMs)} ms`
        : `stopped after ${fmt.ms(m.allocMs)} ms at ${fmt.int(m.allocationsMade)} (projected ${fmt.int(m.projectedMs / 1000)} s)`,
      timeLimit(a.mode, m.allocMs, TARGETS.millionMs),
    ),
  );
  checks.push(
    check(
      'scaling: ns per alloc+free pair at many live / at few live',
      `≤ ${fmt.ratio(TARGETS.scalingRatio)}`,
      fmt.ratio(a.scaling.ratio),
      a.mode === 'quick' ? null : a.scaling.ratio <= TARGETS.scalingRatio,
    ),
  );
  return checks;
}

export function otherTargetsTable(runs: SavedRuns): Table {
  const checks = otherTargets(runs);
  return {
    title: 'Other targets',
    headers: ['Measure', 'Target', 'Result', 'Verdict'],
    rows: checks.map((t) => [t.what, t.target, t.actual, fmt.verdict(t.met)]),
    align: ['left', 'left', 'left', 'left'],
  };
}

/** "40 met, 12 missed, 0 not judged". */
export function targetCounts(runs: SavedRuns): string {
  const all: Verdict[] = [
    ...(runs.counters === null ? [] : counterTargets(runs.counters.results).verdicts),
    ...otherTargets(runs),
  ];
  const n = (met: boolean | null): number => all.filter((v) => v.met === met).length;
  return `${n(true)} met, ${n(false)} missed, ${n(null)} not judged`;
}
