/**
 * Published figures the allocator benchmarks compare against (see the project's notes on the
 * kernel allocator). Typed in once, here, with their sources; nothing else hard-codes them.
 */

/** Ravikiran Thirumalai, Jan 2005 userspace test, 8 KiB blocks (<20050112181230.GA2035@impedimenta.in.ibm.com>). */
export const KIRAN = {
  blockSize: 8192,
  /** Test (a): blocks in use after each step; null where the mail gives no figure. */
  counterBlocks: [1, null, 2, 0] as readonly (number | null)[],
  /** Test (b): utilization after each step (requested bytes / bytes of the blocks in use). */
  objectUtilization: [0.987, 0.548, 0.982] as readonly number[],
  /** Test (b): requested bytes and block bytes where the mail gives them (null: not given). */
  objectBytes: [
    { requested: 4_076_556, blocks: 504 * 8192 },
    null,
    { requested: 6_212_308, blocks: 6_324_224 },
  ] as readonly ({ readonly requested: number; readonly blocks: number } | null)[],
} as const;

/** Dennis Zhou, bitmap allocator v2 cover letter, 24 Jul 2017: 2^20 objects, worst case, ms. */
export const ZHOU_KERNEL: readonly { readonly size: number; readonly allocMs: number; readonly freeMs: number }[] = [
  { size: 4, allocMs: 490, freeMs: 70 },
  { size: 16, allocMs: 515, freeMs: 75 },
  { size: 64, allocMs: 610, freeMs: 80 },
  { size: 256, allocMs: 950, freeMs: 100 },
  { size: 1024, allocMs: 3520, freeMs: 200 },
];

/** The same letter's old area-map figures, for context. */
export const ZHOU_AREA_MAP: readonly { readonly size: number; readonly allocMs: number; readonly freeMs: number }[] = [
  { size: 4, allocMs: 310, freeMs: 4770 },
  { size: 16, allocMs: 557, freeMs: 1325 },
  { size: 64, allocMs: 436, freeMs: 273 },
  { size: 256, allocMs: 776, freeMs: 131 },
  { size: 1024, allocMs: 3280, freeMs: 122 },
];

/** 1M four-byte allocations at 8-byte alignment. */
export const MILLION_KERNEL = { bitmapMs: 16_000, areaMapMs: 52 * 60_000 } as const;
