/**
 * The shared Atomics.add peer's figures. Its speed at two or more CPUs depends on how far apart
 * the host put the CPUs' cores (core-latency.ts), which can change from one round to the next, so
 * its rounds are split by the probes around them into rounds with the cores close and rounds with
 * them far, and both are reported. percpu's targets are judged against the faster of the two;
 * which one is faster depends on the workload (one hot line can move in longer batches when the
 * cores are far apart).
 */
import { median } from '../lib/timing.js';
import { ranClose } from './core-latency.js';
import { aggregate, findConfig } from './lookup.js';
import type { Variant, Workload } from './model.js';
import type { CounterResults } from './suite.js';

type Results = Pick<CounterResults, 'configs'>;

export interface SharedPeerFigures {
  /** Whether the rounds were probed; without probes (one CPU) `close` is the median of all rounds. */
  readonly probed: boolean;
  /** Median aggregate ops/s over the rounds with the cores close (NaN when there are none). */
  readonly close: number;
  readonly closeRounds: number;
  /** Median aggregate ops/s over the other rounds (NaN when there are none). */
  readonly far: number;
  readonly farRounds: number;
  /**
   * What percpu's targets are judged against: the faster of `close` and `far`; NaN when this
   * workload's peer ran in only one placement while the run saw both (its speed in the other is
   * not known, and it may be faster).
   */
  readonly judgedAgainst: number;
}

/** The shortest core-to-core latency probed anywhere in the run (NaN without probes). */
export function shortestLatencyNs(results: Results): number {
  const all = results.configs.flatMap((c) => (c.roundsCoreLatency ?? []).flatMap((l) => [l.beforeNs, l.afterNs]));
  return all.length === 0 ? NaN : Math.min(...all);
}

/** Whether each round of the shared peer at `cpus` ran with the cores close (empty without probes). */
export function closeRoundFlags(results: Results, workload: Workload, cpus: number): boolean[] {
  const shortest = shortestLatencyNs(results);
  return (findConfig(results, 'sharedAtomic', workload, cpus)?.roundsCoreLatency ?? []).map((l) => ranClose(l, shortest));
}

const medianOrNaN = (values: readonly number[]): number => (values.length === 0 ? NaN : median(values));

/** Whether any probed round of the run ran close, and whether any ran far. */
function placementsSeen(results: Results): { readonly close: boolean; readonly far: boolean } {
  const shortest = shortestLatencyNs(results);
  const flags = results.configs.flatMap((c) => (c.roundsCoreLatency ?? []).map((l) => ranClose(l, shortest)));
  return { close: flags.includes(true), far: flags.includes(false) };
}

export function sharedPeer(results: Results, workload: Workload, cpus: number): SharedPeerFigures {
  const config = findConfig(results, 'sharedAtomic', workload, cpus);
  if (config?.roundsCoreLatency === undefined) {
    const all = aggregate(results, 'sharedAtomic', workload, cpus);
    return { probed: false, close: all, closeRounds: config?.roundsAggregateOps.length ?? 0, far: NaN, farRounds: 0, judgedAgainst: all };
  }
  const flags = closeRoundFlags(results, workload, cpus);
  const close = config.roundsAggregateOps.filter((_, i) => flags[i] === true);
  const far = config.roundsAggregateOps.filter((_, i) => flags[i] === false);
  const seen = placementsSeen(results);
  const missing = (close.length === 0 && seen.close) || (far.length === 0 && seen.far);
  const figures = { probed: true, close: medianOrNaN(close), closeRounds: close.length, far: medianOrNaN(far), farRounds: far.length };
  return { ...figures, judgedAgainst: missing ? NaN : Math.max(...[figures.close, figures.far].filter(Number.isFinite)) };
}

/** A peer's aggregate ops/s as percpu is judged against it (the shared peer's: judgedAgainst). */
function peerAggregate(results: Results, peer: Variant, workload: Workload, cpus: number): number {
  return peer === 'sharedAtomic' ? sharedPeer(results, workload, cpus).judgedAgainst : aggregate(results, peer, workload, cpus);
}

/** Whether any workload's shared peer at `cpus` was probed (the tables then show the far rounds too). */
function anyProbed(results: Results, workloads: readonly Workload[], cpus: number): boolean {
  return workloads.some((w) => sharedPeer(results, w, cpus).probed);
}

/** A column of peer comparisons: its heading's peer part, and the peer's figure per workload. */
export interface PeerColumn {
  readonly peer: Variant;
  /** 'close' or 'far' for the shared peer's two columns; null for one column per peer. */
  readonly placement: 'close' | 'far' | null;
  readonly ops: (workload: Workload) => number;
}

/**
 * The columns comparing percpu with `peers` at `cpus`: one per peer, and two for the shared peer
 * when its rounds were probed (the cores close, the cores far).
 */
export function peerColumns(results: Results, peers: readonly Variant[], workloads: readonly Workload[], cpus: number): PeerColumn[] {
  const split = anyProbed(results, workloads, cpus);
  return peers.flatMap((peer): PeerColumn[] =>
    peer === 'sharedAtomic' && split
      ? [
          { peer, placement: 'close', ops: (w) => sharedPeer(results, w, cpus).close },
          { peer, placement: 'far', ops: (w) => sharedPeer(results, w, cpus).far },
        ]
      : [{ peer, placement: null, ops: (w) => peerAggregate(results, peer, w, cpus) }],
  );
}

/** ", cores close" / ", cores far" / "": what a PeerColumn's heading adds to the peer's name. */
export function placementSuffix(column: PeerColumn): string {
  return column.placement === null ? '' : `, cores ${column.placement}`;
}
