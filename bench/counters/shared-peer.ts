/**
 * The shared Atomics.add peer's figures. Its speed at two or more CPUs depends on how far apart
 * the host put the CPUs' cores (core-latency.ts probes it before and after each of its rounds),
 * and a virtual machine's host may move them between close and far cores while a run goes on.
 * When a run saw both, the peer's rounds are split by placement and both medians reported.
 * Context: main thread (the report).
 */
import { median } from '../lib/timing.js';
import type { CoreLatency } from './core-latency.js';
import { aggregate, findConfig } from './lookup.js';
import type { Variant, Workload } from './model.js';
import type { CounterResults } from './suite.js';

type Results = Pick<CounterResults, 'configs'>;

/**
 * A probe is close when within this factor of the run's shortest latency, far otherwise (the
 * two placements on the machine of the committed results differ about fourfold: ~50 against
 * ~190 ns). A round whose two probes disagree ran while the host moved the CPUs: in neither.
 */
export const CLOSE_FACTOR = 2;

type Placement = 'close' | 'far' | 'moved';

/** Every core-to-core latency probed in the run, ns (empty without probes). */
export function probedLatenciesNs(results: Results): number[] {
  return results.configs.flatMap((c) => (c.roundsCoreLatency ?? []).flatMap((l) => [l.beforeNs, l.afterNs]));
}

function placements(results: Results): (latency: CoreLatency) => Placement {
  const limit = CLOSE_FACTOR * Math.min(...probedLatenciesNs(results));
  return (l) => (l.beforeNs <= limit !== l.afterNs <= limit ? 'moved' : l.beforeNs <= limit ? 'close' : 'far');
}

/** Whether some probed round of the run ran with the cores close and some with them far. */
export function splitsByPlacement(results: Results): boolean {
  const placementOf = placements(results);
  const seen = new Set(results.configs.flatMap((c) => (c.roundsCoreLatency ?? []).map(placementOf)));
  return seen.has('close') && seen.has('far');
}

export interface SharedPeerFigures {
  /** Whether the rounds are split by placement (the run saw both); else only `all` is set. */
  readonly split: boolean;
  /** Median aggregate ops/s over all rounds. */
  readonly all: number;
  /** Medians over the rounds with the cores close and far (NaN when not split or none). */
  readonly close: number;
  readonly closeRounds: number;
  readonly far: number;
  readonly farRounds: number;
}

export function sharedPeer(results: Results, workload: Workload, cpus: number): SharedPeerFigures {
  const config = findConfig(results, 'sharedAtomic', workload, cpus);
  const all = aggregate(results, 'sharedAtomic', workload, cpus);
  const latency = config?.roundsCoreLatency ?? [];
  if (latency.length === 0 || !splitsByPlacement(results))
    return { split: false, all, close: NaN, closeRounds: 0, far: NaN, farRounds: 0 };
  const placementOf = placements(results);
  const rounds = (p: Placement): number[] =>
    (config?.roundsAggregateOps ?? []).filter((_, i) => latency[i] !== undefined && placementOf(latency[i]) === p);
  const close = rounds('close');
  const far = rounds('far');
  const medianOrNaN = (values: readonly number[]): number => (values.length === 0 ? NaN : median(values));
  return {
    split: true,
    all,
    close: medianOrNaN(close),
    closeRounds: close.length,
    far: medianOrNaN(far),
    farRounds: far.length,
  };
}

/** A column of peer comparisons: its peer, its placement, and the peer's figure per workload. */
export interface PeerColumn {
  readonly peer: Variant;
  /** 'close' or 'far' for the shared peer's two columns when the run splits; null otherwise. */
  readonly placement: 'close' | 'far' | null;
  readonly ops: (workload: Workload) => number;
}

/** The columns comparing percpu with `peers` at `cpus`: one per peer, two for a split shared peer. */
export function peerColumns(results: Results, peers: readonly Variant[], cpus: number): PeerColumn[] {
  const split = splitsByPlacement(results);
  return peers.flatMap((peer): PeerColumn[] => {
    if (peer !== 'sharedAtomic' || !split)
      return [{ peer, placement: null, ops: (w) => aggregate(results, peer, w, cpus) }];
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
