/**
 * The one module that owns the per-CPU memory layout. Every number here is a byte count unless its
 * name says bits; the hot path reads these constants and nothing else.
 *
 *   one possible CPU's area (one SharedArrayBuffer per CPU):
 *
 *   | guard | chunk 0 unit | chunk 1 unit | ... | chunk N-1 unit | guard |
 *   0       AREA_BASE      +unitSize      ...                     +areaSize
 *
 *   chunk 0's unit:  | NULL guard | static | reserved | dynamic ............... |
 *                    0            NULL_GUARD
 *
 * An offset ("ptr") counts from AREA_BASE and is the same on every CPU: CPU c's copy of the
 * variable at ptr is byte AREA_BASE + ptr of CPU c's buffer.
 */

/**
 * Bytes at the start of the first chunk that are never handed out, so that offset 0 is never a
 * live allocation or static variable: 0 is NULL, and code may read it as "none" (recordAt stores
 * 0 for a free; `if (!ptr)`). 8 bytes, the widest type, so an 8-aligned variable fits right after
 * it; a multiple of MIN_ALLOC_SIZE (two allocation-map bits, hidden like the static region).
 */
export const NULL_GUARD = 8;

/** Smallest allocation granule and the bitmap's unit: one allocation-map bit covers 4 bytes. */
export const MIN_ALLOC_SIZE = 4;

/** log2(MIN_ALLOC_SIZE): byte offset >> this = bit index. */
export const MIN_ALLOC_SHIFT = 2;

/** The population granule and the allocator's block: one page of 4 KiB, as on x86 Linux. */
export const PAGE_SIZE = 4096;

/** log2(PAGE_SIZE). */
export const PAGE_SHIFT = 12;

/** Bits of the allocation bitmap per block (= per page): 4096 / 4 = 1024. */
export const BLOCK_BITS = PAGE_SIZE / MIN_ALLOC_SIZE;

/** log2(BLOCK_BITS): bit >>> BLOCK_SHIFT is the bit's block (page) in its chunk. */
export const BLOCK_SHIFT = PAGE_SHIFT - MIN_ALLOC_SHIFT;

/**
 * Bytes kept unused before and after each CPU's units. A SharedArrayBuffer's data was seen to
 * start 16 bytes past a cache-line boundary, so units cannot be aligned by address from JS; a
 * 128-byte gap (two 64-byte lines, or one line on CPUs that fetch line pairs) on both sides means
 * no byte of one CPU's data shares a cache line with any byte of another CPU's buffer.
 */
export const AREA_GUARD = 128;

/** Where offset 0 lives in each CPU's buffer. A multiple of 8, so every typed view can start here. */
export const AREA_BASE = AREA_GUARD;

/** Smallest and largest unit sizes accepted (powers of two). Linux's minimum unit is 32 KiB. */
export const MIN_UNIT_SIZE = 2 * PAGE_SIZE;
export const MAX_UNIT_SIZE = 64 * 1024 * 1024;

/** Default unit: 64 KiB, so the largest single allocation is 64 KiB (Linux: 32 KiB at least). */
export const DEFAULT_UNIT_SIZE = 64 * 1024;

/** Default reserve per CPU: 64 MiB of address space, backed by the OS only where written. */
export const DEFAULT_AREA_SIZE = 64 * 1024 * 1024;

/**
 * Largest per-CPU area: the whole buffer must stay under 4 GiB so that every offset and every
 * typed-array index fits the 32-bit arithmetic the hot path uses (`ptr >>> 2`).
 */
export const MAX_AREA_SIZE = 4 * 1024 * 1024 * 1024 - 2 * PAGE_SIZE;

/** Most possible CPUs of a runtime (and of a PerCpuMemory). */
export const MAX_CPUS = 1024;

/** Largest alignment an allocation may ask for: one page, as in Linux. */
export const MAX_ALIGN = PAGE_SIZE;

/** Rounds `n` up to a multiple of `granule` (a power of two). */
export function roundUp(n: number, granule: number): number {
  return Math.ceil(n / granule) * granule;
}

/** True for 1, 2, 4, 8, ... up to 2^30 (numbers only): the powers of two percpu accepts. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= 0x40000000 && (n & (n - 1)) === 0;
}
