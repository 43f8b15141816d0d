/**
 * The shared Atomics.add peer's figures. Its speed at two or more CPUs depends on how far apart
 * the host put the CPUs' cores (core-latency.ts), which can change from one round to the next.
 * When a run saw the cores both close and far, the peer's rounds are split by the probes around
 * them and both figures are reported; percpu's targets are judged against the faster of the two
 * (which one is faster may depend on the workload).
 */
import { median } from '../lib/timing.js';
import { type Placement, placementOf } from './core-latency.js';
import { aggregate, findConfig } from './lookup.js';
import type { Variant, Workload } from './model.js';
import type { CounterResults } from './suite.js';

type Results = Pick<CounterResults, 'configs'>;

export interface SharedPeerFigures {
  /** Whether the run saw the cores both close and far: only then are the rounds split. */
  readonly split: boolean;
  /** Median aggregate ops/s over all rounds. */
  readonly all: number;
  /** Medians over the rounds with the cores close and far (NaN when not split or none). */
  readonly close: number;
  readonly closeRounds: number;
  readonly far: number;
  readonly farRounds: number;
  /** Rounds the host moved the CPUs during (in neither median). */
  readonly movedRounds: number;
  /**
   * What percpu's targets are judged against: without a split, `all`; with one, the faster of
   * `close` and `far`, or NaN when this workload's peer ran in only one of them (its speed in
   * the other is not known, and it may be faster).
   */
  readonly judgedAgainst: number;
}

/** Every core-to-core latency probed in the run, ns (empty without probes). */
export function probedLatenciesNs(results: Results): number[] {
  return results.configs.flatMap((c) => (c.roundsCoreLatency ?? []).flatMap((l) => [l.beforeNs, l.afterNs]));
}

/** The shortest core-to-core latency probed anywhere in the run (NaN without probes). */
export function shortestLatencyNs(results: Results): number {
  const all = probedLatenciesNs(results);
  return all.length === 0 ? NaN : Math.min(...all);
}

/** The placement of each round of the shared peer at `cpus` (empty without probes). */
export function roundPlacements(results: Results, workload: Workload, cpus: number): Placement[] {
  const shortest = shortestLatencyNs(results);
  return (findConfig(results, 'sharedAtomic', workload, cpus)?.roundsCoreLatency ?? []).map((l) => placementOf(l, shortest));
}

/** Whether some probed round of the run ran with the cores close and some with them far. */
export function splitsByPlacement(results: Results): boolean {
  const shortest = shortestLatencyNs(results);
  const seen = new Set(results.configs.flatMap((c) => (c.roundsCoreLatency ?? []).map((l) => placementOf(l, shortest))));
  return seen.has('close') && seen.has('far');
}

const medianOrNaN = (values: readonly number[]): number => (values.length === 0 ? NaN : median(values));

export function sharedPeer(results: Results, workload: Workload, cpus: number): SharedPeerFigures {
  const rounds = findConfig(results, 'sharedAtomic', workload, cpus)?.roundsAggregateOps ?? [];
  const all = aggregate(results, 'sharedAtomic', workload, cpus);
  const placements = roundPlacements(results, workload, cpus);
  if (placements.length === 0 || !splitsByPlacement(results)) {
    return { split: false, all, close: NaN, closeRounds: 0, far: NaN, farRounds: 0, movedRounds: 0, judgedAgainst: all };
  }
  const inPlacement = (p: Placement): number[] => rounds.filter((_, i) => placements[i] === p);
  const close = inPlacement('close');
  const far = inPlacement('far');
  const known = [medianOrNaN(close), medianOrNaN(far)];
  return {
    split: true,
    all,
    close: known[0]!,
    closeRounds: close.length,
    far: known[1]!,
    farRounds: far.length,
    movedRounds: inPlacement('moved').length,
    judgedAgainst: close.length === 0 || far.length === 0 ? NaN : Math.max(...known),
  };
}

/** A column of peer comparisons: its peer, its placement, and the peer's figure per workload. */
export interface PeerColumn {
  readonly peer: Variant;
  /** 'close' or 'far' for the shared peer's two columns when the run splits; null otherwise. */
  readonly placement: 'close' | 'far' | null;
  readonly ops: (workload: Workload) => number;
}

/**
 * The columns comparing percpu with `peers` at `cpus`: one per peer, two for the shared peer
 * when the run saw the cores both close and far.
 */
export function peerColumns(results: Results, peers: readonly Variant[], cpus: number): PeerColumn[] {
  const split = splitsByPlacement(results);
  return peers.flatMap((peer): PeerColumn[] => {
    if (peer !== 'sharedAtomic') return [{ peer, placement: null, ops: (w) => aggregate(results, peer, w, cpus) }];
    if (!split) return [{ peer, placement: null, ops: (w) => sharedPeer(results, w, cpus).all }];
    return [
      { peer, placement: 'close', ops: (w) => sharedPeer(results, w, cpus).close },
      { peer, placement: 'far', ops: (w) => sharedPeer(results, w, cpus).far },
    ];
  });
}

/** ", cores close" / ", cores far" / "": what a PeerColumn's heading adds to the peer's name. */
export function placementSuffix(column: PeerColumn): string {
  return column.placement === null ? '' : `, cores ${column.placement}`;
}

/** "median 12.3 over 3 rounds", "one round: 12.3", "no round": a split figure with its round count, in M ops/s. */
export function describeRounds(ops: number, rounds: number, format: (ops: number) => string): string {
  if (rounds === 0) return 'no round';
  return rounds === 1 ? `one round, ${format(ops)}` : `${rounds} rounds, median ${format(ops)}`;
}
