/**
 * Shared helpers of the allocator tests (not a test file itself).
 */
import type { AllocatorStats, ChunkStats, PercpuAllocator } from 'percpu';

/** Everything the public API reports about an allocator's state. */
export interface Snapshot {
  readonly stats: AllocatorStats;
  readonly chunks: ChunkStats[];
}

export function snapshot(allocator: PercpuAllocator): Snapshot {
  return { stats: allocator.stats(), chunks: allocator.chunkStats() };
}

/** Runs `fn` and returns what it threw; fails the test when it returns normally. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, it returned normally');
}

export function roundUp4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/** Non-null or fail, with a message naming what was asked. */
export function mustAlloc(allocator: PercpuAllocator, size: number, align?: number, reserved = false): number {
  const offset = allocator.alloc(size, align, { reserved });
  if (offset === null) throw new Error(`alloc(${size}, ${align ?? 'default'}, reserved=${reserved}) returned null`);
  return offset;
}
