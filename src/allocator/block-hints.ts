/**
 * Per-block metadata of one chunk, one block = one page = BLOCK_BITS bits, stored as parallel
 * Int32Arrays (struct of arrays). All values are in bits relative to the block's first bit.
 *
 * Invariants, checked by verify():
 * - contig / contigStart: the largest free run that lies inside the block (exact after every
 *   alloc and free; the earliest such run when several tie is not required).
 * - leftFree: length of the free run that starts at bit 0 (0 if bit 0 is allocated). Exact.
 * - rightFree: length of the free run that ends at the block's last bit. Exact.
 * - firstFree: the first free bit, BLOCK_BITS if the block is full. Exact.
 * - scanHint / scanHintStart: when scanHint > 0, [scanHintStart, S = scanHintStart + scanHint) is
 *   exactly a free run (maximal), and every free run before it is at most scanHint bits. So a
 *   search for more than scanHint bits may start at S, and a rescan after an allocation broke the
 *   contig run may start at S too (the scan-hint run is the best candidate before it). 0 is
 *   always valid.
 * - On ties, the contig run is the better-aligned one (as Linux), so an aligned request checks it
 *   first.
 */
import { BLOCK_BITS } from '../memory/layout.js';
import { findNextSet, findNextZero, findPrevSet } from './bitmap.js';

/** How aligned a bit position is: its number of trailing zero bits (32 for 0). */
export function alignmentOf(bit: number): number {
  return bit === 0 ? 32 : 31 - Math.clz32(bit & -bit);
}

export class BlockHints {
  readonly contig: Int32Array;
  readonly contigStart: Int32Array;
  readonly leftFree: Int32Array;
  readonly rightFree: Int32Array;
  readonly firstFree: Int32Array;
  readonly scanHint: Int32Array;
  readonly scanHintStart: Int32Array;

  constructor(nrBlocks: number) {
    this.contig = new Int32Array(nrBlocks).fill(BLOCK_BITS);
    this.contigStart = new Int32Array(nrBlocks);
    this.leftFree = new Int32Array(nrBlocks).fill(BLOCK_BITS);
    this.rightFree = new Int32Array(nrBlocks).fill(BLOCK_BITS);
    this.firstFree = new Int32Array(nrBlocks);
    this.scanHint = new Int32Array(nrBlocks);
    this.scanHintStart = new Int32Array(nrBlocks);
  }

  isFree(block: number): boolean {
    return this.contig[block] === BLOCK_BITS;
  }

  isFull(block: number): boolean {
    return this.firstFree[block] === BLOCK_BITS;
  }

  markFull(block: number): void {
    this.contig[block] = 0;
    this.contigStart[block] = 0;
    this.leftFree[block] = 0;
    this.rightFree[block] = 0;
    this.firstFree[block] = BLOCK_BITS;
    this.scanHint[block] = 0;
    this.scanHintStart[block] = 0;
  }

  markFree(block: number): void {
    this.contig[block] = BLOCK_BITS;
    this.contigStart[block] = 0;
    this.leftFree[block] = BLOCK_BITS;
    this.rightFree[block] = BLOCK_BITS;
    this.firstFree[block] = 0;
    this.scanHint[block] = 0;
    this.scanHintStart[block] = 0;
  }

  /** Recomputes every hint of `block` from the allocation bitmap: one pass over its 32 words. */
  refresh(block: number, allocMap: Uint32Array): void {
    const base = block * BLOCK_BITS;
    const end = base + BLOCK_BITS;
    const first = findNextZero(allocMap, base, end);
    this.firstFree[block] = first - base;
    this.leftFree[block] = first === base ? findNextSet(allocMap, base, end) - base : 0;
    const lastSet = findPrevSet(allocMap, base, end);
    this.rightFree[block] = end - 1 - lastSet;
    this.scanHint[block] = 0;
    this.scanHintStart[block] = 0;
    this.contig[block] = 0;
    this.contigStart[block] = 0;
    this.scanRuns(block, allocMap, first - base);
  }

  /**
   * Recomputes contig and scan hints after an allocation took bits from the contig run. With a
   * scan hint, only the runs from its skip point on are scanned: the scan-hint run is exact and
   * every run before it is smaller, as Linux's pcpu_block_refresh_hint does.
   */
  refreshContig(block: number, allocMap: Uint32Array): void {
    const scan = this.scanHint[block]!;
    if (scan > 0) {
      this.contig[block] = scan;
      this.contigStart[block] = this.scanHintStart[block]!;
      this.scanHint[block] = 0;
      this.scanHintStart[block] = 0;
      this.scanRuns(block, allocMap, this.contigStart[block]! + scan);
    } else {
      this.contig[block] = 0;
      this.contigStart[block] = 0;
      this.scanRuns(block, allocMap, this.firstFree[block]!);
    }
  }

  /**
   * Visits the free runs from block bit `from` to the block's end and raises the contig hint
   * (the scan hint becomes the best run before the contig run, the later one on ties). The hints
   * on entry describe the runs before `from`.
   */
  private scanRuns(block: number, allocMap: Uint32Array, from: number): void {
    const base = block * BLOCK_BITS;
    const end = base + BLOCK_BITS;
    let contig = this.contig[block]!;
    let contigStart = this.contigStart[block]!;
    let scan = this.scanHint[block]!;
    let scanStart = this.scanHintStart[block]!;
    // Best run after the current contig run.
    let after = 0;
    let afterStart = 0;
    let runStart = findNextZero(allocMap, base + from, end);
    while (runStart < end) {
      const runEnd = findNextSet(allocMap, runStart, end);
      const len = runEnd - runStart;
      const start = runStart - base;
      if (len > contig || (len === contig && alignmentOf(start) > alignmentOf(contigStart))) {
        // Every run seen so far lies before this one; the best of them becomes the scan hint.
        if (contig > 0 && contig >= scan) {
          scan = contig;
          scanStart = contigStart;
        }
        if (after > 0 && after >= scan) {
          scan = after;
          scanStart = afterStart;
        }
        after = 0;
        contig = len;
        contigStart = start;
      } else if (len >= after) {
        after = len;
        afterStart = start;
      }
      runStart = findNextZero(allocMap, runEnd, end);
    }
    this.contig[block] = contig;
    this.contigStart[block] = contig === 0 ? 0 : contigStart;
    this.scanHint[block] = scan;
    this.scanHintStart[block] = scan === 0 ? 0 : scanStart;
  }
}
