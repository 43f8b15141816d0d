/** Runs every allocator benchmark at full or quick sizes; the results are plain JSON data. */
import { type KiranResult, runKiranCounters, runKiranObjects } from './kiran.js';
import { type MillionResult, runMillion } from './million.js';
import { type ScalingResult, runScaling } from './scaling.js';
import { type ZhouResult, runZhou } from './zhou.js';

export type Mode = 'full' | 'quick';

export interface SuiteSizes {
  readonly zhouObjects: number;
  readonly millionAllocations: number;
  /** The million test stops after this long (0: never), see million.ts. */
  readonly millionTimeLimitMs: number;
  readonly scalingSmallLive: number;
  readonly scalingLargeLive: number;
  readonly scalingPairsPerRound: number;
}

export const SIZES: Readonly<Record<Mode, SuiteSizes>> = {
  full: {
    zhouObjects: 1 << 20,
    millionAllocations: 1 << 20,
    millionTimeLimitMs: 60_000,
    scalingSmallLive: 1000,
    scalingLargeLive: 1_000_000,
    scalingPairsPerRound: 100_000,
  },
  quick: {
    zhouObjects: 1 << 16,
    millionAllocations: 1 << 16,
    millionTimeLimitMs: 10_000,
    scalingSmallLive: 1000,
    scalingLargeLive: 1 << 16,
    scalingPairsPerRound: 20_000,
  },
};

export interface AllocatorResults {
  readonly mode: Mode;
  readonly seed: number;
  readonly sizes: SuiteSizes;
  readonly kiranCounters: KiranResult;
  readonly kiranObjects: KiranResult;
  readonly zhou: ZhouResult;
  readonly million: MillionResult;
  readonly scaling: ScalingResult;
}

export function runAllocatorSuite(mode: Mode, seed: number, sizes: SuiteSizes, log: (line: string) => void): AllocatorResults {
  const kiranCounters = runKiranCounters(seed);
  const kiranObjects = runKiranObjects(seed);
  log('kiran: done');
  const zhou = runZhou(sizes.zhouObjects, log);
  const million = runMillion(sizes.millionAllocations, sizes.millionTimeLimitMs);
  log(`million: ${million.allocationsMade} allocations in ${million.allocMs.toFixed(0)} ms${million.completed ? '' : ' (time limit)'}`);
  const scaling = runScaling(seed, sizes.scalingSmallLive, sizes.scalingLargeLive, sizes.scalingPairsPerRound);
  log(`scaling: ${scaling.small.nsPerPair.toFixed(0)} ns vs ${scaling.large.nsPerPair.toFixed(0)} ns per pair`);
  return { mode, seed, sizes, kiranCounters, kiranObjects, zhou, million, scaling };
}
