/**
 * Ravikiran Thirumalai's 2005 userspace tests of a dynamic per-CPU allocator, reproduced with a
 * seeded PRNG:
 *
 * (a) 2000 four-byte counters; free a random half; allocate 2000 again; free all. Afterwards
 *     nothing should remain but the first chunk, with no populated page.
 * (b) 2000 objects of random size (1..4096 bytes) and alignment (a power of two, 4..256); free a
 *     random half; allocate 2000 more. Utilization = live requested bytes / populated bytes of
 *     one unit, after each step.
 *
 * The allocator has no static or reserved region, the default 64 KiB unit, and a real
 * PerCpuMemory of 2 CPUs as its zeroer. verify() runs after every step.
 */
import { type AllocatorStats, PAGE_SIZE, type PercpuAllocator } from 'percpu';
import { Prng } from '../lib/prng.js';
import { type Rig, type RigMemory, makeRig, mustAlloc, rigMemory } from './rig.js';

export const KIRAN_OBJECTS = 2000;
const KIRAN_CPUS = 2;
const KIRAN_AREA_SIZE = 16 * 1024 * 1024;

export interface KiranStep {
  readonly step: string;
  readonly liveObjects: number;
  /** Bytes the live objects asked for. */
  readonly requestedBytes: number;
  /** The same, as the allocator rounded them (to 4). */
  readonly liveBytes: number;
  readonly chunks: number;
  readonly populatedPages: number;
  readonly populatedBytes: number;
  /** requestedBytes / populatedBytes (0 when nothing is populated). */
  readonly utilization: number;
  /**
   * Where populated bytes go that no object asked for: rounding sizes up to 4, free bytes of
   * populated pages between two live objects of a chunk (alignment padding, and holes left by
   * frees), and the rest (free bytes of populated pages after a chunk's last object or before its
   * first).
   */
  readonly wasteBytes: { readonly rounding: number; readonly between: number; readonly other: number };
}

export interface KiranResult {
  readonly seed: number;
  readonly setup: string;
  readonly steps: readonly KiranStep[];
  /** verify() found every invariant intact after every step. */
  readonly verified: boolean;
  readonly finalStats: AllocatorStats;
  /** After the last step; every object was written on every CPU when allocated, as users do. */
  readonly memory: RigMemory;
}

/**
 * Bytes of the free gap [start, end) in populated pages. A page is populated while it holds part
 * of a live allocation (the allocator depopulates it when its last one goes, and this test has
 * no static region), so only the gap's bytes in the page where it starts and the page where it
 * ends can be populated.
 */
function populatedGapBytes(start: number, end: number): number {
  const firstPageEnd = Math.ceil(start / PAGE_SIZE) * PAGE_SIZE;
  const lastPageStart = Math.floor(end / PAGE_SIZE) * PAGE_SIZE;
  return Math.min(end, firstPageEnd) - start + Math.max(0, end - Math.max(lastPageStart, firstPageEnd));
}

function roundUp4(size: number): number {
  return (size + 3) & ~3;
}

interface LiveObject {
  readonly offset: number;
  readonly size: number;
}

/** The live objects of one test and the allocator they came from. */
class Workload {
  readonly live: LiveObject[] = [];
  readonly steps: KiranStep[] = [];
  private requested = 0;

  readonly allocator: PercpuAllocator;

  constructor(
    readonly rig: Rig,
    readonly prng: Prng,
  ) {
    this.allocator = rig.allocator;
  }

  /** Allocates and writes the object on every CPU (so its pages are resident, as in real use). */
  alloc(size: number, align: number): void {
    const offset = mustAlloc(this.allocator, size, align);
    for (const views of this.rig.memory.views) views.u8.fill(0xa5, offset, offset + size);
    this.live.push({ offset, size });
    this.requested += size;
  }

  freeRandomHalf(): void {
    this.prng.shuffle(this.live);
    for (const object of this.live.splice(0, this.live.length >>> 1)) this.freeOne(object);
  }

