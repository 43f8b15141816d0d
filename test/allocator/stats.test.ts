/**
 * stats() counters (percpu_stats): nrAlloc, nrDealloc, nrCurAlloc, nrMaxAlloc, nrChunks,
 * nrMaxChunks, min/maxAllocSize, nrFailed, liveBytes, populated pages; and chunkStats() figures.
 */
import { describe, expect, it } from 'vitest';
import { PercpuAllocator } from 'percpu';
import * as layout from '../../src/memory/layout.js';
import { mustAlloc } from './helpers.js';

const UNIT = 8192;
/** The first chunk's NULL guard: its first G bytes are hidden, never handed out. */
const G = layout.NULL_GUARD;

describe('stats()', () => {
  it('a fresh allocator', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 8 * UNIT });
    expect(allocator.stats()).toEqual({
      unitSize: UNIT,
      areaSize: 8 * UNIT,
      staticSize: 0,
      reservedSize: 0,
      nrAlloc: 0,
      nrDealloc: 0,
      nrCurAlloc: 0,
      nrMaxAlloc: 0,
      nrFailed: 0,
      nrChunks: 1,
      nrMaxChunks: 1,
      minAllocSize: 0,
      maxAllocSize: 0,
      liveBytes: 0,
      populatedPages: 0,
      populatedBytes: 0,
      emptyPopPages: 0,
    });
  });

  it('counts allocations, frees, live and peak areas, chunks and sizes through a workload', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 8 * UNIT });
    const x1 = mustAlloc(allocator, 10);
    const x2 = mustAlloc(allocator, 100);
    const x3 = mustAlloc(allocator, 1);
    expect([x1, x2, x3]).toEqual([G, G + 12, G + 112]);
    expect(allocator.stats()).toMatchObject({
      nrAlloc: 3,
      nrDealloc: 0,
      nrCurAlloc: 3,
      nrMaxAlloc: 3,
      minAllocSize: 1,
      maxAllocSize: 100,
      liveBytes: 12 + 100 + 4,
      populatedPages: 1,
      populatedBytes: 4096,
      nrChunks: 1,
    });

    allocator.free(x2);
    expect(allocator.stats()).toMatchObject({
      nrAlloc: 3,
      nrDealloc: 1,
      nrCurAlloc: 2,
      nrMaxAlloc: 3,
      minAllocSize: 1, // smallest and largest ever requested: frees do not change them
      maxAllocSize: 100,
      liveBytes: 16,
    });

    const big1 = mustAlloc(allocator, UNIT);
    const big2 = mustAlloc(allocator, UNIT);
    expect([big1, big2]).toEqual([UNIT, 2 * UNIT]);
    expect(allocator.stats()).toMatchObject({
      nrAlloc: 5,
      nrCurAlloc: 4,
      nrMaxAlloc: 4,
      nrChunks: 3,
      nrMaxChunks: 3,
      maxAllocSize: UNIT,
      populatedPages: 1 + 2 + 2,
    });

    allocator.free(big1); // chunk 1 is empty: kept, as the one spare
    expect(allocator.stats()).toMatchObject({ nrChunks: 3, nrCurAlloc: 3, populatedPages: 3 });
    allocator.free(big2); // a second empty chunk: released
    expect(allocator.stats()).toMatchObject({ nrChunks: 2, nrMaxChunks: 3, nrCurAlloc: 2, populatedPages: 1 });

    allocator.free(x1);
    allocator.free(x3); // chunk 0 is empty now and counts as the kept one: chunk 1 goes
    expect(allocator.stats()).toMatchObject({
      nrAlloc: 5,
      nrDealloc: 5,
      nrCurAlloc: 0,
      nrMaxAlloc: 4,
      nrChunks: 1,
      nrMaxChunks: 3,
      minAllocSize: 1,
      maxAllocSize: UNIT,
      liveBytes: 0,
      // Page 0 holds the hidden NULL guard: like a page of the static region, it stays populated.
      populatedPages: 1,
      nrFailed: 0,
    });
    allocator.verify();
  });

  it('failed allocations count in nrFailed only; rejected arguments count nowhere', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: UNIT });
    mustAlloc(allocator, 8);
    expect(allocator.alloc(UNIT)).toBeNull();
    expect(allocator.alloc(4, 4, { reserved: true })).toBeNull();
    expect(() => allocator.alloc(0)).toThrow();
    expect(() => allocator.free(4)).toThrow();
    expect(allocator.stats()).toMatchObject({
      nrAlloc: 1,
      nrDealloc: 0,
      nrCurAlloc: 1,
      nrFailed: 2,
      minAllocSize: 8,
      maxAllocSize: 8,
      liveBytes: 8,
    });
  });

  it('emptyPopPages counts populated pages that hold no allocation', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 2 * UNIT, reservedSize: 4096 - G });
    const r = mustAlloc(allocator, 4, 4, true);
    const d = mustAlloc(allocator, 4);
    expect(d).toBe(4096);
    const e = mustAlloc(allocator, 4, 4096);
    expect(e).toBe(UNIT);
    expect(allocator.stats()).toMatchObject({ populatedPages: 3, emptyPopPages: 0 });
    allocator.free(r);
    allocator.free(d);
    allocator.free(e);
    const stats = allocator.stats();
    // Page 0 holds the hidden NULL guard, so it is never empty (and stays populated); every other
    // page still populated now holds nothing, whatever the depopulation policy.
    expect(allocator.pages.isPopulated(0)).toBe(true);
    expect(stats.emptyPopPages).toBe(stats.populatedPages - 1);
    expect(stats.populatedBytes).toBe(stats.populatedPages * 4096);
  });
});

