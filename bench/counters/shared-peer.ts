/**
 * The shared Atomics.add peer's figure that percpu is judged against. Its speed at two or more
 * CPUs depends on how far apart the host put the CPUs' cores (core-latency.ts), which can change
 * from one round to the next. The targets, the peers tables and the README compare percpu with
 * the peer's rounds that ran with the cores close: the peer at its fastest.
 */
import { median } from '../lib/timing.js';
import { type CoreLatency, ranClose } from './core-latency.js';
import { aggregate, findConfig } from './lookup.js';
import type { Variant, Workload } from './model.js';
import type { CounterResults } from './suite.js';

type Results = Pick<CounterResults, 'configs'>;

export interface SharedPeerFigure {
  /** Median aggregate ops/s over `basis`. */
  readonly aggregateOps: number;
  /** 'close rounds': the rounds with the cores close; 'all rounds': no probes, or no round ran close. */
  readonly basis: 'close rounds' | 'all rounds';
  readonly closeRounds: number;
  readonly rounds: number;
  /** Median aggregate ops/s over the other rounds (NaN when there are none). */
  readonly farAggregateOps: number;
}

/** The shortest core-to-core latency probed anywhere in the run (NaN without probes). */
export function shortestLatencyNs(results: Results): number {
  const all = results.configs.flatMap((c) => (c.roundsCoreLatency ?? []).flatMap((l: CoreLatency) => [l.beforeNs, l.afterNs]));
  return all.length === 0 ? NaN : Math.min(...all);
}

/** Whether each round of the shared peer at `cpus` ran with the cores close (empty without probes). */
export function closeRoundFlags(results: Results, workload: Workload, cpus: number): boolean[] {
  const shortest = shortestLatencyNs(results);
  return (findConfig(results, 'sharedAtomic', workload, cpus)?.roundsCoreLatency ?? []).map((l) => ranClose(l, shortest));
}

export function sharedPeer(results: Results, workload: Workload, cpus: number): SharedPeerFigure {
  const config = findConfig(results, 'sharedAtomic', workload, cpus);
  const rounds = config?.roundsAggregateOps ?? [];
  const close = closeRoundFlags(results, workload, cpus);
  const near = rounds.filter((_, i) => close[i] === true);
  const far = rounds.filter((_, i) => close[i] === false);
  const base = { closeRounds: near.length, rounds: rounds.length, farAggregateOps: far.length === 0 ? NaN : median(far) };
  return near.length === 0
    ? { ...base, aggregateOps: aggregate(results, 'sharedAtomic', workload, cpus), basis: 'all rounds' }
    : { ...base, aggregateOps: median(near), basis: 'close rounds' };
}

/** A peer's aggregate ops/s as percpu is compared with it: the shared peer's from sharedPeer(). */
export function peerAggregate(results: Results, peer: Variant, workload: Workload, cpus: number): number {
  return peer === 'sharedAtomic' ? sharedPeer(results, workload, cpus).aggregateOps : aggregate(results, peer, workload, cpus);
}
