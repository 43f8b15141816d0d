/**
 * The per-CPU allocator: hands out offsets that are valid, and zero, in every CPU's area.
 *
 *   every possible CPU's area has the same layout:
 *
 *        chunk 0                                chunk 1          chunk 2
 *   c0 | guard | static | reserved | dynamic | | u1 of chunk 1 | | ...
 *   c1 | guard | static | reserved | dynamic | | u1 of chunk 1 | | ...
 *   ...
 *
 * A chunk is one unit (unitSize bytes) at the same offset in every CPU's area: chunk k covers
 * offsets [k * unitSize, (k + 1) * unitSize). The first chunk starts with the NULL guard
 * (NULL_GUARD bytes never handed out, so no allocation is ever at offset 0), the static variables
 * (declared before start) and the reserved region; all use the same offsets as dynamic areas.
 * An allocation is found once, in the chunk's bitmaps, and stands for every CPU.
 *
 * Search: chunks sit in slots by their largest free run (slots.ts). A request of `bits` aligned
 * to `alignBits` looks at no more than MAX_UNSURE_TRIES chunks from the slot of `bits` up to the
 * first slot whose every chunk must fit (fullest first; those whose run cannot hold the request
 * are ruled out from the slots' copy of their run, the others scanned); then it takes the first
 * chunk of the lowest slot whose every chunk must fit (run >= bits + alignBits - 1); then it
 * creates a chunk. So the cost of one alloc or free is bounded by one chunk's size, never by the
 * number of chunks or areas.
 *
 * Context: single-threaded, on the coordinator. Workers allocate by asking the coordinator.
 */
import { InvalidArgumentError, InvalidFreeError, VerifyError } from '../errors.js';
import {
  MAX_AREA_SIZE,
  MAX_UNIT_SIZE,
  MIN_ALLOC_SHIFT,
  MIN_ALLOC_SIZE,
  MIN_UNIT_SIZE,
  NULL_GUARD,
  PAGE_SHIFT,
  PAGE_SIZE,
  isPowerOfTwo,
  roundUp,
} from '../memory/layout.js';
import { checkOptionalBoolean, checkOptionalFunction, checkOptionsObject } from '../util/check.js';
import { checkAllocArgs } from './alloc-args.js';
import { testBit } from './bitmap.js';
import { Chunk, runFits } from './chunk.js';
import { type AreaZeroer, PageMap } from './page-map.js';
import { Slots, contigToSlot, sureSlotFor } from './slots.js';
import { type AllocatorStats, type ChunkStats, chunkStats } from './stats.js';
import { verifyAllocator } from './verify.js';

/**
 * How many chunks that may not fit one search looks at (and scans at most) before taking a sure
 * one. Looking is cheap (the slots' copy of each chunk's run, slots.ts); scanning a chunk that
 * then fails is not. The walk buys packing: a request goes to the fullest chunk that holds it.
 */
export const MAX_UNSURE_TRIES = 8;

/**
 * Released chunk objects kept for reuse: enough to absorb a workload that frees and refills a few
 * chunks over and over (Zhou's patterns), few enough that a big release returns its memory.
 */
const MAX_SPARE_CHUNKS = 4;

/** Linux caps its "allocation failed" warnings at 10; so do we. */
export const MAX_FAILURE_WARNINGS = 10;

export interface AllocatorOptions {
  /** Bytes per unit (per chunk per CPU): a power of two, 8 KiB .. 64 MiB. */
  readonly unitSize: number;
  /** Bytes of address space per CPU: a multiple of unitSize, at most 4 GiB - 8 KiB. */
  readonly areaSize: number;
  /** Bytes of static variables in the first chunk, after the NULL guard (rounded up to 4). Default 0. */
  readonly staticSize?: number;
  /** Bytes of the reserved region after the static one (rounded up to 4). Default 0. */
  readonly reservedSize?: number;
  /** Zeroes a range in every CPU's area; omit for an allocator with no memory behind it. */
  readonly zeroer?: AreaZeroer;
  /** Receives "allocation failed" warnings (at most MAX_FAILURE_WARNINGS). */
  readonly warn?: (fields: AllocFailure, message: string) => void;
  /** Called after every successful free with the area's offset and size (robust mode poisons it). */
  readonly afterFree?: (offset: number, size: number) => void;
}

