/**
 * slots.ts: the slot of a contig hint, the lowest slot sure to fit a request, and the slot lists
 * (placement, moving to the tail on demote, removal).
 */
import { describe, expect, it } from 'vitest';
import { Chunk } from '../../src/allocator/chunk.js';
import { SUB_SLOTS, Slots, contigToSlot, slotMinContig, sureSlotFor } from '../../src/allocator/slots.js';
import { PercpuAllocator } from '../../src/allocator/allocator.js';
import { BLOCK_BITS, PAGE_SIZE } from '../../src/memory/layout.js';

/** The contig values each slot holds, by brute force over 1 .. max. */
function slotRanges(max: number): Map<number, { min: number; max: number }> {
  const ranges = new Map<number, { min: number; max: number }>();
  for (let c = 1; c <= max; c++) {
    const slot = contigToSlot(c);
    const range = ranges.get(slot);
    if (range === undefined) ranges.set(slot, { min: c, max: c });
    else if (c !== range.max + 1) throw new Error(`slot ${slot} holds ${range.max} and ${c} but not what lies between`);
    else range.max = c;
  }
  return ranges;
}

describe('contigToSlot', () => {
  it('maps 0 (a full chunk) to slot 0 and each power of two of c >= 1 to SUB_SLOTS slots of equal width', () => {
    expect(contigToSlot(0)).toBe(0);
    expect([1, 2, 3, 4, 7, 8, 9, 10, 16, 19, 20, 1023, 1024, 1279, 1280].map(contigToSlot)).toEqual([
      1, 5, 6, 9, 12, 13, 13, 14, 17, 17, 18, 40, 41, 41, 42,
    ]);
    const ranges = slotRanges(70_000);
    // Slots only grow with c, and from 4 on every octave [2^k, 2^(k+1)) is cut in SUB_SLOTS equal parts.
    let previous = 0;
    for (const [slot, range] of ranges) {
      expect(slot).toBeGreaterThan(previous);
      previous = slot;
      if (range.min >= SUB_SLOTS && range.max < 65_536) {
        const octave = Math.floor(Math.log2(range.min));
        expect(range.max - range.min + 1).toBe(2 ** octave / SUB_SLOTS);
      }
    }
  });

  it('slotMinContig is the smallest contig each slot holds', () => {
    for (const [slot, range] of slotRanges(70_000)) expect(slotMinContig(slot)).toBe(range.min);
  });
});

describe('sureSlotFor', () => {
  it('is the lowest slot all of whose chunks have a run of at least `bits`', () => {
    const ranges = slotRanges(140_000);
    for (let bits = 1; bits <= 70_000; bits++) {
      const slot = sureSlotFor(bits);
      const range = ranges.get(slot);
      if (range === undefined || range.min < bits) throw new Error(`slot ${slot} is not sure for ${bits}`);
      // Every lower slot that is used holds a contig value below bits.
      const own = ranges.get(contigToSlot(bits))!;
      if (contigToSlot(bits) < slot && own.min >= bits)
        throw new Error(`slot ${contigToSlot(bits)} would already be sure for ${bits}`);
    }
    expect([1, 2, 3, 4, 5, 9, 1024, 1025].map(sureSlotFor)).toEqual([1, 5, 6, 9, 10, 14, 41, 42]);
  });
});

