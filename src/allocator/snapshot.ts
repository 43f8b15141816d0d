/**
 * A picture of the allocator's state, for `percpu map`: per chunk, which byte ranges are
 * allocated, which pages are populated, where the static and reserved regions are, and the
 * chunk's percpu_stats. Walks every bitmap: a report, not a hot path.
 */
import { MIN_ALLOC_SHIFT, PAGE_SHIFT } from '../memory/layout.js';
import type { PercpuAllocator } from './allocator.js';
import { findNextSet, findNextZero } from './bitmap.js';
import type { Chunk } from './chunk.js';
import { type ChunkStats, chunkStats } from './stats.js';

/** A byte range [start, end) within a unit. */
export type ByteRange = readonly [number, number];

export interface ChunkPicture {
  readonly index: number;
  readonly unitSize: number;
  /** Static region of the first chunk (empty elsewhere). */
  readonly staticRange: ByteRange | null;
  /** Reserved region of the first chunk (empty elsewhere). */
  readonly reservedRange: ByteRange | null;
  /** Live areas: dynamic ones, and for chunk 0 also those of the reserved region. */
  readonly areas: readonly ByteRange[];
  /** One flag per page. */
  readonly populated: readonly boolean[];
  readonly stats: ChunkStats;
}

/** Live areas of a chunk, in order: allocated runs split at boundary bits. */
function liveAreas(chunk: Chunk): ByteRange[] {
  const areas: ByteRange[] = [];
  let bit = findNextSet(chunk.allocMap, chunk.startBit, chunk.endBit);
  while (bit < chunk.endBit) {
    const runEnd = findNextZero(chunk.allocMap, bit, chunk.endBit);
    while (bit < runEnd) {
      const areaEnd = Math.min(findNextSet(chunk.boundMap, bit + 1, chunk.nrBits + 1), runEnd);
      areas.push([bit << MIN_ALLOC_SHIFT, areaEnd << MIN_ALLOC_SHIFT]);
      bit = areaEnd;
    }
    bit = findNextSet(chunk.allocMap, runEnd, chunk.endBit);
  }
  return areas;
}

export function snapshotChunks(allocator: PercpuAllocator): ChunkPicture[] {
  const pictures: ChunkPicture[] = [];
  for (const chunk of allocator.chunks) {
    if (chunk === undefined) continue;
    const first = chunk.index === 0;
    const allocated = liveAreas(chunk);
    if (first && allocator.reservedChunk !== null) allocated.unshift(...liveAreas(allocator.reservedChunk));
    const firstPage = (chunk.index * allocator.unitSize) >>> PAGE_SHIFT;
    pictures.push({
      index: chunk.index,
      unitSize: allocator.unitSize,
      // The static range includes the NULL guard before it: both are hidden, never handed out.
      staticRange: first && allocator.staticSize > 0 ? [0, allocator.reservedStart] : null,
      reservedRange: first && allocator.reservedSize > 0 ? [allocator.reservedStart, allocator.dynamicStart] : null,
      areas: allocated,
      populated: Array.from({ length: chunk.nrBlocks }, (_, page) => allocator.pages.isPopulated(firstPage + page)),
      stats: chunkStats(chunk, allocator.pages, false),
    });
  }
  return pictures;
}