export interface AllocOptions {
  /** Allocate from the reserved region of the first chunk instead of the dynamic chunks. */
  readonly reserved?: boolean;
}

/** Why an allocation returned null. */
export interface AllocFailure {
  readonly size: number;
  readonly align: number;
  readonly reserved: boolean;
  readonly reason: string;
}

const NO_ZEROER: AreaZeroer = { zero() {} };

/** The unit size option: a power of two from MIN_UNIT_SIZE to MAX_UNIT_SIZE (also checked by the runtime's options). */
export function checkUnitSize(value: unknown): number {
  if (typeof value !== 'number' || !isPowerOfTwo(value) || value < MIN_UNIT_SIZE || value > MAX_UNIT_SIZE) {
    throw new InvalidArgumentError('unitSize', value, `a power of two from ${MIN_UNIT_SIZE} to ${MAX_UNIT_SIZE}`);
  }
  return value;
}

/** The area size option: a whole number of units, at most MAX_AREA_SIZE. */
export function checkAreaSize(value: unknown, unitSize: number): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < unitSize ||
    value > MAX_AREA_SIZE ||
    value % unitSize !== 0
  ) {
    throw new InvalidArgumentError(
      'areaSize',
      value,
      `a multiple of unitSize (${unitSize}) from ${unitSize} to ${MAX_AREA_SIZE}`,
    );
  }
  return value;
}

function checkByteCount(name: string, value: unknown, max: number): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(name, value, `an integer from 0 to ${max}`);
  }
  return roundUp(value, MIN_ALLOC_SIZE);
}

export class PercpuAllocator {
  readonly unitSize: number;
  readonly areaSize: number;
  readonly unitBits: number;
  /** log2(unitSize): offset >>> unitShift is the offset's chunk index. */
  private readonly unitShift: number;
  readonly maxChunks: number;
  /**
   * The first chunk's fixed regions: the NULL guard [0, NULL_GUARD), the static region
   * [NULL_GUARD, reservedStart) of staticSize bytes, the reserved region [reservedStart,
   * dynamicStart) of reservedSize bytes.
   */
  readonly staticSize: number;
  readonly reservedSize: number;
  readonly reservedStart: number;
  readonly dynamicStart: number;

  /** @internal Chunks by index; undefined where no chunk lives. */
  readonly chunks: (Chunk | undefined)[];
  /** @internal The first chunk's dynamic part (index 0), never destroyed. */
  readonly firstChunk: Chunk;
  /** @internal Serves the reserved region of chunk 0's memory; null without one. */
  readonly reservedChunk: Chunk | null;
  /** @internal */
  readonly slots: Slots;
  /** @internal */
  readonly pages: PageMap;
  /** @internal Chunks with no live area (the first chunk too); at most one besides the first. */
  readonly emptyChunks = new Set<Chunk>();

  private readonly zeroer: AreaZeroer;
  private readonly warn: ((fields: AllocFailure, message: string) => void) | undefined;
  private readonly afterFree: ((offset: number, size: number) => void) | undefined;
  private readonly freeIndices: number[] = [];
  private nextNewIndex = 1;
  private warningsLeft = MAX_FAILURE_WARNINGS;
  /** Result slot of findChunk: the bit where the request fits in the chunk it returned. */
  private foundBit = -1;

  // percpu_stats counters.
  private nrAlloc = 0;
  private nrDealloc = 0;
  private nrCurAlloc = 0;
  private nrMaxAlloc = 0;
  private nrChunks = 1;
  private nrMaxChunks = 1;
  private nrFailed = 0;
  private minAllocSize = Infinity;
  private maxAllocSize = 0;
  private liveBytes = 0;
  /** Released chunk objects kept for reuse by createChunk (at most MAX_SPARE_CHUNKS). */
  private readonly spareChunks: Chunk[] = [];

