/**
 * Chunks kept in slots by their largest free run, so an allocation looks only at chunks that may
 * fit it. Slot 0 holds full chunks. Above it, each power of two of contigBits, [2^k, 2^(k+1)),
 * is split into SUB_SLOTS slots of equal width (where the range has that many values):
 *
 *   contig:  1 | 2 | 3 | - | - | 4 | 5 | 6 | 7 | 8-9 | 10-11 | 12-13 | 14-15 | 16-19 | ...
 *   slot:    1 | 5 | 6 | 7 | 8 | 9 |10 |11 |12 | 13  |  14   |  15   |  16   |  17   | ...
 *
 * (slots 2-4 and 7-8 stay empty). Linux uses one slot per power of two; with thousands of chunks
 * a request then walked past every chunk of its slot whose run is a little too short (about 15
 * chunk objects per allocation at a million live allocations, each a likely cache miss). A
 * quarter-octave slot holds runs within 25% of each other, so that walk is short.
 *
 * Inside a slot, chunks keep insertion order: a chunk that failed a request moves to the tail, so
 * the next search tries another first.
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

/** Slots per power of two of contigBits, and its log2. */
export const SUB_SLOTS = 4;
const SUB_SLOT_SHIFT = 2;

/** The slot of a chunk whose largest free run is `contigBits` (0 for a full chunk). */
export function contigToSlot(contigBits: number): number {
  if (contigBits === 0) return 0;
  const octave = 31 - Math.clz32(contigBits); // floor(log2(contigBits))
  // Which quarter of [2^octave, 2^(octave+1)); below 2^SUB_SLOT_SHIFT the value itself.
  const sub = octave >= SUB_SLOT_SHIFT ? (contigBits >>> (octave - SUB_SLOT_SHIFT)) & (SUB_SLOTS - 1) : contigBits - (1 << octave);
  return 1 + octave * SUB_SLOTS + sub;
}

/** The smallest contigBits that slot s >= 1 can hold. */
export function slotMinContig(slot: number): number {
  const octave = (slot - 1) >>> SUB_SLOT_SHIFT;
  const sub = (slot - 1) & (SUB_SLOTS - 1);
  return octave >= SUB_SLOT_SHIFT ? (SUB_SLOTS + sub) << (octave - SUB_SLOT_SHIFT) : (1 << octave) + sub;
}

/** The lowest slot all of whose chunks have at least `bits` (>= 1) free in one run. */
export function sureSlotFor(bits: number): number {
  const slot = contigToSlot(bits);
  return slotMinContig(slot) === bits ? slot : slot + 1;
}

export class Slots {
  readonly lists: ChunkList[];
  /**
   * Bit s & 31 of word s >>> 5 set when slot s holds a chunk, so a search skips empty slots
   * without visiting them. At most 98 slots (a 64 MiB unit has 2^24 bits): 4 words.
   */
  private readonly nonEmpty: Uint32Array;

  constructor(maxContigBits: number) {
    const count = contigToSlot(maxContigBits) + 1;
    this.lists = Array.from({ length: count }, () => new ChunkList());
    this.nonEmpty = new Uint32Array((count + 31) >>> 5);
  }

  get count(): number {
    return this.lists.length;
  }

  /** Puts the chunk in the slot its contig hint calls for (no-op if it is there already). */
  place(chunk: Chunk): void {
    const contig = chunk.contigBits;
    // Most frees and allocations leave the run in its slot's range: two compares.
    if (contig >= chunk.slotLowContig && contig < chunk.slotHighContig) return;
    const slot = contigToSlot(contig);
    if (chunk.slot >= 0) this.removeFrom(chunk.slot, chunk);
    this.lists[slot]!.append(chunk);
    this.nonEmpty[slot >>> 5]! |= 1 << (slot & 31);
    chunk.slot = slot;
    chunk.slotLowContig = slot === 0 ? 0 : slotMinContig(slot);
    chunk.slotHighContig = slot === 0 ? 1 : slotMinContig(slot + 1);
  }

  private removeFrom(slot: number, chunk: Chunk): void {
    const list = this.lists[slot]!;
    list.unlink(chunk);
    if (list.size === 0) this.nonEmpty[slot >>> 5]! &= ~(1 << (slot & 31));
  }

  /** The lowest non-empty slot at or above `from`, or -1. */
  firstFrom(from: number): number {
    const nonEmpty = this.nonEmpty;
    let w = from >>> 5;
    if (w >= nonEmpty.length) return -1;
    // Word w without the slots below `from`, then the next words whole.
    let mask = nonEmpty[w]! & ~((1 << (from & 31)) - 1);
    while (mask === 0) {
      if (++w >= nonEmpty.length) return -1;
      mask = nonEmpty[w]!;
    }
    return (w << 5) + 31 - Math.clz32(mask & -mask);
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
    chunk.slotLowContig = 1;
    chunk.slotHighContig = 0;
  }
}
