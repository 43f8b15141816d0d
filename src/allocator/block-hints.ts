/**
 * Per-block metadata of one chunk, one block = one page = BLOCK_BITS bits. All values are in bits
 * relative to the block's first bit.
 *
 * Layout: one Int16Array, HINT_STRIDE entries per block (array of structs):
 *
 *   entry 0       1            2         3          4          5         6              7
 *       | contig | contigStart | leftFree | rightFree | firstFree | scanHint | scanHintStart | pad |
 *
 * Every hint is a bit count or position inside a block, 0 .. BLOCK_BITS (1024), so 16 bits hold
 * it. So every hint of a block lies in one 16-byte record, four blocks per 64-byte cache line. A
 * free or a scan of a chunk that is not in the processor's caches then misses once per few blocks,
 * where seven parallel arrays missed seven times per block (and loaded seven array objects).
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
 *
 * A preference, not an invariant (verify() does not check it): between runs of equal length, the
 * contig hint keeps the better-aligned one (as Linux), so an aligned request checks it first. A
 * rescan after an allocation starts at the scan hint's skip point, so a better-aligned equal run
 * before it may be passed over.
 */
import { BLOCK_BITS } from '../memory/layout.js';
import { findNextSet, findNextZero, findPrevSet } from './bitmap.js';

/**
 * Whether bit position `a` is better aligned than `b` (has more trailing zero bits; 0 is aligned
 * to everything), without branches: (x & -x) - 1, as an unsigned 32-bit value, is the lowest set
 * bit of x minus one, and 0xffffffff for 0.
 */
export function betterAligned(a: number, b: number): boolean {
  return ((a & -a) - 1) >>> 0 > ((b & -b) - 1) >>> 0;
}

/** Entries per block record: 7 hints and one pad, so a record never straddles a cache line. */
export const HINT_STRIDE = 8;
/** log2(HINT_STRIDE): block << HINT_SHIFT is the block's first entry. */
export const HINT_SHIFT = 3;
/** Entry offsets inside a block's record (see the layout above). */
export const CONTIG = 0;
export const CONTIG_START = 1;
export const LEFT_FREE = 2;
export const RIGHT_FREE = 3;
export const FIRST_FREE = 4;
export const SCAN_HINT = 5;
export const SCAN_HINT_START = 6;

export class BlockHints {
  /** The records, HINT_STRIDE words per block. Hot paths index it directly. */
  readonly h: Int16Array;

  constructor(nrBlocks: number) {
    this.h = new Int16Array(nrBlocks * HINT_STRIDE);
    for (let b = 0; b < nrBlocks; b++) this.markFree(b);
  }

  contig(block: number): number {
    return this.h[(block << HINT_SHIFT) + CONTIG]!;
  }

  contigStart(block: number): number {
    return this.h[(block << HINT_SHIFT) + CONTIG_START]!;
  }

  leftFree(block: number): number {
    return this.h[(block << HINT_SHIFT) + LEFT_FREE]!;
  }

  rightFree(block: number): number {
    return this.h[(block << HINT_SHIFT) + RIGHT_FREE]!;
  }

  firstFree(block: number): number {
    return this.h[(block << HINT_SHIFT) + FIRST_FREE]!;
  }

  scanHint(block: number): number {
    return this.h[(block << HINT_SHIFT) + SCAN_HINT]!;
  }

  scanHintStart(block: number): number {
    return this.h[(block << HINT_SHIFT) + SCAN_HINT_START]!;
  }

  isFree(block: number): boolean {
    return this.h[(block << HINT_SHIFT) + CONTIG] === BLOCK_BITS;
  }

  isFull(block: number): boolean {
    return this.h[(block << HINT_SHIFT) + FIRST_FREE] === BLOCK_BITS;
  }

  markFull(block: number): void {
    this.setRecord(block << HINT_SHIFT, 0, 0, 0, 0, BLOCK_BITS);
  }

