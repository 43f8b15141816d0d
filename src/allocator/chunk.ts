/**
 * One chunk: a range of `unitSize` bytes at the same offset in every CPU's area. The allocation
 * state lives here once and stands for every CPU: an area "of 512 bytes at 6k in chunk 1"
 * occupies 512 bytes at 6k in every CPU's unit of chunk 1.
 *
 * All positions in this file are in bits (one bit = MIN_ALLOC_SIZE = 4 bytes) relative to the
 * chunk's first byte unless a name says bytes. Ranges are half-open, [start, end).
 *
 * Bitmaps:
 * - allocMap: bit set = the 4 bytes are allocated (or hidden: see startBit / endBit).
 * - boundMap (nrBits + 1 bits): for every live area [s, e), bit s and bit e are set and the bits
 *   in between are clear. So free() needs only s: e is the next set bit after s. Bits over free
 *   space carry no meaning.
 *
 * Chunk-level hints (exact after every alloc and free):
 * - contigBits / contigStart: the largest free run in the chunk, possibly across blocks.
 * - freeBits: number of free bits. firstFreeBlock: first block with a free bit.
 */
import { BLOCK_BITS, BLOCK_SHIFT } from '../memory/layout.js';
import { clearRange, findNextSet, findNextZero, findPrevSet, setBit, setRange, testBit } from './bitmap.js';
import {
  BlockHints,
  CONTIG,
  CONTIG_START,
  FIRST_FREE,
  HINT_SHIFT,
  LEFT_FREE,
  RIGHT_FREE,
  SCAN_HINT,
  SCAN_HINT_START,
  betterAligned,
} from './block-hints.js';

/** What lies at a bit of a chunk, for error messages and verification. */
export type BitState =
  | { readonly kind: 'hidden' }
  | { readonly kind: 'free' }
  | { readonly kind: 'area-start'; readonly bits: number }
  | { readonly kind: 'interior'; readonly areaStart: number };

export class Chunk {
  /**
   * Which unit-sized slice of every CPU's area this chunk is: offsets [index*unit, (index+1)*unit).
   * Set again only when the allocator reuses a released (empty) chunk object for another index.
   */
  index: number;
  readonly nrBits: number;
  readonly nrBlocks: number;
  /** Bits [0, startBit) and [endBit, nrBits) are hidden: allocated for good, never handed out. */
  readonly startBit: number;
  readonly endBit: number;
  readonly allocMap: Uint32Array;
  readonly boundMap: Uint32Array;
  readonly blocks: BlockHints;
  /** blocks.h, held here to save a load on every hint access (records of HINT_STRIDE entries). */
  private readonly hints: Int16Array;

  contigBits = 0;
  contigStart = 0;
  freeBits = 0;
  firstFreeBlock = 0;
  /** Live areas in this chunk (hidden regions excluded). */
  nrAreas = 0;
  /** Which slot list the allocator keeps this chunk in; -1 while in none. */
  slot = -1;
  /** The contigBits values that slot holds, [slotLowContig, slotHighContig); empty while in none. */
  slotLowContig = 1;
  slotHighContig = 0;
  /** Blocks the last freeArea left wholly free (their pages may be depopulated); 0 for most frees. */
  blocksEmptied = 0;

  constructor(index: number, nrBits: number, startBit = 0, endBit = nrBits) {
    this.index = index;
    this.nrBits = nrBits;
    this.nrBlocks = nrBits / BLOCK_BITS;
    this.startBit = startBit;
    this.endBit = endBit;
    this.allocMap = new Uint32Array(nrBits / 32);
    this.boundMap = new Uint32Array(nrBits / 32 + 1);
    this.blocks = new BlockHints(this.nrBlocks);
    this.hints = this.blocks.h;
    this.freeBits = nrBits;
    this.contigBits = nrBits;
    // Hidden regions are allocated bits that no area owns; their pages count as populated
    // (they are in use: the static region holds variables).
    if (startBit > 0) this.markHidden(0, startBit);
    if (endBit < nrBits) this.markHidden(endBit, nrBits);
  }

