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
 * - scanHint / scanHintStart: a skip point S = scanHintStart + scanHint such that no free run
 *   crosses S (none starts before S and ends after it) and every free run lying wholly inside
 *   [0, S) is at most scanHint bits. A search for more than scanHint bits may therefore start at
 *   S. It may understate (0 is always valid) but never overstate.
 */
import { BLOCK_BITS } from '../memory/layout.js';
import { findNextSet, findNextZero } from './bitmap.js';

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

  /**
   * Recomputes every hint of `block` from the allocation bitmap: one pass over its 32 words.
   * The scan hint becomes the largest run before the contig run (the later one on ties).
   */
  refresh(block: number, allocMap: Uint32Array): void {
    const base = block * BLOCK_BITS;
    const end = base + BLOCK_BITS;
    let contig = 0;
    let contigStart = 0;
    // Best run wholly before the current contig run (the scan hint) and best run after it.
    let scan = 0;
    let scanStart = 0;
    let after = 0;
    let afterStart = 0;
    let runStart = findNextZero(allocMap, base, end);
    this.firstFree[block] = runStart - base;
    this.leftFree[block] = runStart === base ? findNextSet(allocMap, base, end) - base : 0;
    this.rightFree[block] = 0;
    while (runStart < end) {
      const runEnd = findNextSet(allocMap, runStart, end);
      const len = runEnd - runStart;
      if (len > contig) {
        // Every run seen so far lies before this one; the largest of them (the later one on
        // ties, to skip further) becomes the scan hint.
        if (contig >= scan) {
          scan = contig;
          scanStart = contigStart;
        }
        if (after >= scan) {
          scan = after;
          scanStart = afterStart;
        }
        after = 0;
        contig = len;
        contigStart = runStart - base;
      } else if (len >= after) {
        after = len;
        afterStart = runStart - base;
      }
      if (runEnd === end) this.rightFree[block] = len;
      runStart = findNextZero(allocMap, runEnd, end);
    }
    this.contig[block] = contig;
    this.contigStart[block] = contigStart;
    this.scanHint[block] = scan;
    this.scanHintStart[block] = scan === 0 ? 0 : scanStart;
  }
}
