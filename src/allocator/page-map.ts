/**
 * Population state of every page of the per-CPU area (the same pages in every CPU's unit).
 *
 * - populated: the allocator has handed out (part of) this page and counts it as backed.
 * - pristine: the page has never been populated, so it is zero in every CPU's buffer (the OS
 *   gives zero pages, and nobody may write outside an allocation). Allocation zeroes only
 *   non-pristine pages: zeroing never touches, and so never commits, a page that was never used.
 *
 * A SharedArrayBuffer cannot give pages back to the OS, so depopulating a page is bookkeeping:
 * it stops counting as populated, but it stays resident and is no longer pristine.
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
  private readonly pristine: Uint8Array;
  /** Populated pages per chunk index, so per-chunk stats cost O(1). */
  readonly populatedPerUnit: Int32Array;
  nrPopulated = 0;

  constructor(areaSize: number, unitSize: number) {
    this.nrPages = areaSize >>> PAGE_SHIFT;
    this.pagesPerUnit = unitSize >>> PAGE_SHIFT;
    this.populated = new Uint8Array(this.nrPages);
    this.pristine = new Uint8Array(this.nrPages).fill(1);
    this.populatedPerUnit = new Int32Array(this.nrPages / this.pagesPerUnit);
  }

  isPopulated(page: number): boolean {
    return this.populated[page] === 1;
  }

  isPristine(page: number): boolean {
    return this.pristine[page] === 1;
  }

  /**
   * Makes [offset, offset + size) ready for a new area: populates its pages and zeroes, in every
   * CPU, the part that lies in pages used before. Adjacent ranges to zero are merged.
   */
  populateAndZero(offset: number, size: number, zeroer: AreaZeroer): void {
    const end = offset + size;
    const lastPage = (end - 1) >>> PAGE_SHIFT;
    let zeroFrom = -1; // start of a pending range to zero
    for (let page = offset >>> PAGE_SHIFT; page <= lastPage; page++) {
      const wasPristine = this.pristine[page] === 1;
      this.populate(page); // no-op when populated; clears pristine
      if (wasPristine) {
        if (zeroFrom >= 0) {
          zeroer.zero(zeroFrom, page * PAGE_SIZE - zeroFrom);
          zeroFrom = -1;
        }
      } else if (zeroFrom < 0) {
        zeroFrom = Math.max(offset, page * PAGE_SIZE);
      }
    }
    if (zeroFrom >= 0) zeroer.zero(zeroFrom, end - zeroFrom);
  }

  /** Marks a page in use without zeroing (the static region at start-up: still pristine zeroes). */
  populate(page: number): void {
    if (this.populated[page] === 1) return;
    this.populated[page] = 1;
    this.pristine[page] = 0;
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
