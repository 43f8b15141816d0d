/**
 * slots.ts: the slot of a contig hint, the lowest slot sure to fit a request, and the slot lists
 * (placement, moving to the tail on demote, removal).
 */
import { describe, expect, it } from 'vitest';
import { Chunk } from '../../src/allocator/chunk.js';
import { Slots, contigToSlot, sureSlotFor } from '../../src/allocator/slots.js';
import { BLOCK_BITS } from '../../src/memory/layout.js';

describe('contigToSlot', () => {
  it('maps 0 (a full chunk) to slot 0 and c >= 1 to floor(log2(c)) + 1', () => {
    expect(contigToSlot(0)).toBe(0);
    expect([1, 2, 3, 4, 7, 8, 1023, 1024, 1025].map(contigToSlot)).toEqual([1, 2, 2, 3, 3, 4, 10, 11, 11]);
    for (let c = 1; c <= 70_000; c++) {
      const slot = contigToSlot(c);
      if (!(2 ** (slot - 1) <= c && c < 2 ** slot)) throw new Error(`contig ${c} in slot ${slot}`);
    }
  });
});

describe('sureSlotFor', () => {
  it('is the lowest slot all of whose chunks have a run of at least `bits`', () => {
    for (let bits = 1; bits <= 70_000; bits++) {
      const slot = sureSlotFor(bits);
      // Every contig value of the slot is >= bits: its smallest one is 2^(slot-1).
      if (2 ** (slot - 1) < bits) throw new Error(`slot ${slot} holds contig ${2 ** (slot - 1)} < ${bits}`);
      // The slot below holds a contig value < bits (so it is not sure), unless it is slot 0.
      if (slot > 1 && 2 ** (slot - 2) >= bits) throw new Error(`slot ${slot - 1} would already be sure for ${bits}`);
    }
    expect([1, 2, 3, 4, 5, 1024, 1025].map(sureSlotFor)).toEqual([1, 2, 3, 3, 4, 11, 12]);
  });
});

describe('Slots', () => {
  function chunkWithContig(index: number, contig: number): Chunk {
    const chunk = new Chunk(index, 2 * BLOCK_BITS);
    chunk.contigBits = contig;
    return chunk;
  }

  it('has one list per slot up to the slot of a whole unit', () => {
    const slots = new Slots(2 * BLOCK_BITS);
    expect(slots.count).toBe(contigToSlot(2 * BLOCK_BITS) + 1);
    expect(slots.lists.every((list) => list.size === 0)).toBe(true);
  });

  it('place() puts a chunk in the slot of its contig hint, and moves it when the hint changes', () => {
    const slots = new Slots(2 * BLOCK_BITS);
    const a = chunkWithContig(1, 2048);
    slots.place(a);
    expect(a.slot).toBe(12);
    expect([...slots.lists[12]!]).toEqual([a]);
    a.contigBits = 5;
    slots.place(a);
    expect(a.slot).toBe(3);
    expect(slots.lists[12]!.size).toBe(0);
    expect([...slots.lists[3]!]).toEqual([a]);
    a.contigBits = 0;
    slots.place(a);
    expect(a.slot).toBe(0);
    expect([...slots.lists[0]!]).toEqual([a]);
    expect(slots.lists.reduce((n, list) => n + list.size, 0)).toBe(1);
  });

  it('place() in the same slot keeps the order; demote() moves a chunk to the tail', () => {
    const slots = new Slots(2 * BLOCK_BITS);
    const a = chunkWithContig(1, 100);
    const b = chunkWithContig(2, 101);
    const c = chunkWithContig(3, 127);
    for (const chunk of [a, b, c]) slots.place(chunk);
    expect([...slots.lists[7]!]).toEqual([a, b, c]);
    a.contigBits = 64; // still slot 7
    slots.place(a);
    expect([...slots.lists[7]!]).toEqual([a, b, c]);
    slots.demote(a);
    expect([...slots.lists[7]!]).toEqual([b, c, a]);
    slots.remove(c);
    expect(c.slot).toBe(-1);
    expect([...slots.lists[7]!]).toEqual([b, a]);
    slots.remove(c); // removing twice is harmless
    expect([...slots.lists[7]!]).toEqual([b, a]);
  });
});