  private markHidden(start: number, end: number): void {
    setRange(this.allocMap, start, end);
    this.freeBits -= end - start;
    this.updateBlocksAfterAlloc(start, end);
    this.refreshContig();
  }

  /** True when no area is live: every bit outside the hidden regions is free. */
  isEmpty(): boolean {
    // Every area has at least one bit, so no area means every bit outside the hidden regions is
    // free (verify() checks nrAreas and freeBits against the bitmaps).
    return this.nrAreas === 0;
  }

  /**
   * A bit where `bits` bits aligned to `alignBits` (a power of two) fit, or -1. Visits blocks
   * from the first non-full one, joining runs across block edges; inside a block it scans only
   * when the block's hints allow a fit, starting past the scan hint when the request is larger
   * than it. Cost is bounded by the chunk's size, whatever else is allocated.
   *
   * Default (as Linux): a block is scanned only if its largest run fits the request aligned, so
   * a block whose only fitting runs are smaller is skipped. With `exact`, every block whose
   * largest run is long enough is scanned, and the result is the first aligned fit or -1 exactly
   * when there is none (the allocator's last resort before reporting no space).
   */
  findFit(bits: number, alignBits: number, exact = false): number {
    if (this.contigBits < bits) return -1;
    const h = this.hints;
    const map = this.allocMap;
    const alignMask = alignBits - 1;
    // Start of a free run that reaches the current block's first bit from earlier blocks, or -1.
    let carryStart = -1;
    for (let b = this.firstFreeBlock; b < this.nrBlocks; b++) {
      const blockStart = b << BLOCK_SHIFT;
      const r = b << HINT_SHIFT;
      const left = h[r + LEFT_FREE]!;
      if (carryStart >= 0) {
        const aligned = (carryStart + alignMask) & ~alignMask;
        if (aligned + bits <= blockStart + left) return aligned;
        if (left === BLOCK_BITS) continue; // the run goes on through this whole block
        carryStart = -1;
      }
      // As Linux's pcpu_check_block_hint: scan a block only if its largest run (the
      // better-aligned one on ties) fits the request at the alignment.
      const contig = h[r + CONTIG]!;
      if (contig >= bits && (exact || contig >= bits + (-h[r + CONTIG_START]! & alignMask))) {
        const scan = h[r + SCAN_HINT]!;
        const skipTo = bits > scan ? h[r + SCAN_HINT_START]! + scan : 0;
        const from = blockStart + Math.max(h[r + FIRST_FREE]!, skipTo);
        const fit = findFitInRange(map, from, blockStart + BLOCK_BITS, bits, alignMask);
        if (fit >= 0) return fit;
      }
      const right = h[r + RIGHT_FREE]!;
      if (right > 0) carryStart = blockStart + BLOCK_BITS - right;
    }
    return -1;
  }

  /**
   * Where in its free run to put an area that findFit placed at `fit`: there (the lowest aligned
   * position of the run, or the first that fits), or at the highest aligned position of the run
   * when that wastes less padding. First fit pads below the area up to the alignment; placing it
   * at the top pads above instead, by (run end - bits) mod alignment. With random alignments the
   * smaller of the two is about a third of the alignment on average, where either alone is half
   * (Kiran's random-object benchmark shows the utilization). Ties stay at the bottom, so an
   * unaligned or evenly padded request is placed exactly as first fit places it.
   *
   * Cost: the run's ends are found as a free finds them (neighbouring words, then block hints).
   */
  placeInRun(fit: number, bits: number, alignBits: number): number {
    // In the chunk's largest run (exact and maximal), its ends are known: no scan (a chunk being
    // filled from its start allocates there every time).
    const inContig = fit >= this.contigStart && fit < this.contigStart + this.contigBits;
    const padBelow = fit - (inContig ? this.contigStart : this.runStartBefore(fit));
    if (padBelow === 0) return fit;
    const runEnd = inContig ? this.contigStart + this.contigBits : this.runEndAfter(fit + bits);
    const top = (runEnd - bits) & ~(alignBits - 1);
    return runEnd - (top + bits) < padBelow ? top : fit;
  }

