/**
 * Reading a total of 1,000 counters over all CPUs, idle: percpu's coordinator sums every CPU's
 * copy itself (rt.sum per counter, never stale); prom-client's reader asks every worker for its
 * snapshot and merges. Then the same while the CPUs count (staleness.ts).
 */
import { AggregatorRegistry } from 'prom-client';
import { type Summary, summarize } from '../lib/stats.js';
import { type CounterRuntime, type WorkloadBuffers, sumAll } from './measure.js';
import { MetricsClient, grandTotal, mergeSnapshots } from './metrics-client.js';
import { RANDOM_COUNTERS } from './model.js';
import type { MetricsJson } from './prom-registry.js';
import { type StalenessResults, measureStaleness } from './staleness.js';
import type { CounterSizes } from './suite.js';

export interface ReadResults {
  readonly cpus: number;
  readonly counters: number;
  /** rt.sum of every counter over all CPUs, µs per read of all 1,000. */
  readonly percpuSumUs: Summary;
  /** prom-client: ask every worker with a task (rt.runOnEach), ms. */
  readonly promAskTaskMs: Summary;
  /** prom-client: ask every worker on a broadcast channel, ms. */
  readonly promAskBroadcastMs: Summary;
  /** Merging the snapshots by hand (a sum per metric name), ms. */
  readonly promMergeMs: Summary;
  /** Merging with prom-client's AggregatorRegistry.aggregate (what its cluster mode uses), ms. */
  readonly promAggregateMs: Summary;
  /** The faster way to ask plus the hand merge, ms (medians added). */
  readonly promRoundTripMs: number;
  readonly promRoundTripVia: 'task' | 'broadcast';
  /** promRoundTripMs / percpu's median, both in ms. */
  readonly speedup: number;
  /** Both read the same totals (checked once, idle). */
  readonly totalsAgree: boolean;
  readonly staleness: StalenessResults;
}

const nowNs = (): bigint => process.hrtime.bigint();
const msSince = (start: bigint): number => Number(nowNs() - start) / 1e6;

export async function measureReads(
  rt: CounterRuntime,
  buffers: WorkloadBuffers,
  cpus: number,
  sizes: CounterSizes,
  seeds: readonly number[],
  log: (line: string) => void,
): Promise<ReadResults> {
  const totals = new Float64Array(RANDOM_COUNTERS);
  for (let i = 0; i < 50; i++) sumAll(rt, buffers.ptr, totals); // warm-up
  const sumUs: number[] = [];
  for (let i = 0; i < sizes.sumReps; i++) {
    const start = nowNs();
    sumAll(rt, buffers.ptr, totals);
    sumUs.push(msSince(start) * 1000);
  }

  const client = new MetricsClient(cpus);
  try {
    const askTask: number[] = [];
    const askBroadcast: number[] = [];
    const merge: number[] = [];
    const aggregate: number[] = [];
    let snapshots: MetricsJson[] = [];
    for (let i = -2; i < sizes.promReps; i++) {
      let start = nowNs();
      snapshots = [...(await rt.runOnEach('promSnapshot', { workload: 'random' })).values()];
      const task = msSince(start);
      start = nowNs();
      const replies = await client.ask('random');
      const broadcast = msSince(start);
      start = nowNs();
      mergeSnapshots(replies.map((r) => r.metrics));
      const merged = msSince(start);
      start = nowNs();
      AggregatorRegistry.aggregate(snapshots);
      const aggregated = msSince(start);
      if (i < 0) continue; // warm-up
      askTask.push(task);
      askBroadcast.push(broadcast);
      merge.push(merged);
      aggregate.push(aggregated);
    }
    // prom-client's totals count every op of every variant run on its counters only; compare
    // the merge with the aggregator's on the same snapshots instead of with percpu's totals.
    const byHand = grandTotal(mergeSnapshots(snapshots));
    let byAggregator = 0;
    for (const metric of await AggregatorRegistry.aggregate(snapshots).getMetricsAsJSON())
      for (const v of metric.values) byAggregator += v.value;
    log(`counters: read costs measured (${sizes.sumReps} sums, ${sizes.promReps} prom-client round trips)`);

    const staleness = await measureStaleness(rt, client, buffers, cpus, sizes, seeds, log);
    const percpuSumUs = summarize(sumUs);
    const promAskTaskMs = summarize(askTask);
    const promAskBroadcastMs = summarize(askBroadcast);
    const promMergeMs = summarize(merge);
    const viaTask = promAskTaskMs.median <= promAskBroadcastMs.median;
    const promRoundTripMs = (viaTask ? promAskTaskMs.median : promAskBroadcastMs.median) + promMergeMs.median;
    return {
      cpus,
      counters: RANDOM_COUNTERS,
      percpuSumUs,
      promAskTaskMs,
      promAskBroadcastMs,
      promMergeMs,
      promAggregateMs: summarize(aggregate),
      promRoundTripMs,
      promRoundTripVia: viaTask ? 'task' : 'broadcast',
      speedup: promRoundTripMs / (percpuSumUs.median / 1000),
      totalsAgree: byHand === byAggregator,
      staleness,
    };
  } finally {
    client.close();
  }
}
