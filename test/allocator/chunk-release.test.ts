/**
 * Fully free chunks are released, keeping one (the first chunk, never released, counts as that
 * one when it is empty); released chunk indices are reused. Includes Ravikiran Thirumalai's 2005
 * userspace test (2000 four-byte counters) as a unit test.
 */
import { describe, expect, it } from 'vitest';
import { PercpuAllocator } from 'percpu';
import * as layout from '../../src/memory/layout.js';
import { Prng } from '../../src/util/prng.js';
import { mustAlloc } from './helpers.js';

const UNIT = 8192;
/** The first chunk's first bytes, never handed out: offset 0 is NULL. */
const G = layout.NULL_GUARD;

function chunkIndices(allocator: PercpuAllocator): number[] {
  return allocator
    .chunkStats()
    .filter((c) => !c.reserved)
    .map((c) => c.index);
}

describe('release of fully free chunks', () => {
  it('keeps one empty chunk besides a busy first chunk, releasing the highest index', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 8 * UNIT });
    const small = mustAlloc(allocator, 4);
    const [c1, c2, c3] = [mustAlloc(allocator, UNIT), mustAlloc(allocator, UNIT), mustAlloc(allocator, UNIT)];
    expect([c1, c2, c3]).toEqual([UNIT, 2 * UNIT, 3 * UNIT]);
    expect(chunkIndices(allocator)).toEqual([0, 1, 2, 3]);
    allocator.free(c1);
    expect(chunkIndices(allocator)).toEqual([0, 1, 2, 3]); // one empty chunk is kept
    allocator.free(c2);
    expect(chunkIndices(allocator)).toEqual([0, 1, 3]);
    allocator.verify();
    allocator.free(c3);
    expect(chunkIndices(allocator)).toEqual([0, 1]);
    allocator.free(small); // chunk 0 is empty: it is the kept one
    expect(chunkIndices(allocator)).toEqual([0]);
    expect(allocator.stats().nrChunks).toBe(1);
    allocator.verify();
  });

  it('with an empty first chunk, an emptied chunk is released at once', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 4 * UNIT, staticSize: 4 });
    const big = mustAlloc(allocator, UNIT);
    expect(big).toBe(UNIT);
    allocator.free(big);
    expect(chunkIndices(allocator)).toEqual([0]);
    expect(allocator.pages.isPopulated(2)).toBe(false);
    expect(allocator.pages.isPopulated(3)).toBe(false);
    allocator.verify();
  });

  it('the first chunk is never released', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 4 * UNIT });
    const a = mustAlloc(allocator, UNIT);
    const b = mustAlloc(allocator, UNIT);
    allocator.free(b);
    allocator.free(a);
    expect(chunkIndices(allocator)).toEqual([0]);
    expect(allocator.alloc(4)).toBe(G);
  });

  it('released indices are reused: churn never runs out of chunks', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 4 * UNIT, staticSize: 4 });
    for (let round = 0; round < 50; round++) {
      const offsets = [mustAlloc(allocator, UNIT), mustAlloc(allocator, UNIT), mustAlloc(allocator, UNIT)];
      expect(new Set(offsets.map((o) => Math.floor(o / UNIT)))).toEqual(new Set([1, 2, 3]));
      for (const offset of round % 2 === 0 ? offsets : offsets.reverse()) allocator.free(offset);
      expect(chunkIndices(allocator)).toEqual([0]);
    }
    expect(allocator.stats()).toMatchObject({ nrChunks: 1, nrMaxChunks: 4, nrFailed: 0 });
    allocator.verify();
  });
});

describe('released chunk objects are reused', () => {
  it('a chunk emptied after fragmenting allocations serves again, at another index, exactly like a new one', () => {
    // More chunks than the allocator keeps spare objects for, so reused objects change index.
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 16 * UNIT, staticSize: 4 });
    const random = new Prng(7);
    for (let round = 0; round < 6; round++) {
      // Small areas of random size and alignment over several chunks, freed in random order.
      const live: { offset: number; size: number }[] = [];
      while (live.length < 250) {
        const size = random.int(1, 600);
        live.push({ offset: mustAlloc(allocator, size, 2 ** random.int(2, 7)), size });
      }
      expect(allocator.stats().nrChunks).toBeGreaterThan(6);
      const ends = [...live].sort((a, b) => a.offset - b.offset);
      for (let i = 1; i < ends.length; i++)
        expect(ends[i]!.offset).toBeGreaterThanOrEqual(ends[i - 1]!.offset + ends[i - 1]!.size);
      random.shuffle(live);
      for (const { offset } of live) {
        allocator.free(offset);
        allocator.verify();
      }
      expect(chunkIndices(allocator)).toEqual([0]);
      // Whole units next: every chunk object, new or reused, must be entirely free.
      const whole = [mustAlloc(allocator, UNIT), mustAlloc(allocator, UNIT), mustAlloc(allocator, UNIT)];
      allocator.verify();
      for (const offset of whole) allocator.free(offset);
    }
    allocator.verify();
  });
});

describe("Kiran's 2005 test: 2000 four-byte counters", () => {
  it('fit in the first chunk; after random frees and 2000 more, two chunks; after freeing all, only chunk 0', () => {
    // 8 KiB units, as the 8 KiB blocks of the original test.
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 16 * UNIT });
    const random = new Prng(2005);
    let live: number[] = [];
    for (let i = 0; i < 2000; i++) live.push(mustAlloc(allocator, 4));
    expect(new Set(live).size).toBe(2000);
    expect(live.every((offset) => offset < UNIT)).toBe(true);
    expect(allocator.stats().nrChunks).toBe(1);

    // Free a random half.
    const order = live.map((offset) => ({ offset, key: random.next() })).sort((a, b) => a.key - b.key);
    for (const { offset } of order.slice(0, 1000)) allocator.free(offset);
    live = order.slice(1000).map((x) => x.offset);
    expect(allocator.stats().nrCurAlloc).toBe(1000);
    allocator.verify();

    for (let i = 0; i < 2000; i++) live.push(mustAlloc(allocator, 4));
    expect(new Set(live).size).toBe(3000);
    expect(allocator.stats()).toMatchObject({ nrCurAlloc: 3000, nrChunks: 2, liveBytes: 12000 });
    const [first, second] = allocator.chunkStats();
    // The holes were filled first; the NULL guard takes two areas' worth of chunk 0.
    expect(first).toMatchObject({ index: 0, freeBytes: 0, nrAreas: (UNIT - G) / 4 });
    expect(second).toMatchObject({ nrAreas: 3000 - (UNIT - G) / 4 });
    allocator.verify();

    for (const offset of live.map((o) => ({ o, key: random.next() })).sort((a, b) => a.key - b.key))
      allocator.free(offset.o);
    expect(allocator.chunkStats()).toMatchObject([{ index: 0, nrAreas: 0, freeBytes: UNIT - G }]);
    // Chunk 0's first page holds the hidden NULL guard, so (as a page of the static region would)
    // it stays populated once used; the second page held only areas and is depopulated.
    expect(allocator.stats()).toMatchObject({ nrChunks: 1, nrCurAlloc: 0, liveBytes: 0, populatedPages: 1 });
    allocator.verify();
  });
});