describe('Slots', () => {
  function chunkWithContig(index: number, contig: number): Chunk {
    const chunk = new Chunk(index, 2 * BLOCK_BITS);
    chunk.contigBits = contig;
    return chunk;
  }

  it('has one list per slot up to the slot of a whole unit', () => {
    const slots = new Slots(2 * BLOCK_BITS, 8);
    expect(slots.count).toBe(contigToSlot(2 * BLOCK_BITS) + 1);
    for (let slot = 0; slot < slots.count; slot++) expect(slots.size(slot)).toBe(0);
  });

  it('place() puts a chunk in the slot of its contig hint, and moves it when the hint changes', () => {
    const slots = new Slots(2 * BLOCK_BITS, 8);
    const a = chunkWithContig(1, 2048);
    slots.place(a);
    expect(a.slot).toBe(45);
    expect(slots.list(45)).toEqual([a]);
    a.contigBits = 5;
    slots.place(a);
    expect(a.slot).toBe(10);
    expect(slots.size(45)).toBe(0);
    expect(slots.list(10)).toEqual([a]);
    a.contigBits = 0;
    slots.place(a);
    expect(a.slot).toBe(0);
    expect(slots.list(0)).toEqual([a]);
    let listed = 0;
    for (let slot = 0; slot < slots.count; slot++) listed += slots.size(slot);
    expect(listed).toBe(1);
  });

  it('place() in the same slot keeps the order; demote() moves a chunk to the tail', () => {
    const slots = new Slots(2 * BLOCK_BITS, 8);
    const a = chunkWithContig(1, 112);
    const b = chunkWithContig(2, 113);
    const c = chunkWithContig(3, 127);
    for (const chunk of [a, b, c]) slots.place(chunk);
    expect(a.slot).toBe(28);
    const slot = a.slot;
    expect(slots.list(slot)).toEqual([a, b, c]);
    a.contigBits = 120; // still the same slot: [112, 128)
    a.contigStart = 8;
    slots.place(a);
    expect(slots.list(slot)).toEqual([a, b, c]);
    // The slots' copies of the run follow it, moved or not (a search reads them, not the chunk).
    expect([slots.contig[1], slots.contigStart[1]]).toEqual([120, 8]);
    // The list is linked by chunk index: 1 -> 2 -> 3.
    expect([slots.head(slot), slots.next[1], slots.next[2], slots.next[3]]).toEqual([1, 2, 3, -1]);
    slots.demote(a);
    expect(slots.list(slot)).toEqual([b, c, a]);
    slots.remove(c);
    expect(c.slot).toBe(-1);
    expect(slots.list(slot)).toEqual([b, a]);
    slots.remove(c); // removing twice is harmless
    expect(slots.list(slot)).toEqual([b, a]);
  });
});

describe('Slots.firstFrom', () => {
  it('finds the lowest non-empty slot at or above a slot, across the words of its mask', () => {
    const unitBits = 1 << 24; // a 64 MiB unit: 98 slots, four mask words
    const slots = new Slots(unitBits, 4);
    expect(slots.count).toBe(98);
    expect(slots.firstFrom(0)).toBe(-1);
    const low = new Chunk(1, 2 * BLOCK_BITS);
    low.contigBits = 3; // slot 6, word 0
    const high = new Chunk(2, 2 * BLOCK_BITS);
    high.contigBits = 1 << 20; // slot 81, word 2
    slots.place(low);
    slots.place(high);
    expect([low.slot, high.slot]).toEqual([6, 81]);
    expect(slots.firstFrom(0)).toBe(6);
    expect(slots.firstFrom(6)).toBe(6);
    expect(slots.firstFrom(7)).toBe(81);
    expect(slots.firstFrom(64)).toBe(81);
    expect(slots.firstFrom(82)).toBe(-1);
    expect(slots.firstFrom(200)).toBe(-1);
    slots.remove(high);
    expect(slots.firstFrom(7)).toBe(-1);
  });
});

describe('Slots.problems (for verify)', () => {
  it('is empty for sound lists and names a broken link, and verify() catches a stale copy of a run', () => {
    const slots = new Slots(2 * BLOCK_BITS, 8);
    for (const index of [1, 2, 3]) {
      const chunk = new Chunk(index, 2 * BLOCK_BITS);
      chunk.contigBits = 100;
      slots.place(chunk);
    }
    expect(slots.problems()).toEqual([]);
    slots.next[1] = 3; // skip chunk 2: its back link and the list's size no longer agree
    const problems = slots.problems();
    expect(problems.some((p) => p.includes('links back'))).toBe(true);
    expect(problems.some((p) => p.includes('size 3, but 2 chunks linked'))).toBe(true);

    const allocator = new PercpuAllocator({ unitSize: 2 * PAGE_SIZE, areaSize: 8 * PAGE_SIZE });
    allocator.alloc(100);
    allocator.verify();
    allocator.slots.contig[0] = 5;
    expect(() => allocator.verify()).toThrow(/the slots copy its run as 5/);
  });
});
