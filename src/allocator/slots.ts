/**
 * Chunks kept in slots by their largest free run, so an allocation looks only at chunks that may
 * fit it. Slot 0 holds full chunks. Above it, each power of two of contigBits, [2^k, 2^(k+1)),
 * is split into SUB_SLOTS slots of equal width (where the range has that many values):
 *
 *   contig:  1 | 2 | 3 | - | - | 4 | 5 | 6 | 7 | 8-9 | 10-11 | 12-13 | 14-15 | 16-19 | ...
 *   slot:    1 | 5 | 6 | 7 | 8 | 9 |10 |11 |12 | 13  |  14   |  15   |  16   |  17   | ...
 *
 * (slots 2-4 and 7-8 stay empty). Linux uses one slot per power of two; with thousands of chunks
 * a request then walked past every chunk of its slot whose run is a little too short. A
 * quarter-octave slot holds runs within 25% of each other, so that walk is short.
 *
 * Inside a slot, chunks keep insertion order: a chunk that failed a request moves to the tail, so
 * the next search tries another first.
 *
 * Storage: the lists are doubly linked by chunk index through typed arrays (next / prev), and
 * each listed chunk's contigBits / contigStart are copied into two more (updated by place(), which
 * the allocator calls after every alloc and free). A search walks a slot and rules chunks out
 * without loading a single chunk object: at a million live allocations (2,000 chunks) each chunk
 * object a search touches is likely a cache miss, while these arrays are 4 bytes per chunk each
 * and stay cached. Moving a chunk between slots is a few stores, with no allocation.
 */
import type { Chunk } from './chunk.js';

/** No chunk: the end of a list, or a slot with none. */
const NONE = -1;

/** Slots per power of two of contigBits, and its log2. */
export const SUB_SLOTS = 4;
const SUB_SLOT_SHIFT = 2;

