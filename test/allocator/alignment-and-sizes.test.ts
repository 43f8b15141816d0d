/**
 * Alignment is honoured for every power of two from 1 to 4096, sizes are rounded up to 4 bytes,
 * and the largest allocation (unitSize) succeeds.
 */
import { describe, expect, it } from 'vitest';
import { PercpuAllocator } from 'percpu';
import * as layout from '../../src/memory/layout.js';
import { Prng } from '../../src/util/prng.js';
import { mustAlloc, roundUp4 } from './helpers.js';

const UNIT = 16384;
/** The first chunk's first bytes, never handed out: offset 0 is NULL. */
const G = layout.NULL_GUARD;

describe('alignment', () => {
  for (let k = 0; k <= 12; k++) {
    const align = 2 ** k;
    it(`align ${align}: every offset is a multiple of ${align}`, () => {
      // A static region of 100 bytes and a 4-byte area first, so the first free byte is misaligned.
      const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 16 * UNIT, staticSize: 100 });
      const first = mustAlloc(allocator, 4);
      expect(first).toBe(G + 100);
      const areas: [number, number][] = [[first, 4]];
      for (const size of [1, 4, 13, 100, 4096, 5000]) {
        const offset = mustAlloc(allocator, size, align);
        expect(offset % align, `alloc(${size}, ${align}) = ${offset}`).toBe(0);
        expect(offset % 4).toBe(0);
        expect(allocator.sizeOf(offset)).toBe(roundUp4(size));
        for (const [start, bytes] of areas) {
          expect(
            offset + roundUp4(size) <= start || start + bytes <= offset,
            `overlap with [${start}, +${bytes})`,
          ).toBe(true);
        }
        areas.push([offset, roundUp4(size)]);
      }
      allocator.verify();
    });
  }

  it('the first fit for an alignment is the lowest aligned free offset', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 4 * UNIT });
    // The NULL guard holds [0, 8): the first area starts after it.
    expect(G).toBe(8);
    expect(allocator.alloc(4)).toBe(8);
    expect(allocator.alloc(4, 8)).toBe(16);
    expect(allocator.alloc(4, 1)).toBe(12);
    expect(allocator.alloc(4, 2)).toBe(20);
    expect(allocator.alloc(4, 64)).toBe(64);
    expect(allocator.alloc(4, 4096)).toBe(4096);
    expect(allocator.alloc(8, 16)).toBe(32);
    allocator.verify();
  });

  it('random sizes and alignments: always aligned, never overlapping', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 64 * UNIT, staticSize: 12, reservedSize: 4 });
    const random = new Prng(42);
    const live = new Map<number, number>();
    for (let step = 0; step < 1500; step++) {
      if (random.next() < 0.65 || live.size === 0) {
        const size = 1 + Math.floor(random.next() * (random.next() < 0.9 ? 200 : UNIT));
        const align = 2 ** Math.floor(random.next() * 13);
        const offset = mustAlloc(allocator, size, align);
        expect(offset % align).toBe(0);
        expect(Math.floor(offset / UNIT)).toBe(Math.floor((offset + roundUp4(size) - 1) / UNIT));
        expect(live.has(offset)).toBe(false);
        live.set(offset, roundUp4(size));
      } else {
        const offsets = [...live.keys()];
        const offset = offsets[Math.floor(random.next() * offsets.length)]!;
        allocator.free(offset);
        live.delete(offset);
      }
    }
    const sorted = [...live].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < sorted.length; i++) {
      const [prevStart, prevSize] = sorted[i - 1]!;
      expect(prevStart + prevSize).toBeLessThanOrEqual(sorted[i]![0]);
    }
    allocator.verify();
  });
});

describe('sizes', () => {
  it('are rounded up to a multiple of 4 bytes', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 4 * UNIT });
    const a = mustAlloc(allocator, 1);
    const b = mustAlloc(allocator, 1);
    const c = mustAlloc(allocator, 5);
    const d = mustAlloc(allocator, 4);
    const e = mustAlloc(allocator, 7);
    expect([a, b, c, d, e]).toEqual([G, G + 4, G + 8, G + 16, G + 20]);
    expect([a, b, c, d, e].map((x) => allocator.sizeOf(x))).toEqual([4, 4, 8, 4, 8]);
    expect(allocator.stats().liveBytes).toBe(28);
    expect(allocator.alloc(2)).toBe(G + 28);
    allocator.verify();
  });

  it('the largest allocation, unitSize, succeeds in a new chunk', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 4 * UNIT, staticSize: 4 });
    const big = mustAlloc(allocator, UNIT);
    expect(big).toBe(UNIT); // chunk 0 has only UNIT - 8 - 4 bytes of dynamic space
    expect(allocator.sizeOf(big)).toBe(UNIT);
    expect(allocator.stats().nrChunks).toBe(2);
    const aligned = mustAlloc(allocator, UNIT, 4096);
    expect(aligned).toBe(2 * UNIT);
    // UNIT - 3 bytes round up to a whole unit.
    const rounded = mustAlloc(allocator, UNIT - 3);
    expect(rounded).toBe(3 * UNIT);
    expect(allocator.sizeOf(rounded)).toBe(UNIT);
    allocator.verify();
  });

  it('a whole unit never fits in the first chunk (its NULL guard is hidden): it takes a new chunk', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: 2 * UNIT });
    expect(allocator.alloc(UNIT)).toBe(UNIT);
    expect(allocator.stats().nrChunks).toBe(2);
    expect(allocator.alloc(UNIT)).toBeNull();
    expect(allocator.alloc(UNIT - G)).toBe(G);
    allocator.verify();
  });
});
