/**
 * The first chunk's fixed regions: the NULL guard [0, G) and the static region [G, G + staticSize)
 * are never handed out; the reserved region [G + staticSize, G + staticSize + reservedSize)
 * serves only `{ reserved: true }` requests, and returns null when full without creating chunks.
 */
import { describe, expect, it } from 'vitest';
import { type AllocFailure, PercpuAllocator } from 'percpu';
import * as layout from '../../src/memory/layout.js';
import { mustAlloc } from './helpers.js';

const UNIT = 8192;
/** The NULL guard before the static region: offset 0 is never handed out. */
const G = layout.NULL_GUARD;

function withRegions(staticSize: number, reservedSize: number, failures: AllocFailure[] = []): PercpuAllocator {
  return new PercpuAllocator({
    unitSize: UNIT,
    areaSize: 4 * UNIT,
    staticSize,
    reservedSize,
    warn: (fields) => failures.push(fields),
  });
}

describe('reserved region', () => {
  it('hands out offsets only inside [G + staticSize, G + staticSize + reservedSize), then null without new chunks', () => {
    const failures: AllocFailure[] = [];
    const allocator = withRegions(1000, 2048, failures);
    const chunksBefore = allocator.chunkStats().length;
    const offsets: number[] = [];
    for (;;) {
      const offset = allocator.alloc(4, 4, { reserved: true });
      if (offset === null) break;
      offsets.push(offset);
      if (offsets.length > 1000) throw new Error('the reserved region never fills');
    }
    expect(offsets.length).toBe(2048 / 4);
    expect(new Set(offsets).size).toBe(offsets.length);
    for (const offset of offsets) {
      expect(offset).toBeGreaterThanOrEqual(G + 1000);
      expect(offset).toBeLessThan(G + 3048);
    }
    expect(allocator.stats().nrChunks).toBe(1);
    expect(allocator.chunkStats().length).toBe(chunksBefore);
    expect(failures).toEqual([{ size: 4, align: 4, reserved: true, reason: 'reserved region full' }]);
    expect(allocator.stats().nrFailed).toBe(1);
    // The dynamic region is unaffected.
    expect(allocator.alloc(4)).toBe(G + 3048);
    allocator.verify();
  });

  it('honours alignment inside the region and fails when no aligned offset fits', () => {
    const allocator = withRegions(1000, 2048);
    expect(allocator.alloc(4, 64, { reserved: true })).toBe(1024);
    expect(allocator.alloc(100, 1024, { reserved: true })).toBe(2048);
    expect(allocator.alloc(4, 4096, { reserved: true })).toBeNull(); // neither 0 nor 4096 is in the region
    expect(allocator.alloc(4, 8, { reserved: true })).toBe(G + 1000);
    expect(allocator.stats().nrChunks).toBe(1);
    allocator.verify();
  });

  it('a request as large as the region fits once; a larger one never', () => {
    const allocator = withRegions(1000, 2048);
    expect(allocator.alloc(2049, 4, { reserved: true })).toBeNull();
    const whole = allocator.alloc(2048, 4, { reserved: true });
    expect(whole).toBe(G + 1000);
    expect(allocator.alloc(1, 1, { reserved: true })).toBeNull();
    if (whole !== null) allocator.free(whole);
    expect(allocator.alloc(2048, 4, { reserved: true })).toBe(G + 1000);
    allocator.verify();
  });

  it('freed reserved space is reused', () => {
    const allocator = withRegions(0, 1024);
    const a = mustAlloc(allocator, 100, 4, true);
    const b = mustAlloc(allocator, 100, 4, true);
    expect([a, b]).toEqual([G, G + 100]);
    allocator.free(a);
    expect(allocator.isLive(a)).toBe(false);
    expect(allocator.alloc(60, 4, { reserved: true })).toBe(G);
    expect(allocator.alloc(40, 4, { reserved: true })).toBe(G + 60);
    expect(allocator.alloc(4, 4, { reserved: true })).toBe(G + 200);
    allocator.verify();
  });

  it('without a reserved region, reserved requests return null with a reason and create nothing', () => {
    const failures: AllocFailure[] = [];
    const allocator = withRegions(64, 0, failures);
    expect(allocator.alloc(4, 4, { reserved: true })).toBeNull();
    expect(failures).toEqual([{ size: 4, align: 4, reserved: true, reason: 'no reserved region' }]);
    expect(allocator.stats().nrChunks).toBe(1);
    expect(allocator.stats().nrAlloc).toBe(0);
    expect(allocator.chunkStats().length).toBe(1);
    allocator.verify();
  });

  it('`reserved: false` and no options allocate from the dynamic region', () => {
    const allocator = withRegions(1000, 2048);
    expect(allocator.alloc(4, 4, { reserved: false })).toBe(G + 3048);
    expect(allocator.alloc(4, 4, {})).toBe(G + 3052);
    expect(allocator.alloc(4)).toBe(G + 3056);
  });
});

describe('static region', () => {
  it('is never handed out: chunk 0 fills from the end of the fixed regions, then a new chunk starts', () => {
    const allocator = withRegions(1000, 2048);
    const inChunk0 = (8192 - G - 3048) / 4;
    for (let i = 0; i < inChunk0; i++) {
      const offset = mustAlloc(allocator, 4);
      expect(offset).toBe(G + 3048 + 4 * i);
    }
    expect(allocator.stats().nrChunks).toBe(1);
    expect(mustAlloc(allocator, 4)).toBe(UNIT);
    expect(allocator.stats().nrChunks).toBe(2);
    allocator.verify();
  });

  it('no request of any size or alignment lands in the static region (no reserved region)', () => {
    const allocator = withRegions(4000, 0);
    for (let k = 0; k <= 12; k++) {
      const offset = mustAlloc(allocator, 4, 2 ** k);
      expect(offset).toBeGreaterThanOrEqual(G + 4000);
    }
    expect(mustAlloc(allocator, 4096 - 4000 - 4 * 13)).toBeGreaterThanOrEqual(G + 4000);
    allocator.verify();
  });

  it('staticSize and reservedSize are rounded up to 4', () => {
    const allocator = withRegions(1001, 1022);
    expect(allocator.stats().staticSize).toBe(1004);
    expect(allocator.stats().reservedSize).toBe(1024);
    expect(allocator.alloc(4, 4, { reserved: true })).toBe(G + 1004);
    expect(allocator.alloc(4)).toBe(G + 2028);
  });

  it('static pages count as populated from the start; dynamic pages do not', () => {
    expect(withRegions(0, 0).stats().populatedPages).toBe(0);
    expect(withRegions(1000, 0).stats().populatedPages).toBe(1);
    // The statics start after the NULL guard: 4096 - G bytes of them still fit page 0.
    expect(withRegions(4096 - G, 0).stats().populatedPages).toBe(1);
    expect(new PercpuAllocator({ unitSize: 16384, areaSize: 16384, staticSize: 4096 }).stats().populatedPages).toBe(2);
    const allocator = withRegions(1000, 2048);
    expect(allocator.pages.isPopulated(0)).toBe(true);
    expect(allocator.pages.isPopulated(1)).toBe(false);
  });
});