  constructor(options: AllocatorOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('options', options, 'an object with at least { unitSize, areaSize }');
    }
    this.unitSize = checkUnitSize(options.unitSize);
    const areaSize = checkAreaSize(options.areaSize, this.unitSize);
    this.areaSize = areaSize;
    this.unitBits = this.unitSize >>> MIN_ALLOC_SHIFT;
    this.unitShift = 31 - Math.clz32(this.unitSize);
    this.maxChunks = areaSize / this.unitSize;
    // The first chunk needs at least one page of dynamic space after guard + static + reserved.
    const maxFixed = this.unitSize - PAGE_SIZE - NULL_GUARD;
    this.staticSize = checkByteCount('staticSize', options.staticSize, maxFixed);
    this.reservedSize = checkByteCount('reservedSize', options.reservedSize, maxFixed);
    this.reservedStart = NULL_GUARD + this.staticSize;
    this.dynamicStart = this.reservedStart + this.reservedSize;
    if (this.staticSize + this.reservedSize > maxFixed) {
      throw new InvalidArgumentError(
        'staticSize + reservedSize',
        this.staticSize + this.reservedSize,
        `at most unitSize - ${PAGE_SIZE} - ${NULL_GUARD} (${maxFixed}), ` +
          `leaving the first chunk its NULL guard and a page of dynamic space`,
      );
    }
    // Checked now: a zeroer that is not one would otherwise throw in the middle of alloc(),
    // after the area was marked allocated.
    const zeroer: unknown = options.zeroer;
    if (
      zeroer !== undefined &&
      (typeof zeroer !== 'object' || zeroer === null || typeof (zeroer as AreaZeroer).zero !== 'function')
    ) {
      throw new InvalidArgumentError('zeroer', zeroer, 'an object with a zero(offset, size) method');
    }
    checkOptionalFunction('warn', options.warn);
    checkOptionalFunction('afterFree', options.afterFree);
    this.zeroer = options.zeroer ?? NO_ZEROER;
    this.warn = options.warn;
    this.afterFree = options.afterFree;
    this.pages = new PageMap(areaSize, this.unitSize);
    this.slots = new Slots(this.unitBits, this.maxChunks);
    this.chunks = new Array<Chunk | undefined>(this.maxChunks).fill(undefined);

