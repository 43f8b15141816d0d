/**
 * Population and zeroing with a real PerCpuMemory as the zeroer: every allocation is zero on
 * every CPU when returned, even over space written and freed before; zeroing never writes a page
 * that was never populated (pristine), and never writes outside the new area; every live area
 * lies in populated pages; pages of released chunks stop being populated.
 */
import { describe, expect, it } from 'vitest';
import { PerCpuMemory, PercpuAllocator } from 'percpu';
import { Prng } from '../../src/util/prng.js';
import { mustAlloc, roundUp4 } from './helpers.js';

const UNIT = 16384; // 4 pages per unit
const PAGE = 4096;
const CPUS = 3;

interface Setup {
  readonly memory: PerCpuMemory;
  readonly allocator: PercpuAllocator;
  /** Every zero() call the allocator made: [offset, size]. */
  readonly zeroCalls: [number, number][];
}

function setup(chunks = 4, staticSize = 0, reservedSize = 0): Setup {
  const memory = new PerCpuMemory(CPUS, chunks * UNIT);
  const zeroCalls: [number, number][] = [];
  const allocator = new PercpuAllocator({
    unitSize: UNIT,
    areaSize: chunks * UNIT,
    staticSize,
    reservedSize,
    zeroer: {
      zero(offset, size) {
        zeroCalls.push([offset, size]);
        memory.zero(offset, size);
      },
    },
  });
  return { memory, allocator, zeroCalls };
}

/** Writes a nonzero byte pattern, different per CPU, over [offset, offset + size). */
function scribble(memory: PerCpuMemory, offset: number, size: number, seed = 0): void {
  for (let cpu = 0; cpu < memory.cpus; cpu++) {
    const view = memory.views[cpu]!.u8;
    for (let i = 0; i < size; i++) view[offset + i] = ((offset + i + seed + 37 * cpu) % 255) + 1;
  }
}

function hasPattern(memory: PerCpuMemory, offset: number, size: number, seed = 0): boolean {
  for (let cpu = 0; cpu < memory.cpus; cpu++) {
    const view = memory.views[cpu]!.u8;
    for (let i = 0; i < size; i++) if (view[offset + i] !== ((offset + i + seed + 37 * cpu) % 255) + 1) return false;
  }
  return true;
}

/** The first nonzero byte of [offset, offset + size) on any CPU, as a message, or null. */
function firstNonZero(memory: PerCpuMemory, offset: number, size: number): string | null {
  for (let cpu = 0; cpu < memory.cpus; cpu++) {
    const view = memory.views[cpu]!.u8;
    for (let i = offset; i < offset + size; i++) if (view[i] !== 0) return `cpu ${cpu} byte ${i} is ${view[i]}`;
  }
  return null;
}

function pagesOf(offset: number, size: number): number[] {
  const pages: number[] = [];
  for (let p = Math.floor(offset / PAGE); p <= Math.floor((offset + size - 1) / PAGE); p++) pages.push(p);
  return pages;
}