  /** Marks [bitOff, bitOff + bits) as one live area. The caller found it with findFit. */
  allocArea(bitOff: number, bits: number): void {
    const end = bitOff + bits;
    setRange(this.allocMap, bitOff, end);
    setBit(this.boundMap, bitOff);
    clearRange(this.boundMap, bitOff + 1, end);
    setBit(this.boundMap, end);
    this.freeBits -= bits;
    this.nrAreas++;
    this.updateBlocksAfterAlloc(bitOff, end);
    // The chunk's largest run only changes if this area took bits from it.
    if (bitOff < this.contigStart + this.contigBits && end > this.contigStart) this.refreshContig();
  }

  /** What is at `bit`: the start of a live area (and its length), its interior, free or hidden. */
  stateAt(bit: number): BitState {
    if (bit < this.startBit || bit >= this.endBit) return { kind: 'hidden' };
    if (!testBit(this.allocMap, bit)) return { kind: 'free' };
    if (testBit(this.boundMap, bit)) {
      return { kind: 'area-start', bits: findNextSet(this.boundMap, bit + 1, this.nrBits + 1) - bit };
    }
    // Inside an area: its start is the last boundary bit before `bit`. A boundary bit that
    // closes the previous area is also the next area's start when the two touch, so the last
    // set bit is the start as long as the bit there is allocated (it is: we are inside).
    return { kind: 'interior', areaStart: findPrevSet(this.boundMap, this.startBit, bit) };
  }

  /** Frees the live area starting at `bitOff` (checked with stateAt first); returns its bits. */
  freeArea(bitOff: number): number {
    const end = areaEnd(this.boundMap, bitOff, this.nrBits);
    const bits = end - bitOff;
    clearRange(this.allocMap, bitOff, end);
    // Bit `end` stays set: it may be the next area's start. Bit bitOff now lies in free space.
    this.freeBits += bits;
    this.nrAreas--;
    this.updateBlocksAfterFree(bitOff, end);
    return bits;
  }

  /**
   * The free run that contains a freed range [from, to), across blocks: runStartBefore(from) and
   * runEndAfter(to) are its ends. They scan the bitmap only inside the blocks of `from` and `to`;
   * beyond them they follow the neighbours' rightFree / leftFree hints (those blocks are not
   * touched by the free, so their hints hold). Both run before the hints are updated.
   *
   * Between operations (all hints exact) the same two give the ends of the free run around a
   * free bit: runStartBefore(b) is its start when bit b - 1 is free (else b), runEndAfter(b) its
   * end when bit b is free (else b). placeInRun uses them so.
   */
  private runStartBefore(from: number): number {
    // The chunk's largest run (exact, not yet updated for this free) ending at `from` is the free
    // run on that side, whole: no walk (frees in address order).
    if (this.contigBits > 0 && this.contigStart + this.contigBits === from) return this.contigStart;
    const fromBlock = from >>> BLOCK_SHIFT;
    const fromBlockStart = fromBlock << BLOCK_SHIFT;
    if (from === fromBlockStart) return this.runStartBeforeBlock(fromBlock);
    // An allocated bit below `from` in the word of bit from - 1 ends the run there (the bitmap is
    // exact; blocks start at word boundaries, so that word is in from's block).
    const below = from & 31;
    const allocated = this.allocMap[(from - 1) >>> 5]! & (below === 0 ? 0xffffffff : (1 << below) - 1);
    if (allocated !== 0) return ((from - 1) & ~31) + 32 - Math.clz32(allocated);
    // Unless the block's left-edge run reaches `from` (every bit before it in the block is free),
    // the run starts after the last allocated bit before `from` in the block.
    if (this.hints[(fromBlock << HINT_SHIFT) + LEFT_FREE]! !== from - fromBlockStart) {
      const start = findPrevSet(this.allocMap, fromBlockStart, from) + 1;
      if (start !== fromBlockStart) return start;
    }
    return this.runStartBeforeBlock(fromBlock);
  }