    const dynamicStartBit = this.dynamicStart >>> MIN_ALLOC_SHIFT;
    this.firstChunk = new Chunk(0, this.unitBits, dynamicStartBit);
    this.chunks[0] = this.firstChunk;
    this.slots.place(this.firstChunk);
    this.emptyChunks.add(this.firstChunk);
    this.reservedChunk =
      this.reservedSize > 0
        ? new Chunk(0, this.unitBits, this.reservedStart >>> MIN_ALLOC_SHIFT, dynamicStartBit)
        : null;
    // Static variables are in use from the start: their pages count as populated. They are
    // still zero, and nothing allocates over them. (The guard alone is never written, so it does
    // not populate its page; it stays hidden, as the static region does.)
    if (this.staticSize > 0) this.pages.markUsed(NULL_GUARD, this.staticSize);
  }

  /**
   * Allocates `size` bytes aligned to `align` in every CPU's area and returns the offset, zero on
   * every CPU; null when the area has no room (a warning says why). Throws InvalidArgumentError
   * on bad input, changing nothing.
   */
  alloc(size: number, align = MIN_ALLOC_SIZE, options?: AllocOptions): number | null {
    checkAllocArgs(size, align, this.unitSize);
    checkOptionsObject(options, '{ reserved?: boolean }');
    checkOptionalBoolean('reserved', options?.reserved);
    const reserved = options?.reserved === true;
    const bits = (size + MIN_ALLOC_SIZE - 1) >>> MIN_ALLOC_SHIFT;
    const alignBits = align <= MIN_ALLOC_SIZE ? 1 : align >>> MIN_ALLOC_SHIFT;

    let chunk: Chunk;
    let bitOff: number;
    if (reserved) {
      const reservedChunk = this.reservedChunk;
      bitOff = reservedChunk === null ? -1 : reservedChunk.findFit(bits, alignBits, true);
      if (reservedChunk === null || bitOff < 0) {
        return this.fail(size, align, true, reservedChunk === null ? 'no reserved region' : 'reserved region full');
      }
      chunk = reservedChunk;
    } else {
      const found = this.findChunk(bits, alignBits) ?? this.createChunk() ?? this.findChunkExactly(bits, alignBits);
      if (found === null) {
        return this.fail(size, align, false, `per-CPU area full: all ${this.maxChunks} chunks in use`);
      }
      chunk = found;
      bitOff = this.foundBit >= 0 ? this.foundBit : chunk.findFit(bits, alignBits);
      if (bitOff < 0) {
        // Only a brand-new chunk can get here, and an empty chunk fits any legal request.
        return this.fail(size, align, false, 'no fit in a new chunk');
      }
    }

    // An aligned request goes to whichever end of its free run wastes less padding.
    if (alignBits > 1) bitOff = chunk.placeInRun(bitOff, bits, alignBits);
    if (chunk.isEmpty()) this.emptyChunks.delete(chunk);
    chunk.allocArea(bitOff, bits);
    if (chunk !== this.reservedChunk) this.slots.place(chunk);
    const offset = chunk.index * this.unitSize + (bitOff << MIN_ALLOC_SHIFT);
    const bytes = bits << MIN_ALLOC_SHIFT;
    this.pages.populateAndZero(offset, bytes, this.zeroer);

    this.nrAlloc++;
    this.nrCurAlloc++;
    if (this.nrCurAlloc > this.nrMaxAlloc) this.nrMaxAlloc = this.nrCurAlloc;
    if (size < this.minAllocSize) this.minAllocSize = size;
    if (size > this.maxAllocSize) this.maxAllocSize = size;
    this.liveBytes += bytes;
    return offset;
  }

  /**
   * Frees the live area that starts at `offset`. Throws InvalidFreeError, changing nothing, for
   * anything else: an offset outside the area, inside the NULL guard or the static region, in free space (never
   * allocated or already freed) or inside an area.
   */
  free(offset: number): void {
    let chunk = this.liveChunkAt(offset);
    let bitOff: number;
    if (chunk !== null) {
      bitOff = (offset & (this.unitSize - 1)) >>> MIN_ALLOC_SHIFT;
    } else {
      // Slow path: find out exactly what is wrong and throw it.
      ({ chunk, bitOff } = this.locateLiveArea(offset));
    }
    const bits = chunk.freeArea(bitOff);
    this.nrDealloc++;
    this.nrCurAlloc--;
    this.liveBytes -= bits << MIN_ALLOC_SHIFT;
    if (chunk !== this.reservedChunk) {
      if (chunk.blocksEmptied > 0) this.depopulateEmptyPages(chunk, offset, bits << MIN_ALLOC_SHIFT);
      this.slots.place(chunk);
      if (chunk.isEmpty()) {
        this.emptyChunks.add(chunk);
        this.releaseSpareEmptyChunk();
      }
    }
    // Last, when the allocator is consistent again: the callback may allocate, or throw.
    this.afterFree?.(offset, bits << MIN_ALLOC_SHIFT);
  }

  /**
   * The fast check of free(): the chunk when `offset` is the start of a live area in it, else
   * null (the slow path then says why). No allocation, no object.
   */
  private liveChunkAt(offset: number): Chunk | null {
    // (offset >>> 0) === offset: an integer in [0, 2^32), so the bit operations below are exact.
    if (
      typeof offset !== 'number' ||
      offset >>> 0 !== offset ||
      offset >= this.areaSize ||
      (offset & (MIN_ALLOC_SIZE - 1)) !== 0
    ) {
      return null;
    }
    const index = offset >>> this.unitShift;
    let chunk = this.chunks[index];
    if (chunk === undefined) return null;
    if (index === 0 && this.reservedChunk !== null && offset >= this.reservedStart && offset < this.dynamicStart) {
      chunk = this.reservedChunk;
    }
    const bit = (offset & (this.unitSize - 1)) >>> MIN_ALLOC_SHIFT;
    if (bit < chunk.startBit || bit >= chunk.endBit) return null;
    return testBit(chunk.allocMap, bit) && testBit(chunk.boundMap, bit) ? chunk : null;
  }

  /** Size in bytes of the live area starting at `offset` (as rounded); throws like free(). */
  sizeOf(offset: number): number {
    const { chunk, bitOff } = this.locateLiveArea(offset);
    const state = chunk.stateAt(bitOff);
    return state.kind === 'area-start' ? state.bits << MIN_ALLOC_SHIFT : 0;
  }

  /** True when `offset` is the start of a live area. */
  isLive(offset: number): boolean {
    try {
      this.locateLiveArea(offset);
      return true;
    } catch {
      return false;
    }
  }

  /** Global percpu_stats. */
  stats(): AllocatorStats {
    return {
      unitSize: this.unitSize,
      areaSize: this.areaSize,
      staticSize: this.staticSize,
      reservedSize: this.reservedSize,
      nrAlloc: this.nrAlloc,
      nrDealloc: this.nrDealloc,
      nrCurAlloc: this.nrCurAlloc,
      nrMaxAlloc: this.nrMaxAlloc,
      nrFailed: this.nrFailed,
      nrChunks: this.nrChunks,
      nrMaxChunks: this.nrMaxChunks,
      minAllocSize: this.nrAlloc === 0 ? 0 : this.minAllocSize,
      maxAllocSize: this.maxAllocSize,
      liveBytes: this.liveBytes,
      populatedPages: this.pages.nrPopulated,
      populatedBytes: this.pages.nrPopulated * PAGE_SIZE,
      emptyPopPages: this.countEmptyPopulatedPages(),
    };
  }

  /** Per-chunk percpu_stats, in chunk order, the reserved chunk first when there is one. */
  chunkStats(): ChunkStats[] {
    const result: ChunkStats[] = [];
    if (this.reservedChunk !== null) result.push(chunkStats(this.reservedChunk, this.pages, true));
    for (const chunk of this.chunks) if (chunk !== undefined) result.push(chunkStats(chunk, this.pages, false));
    return result;
  }

  /** Checks every invariant against a brute-force scan; throws VerifyError listing what broke. */
  verify(): void {
    const problems = verifyAllocator(this);
    if (problems.length > 0) throw new VerifyError(problems);
  }

  /**
   * The chunk to allocate from, or null when only a new chunk would do. Sets foundBit to the
   * position found in it (or -1 when it returns null).
   */
  private findChunk(bits: number, alignBits: number): Chunk | null {
    this.foundBit = -1;
    const slots = this.slots;
    const alignMask = alignBits - 1;
    const sureSlot = sureSlotFor(bits + alignBits - 1);
    let failed: Chunk[] | null = null;
    let found: Chunk | null = null;
    // Slots whose chunks may or may not fit, from the one that holds `bits` up, fullest first.
    // A chunk whose largest run cannot hold the request aligned is skipped from the slots' copy
    // of its run, without loading the chunk; at most MAX_UNSURE_TRIES chunks are looked at.
    const { next, contig, contigStart } = slots;
    let looked = 0;
    search: for (
      let slot = slots.firstFrom(contigToSlot(bits));
      slot >= 0 && slot < sureSlot;
      slot = slots.firstFrom(slot + 1)
    ) {
      for (let index = slots.head(slot); index >= 0; index = next[index]!) {
        if (++looked > MAX_UNSURE_TRIES) break search;
        if (!runFits(contig[index]!, contigStart[index]!, bits, alignMask)) continue;
        const chunk = slots.chunkAt(index);
        const bit = chunk.findFit(bits, alignBits);
        if (bit >= 0) {
          found = chunk;
          this.foundBit = bit;
          break search;
        }
        (failed ??= []).push(chunk);
      }
    }
    if (failed !== null) for (const chunk of failed) slots.demote(chunk);
    if (found !== null) return found;
    // Slots whose every chunk fits: the first chunk of the lowest such slot.
    const slot = slots.firstFrom(sureSlot);
    if (slot < 0) return null;
    const chunk = slots.chunkAt(slots.head(slot));
    this.foundBit = chunk.findFit(bits, alignBits);
    return chunk;
  }

  /**
   * The last resort when no chunk can be created: an exact search of every chunk, so that null
   * means there really is no room. O(area), but only when the area is full.
   */
  private findChunkExactly(bits: number, alignBits: number): Chunk | null {
    for (const chunk of this.chunks) {
      if (chunk === undefined || chunk.contigBits < bits) continue;
      const bit = chunk.findFit(bits, alignBits, true);
      if (bit >= 0) {
        this.foundBit = bit;
        return chunk;
      }
    }
    return null;
  }

  private createChunk(): Chunk | null {
    let index = this.freeIndices.pop();
    if (index === undefined) {
      if (this.nextNewIndex >= this.maxChunks) return null;
      index = this.nextNewIndex++;
    }
    // A released chunk is empty, and an empty chunk's bitmaps and hints are those of a new one
    // (its boundary bits over free space mean nothing): reuse the object, saving the garbage.
    const spare = this.spareChunks.pop();
    let chunk: Chunk;
    if (spare === undefined) chunk = new Chunk(index, this.unitBits);
    else {
      chunk = spare;
      chunk.index = index;
    }
    this.chunks[index] = chunk;
    this.slots.place(chunk);
    this.emptyChunks.add(chunk);
    this.nrChunks++;
    if (this.nrChunks > this.nrMaxChunks) this.nrMaxChunks = this.nrChunks;
    return chunk;
  }

  /**
   * Keeps at most one fully free chunk: when a second exists, releases the one with the highest
   * index (never the first chunk, which is kept, empty or not).
   */
  private releaseSpareEmptyChunk(): void {
    while (this.emptyChunks.size > 1) {
      let victim: Chunk | null = null;
      for (const chunk of this.emptyChunks) {
        if (chunk !== this.firstChunk && (victim === null || chunk.index > victim.index)) victim = chunk;
      }
      if (victim === null) return;
      this.destroyChunk(victim);
    }
  }

  private destroyChunk(chunk: Chunk): void {
    this.slots.remove(chunk);
    this.emptyChunks.delete(chunk);
    this.chunks[chunk.index] = undefined;
    this.freeIndices.push(chunk.index);
    this.nrChunks--;
    const firstPage = chunk.index * this.pages.pagesPerUnit;
    for (let page = firstPage; page < firstPage + this.pages.pagesPerUnit; page++) this.pages.depopulate(page);
    if (this.spareChunks.length < MAX_SPARE_CHUNKS) this.spareChunks.push(chunk);
  }

  /** Pages of [offset, offset + size) left with no allocated bit stop counting as populated. */
  private depopulateEmptyPages(chunk: Chunk, offset: number, size: number): void {
    const unitStart = chunk.index * this.unitSize;
    const firstBlock = (offset - unitStart) >>> PAGE_SHIFT;
    const lastBlock = (offset + size - 1 - unitStart) >>> PAGE_SHIFT;
    for (let block = firstBlock; block <= lastBlock; block++) {
      if (chunk.blocks.isFree(block)) this.pages.depopulate((unitStart >>> PAGE_SHIFT) + block);
    }
  }

  private countEmptyPopulatedPages(): number {
    let n = 0;
    const counted = this.reservedChunk === null ? this.chunks : [this.reservedChunk, ...this.chunks];
    for (const chunk of counted) {
      if (chunk === undefined) continue;
      const firstPage = chunk.index * this.pages.pagesPerUnit;
      for (let block = 0; block < chunk.nrBlocks; block++) {
        if (chunk.blocks.isFree(block) && this.pages.isPopulated(firstPage + block)) n++;
      }
    }
    return n;
  }

  private locateLiveArea(offset: number): { chunk: Chunk; bitOff: number } {
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset >= this.areaSize) {
      throw new InvalidFreeError(
        offset,
        'outside-area',
        `expected an integer offset from 0 to ${this.areaSize - 1} returned by alloc()`,
      );
    }
    if (offset % MIN_ALLOC_SIZE !== 0) {
      throw new InvalidFreeError(offset, 'unaligned', `allocations start at multiples of ${MIN_ALLOC_SIZE}`);
    }
    const index = Math.floor(offset / this.unitSize);
    const bitOff = (offset - index * this.unitSize) >>> MIN_ALLOC_SHIFT;
    let chunk = this.chunks[index];
    if (chunk === undefined) {
      throw new InvalidFreeError(offset, 'no-chunk', `chunk ${index} holds no allocations`);
    }
    if (index === 0 && this.reservedChunk !== null && offset >= this.reservedStart && offset < this.dynamicStart) {
      chunk = this.reservedChunk;
    }
    const state = chunk.stateAt(bitOff);
    switch (state.kind) {
      case 'area-start':
        return { chunk, bitOff };
      case 'hidden':
        throw new InvalidFreeError(
          offset,
          'hidden',
          'it lies in the NULL guard or the static region, which are never freed',
        );
      case 'free':
        throw new InvalidFreeError(
          offset,
          'not-allocated',
          'it is free space: never allocated, or already freed (a double free)',
        );
      case 'interior': {
        const start = chunk.index * this.unitSize + (state.areaStart << MIN_ALLOC_SHIFT);
        throw new InvalidFreeError(offset, 'interior', `it lies inside the allocation that starts at ${start}`);
      }
    }
  }

  private fail(size: number, align: number, reserved: boolean, reason: string): null {
    this.nrFailed++;
    if (this.warn !== undefined && this.warningsLeft > 0) {
      this.warningsLeft--;
      const suffix = this.warningsLeft === 0 ? ' (limit reached, further failures are not logged)' : '';
      this.warn({ size, align, reserved, reason }, `allocation failed${suffix}`);
    }
    return null;
  }
}