/** The slot of a chunk whose largest free run is `contigBits` (0 for a full chunk). */
export function contigToSlot(contigBits: number): number {
  if (contigBits === 0) return 0;
  const octave = 31 - Math.clz32(contigBits); // floor(log2(contigBits))
  // Which quarter of [2^octave, 2^(octave+1)); below 2^SUB_SLOT_SHIFT the value itself.
  const sub =
    octave >= SUB_SLOT_SHIFT
      ? (contigBits >>> (octave - SUB_SLOT_SHIFT)) & (SUB_SLOTS - 1)
      : contigBits - (1 << octave);
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
  /** Per slot: first and last chunk index of its list (NONE when empty), and its length. */
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private readonly sizes: Int32Array;
  /** Per chunk index: its neighbours in its slot's list (NONE at the ends and when unlisted). */
  readonly next: Int32Array;
  private readonly prev: Int32Array;
  /** Per chunk index: copies of the listed chunk's contigBits and contigStart. */
  readonly contig: Int32Array;
  readonly contigStart: Int32Array;
  /** Per chunk index: the listed chunk object. */
  private readonly members: (Chunk | undefined)[];
  /**
   * Bit s & 31 of word s >>> 5 set when slot s holds a chunk, so a search skips empty slots
   * without visiting them. At most 98 slots (a 64 MiB unit has 2^24 bits): 4 words.
   */
  private readonly nonEmpty: Uint32Array;

  /** Slots for chunks of up to `maxContigBits` bits with indices 0 .. maxChunks - 1. */
  constructor(maxContigBits: number, maxChunks: number) {
    const count = contigToSlot(maxContigBits) + 1;
    this.heads = new Int32Array(count).fill(NONE);
    this.tails = new Int32Array(count).fill(NONE);
    this.sizes = new Int32Array(count);
    this.next = new Int32Array(maxChunks).fill(NONE);
    this.prev = new Int32Array(maxChunks).fill(NONE);
    this.contig = new Int32Array(maxChunks);
    this.contigStart = new Int32Array(maxChunks);
    this.members = new Array<Chunk | undefined>(maxChunks).fill(undefined);
    this.nonEmpty = new Uint32Array((count + 31) >>> 5);
  }

  get count(): number {
    return this.heads.length;
  }

  /** First chunk index of a slot's list, or NONE (-1); the next one is next[index]. */
  head(slot: number): number {
    return this.heads[slot]!;
  }

  /** The listed chunk at a chunk index. */
  chunkAt(index: number): Chunk {
    return this.members[index]!;
  }

  /** How many chunks a slot lists. */
  size(slot: number): number {
    return this.sizes[slot]!;
  }

  /** A slot's chunks in list order (a walk: for verify() and tests). */
  list(slot: number): Chunk[] {
    const chunks: Chunk[] = [];
    for (let i = this.heads[slot]!; i !== NONE; i = this.next[i]!) chunks.push(this.members[i]!);
    return chunks;
  }

  /**
   * What is wrong with the lists themselves, for verify(): every list's links run both ways and
   * end at its tail, its length is its size, its non-empty bit is set exactly when it has one,
   * and each listed chunk says it is in that slot. Empty when sound.
   */
  problems(): string[] {
    const problems: string[] = [];
    for (let slot = 0; slot < this.count; slot++) {
      let length = 0;
      let previous = NONE;
      for (let i = this.heads[slot]!; i !== NONE && length <= this.next.length; i = this.next[i]!) {
        if (this.prev[i] !== previous)
          problems.push(`slot ${slot}: chunk ${i} links back to ${this.prev[i]}, not ${previous}`);
        if (this.members[i]?.slot !== slot)
          problems.push(`slot ${slot}: lists chunk ${i}, which says it is in slot ${this.members[i]?.slot}`);
        previous = i;
        length++;
      }
      if (this.tails[slot] !== previous)
        problems.push(`slot ${slot}: tail ${this.tails[slot]}, but the list ends at ${previous}`);
      if (length !== this.sizes[slot])
        problems.push(`slot ${slot}: size ${this.sizes[slot]}, but ${length} chunks linked`);
      const marked = (this.nonEmpty[slot >>> 5]! & (1 << (slot & 31))) !== 0;
      if (marked !== length > 0)
        problems.push(`slot ${slot}: non-empty bit ${marked ? 'set' : 'clear'} with ${length} chunks`);
    }
    return problems;
  }

  /**
   * Records the chunk's largest run and puts the chunk in the slot that run calls for (no move
   * if it is there already). The allocator calls this after every change to the chunk.
   */
  place(chunk: Chunk): void {
    const contig = chunk.contigBits;
    const index = chunk.index;
    this.contig[index] = contig;
    this.contigStart[index] = chunk.contigStart;
    // Most frees and allocations leave the run in its slot's range: two compares.
    if (contig >= chunk.slotLowContig && contig < chunk.slotHighContig) return;
    const slot = contigToSlot(contig);
    if (chunk.slot >= 0) this.unlink(chunk.slot, index);
    this.append(slot, index);
    this.members[index] = chunk;
    chunk.slot = slot;
    chunk.slotLowContig = slot === 0 ? 0 : slotMinContig(slot);
    chunk.slotHighContig = slot === 0 ? 1 : slotMinContig(slot + 1);
  }

  /** Appends chunk `index` (in no list) to a slot's list. */
  private append(slot: number, index: number): void {
    const tail = this.tails[slot]!;
    this.prev[index] = tail;
    this.next[index] = NONE;
    if (tail === NONE) this.heads[slot] = index;
    else this.next[tail] = index;
    this.tails[slot] = index;
    this.sizes[slot]!++;
    this.nonEmpty[slot >>> 5]! |= 1 << (slot & 31);
  }

  /** Unlinks chunk `index` from a slot's list. */
  private unlink(slot: number, index: number): void {
    const prev = this.prev[index]!;
    const next = this.next[index]!;
    if (prev === NONE) this.heads[slot] = next;
    else this.next[prev] = next;
    if (next === NONE) this.tails[slot] = prev;
    else this.prev[next] = prev;
    this.prev[index] = NONE;
    this.next[index] = NONE;
    if (--this.sizes[slot]! === 0) this.nonEmpty[slot >>> 5]! &= ~(1 << (slot & 31));
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
    this.unlink(chunk.slot, chunk.index);
    this.append(chunk.slot, chunk.index);
  }

  remove(chunk: Chunk): void {
    if (chunk.slot >= 0) {
      this.unlink(chunk.slot, chunk.index);
      this.members[chunk.index] = undefined;
    }
    chunk.slot = -1;
    chunk.slotLowContig = 1;
    chunk.slotHighContig = 0;
  }
}