  /** Start of the free run that reaches block `block`'s first bit from the blocks before it. */
  private runStartBeforeBlock(block: number): number {
    const h = this.hints;
    let b = block - 1;
    while (b >= 0 && h[(b << HINT_SHIFT) + CONTIG] === BLOCK_BITS) b--;
    return b < 0 ? 0 : ((b + 1) << BLOCK_SHIFT) - h[(b << HINT_SHIFT) + RIGHT_FREE]!;
  }

  private runEndAfter(to: number): number {
    // Likewise: the chunk's largest run starting at `to` (frees in reverse order).
    if (this.contigBits > 0 && this.contigStart === to) return to + this.contigBits;
    const toBlock = (to - 1) >>> BLOCK_SHIFT;
    const toBlockEnd = (toBlock + 1) << BLOCK_SHIFT;
    if (to === toBlockEnd) return this.runEndAfterBlock(toBlock);
    // An allocated bit at or above `to` in to's own word ends the run there (in to's block).
    const allocated = this.allocMap[to >>> 5]! >>> (to & 31);
    if (allocated !== 0) return to + 31 - Math.clz32(allocated & -allocated);
    if (this.hints[(toBlock << HINT_SHIFT) + RIGHT_FREE]! !== toBlockEnd - to) {
      const end = findNextSet(this.allocMap, to, toBlockEnd);
      if (end !== toBlockEnd) return end;
    }
    return this.runEndAfterBlock(toBlock);
  }

  /** End of the free run that leaves block `block`'s last bit into the blocks after it. */
  private runEndAfterBlock(block: number): number {
    const h = this.hints;
    let b = block + 1;
    while (b < this.nrBlocks && h[(b << HINT_SHIFT) + CONTIG] === BLOCK_BITS) b++;
    return b >= this.nrBlocks ? this.nrBits : (b << BLOCK_SHIFT) + h[(b << HINT_SHIFT) + LEFT_FREE]!;
  }

  private updateBlocksAfterAlloc(start: number, end: number): void {
    const blocks = this.blocks;
    const h = this.hints;
    const firstBlock = start >>> BLOCK_SHIFT;
    const lastBlock = (end - 1) >>> BLOCK_SHIFT;
    for (let b = firstBlock; b <= lastBlock; b++) {
      const blockStart = b << BLOCK_SHIFT;
      const r = b << HINT_SHIFT;
      const lo = Math.max(start, blockStart) - blockStart;
      const hi = Math.min(end, blockStart + BLOCK_BITS) - blockStart;
      if (lo === 0 && hi === BLOCK_BITS) {
        blocks.markFull(b);
        continue;
      }
      // Edge and first-free hints: only runs the area took bits from shrink.
      if (lo < h[r + LEFT_FREE]!) h[r + LEFT_FREE] = lo;
      if (hi > BLOCK_BITS - h[r + RIGHT_FREE]!) h[r + RIGHT_FREE] = BLOCK_BITS - hi;
      if (lo === h[r + FIRST_FREE]!) {
        h[r + FIRST_FREE] = findNextZero(this.allocMap, blockStart + hi, blockStart + BLOCK_BITS) - blockStart;
      }
      // The scan-hint run must stay exact: drop it if the area took bits from it.
      const scan = h[r + SCAN_HINT]!;
      const scanStart = h[r + SCAN_HINT_START]!;
      if (scan > 0 && lo < scanStart + scan && hi > scanStart) {
        h[r + SCAN_HINT] = 0;
        h[r + SCAN_HINT_START] = 0;
      }
      // The contig run is intact unless the area took bits from it; then rescan from the scan
      // hint's skip point.
      const contigStart = h[r + CONTIG_START]!;
      if (lo < contigStart + h[r + CONTIG]! && hi > contigStart) blocks.refreshContig(b, this.allocMap);
    }
    if (firstBlock === this.firstFreeBlock) {
      let b = firstBlock;
      while (b < this.nrBlocks && h[(b << HINT_SHIFT) + FIRST_FREE] === BLOCK_BITS) b++;
      this.firstFreeBlock = b;
    }
  }