describe('zeroing', () => {
  it('an area reused at the same offset is zero on every CPU', () => {
    const { memory, allocator } = setup();
    const a = mustAlloc(allocator, 64);
    const keep = mustAlloc(allocator, 4); // keeps the page in use, so it stays populated
    scribble(memory, a, 64);
    // Write through the typed API too.
    for (let cpu = 0; cpu < CPUS; cpu++) memory.write(a + 8, cpu, 'u64', 0xdeadbeefn + BigInt(cpu));
    allocator.free(a);
    expect(allocator.pages.isPopulated(0)).toBe(true);
    const b = mustAlloc(allocator, 64);
    expect(b).toBe(a);
    expect(firstNonZero(memory, b, 64)).toBeNull();
    for (let cpu = 0; cpu < CPUS; cpu++) expect(memory.read(b + 8, cpu, 'u64')).toBe(0n);
    expect(allocator.isLive(keep)).toBe(true);
  });

  it('smaller areas carved out of freed space are zero, and their neighbours keep their data', () => {
    const { memory, allocator } = setup();
    const before = mustAlloc(allocator, 40);
    const a = mustAlloc(allocator, 100);
    const after = mustAlloc(allocator, 40);
    scribble(memory, before, 40, 1);
    scribble(memory, a, 100, 2);
    scribble(memory, after, 40, 3);
    allocator.free(a);
    const parts = [mustAlloc(allocator, 30), mustAlloc(allocator, 30), mustAlloc(allocator, 36)];
    expect(parts).toEqual([a, a + 32, a + 64]);
    for (const [i, part] of parts.entries()) expect(firstNonZero(memory, part, i === 2 ? 36 : 32)).toBeNull();
    expect(hasPattern(memory, before, 40, 1)).toBe(true);
    expect(hasPattern(memory, after, 40, 3)).toBe(true);
  });

  it('a page freed (and so depopulated) and used again is zeroed', () => {
    const { memory, allocator } = setup();
    mustAlloc(allocator, 4); // page 0
    // The free run is [4, UNIT): a page-aligned page goes to its top, where it needs no padding.
    const page = mustAlloc(allocator, PAGE, PAGE);
    expect(page).toBe(UNIT - PAGE);
    scribble(memory, page, PAGE);
    allocator.free(page);
    expect(allocator.pages.isPopulated(page / PAGE)).toBe(false);
    expect(allocator.pages.isPristine(page / PAGE)).toBe(false);
    const again = mustAlloc(allocator, 2 * PAGE, PAGE); // the same page and the pristine one below it
    expect(again).toBe(UNIT - 2 * PAGE);
    expect(firstNonZero(memory, again, 2 * PAGE)).toBeNull();
  });

  it('a released chunk created again at the same index is zeroed', () => {
    const { memory, allocator } = setup(4, 4);
    const big = mustAlloc(allocator, UNIT);
    expect(big).toBe(UNIT);
    scribble(memory, big, UNIT);
    allocator.free(big); // chunk 0 is empty: chunk 1 is released
    expect(allocator.chunkStats().map((c) => c.index)).toEqual([0]);
    for (const page of pagesOf(UNIT, UNIT)) expect(allocator.pages.isPopulated(page)).toBe(false);
    const again = mustAlloc(allocator, UNIT);
    expect(again).toBe(UNIT);
    expect(firstNonZero(memory, again, UNIT)).toBeNull();
  });

  it('reserved areas are zeroed on reuse as well', () => {
    const { memory, allocator } = setup(2, 100, 1000);
    const r = mustAlloc(allocator, 200, 4, true);
    scribble(memory, r, 200);
    allocator.free(r);
    const again = mustAlloc(allocator, 200, 4, true);
    expect(again).toBe(r);
    expect(firstNonZero(memory, again, 200)).toBeNull();
  });

  it('the static region is never written by the allocator', () => {
    const { memory, allocator } = setup(2, 1000, 500);
    scribble(memory, 0, 1000, 9);
    const random = new Prng(3);
    const live: number[] = [];
    for (let step = 0; step < 400; step++) {
      if (random.next() < 0.6 || live.length === 0) {
        const size = 1 + Math.floor(random.next() * 300);
        const offset = allocator.alloc(size, 4, { reserved: random.next() < 0.2 });
        if (offset !== null) {
          live.push(offset);
          scribble(memory, offset, roundUp4(size), 4);
        }
      } else {
        allocator.free(live.splice(Math.floor(random.next() * live.length), 1)[0]!);
      }
    }
    expect(hasPattern(memory, 0, 1000, 9)).toBe(true);
  });
});