  markFree(block: number): void {
    this.setRecord(block << HINT_SHIFT, BLOCK_BITS, 0, BLOCK_BITS, BLOCK_BITS, 0);
  }

  /** Stores a block's record with no scan hint (plain stores: TypedArray.set is a builtin call). */
  private setRecord(
    r: number,
    contig: number,
    contigStart: number,
    leftFree: number,
    rightFree: number,
    firstFree: number,
  ): void {
    const h = this.h;
    h[r + CONTIG] = contig;
    h[r + CONTIG_START] = contigStart;
    h[r + LEFT_FREE] = leftFree;
    h[r + RIGHT_FREE] = rightFree;
    h[r + FIRST_FREE] = firstFree;
    h[r + SCAN_HINT] = 0;
    h[r + SCAN_HINT_START] = 0;
  }

  /** Recomputes every hint of `block` from the allocation bitmap: one pass over its 32 words. */
  refresh(block: number, allocMap: Uint32Array): void {
    const h = this.h;
    const r = block << HINT_SHIFT;
    const base = block * BLOCK_BITS;
    const end = base + BLOCK_BITS;
    const first = findNextZero(allocMap, base, end);
    h[r + FIRST_FREE] = first - base;
    h[r + LEFT_FREE] = first === base ? findNextSet(allocMap, base, end) - base : 0;
    h[r + RIGHT_FREE] = end - 1 - findPrevSet(allocMap, base, end);
    h[r + SCAN_HINT] = 0;
    h[r + SCAN_HINT_START] = 0;
    h[r + CONTIG] = 0;
    h[r + CONTIG_START] = 0;
    this.scanRuns(block, allocMap, first - base);
  }

  /**
   * Recomputes contig and scan hints after an allocation took bits from the contig run. With a
   * scan hint, only the runs from its skip point on are scanned: the scan-hint run is exact and
   * every run before it is smaller, as Linux's pcpu_block_refresh_hint does.
   */
  refreshContig(block: number, allocMap: Uint32Array): void {
    const h = this.h;
    const r = block << HINT_SHIFT;
    const scan = h[r + SCAN_HINT]!;
    if (scan > 0) {
      const scanStart = h[r + SCAN_HINT_START]!;
      h[r + CONTIG] = scan;
      h[r + CONTIG_START] = scanStart;
      h[r + SCAN_HINT] = 0;
      h[r + SCAN_HINT_START] = 0;
      this.scanRuns(block, allocMap, scanStart + scan);
    } else {
      h[r + CONTIG] = 0;
      h[r + CONTIG_START] = 0;
      this.scanRuns(block, allocMap, h[r + FIRST_FREE]!);
    }
  }

  /**
   * Visits the free runs from block bit `from` to the block's end and raises the contig hint
   * (the scan hint becomes the best run before the contig run, the later one on ties). The hints
   * on entry describe the runs before `from`.
   */
  private scanRuns(block: number, allocMap: Uint32Array, from: number): void {
    const h = this.h;
    const r = block << HINT_SHIFT;
    const base = block * BLOCK_BITS;
    const end = base + BLOCK_BITS;
    let contig = h[r + CONTIG]!;
    let contigStart = h[r + CONTIG_START]!;
    let scan = h[r + SCAN_HINT]!;
    let scanStart = h[r + SCAN_HINT_START]!;
    // Best run after the current contig run.
    let after = 0;
    let afterStart = 0;
    let runStart = findNextZero(allocMap, base + from, end);
    while (runStart < end) {
      const runEnd = findNextSet(allocMap, runStart, end);
      const len = runEnd - runStart;
      const start = runStart - base;
      if (len > contig || (len === contig && betterAligned(start, contigStart))) {
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
    h[r + CONTIG] = contig;
    h[r + CONTIG_START] = contig === 0 ? 0 : contigStart;
    h[r + SCAN_HINT] = scan;
    h[r + SCAN_HINT_START] = scan === 0 ? 0 : scanStart;
  }
}
