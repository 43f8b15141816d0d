/**
 * Does the cost of an allocation depend on how much is allocated? With N live allocations of
 * random size (4..256 bytes), time pairs of "allocate a random size, free a random live one" (N
 * stays constant) at N = 1k and N = 1M. The sizes and victims are drawn before the clock starts.
 * Each point is the median of several rounds, after a warm-up round.
 *
 * A control point separates the allocator's work from the memory hierarchy: N = 1M live again,
 * but the frees pick among the first 1k slots only, so the chunks an operation touches stay in
 * the CPU's caches. If its cost matches N = 1k, what the allocator does per operation does not
 * depend on N, and the rest of the large point's cost is cache misses on metadata spread over
 * thousands of chunks.
 */
import { Prng } from '../lib/prng.js';
import { median, msSince, now } from '../lib/timing.js';
import { type RigMemory, areaFor, makeRig, mustAlloc, rigMemory } from './rig.js';

const MIN_SIZE = 4;
const MAX_SIZE = 256;
const ROUNDS = 5;

export interface ScalingPoint {
  readonly live: number;
  readonly pairsPerRound: number;
  readonly rounds: number;
  /** Median over the rounds, and every round's figure. */
  readonly nsPerPair: number;
  readonly roundNsPerPair: readonly number[];
  readonly chunks: number;
  readonly populatedPages: number;
  readonly setup: string;
  readonly memory: RigMemory;
}

export interface ScalingResult {
  readonly seed: number;
  readonly sizeRange: readonly [number, number];
  readonly small: ScalingPoint;
  readonly large: ScalingPoint;
  /** large.nsPerPair / small.nsPerPair. */
  readonly ratio: number;
  /** The control: largeLive live, frees among the first smallLive slots. */
  readonly largeHot: ScalingPoint;
  /** largeHot.nsPerPair / small.nsPerPair. */
  readonly hotRatio: number;
}

/** `victimPool`: the frees pick among the first `victimPool` live slots (all of them by default). */
function measurePoint(live: number, pairsPerRound: number, prng: Prng, victimPool = live): ScalingPoint {
  // Room for the live set at the largest size, so fragmentation can never run it out of space.
  const rig = makeRig({ cpus: 1, areaSize: areaFor(live * MAX_SIZE, 4) });
  const { allocator } = rig;
  const offsets = new Uint32Array(live);
  for (let i = 0; i < live; i++) offsets[i] = mustAlloc(allocator, prng.int(MIN_SIZE, MAX_SIZE));
  const sizes = new Uint16Array(pairsPerRound);
  const victims = new Uint32Array(pairsPerRound);
  const roundNs: number[] = [];
  for (let round = -1; round < ROUNDS; round++) {
    for (let i = 0; i < pairsPerRound; i++) {
      sizes[i] = prng.int(MIN_SIZE, MAX_SIZE);
      victims[i] = prng.int(0, victimPool - 1);
    }
    const start = now();
    for (let i = 0; i < pairsPerRound; i++) {
      const offset = mustAlloc(allocator, sizes[i]!);
      const victim = victims[i]!;
      allocator.free(offsets[victim]!);
      offsets[victim] = offset;
    }
    const ns = (msSince(start) * 1e6) / pairsPerRound;
    if (round >= 0) roundNs.push(ns); // round -1 is the warm-up
  }
  const stats = allocator.stats();
  return {
    live,
    pairsPerRound,
    rounds: ROUNDS,
    nsPerPair: median(roundNs),
    roundNsPerPair: roundNs,
    chunks: stats.nrChunks,
    populatedPages: stats.populatedPages,
    setup: rig.description,
    memory: rigMemory(rig, `${live} allocations live, never written`),
  };
}

export function runScaling(seed: number, smallLive: number, largeLive: number, pairsPerRound: number): ScalingResult {
  const prng = new Prng(seed);
  const small = measurePoint(smallLive, pairsPerRound, prng);
  const large = measurePoint(largeLive, pairsPerRound, prng);
  const largeHot = measurePoint(largeLive, pairsPerRound, prng, smallLive);
  return {
    seed,
    sizeRange: [MIN_SIZE, MAX_SIZE],
    small,
    large,
    ratio: large.nsPerPair / small.nsPerPair,
    largeHot,
    hotRatio: largeHot.nsPerPair / small.nsPerPair,
  };
}