describe('pristine pages', () => {
  it('are never zeroed: zeroing touches only pages populated before', () => {
    const { allocator, zeroCalls } = setup(4, 0, 0);
    const random = new Prng(11);
    const live: number[] = [];
    for (let step = 0; step < 500; step++) {
      if (random.next() < 0.6 || live.length === 0) {
        const pristineBefore = new Set<number>();
        for (let page = 0; page < allocator.pages.nrPages; page++)
          if (allocator.pages.isPristine(page)) pristineBefore.add(page);
        zeroCalls.length = 0;
        const size = 1 + Math.floor(random.next() * (random.next() < 0.8 ? 500 : 3 * PAGE));
        const offset = allocator.alloc(size, 2 ** Math.floor(random.next() * 13));
        if (offset === null) continue;
        live.push(offset);
        for (const [zeroOffset, zeroSize] of zeroCalls) {
          // Only inside the new area...
          expect(zeroOffset).toBeGreaterThanOrEqual(offset);
          expect(zeroOffset + zeroSize).toBeLessThanOrEqual(offset + roundUp4(size));
          // ...and only in pages that were not pristine.
          for (const page of pagesOf(zeroOffset, zeroSize)) {
            expect(pristineBefore.has(page), `zero(${zeroOffset}, ${zeroSize}) wrote pristine page ${page}`).toBe(
              false,
            );
          }
        }
        // An area wholly in pristine pages needs no zeroing at all.
        if (pagesOf(offset, roundUp4(size)).every((page) => pristineBefore.has(page))) expect(zeroCalls).toEqual([]);
      } else {
        allocator.free(live.splice(Math.floor(random.next() * live.length), 1)[0]!);
      }
    }
  });

  it('untouched pages stay pristine and zero', () => {
    const { memory, allocator, zeroCalls } = setup(4, 0, 0);
    const a = mustAlloc(allocator, 100); // page 0
    expect(zeroCalls).toEqual([]); // page 0 was pristine
    const b = mustAlloc(allocator, 100, PAGE); // page 1
    scribble(memory, a, 100);
    scribble(memory, b, 100);
    allocator.free(a);
    mustAlloc(allocator, 100); // page 0 again: zeroed this time
    expect(zeroCalls).toEqual([[a, 100]]);
    expect(allocator.pages.isPristine(0)).toBe(false);
    expect(allocator.pages.isPristine(1)).toBe(false);
    for (let page = 2; page < allocator.pages.nrPages; page++) {
      expect(allocator.pages.isPristine(page), `page ${page}`).toBe(true);
      expect(allocator.pages.isPopulated(page), `page ${page}`).toBe(false);
      expect(firstNonZero(memory, page * PAGE, PAGE)).toBeNull();
    }
  });
});

describe('population', () => {
  it('every live area lies within populated pages, through a random workload', () => {
    const { allocator } = setup(8, 600, 900);
    const random = new Prng(5);
    const live = new Map<number, number>();
    for (let step = 0; step < 600; step++) {
      if (random.next() < 0.55 || live.size === 0) {
        const size = 1 + Math.floor(random.next() * (random.next() < 0.8 ? 300 : UNIT));
        const offset = allocator.alloc(size, 2 ** Math.floor(random.next() * 13), { reserved: random.next() < 0.1 });
        if (offset !== null) live.set(offset, roundUp4(size));
      } else {
        const offsets = [...live.keys()];
        const offset = offsets[Math.floor(random.next() * offsets.length)]!;
        allocator.free(offset);
        live.delete(offset);
      }
      for (const [offset, size] of live) {
        for (const page of pagesOf(offset, size)) {
          if (!allocator.pages.isPopulated(page))
            throw new Error(`step ${step}: area ${offset} (+${size}) on unpopulated page ${page}`);
        }
      }
    }
    allocator.verify();
  });

  it('after freeing everything, pages of released chunks (and emptied pages) are no longer populated', () => {
    const { allocator } = setup(8, 600, 0);
    const random = new Prng(8);
    const live: number[] = [];
    for (let i = 0; i < 300; i++) {
      const offset = allocator.alloc(1 + Math.floor(random.next() * 2000), 2 ** Math.floor(random.next() * 13));
      if (offset !== null) live.push(offset);
    }
    expect(allocator.stats().nrChunks).toBeGreaterThan(3);
    const usedChunks = new Set(live.map((offset) => Math.floor(offset / UNIT)));
    for (const offset of live) allocator.free(offset);
    expect(allocator.chunkStats().map((c) => c.index)).toEqual([0]);
    for (const chunk of usedChunks) {
      if (chunk === 0) continue;
      for (const page of pagesOf(chunk * UNIT, UNIT))
        expect(allocator.pages.isPopulated(page), `page ${page}`).toBe(false);
    }
    // In chunk 0 only the static page stays populated.
    expect(allocator.pages.isPopulated(0)).toBe(true);
    for (let page = 1; page < allocator.pages.nrPages; page++) expect(allocator.pages.isPopulated(page)).toBe(false);
    expect(allocator.stats().populatedPages).toBe(1);
    allocator.verify();
  });
});