  freeAll(): void {
    for (const object of this.live.splice(0)) this.freeOne(object);
  }

  private freeOne(object: LiveObject): void {
    this.allocator.free(object.offset);
    this.requested -= object.size;
  }

  /** Records the state after a step, once verify() has passed. */
  record(step: string): void {
    this.allocator.verify();
    const stats = this.allocator.stats();
    this.steps.push({
      step,
      liveObjects: this.live.length,
      requestedBytes: this.requested,
      liveBytes: stats.liveBytes,
      chunks: stats.nrChunks,
      populatedPages: stats.populatedPages,
      populatedBytes: stats.populatedBytes,
      utilization: stats.populatedBytes === 0 ? 0 : this.requested / stats.populatedBytes,
      wasteBytes: this.waste(stats.populatedBytes),
    });
  }

  private waste(populatedBytes: number): KiranStep['wasteBytes'] {
    const unitSize = this.rig.allocator.unitSize;
    const objects = [...this.live].sort((a, b) => a.offset - b.offset);
    let rounding = 0;
    let between = 0;
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i]!;
      const end = o.offset + roundUp4(o.size);
      rounding += roundUp4(o.size) - o.size;
      const next = objects[i + 1];
      if (next !== undefined && Math.floor(next.offset / unitSize) === Math.floor(o.offset / unitSize))
        between += populatedGapBytes(end, next.offset);
    }
    return { rounding, between, other: populatedBytes - this.requested - rounding - between };
  }
}

function start(seed: number): { work: Workload; setup: string } {
  const rig = makeRig({ cpus: KIRAN_CPUS, areaSize: KIRAN_AREA_SIZE });
  return { work: new Workload(rig, new Prng(seed)), setup: rig.description };
}

/** Test (a): four-byte counters. */
export function runKiranCounters(seed: number): KiranResult {
  const { work, setup } = start(seed);
  for (let i = 0; i < KIRAN_OBJECTS; i++) work.alloc(4, 4);
  work.record(`allocate ${KIRAN_OBJECTS}`);
  work.freeRandomHalf();
  work.record('free a random half');
  for (let i = 0; i < KIRAN_OBJECTS; i++) work.alloc(4, 4);
  work.record(`allocate ${KIRAN_OBJECTS} more`);
  work.freeAll();
  work.record('free all');
  const memory = rigMemory(work.rig, 'after freeing all');
  return { seed, setup, steps: work.steps, verified: true, finalStats: work.allocator.stats(), memory };
}

/** Test (b): objects of random size and alignment. */
export function runKiranObjects(seed: number): KiranResult {
  const { work, setup } = start(seed);
  const allocRandom = (): void => {
    const size = work.prng.int(1, 4096);
    const align = 2 ** work.prng.int(2, 8);
    work.alloc(size, align);
  };
  for (let i = 0; i < KIRAN_OBJECTS; i++) allocRandom();
  work.record(`allocate ${KIRAN_OBJECTS}`);
  work.freeRandomHalf();
  work.record('free a random half');
  for (let i = 0; i < KIRAN_OBJECTS; i++) allocRandom();
  work.record(`allocate ${KIRAN_OBJECTS} more`);
  const memory = rigMemory(work.rig, `${work.live.length} objects live`);
  return { seed, setup, steps: work.steps, verified: true, finalStats: work.allocator.stats(), memory };
}

/** Utilization after each step of test (b), for one seed. */
export interface KiranSeedRun {
  readonly seed: number;
  readonly utilization: readonly number[];
}

/**
 * Test (b) again for `count` more seeds from `first`, so that a reader sees how much the figure
 * for one seed owes to its random numbers.
 */
export function runKiranObjectsSeeds(first: number, count: number): KiranSeedRun[] {
  const runs: KiranSeedRun[] = [];
  for (let seed = first; seed < first + count; seed++) {
    runs.push({ seed, utilization: runKiranObjects(seed).steps.map((s) => s.utilization) });
  }
  return runs;
}
