/**
 * Chunks kept in slots by their largest free run, so an allocation looks only at chunks that may
 * fit it. Slot 0 holds full chunks; slot s >= 1 holds chunks whose contigBits lies in
 * [2^(s-1), 2^s). Inside a slot, chunks keep insertion order (a Set): a chunk that failed a
 * request moves to the tail, so the next search tries another first.
 */
import type { Chunk } from './chunk.js';

/** floor(log2(contigBits)) + 1, or 0 for a full chunk. */
export function contigToSlot(contigBits: number): number {
  return contigBits === 0 ? 0 : 32 - Math.clz32(contigBits);
}

/** The lowest slot all of whose chunks have at least `bits` free in one run. */
export function sureSlotFor(bits: number): number {
  return bits <= 1 ? 1 : 32 - Math.clz32(bits - 1) + 1;
}

export class Slots {
  readonly lists: Set<Chunk>[];

  constructor(maxContigBits: number) {
    this.lists = Array.from({ length: contigToSlot(maxContigBits) + 1 }, () => new Set<Chunk>());
  }

  get count(): number {
    return this.lists.length;
  }

  /** Puts the chunk in the slot its contig hint calls for (no-op if it is there already). */
  place(chunk: Chunk): void {
    const slot = contigToSlot(chunk.contigBits);
    if (slot === chunk.slot) return;
    if (chunk.slot >= 0) this.lists[chunk.slot]!.delete(chunk);
    this.lists[slot]!.add(chunk);
    chunk.slot = slot;
  }

  /** Moves the chunk to the tail of its slot. */
  demote(chunk: Chunk): void {
    const list = this.lists[chunk.slot]!;
    list.delete(chunk);
    list.add(chunk);
  }

  remove(chunk: Chunk): void {
    if (chunk.slot >= 0) this.lists[chunk.slot]!.delete(chunk);
    chunk.slot = -1;
  }
}
