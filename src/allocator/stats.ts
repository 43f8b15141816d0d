/**
 * percpu_stats, as Linux's mm/percpu-stats.c reports them: global counters kept by the allocator
 * and per-chunk figures computed by walking each chunk's bitmaps (a report, not a hot path).
 */
import { MIN_ALLOC_SHIFT } from '../memory/layout.js';
import { findNextSet, findNextZero } from './bitmap.js';
import type { Chunk } from './chunk.js';
import type { PageMap } from './page-map.js';

export interface AllocatorStats {
  readonly unitSize: number;
  readonly areaSize: number;
  readonly staticSize: number;
  readonly reservedSize: number;
  /** Allocations ever made (nr_alloc). */
  readonly nrAlloc: number;
  /** Frees ever made (nr_dealloc). */
  readonly nrDealloc: number;
  /** Live allocations (nr_cur_alloc). */
  readonly nrCurAlloc: number;
  /** Most live allocations at once (nr_max_alloc). */
  readonly nrMaxAlloc: number;
  /** Allocations that returned null for lack of space. */
  readonly nrFailed: number;
  /** Chunks now (nr_chunks) and at most (nr_max_chunks). The reserved chunk is not counted. */
  readonly nrChunks: number;
  readonly nrMaxChunks: number;
  /** Smallest and largest size ever requested, in bytes (min/max_alloc_size). */
  readonly minAllocSize: number;
  readonly maxAllocSize: number;
  /** Bytes of live allocations as rounded to 4, per CPU. */
  readonly liveBytes: number;
  /** Populated pages of one CPU's area, and their bytes. */
  readonly populatedPages: number;
  readonly populatedBytes: number;
  /** Populated pages holding no allocation (empty_pop_pages). */
  readonly emptyPopPages: number;
}

export interface ChunkStats {
  /** Chunk index: the chunk covers offsets [index * unitSize, (index + 1) * unitSize). */
  readonly index: number;
  /** True for the reserved chunk (it shares chunk 0's memory). */
  readonly reserved: boolean;
  /** Bytes at the start (static, or static + reserved) and end that this chunk never hands out. */
  readonly hiddenStartBytes: number;
  readonly hiddenEndBytes: number;
  readonly nrPages: number;
  /** Populated pages of this chunk's unit (shared with the reserved chunk for chunk 0). */
  readonly populatedPages: number;
  readonly emptyPopPages: number;
  readonly nrAreas: number;
  readonly freeBytes: number;
  /** Largest free run (contig_bytes). */
  readonly contigBytes: number;
  /** First free byte offset within the unit (first_bit × 4), or unitSize when full. */
  readonly firstFreeByte: number;
  /** Free runs that have an allocation after them: their total and largest (sum/max_frag). */
  readonly sumFragBytes: number;
  readonly maxFragBytes: number;
  /** Sizes of live areas (cur_min/med/max_alloc), 0 when there are none. */
  readonly curMinAlloc: number;
  readonly curMedAlloc: number;
  readonly curMaxAlloc: number;
}

/** One chunk's figures, by a walk over its bitmaps. */
export function chunkStats(chunk: Chunk, pages: PageMap, reserved: boolean): ChunkStats {
  const sizes: number[] = [];
  const holes: number[] = [];
  let bit = chunk.startBit;
  let pendingHole = 0;
  while (bit < chunk.endBit) {
    const freeEnd = findNextSet(chunk.allocMap, bit, chunk.endBit);
    if (freeEnd > bit) {
      pendingHole = freeEnd - bit;
      bit = freeEnd;
      continue;
    }
    // bit starts an allocated run made of one or more areas back to back.
    const runEnd = findNextZero(chunk.allocMap, bit, chunk.endBit);
    if (pendingHole > 0) holes.push(pendingHole);
    pendingHole = 0;
    while (bit < runEnd) {
      const areaEnd = Math.min(findNextSet(chunk.boundMap, bit + 1, chunk.nrBits + 1), runEnd);
      sizes.push((areaEnd - bit) << MIN_ALLOC_SHIFT);
      bit = areaEnd;
    }
  }
  sizes.sort((a, b) => a - b);
  const firstPage = chunk.index * pages.pagesPerUnit;
  let emptyPop = 0;
  for (let block = 0; block < chunk.nrBlocks; block++) {
    if (chunk.blocks.isFree(block) && pages.isPopulated(firstPage + block)) emptyPop++;
  }
  const firstFreeBit = findNextZero(chunk.allocMap, chunk.startBit, chunk.endBit);
  return {
    index: chunk.index,
    reserved,
    hiddenStartBytes: chunk.startBit << MIN_ALLOC_SHIFT,
    hiddenEndBytes: (chunk.nrBits - chunk.endBit) << MIN_ALLOC_SHIFT,
    nrPages: chunk.nrBlocks,
    populatedPages: pages.populatedPerUnit[chunk.index]!,
    emptyPopPages: emptyPop,
    nrAreas: chunk.nrAreas,
    freeBytes: chunk.freeBits << MIN_ALLOC_SHIFT,
    contigBytes: chunk.contigBits << MIN_ALLOC_SHIFT,
    firstFreeByte: firstFreeBit === chunk.endBit ? chunk.nrBits * 4 : firstFreeBit << MIN_ALLOC_SHIFT,
    sumFragBytes: holes.reduce((sum, hole) => sum + hole, 0) << MIN_ALLOC_SHIFT,
    maxFragBytes: holes.reduce((max, hole) => Math.max(max, hole), 0) << MIN_ALLOC_SHIFT,
    curMinAlloc: sizes[0] ?? 0,
    curMedAlloc: sizes[Math.floor((sizes.length - 1) / 2)] ?? 0,
    curMaxAlloc: sizes[sizes.length - 1] ?? 0,
  };
}