  private updateBlocksAfterFree(start: number, end: number): void {
    const blocks = this.blocks;
    const h = this.hints;
    const firstBlock = start >>> BLOCK_SHIFT;
    const lastBlock = (end - 1) >>> BLOCK_SHIFT;
    const runStart = this.runStartBefore(start);
    const runEnd = this.runEndAfter(end);
    let emptied = 0;
    for (let b = firstBlock; b <= lastBlock; b++) {
      const blockStart = b << BLOCK_SHIFT;
      const r = b << HINT_SHIFT;
      // The free run as seen inside this block.
      const lo = Math.max(runStart, blockStart) - blockStart;
      const hi = Math.min(runEnd, blockStart + BLOCK_BITS) - blockStart;
      if (lo === 0 && hi === BLOCK_BITS) {
        blocks.markFree(b);
        emptied++;
        continue;
      }
      const len = hi - lo;
      const contig = h[r + CONTIG]!;
      if (len > contig || (len === contig && betterAligned(lo, h[r + CONTIG_START]!))) {
        h[r + CONTIG] = len;
        h[r + CONTIG_START] = lo;
      }
      if (lo === 0) h[r + LEFT_FREE] = hi;
      if (hi === BLOCK_BITS) h[r + RIGHT_FREE] = len;
      if (lo < h[r + FIRST_FREE]!) h[r + FIRST_FREE] = lo;
      // A run that reaches below the skip point may now be longer than the scan hint.
      const scan = h[r + SCAN_HINT]!;
      if (scan > 0 && lo < h[r + SCAN_HINT_START]! + scan) {
        h[r + SCAN_HINT] = 0;
        h[r + SCAN_HINT_START] = 0;
      }
    }
    this.blocksEmptied = emptied;
    if (firstBlock < this.firstFreeBlock) this.firstFreeBlock = firstBlock;
    const runBits = runEnd - runStart;
    if (runBits > this.contigBits || (runBits === this.contigBits && betterAligned(runStart, this.contigStart))) {
      this.contigBits = runBits;
      this.contigStart = runStart;
    }
  }

  /** Recomputes the chunk's largest free run from the block hints: O(blocks). */
  refreshContig(): void {
    const h = this.hints;
    let best = 0;
    let bestStart = 0;
    let carryStart = -1; // start of a run reaching the current block from earlier blocks
    for (let b = 0; b < this.nrBlocks; b++) {
      const blockStart = b << BLOCK_SHIFT;
      const r = b << HINT_SHIFT;
      const left = h[r + LEFT_FREE]!;
      if (carryStart >= 0) {
        if (left === BLOCK_BITS) continue;
        const len = blockStart + left - carryStart;
        if (len > best || (len === best && betterAligned(carryStart, bestStart))) {
          best = len;
          bestStart = carryStart;
        }
        carryStart = -1;
      }
      const contig = h[r + CONTIG]!;
      const contigStart = blockStart + h[r + CONTIG_START]!;
      if (contig > best || (contig === best && contig > 0 && betterAligned(contigStart, bestStart))) {
        best = contig;
        bestStart = contigStart;
      }
      const right = h[r + RIGHT_FREE]!;
      if (right > 0) carryStart = blockStart + BLOCK_BITS - right;
    }
    if (
      carryStart >= 0 &&
      (this.nrBits - carryStart > best || (this.nrBits - carryStart === best && betterAligned(carryStart, bestStart)))
    ) {
      best = this.nrBits - carryStart;
      bestStart = carryStart;
    }
    this.contigBits = best;
    this.contigStart = bestStart;
  }
}

