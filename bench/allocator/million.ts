/**
 * One million (2^20) four-byte allocations at 8-byte alignment, timed; the kernel's area map took
 * 52 minutes for this, the bitmap allocator about 16 s. Every allocation leaves a 4-byte hole
 * that no later request can use, the case where a search that ignores alignment degrades.
 * One allocator on a PerCpuMemory of 1 CPU.
 *
 * The run stops at a time limit, so that a slow allocator cannot hold the machine for an hour:
 * it then reports how many allocations it made in that time, and a projection.
 */
import { now, msSince } from '../lib/timing.js';
import { type RigMemory, areaFor, makeRig, mustAlloc, rigMemory } from './rig.js';

const SIZE = 4;
const ALIGN = 8;
const WARM_UP_ALLOCATIONS = 1 << 12;
/** Allocations between two looks at the clock. */
const BATCH = 1 << 12;

export interface MillionResult {
  readonly allocations: number;
  readonly size: number;
  readonly align: number;
  readonly setup: string;
  readonly timeLimitMs: number;
  /** False when the time limit stopped the run before every allocation was made. */
  readonly completed: boolean;
  readonly allocationsMade: number;
  readonly allocMs: number;
  /** Mean over the allocations made. */
  readonly nsPerAlloc: number;
  /** Mean over the last batch of BATCH allocations made. */
  readonly nsPerAllocLastBatch: number;
  /** allocMs when completed; else allocMs + the remaining allocations at the last batch's rate. */
  readonly projectedMs: number;
  readonly freeMs: number;
  readonly zeroedBytes: number;
  readonly chunks: number;
  readonly populatedPages: number;
  /** With every allocation live (the benchmark does not write to them). */
  readonly memory: RigMemory;
}

function measure(allocations: number, timeLimitMs: number): MillionResult {
  const rig = makeRig({ cpus: 1, areaSize: areaFor(allocations * ALIGN, 2) });
  const { allocator } = rig;
  const offsets = new Uint32Array(allocations);
  let made = 0;
  let lastMsPerAlloc = 0;
  const allocStart = now();
  while (made < allocations) {
    const batchStart = now();
    const end = Math.min(made + BATCH, allocations);
    for (let i = made; i < end; i++) offsets[i] = mustAlloc(allocator, SIZE, ALIGN);
    lastMsPerAlloc = msSince(batchStart) / (end - made);
    made = end;
    if (timeLimitMs > 0 && made < allocations && msSince(allocStart) > timeLimitMs) break;
  }
  const allocMs = msSince(allocStart);
  const stats = allocator.stats();
  const memory = rigMemory(rig, `${made} allocations live, never written`);
  const freeStart = now();
  for (let i = 0; i < made; i++) allocator.free(offsets[i]!);
  const freeMs = msSince(freeStart);
  return {
    allocations,
    size: SIZE,
    align: ALIGN,
    setup: rig.description,
    timeLimitMs,
    completed: made === allocations,
    allocationsMade: made,
    allocMs,
    nsPerAlloc: (allocMs * 1e6) / made,
    nsPerAllocLastBatch: lastMsPerAlloc * 1e6,
    projectedMs: allocMs + (allocations - made) * lastMsPerAlloc,
    freeMs,
    zeroedBytes: rig.zeroed.bytes,
    chunks: stats.nrChunks,
    populatedPages: stats.populatedPages,
    memory,
  };
}

/** `timeLimitMs` 0: no limit. */
export function runMillion(allocations: number, timeLimitMs: number): MillionResult {
  measure(WARM_UP_ALLOCATIONS, 0);
  return measure(allocations, timeLimitMs);
}
