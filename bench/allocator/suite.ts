/**
 * Runs every allocator benchmark at full or quick sizes, each in a fresh Node process (one-test.ts);
 * the results are plain JSON data.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KiranResult, KiranSeedRun } from './kiran.js';
import type { MillionResult } from './million.js';
import type { OneTestRequest } from './one-test.js';
import type { ScalingResult } from './scaling.js';
import type { ZhouResult } from './zhou.js';

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
  /** Kiran (b)'s utilization for more seeds. */
  readonly kiranObjectsSeeds: readonly KiranSeedRun[];
  readonly zhou: ZhouResult;
  readonly million: MillionResult;
  readonly scaling: ScalingResult;
}

const ONE_TEST = fileURLToPath(new URL('./one-test.js', import.meta.url));

/** Runs one test in a fresh Node process (see one-test.ts) and returns its result. */
function runInChild<T>(request: OneTestRequest): T {
  const out = execFileSync(process.execPath, [ONE_TEST, JSON.stringify(request)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '') as T;
}

export function runAllocatorSuite(
  mode: Mode,
  seed: number,
  sizes: SuiteSizes,
  log: (line: string) => void,
): AllocatorResults {
  const kiranCounters = runInChild<KiranResult>({ test: 'kiranCounters', seed, sizes });
  const kiranObjects = runInChild<KiranResult>({ test: 'kiranObjects', seed, sizes });
  const kiranObjectsSeeds = runInChild<KiranSeedRun[]>({ test: 'kiranObjectsSeeds', seed, sizes });
  log('kiran: done');
  const zhou = runInChild<ZhouResult>({ test: 'zhou', seed, sizes });
  const million = runInChild<MillionResult>({ test: 'million', seed, sizes });
  const scaling = runInChild<ScalingResult>({ test: 'scaling', seed, sizes });
  return { mode, seed, sizes, kiranCounters, kiranObjects, kiranObjectsSeeds, zhou, million, scaling };
}