/**
 * O(1): whether a free run of `contig` bits starting at `contigStart` holds `bits` aligned to
 * alignMask + 1. On a chunk's largest run, a chunk that fails it is skipped without a scan (Linux's
 * pcpu_check_block_hint on the chunk's hints); findChunk applies it to the slots' copies.
 */
export function runFits(contig: number, contigStart: number, bits: number, alignMask: number): boolean {
  return contig >= bits + (-contigStart & alignMask);
}

/**
 * The end of the live area that starts at `bitOff`: the next set boundary bit, which exists (at
 * nrBits at the latest: boundMap has a word for it). A word-by-word walk, small enough to inline;
 * most areas end in the first or second word.
 */
function areaEnd(boundMap: Uint32Array, bitOff: number, nrBits: number): number {
  const next = bitOff + 1;
  // The word holding bit `next`, shifted so that bit `next` is bit 0.
  const above = boundMap[next >>> 5]! >>> (next & 31);
  if (above !== 0) return next + 31 - Math.clz32(above & -above);
  for (let w = (next >>> 5) + 1; w <= nrBits >>> 5; w++) {
    const word = boundMap[w]!;
    if (word !== 0) return (w << 5) + 31 - Math.clz32(word & -word);
  }
  return nrBits; // not reached while the boundary bit at the area's end is set
}

/** Bit patterns of the aligned positions in a word, by alignment in bits (1 .. 32). */
const ALIGNED_POSITIONS: Readonly<Record<number, number>> = {
  1: 0xffffffff,
  2: 0x55555555,
  4: 0x11111111,
  8: 0x01010101,
  16: 0x00010001,
  32: 0x00000001,
};

/**
 * First position p in [from, end) with bits [p, p + bits) clear and p aligned (p & alignMask = 0),
 * or -1. Small requests (up to 32 bits) are found a word at a time: the word's free bits, masked
 * to aligned positions where enough free bits follow, so a word of tiny or misaligned holes costs
 * one step however many holes it has. Larger requests walk the free runs.
 */
function findFitInRange(map: Uint32Array, from: number, end: number, bits: number, alignMask: number): number {
  if (bits <= 32) return findSmallFit(map, from, end, bits, alignMask);
  let runStart = findNextZero(map, from, end);
  while (runStart + bits <= end) {
    const aligned = (runStart + alignMask) & ~alignMask;
    const runEnd = findNextSet(map, runStart, end);
    if (aligned + bits <= runEnd) return aligned;
    if (runEnd >= end) return -1;
    runStart = findNextZero(map, runEnd, end);
  }
  return -1;
}

function findSmallFit(map: Uint32Array, from: number, end: number, bits: number, alignMask: number): number {
  const alignBits = alignMask + 1;
  const pattern = ALIGNED_POSITIONS[Math.min(alignBits, 32)]!;
  // Above 32 bits of alignment only every (alignBits / 32)-th word has an aligned position.
  const wordStep = alignBits > 32 ? alignBits >>> 5 : 1;
  let w = alignBits > 32 ? ((from + alignMask) & ~alignMask) >>> 5 : from >>> 5;
  const lastWord = (end - 1) >>> 5;
  for (; w <= lastWord; w += wordStep) {
    let free = ~map[w]! >>> 0;
    if (w === from >>> 5 && (from & 31) !== 0) free = (free & ~((1 << (from & 31)) - 1)) >>> 0;
    let starts = (free & pattern) >>> 0;
    // Keep the starts followed by bits - 1 more free bits; bits past the word's top count as free
    // here and are checked in the bitmap below (the run may go on into the next word).
    for (let k = 1; k < bits && starts !== 0; k++) starts = (starts & ((free >>> k) | ~(0xffffffff >>> k))) >>> 0;
    while (starts !== 0) {
      const p = (w << 5) + 31 - Math.clz32(starts & -starts);
      if (p + bits > end) return -1;
      if (findNextSet(map, p, p + bits) >= p + bits) return p;
      starts = (starts & (starts - 1)) >>> 0;
    }
  }
  return -1;
}
