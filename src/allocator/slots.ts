/**
 * Chunks kept in slots by their largest free run, so an allocation looks only at chunks that may
 * fit it. Slot 0 holds full chunks; slot s >= 1 holds chunks whose contigBits lies in
 * [2^(s-1), 2^s). Inside a slot, chunks keep insertion order: a chunk that failed a request
 * moves to the tail, so the next search tries another first.
 *
 * A slot's list is intrusive and doubly linked through the chunks' own prevInSlot / nextInSlot
 * fields, as Linux's list_head: moving a chunk between slots (which a free or an allocation often
 * does) is a few pointer stores, with no hashing and no allocation.
 */
import type { Chunk } from './chunk.js';

/** One slot's chunks, oldest first. */
export class ChunkList {
  head: Chunk | null = null;
  tail: Chunk | null = null;
  size = 0;

  /** Appends a chunk that is in no list. */
  append(chunk: Chunk): void {
    chunk.prevInSlot = this.tail;
    chunk.nextInSlot = null;
    if (this.tail === null) this.head = chunk;
    else this.tail.nextInSlot = chunk;
    this.tail = chunk;
    this.size++;
  }

  /** Unlinks a chunk that is in this list. */
  unlink(chunk: Chunk): void {
    const prev = chunk.prevInSlot;
    const next = chunk.nextInSlot;
    if (prev === null) this.head = next;
    else prev.nextInSlot = next;
    if (next === null) this.tail = prev;
    else next.prevInSlot = prev;
    chunk.prevInSlot = null;
    chunk.nextInSlot = null;
    this.size--;
  }

  /** Whether the chunk is linked in this list (a walk: for verify() and tests). */
  has(chunk: Chunk): boolean {
    for (let c = this.head; c !== null; c = c.nextInSlot) if (c === chunk) return true;
    return false;
  }

  *[Symbol.iterator](): IterableIterator<Chunk> {
    for (let c = this.head; c !== null; c = c.nextInSlot) yield c;
  }
}

/** floor(log2(contigBits)) + 1, or 0 for a full chunk. */
export function contigToSlot(contigBits: number): number {
  return contigBits === 0 ? 0 : 32 - Math.clz32(contigBits);
}

/** The lowest slot all of whose chunks have at least `bits` free in one run. */
export function sureSlotFor(bits: number): number {
  return bits <= 1 ? 1 : 32 - Math.clz32(bits - 1) + 1;
}

export class Slots {
  readonly lists: ChunkList[];
  /** Bit s set when slot s holds a chunk, so a search skips empty slots without visiting them. */
  nonEmpty = 0;

  constructor(maxContigBits: number) {
    // At most 27 slots (a 64 MiB unit has 2^24 bits), so the mask fits in 32 bits.
    this.lists = Array.from({ length: contigToSlot(maxContigBits) + 1 }, () => new ChunkList());
  }

  get count(): number {
    return this.lists.length;
  }

  /** Puts the chunk in the slot its contig hint calls for (no-op if it is there already). */
  place(chunk: Chunk): void {
    const slot = contigToSlot(chunk.contigBits);
    if (slot === chunk.slot) return;
    if (chunk.slot >= 0) this.removeFrom(chunk.slot, chunk);
    this.lists[slot]!.append(chunk);
    this.nonEmpty |= 1 << slot;
    chunk.slot = slot;
  }

  private removeFrom(slot: number, chunk: Chunk): void {
    const list = this.lists[slot]!;
    list.unlink(chunk);
    if (list.size === 0) this.nonEmpty &= ~(1 << slot);
  }

  /** The lowest non-empty slot at or above `from`, or -1. */
  firstFrom(from: number): number {
    const mask = this.nonEmpty & ~((1 << from) - 1);
    return mask === 0 ? -1 : 31 - Math.clz32(mask & -mask);
  }

  /** Moves the chunk to the tail of its slot. */
  demote(chunk: Chunk): void {
    const list = this.lists[chunk.slot]!;
    list.unlink(chunk);
    list.append(chunk);
  }

  remove(chunk: Chunk): void {
    if (chunk.slot >= 0) this.removeFrom(chunk.slot, chunk);
    chunk.slot = -1;
  }
}