describe('chunkStats()', () => {
  it('describes areas, free space and fragmentation of a chunk', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 2 * UNIT });
    const x1 = mustAlloc(allocator, 10);
    const x2 = mustAlloc(allocator, 100);
    mustAlloc(allocator, 1);
    expect(allocator.chunkStats()).toEqual([
      {
        index: 0,
        reserved: false,
        hiddenStartBytes: G,
        hiddenEndBytes: 0,
        nrPages: 2,
        populatedPages: 1,
        emptyPopPages: 0,
        nrAreas: 3,
        freeBytes: UNIT - G - 116,
        contigBytes: UNIT - G - 116,
        firstFreeByte: G + 116,
        sumFragBytes: 0,
        maxFragBytes: 0,
        curMinAlloc: 4,
        curMedAlloc: 12,
        curMaxAlloc: 100,
      },
    ]);
    allocator.free(x2);
    expect(allocator.chunkStats()[0]).toMatchObject({
      nrAreas: 2,
      freeBytes: UNIT - G - 16,
      contigBytes: UNIT - G - 116,
      firstFreeByte: G + 12,
      sumFragBytes: 100,
      maxFragBytes: 100,
      curMinAlloc: 4,
      curMedAlloc: 4,
      curMaxAlloc: 12,
    });
    allocator.free(x1);
    expect(allocator.chunkStats()[0]).toMatchObject({
      nrAreas: 1,
      firstFreeByte: G,
      sumFragBytes: 112,
      maxFragBytes: 112,
    });
  });

  it('lists the reserved chunk first, with the hidden parts of both views of chunk 0', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 2 * UNIT, staticSize: 1000, reservedSize: 2048 });
    const [reserved, first, ...rest] = allocator.chunkStats();
    expect(rest).toEqual([]);
    expect(reserved).toMatchObject({
      index: 0,
      reserved: true,
      hiddenStartBytes: G + 1000,
      hiddenEndBytes: UNIT - G - 3048,
      nrPages: 2,
      populatedPages: 1,
      nrAreas: 0,
      freeBytes: 2048,
      contigBytes: 2048,
      firstFreeByte: G + 1000,
    });
    expect(first).toMatchObject({
      index: 0,
      reserved: false,
      hiddenStartBytes: G + 3048,
      hiddenEndBytes: 0,
      freeBytes: UNIT - G - 3048,
      contigBytes: UNIT - G - 3048,
      firstFreeByte: G + 3048,
      curMinAlloc: 0,
      curMedAlloc: 0,
      curMaxAlloc: 0,
    });
  });

  it('a full chunk reports firstFreeByte = unitSize and no free bytes', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 2 * UNIT });
    mustAlloc(allocator, UNIT - G);
    expect(allocator.chunkStats()[0]).toMatchObject({ freeBytes: 0, contigBytes: 0, firstFreeByte: UNIT, nrAreas: 1 });
  });
});
