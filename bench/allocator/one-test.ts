/**
 * Runs one allocator benchmark in this process and prints its result as one JSON line: the
 * suite starts a fresh Node process per test, so no test runs with the JIT feedback, heap or
 * allocator objects another test left behind (measured: in one process after Kiran's tests,
 * Zhou's frees took about 30% longer than alone).
 *
 *   node dist/bench/allocator/one-test.js '{"test":"zhou","seed":2005,"sizes":{...}}'
 */
import { runKiranCounters, runKiranObjects, runKiranObjectsSeeds } from './kiran.js';
import { runMillion } from './million.js';
import { runScaling } from './scaling.js';
import type { SuiteSizes } from './suite.js';
import { runZhou } from './zhou.js';

export const ALLOCATOR_TESTS = [
  'kiranCounters',
  'kiranObjects',
  'kiranObjectsSeeds',
  'zhou',
  'million',
  'scaling',
] as const;

/** Kiran (b) is also run for seeds 1 .. KIRAN_MORE_SEEDS. */
export const KIRAN_MORE_SEEDS = 20;
export type AllocatorTest = (typeof ALLOCATOR_TESTS)[number];

export interface OneTestRequest {
  readonly test: AllocatorTest;
  readonly seed: number;
  readonly sizes: SuiteSizes;
}

const log = (line: string): void => console.error(`  ${line}`);

function run(request: OneTestRequest): unknown {
  const { seed, sizes } = request;
  switch (request.test) {
    case 'kiranCounters':
      return runKiranCounters(seed);
    case 'kiranObjects':
      return runKiranObjects(seed);
    case 'kiranObjectsSeeds':
      return runKiranObjectsSeeds(1, KIRAN_MORE_SEEDS);
    case 'zhou':
      return runZhou(sizes.zhouObjects, log);
    case 'million': {
      const million = runMillion(sizes.millionAllocations, sizes.millionTimeLimitMs);
      log(
        `million: ${million.allocationsMade} allocations in ${million.allocMs.toFixed(0)} ms${million.completed ? '' : ' (time limit)'}`,
      );
      return million;
    }
    case 'scaling': {
      const scaling = runScaling(seed, sizes.scalingSmallLive, sizes.scalingLargeLive, sizes.scalingPairsPerRound);
      log(`scaling: ${scaling.small.nsPerPair.toFixed(0)} ns vs ${scaling.large.nsPerPair.toFixed(0)} ns per pair`);
      return scaling;
    }
  }
}

const request = JSON.parse(process.argv[2] ?? '{}') as OneTestRequest;
if (!ALLOCATOR_TESTS.includes(request.test))
  throw new Error(`one-test: unknown test ${String(request.test)} (one of ${ALLOCATOR_TESTS.join(', ')})`);
console.log(JSON.stringify(run(request)));
