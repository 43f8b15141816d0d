/**
 * Dennis Zhou's 2017 benchmark of the bitmap allocator: for each size, allocate N objects (2^20
 * in the full run), then free them in order, alternating (every other one, then the rest) or in
 * reverse, timing the allocations and the frees of each pattern.
 *
 * Per size, one allocator on one PerCpuMemory of 1 CPU whose area just holds N objects runs the
 * three patterns one after another, as one program would. The first pattern allocates pristine
 * pages, which need no zeroing; the later ones reuse pages and zero every area they hand out
 * (the kernel zeroes every area on every CPU, always). The zeroed bytes are reported per run.
 * Alignment is the minimum (4 bytes).
 */
import { median, now, msSince } from '../lib/timing.js';
import { type RigMemory, areaFor, makeRig, mustAlloc, rigMemory } from './rig.js';

export const ZHOU_SIZES = [4, 16, 64, 256, 1024] as const;
export const ZHOU_PATTERNS = ['in order', 'alternating', 'reverse'] as const;
export type ZhouPattern = (typeof ZHOU_PATTERNS)[number];
const ZHOU_CPUS = 1;
/**
 * Objects per size and pattern in the untimed warm-up that lets the JIT compile the paths first:
 * a sixteenth of the measured count, at least 4,096. With only 4,096 the first full-size run of a
 * size still carried compilation (16 B frees in reverse: 48 ms once, 34 ms warm).
 */
export function zhouWarmUpObjects(objects: number): number {
  return Math.max(1 << 12, objects >>> 4);
}

/** Times each size is measured, one run after another: every figure is the median of these runs. */
export const ZHOU_REPEATS = 3;

export interface ZhouRun {
  readonly pattern: ZhouPattern;
  /** Median over the repeats. */
  readonly allocMs: number;
  readonly freeMs: number;
  /** Every repeat's figure, in run order. */
  readonly allocMsRuns: readonly number[];
  readonly freeMsRuns: readonly number[];
  /** Bytes the allocations of this run zeroed, per CPU. */
  readonly zeroedBytes: number;
  /** Chunks once every object was allocated. */
  readonly chunks: number;
}

export interface ZhouSizeResult {
  readonly size: number;
  readonly setup: string;
  readonly runs: readonly ZhouRun[];
  readonly worstAllocMs: number;
  readonly worstFreeMs: number;
  /** After the last pattern freed every object (the benchmark does not write to them). */
  readonly memory: RigMemory;
}

export interface ZhouResult {
  readonly objects: number;
  readonly repeats: number;
  /** Objects per size and pattern of the untimed warm-up. */
  readonly warmUpObjects: number;
  readonly sizes: readonly ZhouSizeResult[];
}

function freeInPattern(free: (offset: number) => void, offsets: Uint32Array, pattern: ZhouPattern): void {
  const n = offsets.length;
  switch (pattern) {
    case 'in order':
      for (let i = 0; i < n; i++) free(offsets[i]!);
      return;
    case 'alternating':
      for (let i = 0; i < n; i += 2) free(offsets[i]!);
      for (let i = 1; i < n; i += 2) free(offsets[i]!);
      return;
    case 'reverse':
      for (let i = n - 1; i >= 0; i--) free(offsets[i]!);
      return;
  }
}

/** One size: the three patterns in turn on one allocator. */
export function runZhouSize(size: number, objects: number): ZhouSizeResult {
  const rig = makeRig({ cpus: ZHOU_CPUS, areaSize: areaFor(objects * size, 2) });
  const { allocator } = rig;
  const free = (offset: number): void => allocator.free(offset);
  const offsets = new Uint32Array(objects);
  const runs: ZhouRun[] = [];
  for (const pattern of ZHOU_PATTERNS) {
    rig.zeroed.bytes = 0;
    const allocStart = now();
    for (let i = 0; i < objects; i++) offsets[i] = mustAlloc(allocator, size);
    const allocMs = msSince(allocStart);
    const chunks = allocator.stats().nrChunks;
    const freeStart = now();
    freeInPattern(free, offsets, pattern);
    const freeMs = msSince(freeStart);
    runs.push({
      pattern,
      allocMs,
      freeMs,
      allocMsRuns: [allocMs],
      freeMsRuns: [freeMs],
      zeroedBytes: rig.zeroed.bytes,
      chunks,
    });
  }
  if (allocator.stats().nrCurAlloc !== 0) throw new Error('zhou: objects left after freeing all');
  return {
    size,
    setup: rig.description,
    runs,
    worstAllocMs: Math.max(...runs.map((r) => r.allocMs)),
    worstFreeMs: Math.max(...runs.map((r) => r.freeMs)),
    memory: rigMemory(rig, 'after freeing every object'),
  };
}

/** One size's repeats as one result: each pattern's median times; the rest from the first run. */
function combineRepeats(repeats: readonly ZhouSizeResult[]): ZhouSizeResult {
  const first = repeats[0]!;
  const runs = first.runs.map((run, j): ZhouRun => {
    const allocMsRuns = repeats.map((r) => r.runs[j]!.allocMs);
    const freeMsRuns = repeats.map((r) => r.runs[j]!.freeMs);
    return { ...run, allocMs: median(allocMsRuns), freeMs: median(freeMsRuns), allocMsRuns, freeMsRuns };
  });
  return {
    ...first,
    runs,
    worstAllocMs: Math.max(...runs.map((r) => r.allocMs)),
    worstFreeMs: Math.max(...runs.map((r) => r.freeMs)),
  };
}

export function runZhou(objects: number, log: (line: string) => void = () => {}): ZhouResult {
  const warmUpObjects = zhouWarmUpObjects(objects);
  for (const size of ZHOU_SIZES) runZhouSize(size, warmUpObjects);
  const repeats = new Map<number, ZhouSizeResult[]>(ZHOU_SIZES.map((size) => [size, []]));
  for (const size of ZHOU_SIZES) {
    for (let i = 0; i < ZHOU_REPEATS; i++) repeats.get(size)!.push(runZhouSize(size, objects));
  }
  const sizes = ZHOU_SIZES.map((size) => combineRepeats(repeats.get(size)!));
  for (const result of sizes) {
    log(
      `zhou ${result.size} B: worst alloc ${result.worstAllocMs.toFixed(0)} ms, worst free ${result.worstFreeMs.toFixed(0)} ms (medians of ${ZHOU_REPEATS})`,
    );
  }
  return { objects, repeats: ZHOU_REPEATS, warmUpObjects, sizes };
}
