/**
 * Population state of every page of the per-CPU area (the same pages in every CPU's unit).
 *
 * - populated: the allocator has handed out (part of) this page and counts it as backed.
 * - usedEnd: a high-water mark, the end of the highest byte of the page ever handed out. Bytes
 *   at or above it were never part of an allocation, so they are zero in every CPU's buffer (the
 *   OS gives zero pages, and nobody may write outside an allocation). Allocation zeroes only
 *   bytes below the mark: zeroing never touches, and so never commits, memory never used. A
 *   page whose mark is 0 is pristine.
 *
 * A SharedArrayBuffer cannot give pages back to the OS, so depopulating a page is bookkeeping:
 * it stops counting as populated, but it stays resident and keeps its high-water mark.
 */
import { PAGE_SHIFT, PAGE_SIZE } from '../memory/layout.js';

/** Zeroes [offset, offset + size) of every CPU's area. */
export interface AreaZeroer {
  zero(offset: number, size: number): void;
}

export class PageMap {
  readonly nrPages: number;
  readonly pagesPerUnit: number;
  private readonly populated: Uint8Array;
  /** Per page, 0 .. PAGE_SIZE (fits a Uint16Array). */
  private readonly usedEnd: Uint16Array;
  /** Populated pages per chunk index, so per-chunk stats cost O(1). */
  readonly populatedPerUnit: Int32Array;
  nrPopulated = 0;

  constructor(areaSize: number, unitSize: number) {
    this.nrPages = areaSize >>> PAGE_SHIFT;
    this.pagesPerUnit = unitSize >>> PAGE_SHIFT;
    this.populated = new Uint8Array(this.nrPages);
    this.usedEnd = new Uint16Array(this.nrPages);
    this.populatedPerUnit = new Int32Array(this.nrPages / this.pagesPerUnit);
  }

  isPopulated(page: number): boolean {
    return this.populated[page] === 1;
  }

  isPristine(page: number): boolean {
    return this.usedEnd[page] === 0;
  }

  /**
   * Makes [offset, offset + size) ready for a new area: populates its pages and zeroes, in every
   * CPU, the part that lies below each page's high-water mark. Adjacent ranges are merged.
   */
  populateAndZero(offset: number, size: number, zeroer: AreaZeroer): void {
    const end = offset + size;
    const lastPage = (end - 1) >>> PAGE_SHIFT;
    let zeroFrom = -1; // start of a pending range to zero
    let zeroTo = -1;
    for (let page = offset >>> PAGE_SHIFT; page <= lastPage; page++) {
      const pageStart = page * PAGE_SIZE;
      const lo = Math.max(offset, pageStart) - pageStart;
      const hi = Math.min(end, pageStart + PAGE_SIZE) - pageStart;
      const used = this.usedEnd[page]!;
      if (used > lo) {
        const from = pageStart + lo;
        const to = pageStart + Math.min(hi, used);
        if (zeroFrom >= 0 && zeroTo === from) zeroTo = to;
        else {
          if (zeroFrom >= 0) zeroer.zero(zeroFrom, zeroTo - zeroFrom);
          zeroFrom = from;
          zeroTo = to;
        }
      }
      if (hi > used) this.usedEnd[page] = hi;
      this.populate(page);
    }
    if (zeroFrom >= 0) zeroer.zero(zeroFrom, zeroTo - zeroFrom);
  }

  /** Marks [offset, offset + size) in use without zeroing (the static region, zero at start). */
  markUsed(offset: number, size: number): void {
    const end = offset + size;
    for (let page = offset >>> PAGE_SHIFT; page <= (end - 1) >>> PAGE_SHIFT; page++) {
      const hi = Math.min(end - page * PAGE_SIZE, PAGE_SIZE);
      if (hi > this.usedEnd[page]!) this.usedEnd[page] = hi;
      this.populate(page);
    }
  }

  /** Counts a page as populated. */
  populate(page: number): void {
    if (this.populated[page] === 1) return;
    this.populated[page] = 1;
    this.populatedPerUnit[Math.floor(page / this.pagesPerUnit)]!++;
    this.nrPopulated++;
  }

  depopulate(page: number): void {
    if (this.populated[page] === 0) return;
    this.populated[page] = 0;
    this.populatedPerUnit[Math.floor(page / this.pagesPerUnit)]!--;
    this.nrPopulated--;
  }
}
