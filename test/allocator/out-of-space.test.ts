/**
 * Out of space: alloc() returns null (never throws), counts the failure, and calls `warn` with
 * size / align / reserved / reason at most MAX_FAILURE_WARNINGS times. Null means no room: an
 * existing chunk with a long enough free run must be used before giving up (or before creating
 * a chunk).
 */
import { describe, expect, it } from 'vitest';
import { type AllocFailure, PercpuAllocator } from 'percpu';
import { MAX_FAILURE_WARNINGS } from '../../src/allocator/allocator.js';
import * as layout from '../../src/memory/layout.js';
import { mustAlloc } from './helpers.js';

const UNIT = 8192;
/** The first chunk's first bytes, never handed out (offset 0 is NULL): chunk 0 holds UNIT - G. */
const G = layout.NULL_GUARD;

interface Warning {
  readonly fields: AllocFailure;
  readonly message: string;
}

function smallArea(warnings: Warning[], chunks = 4): PercpuAllocator {
  return new PercpuAllocator({
    unitSize: UNIT,
    areaSize: chunks * UNIT,
    warn: (fields, message) => warnings.push({ fields, message }),
  });
}

describe('out of space', () => {
  it('returns null once every chunk is full, with a warning that says why', () => {
    const warnings: Warning[] = [];
    const allocator = smallArea(warnings);
    const offsets = [mustAlloc(allocator, UNIT - G), ...[1, 2, 3].map(() => mustAlloc(allocator, UNIT))];
    expect(offsets.sort((a, b) => a - b)).toEqual([G, UNIT, 2 * UNIT, 3 * UNIT]);
    expect(warnings).toEqual([]);
    expect(allocator.alloc(UNIT, 64)).toBeNull();
    expect(allocator.alloc(4)).toBeNull();
    const fullReason: unknown = expect.stringContaining('full');
    expect(warnings.map((w) => w.fields)).toEqual([
      { size: UNIT, align: 64, reserved: false, reason: fullReason },
      { size: 4, align: 4, reserved: false, reason: fullReason },
    ]);
    expect(warnings[0]!.message).toContain('allocation failed');
    const stats = allocator.stats();
    expect(stats.nrFailed).toBe(2);
    expect(stats.nrChunks).toBe(4);
    expect(stats.nrAlloc).toBe(4);
    expect(stats.maxAllocSize).toBe(UNIT);
    expect(stats.minAllocSize).toBe(UNIT - G);
    allocator.verify();
  });

  it(`warns at most MAX_FAILURE_WARNINGS (${MAX_FAILURE_WARNINGS}) times, but counts every failure`, () => {
    const warnings: Warning[] = [];
    const allocator = smallArea(warnings, 1);
    mustAlloc(allocator, UNIT - G);
    for (let i = 0; i < MAX_FAILURE_WARNINGS + 7; i++) expect(allocator.alloc(4 + 4 * i, 8)).toBeNull();
    expect(warnings.length).toBe(MAX_FAILURE_WARNINGS);
    expect(warnings.map((w) => w.fields.size)).toEqual(
      Array.from({ length: MAX_FAILURE_WARNINGS }, (_, i) => 4 + 4 * i),
    );
    expect(warnings.every((w) => w.fields.align === 8 && !w.fields.reserved)).toBe(true);
    expect(warnings[MAX_FAILURE_WARNINGS - 1]!.message).toContain('limit');
    expect(allocator.stats().nrFailed).toBe(MAX_FAILURE_WARNINGS + 7);
  });

  it('a null result is not an error: space freed later is used again', () => {
    const warnings: Warning[] = [];
    const allocator = smallArea(warnings, 2);
    const a = mustAlloc(allocator, UNIT - G);
    const b = mustAlloc(allocator, UNIT);
    expect(allocator.alloc(UNIT)).toBeNull();
    allocator.free(b);
    expect(allocator.alloc(UNIT)).toBe(b);
    allocator.free(a);
    expect(allocator.alloc(100)).toBe(a);
    expect(allocator.stats().nrFailed).toBe(1);
    allocator.verify();
  });

  it('without a warn callback, failures return null silently', () => {
    const allocator = new PercpuAllocator({ unitSize: UNIT, areaSize: UNIT });
    mustAlloc(allocator, UNIT - G);
    expect(allocator.alloc(4)).toBeNull();
    expect(allocator.stats().nrFailed).toBe(1);
  });

  it('fills the whole area with small allocations before failing', () => {
    const warnings: Warning[] = [];
    const allocator = smallArea(warnings, 2);
    let count = 0;
    while (allocator.alloc(64) !== null) count++;
    // Chunk 0 holds one 64-byte area fewer: its NULL guard leaves 64 - G bytes no area fits in.
    expect(count).toBe((2 * UNIT) / 64 - 1);
    expect(allocator.chunkStats().map((c) => c.freeBytes)).toEqual([64 - G, 0]);
    allocator.verify();
  });
});

describe('null only when there is no room', () => {
  // An allocation of a size that is not a power of two of bits (here 1500 bits = 6000 bytes)
  // must consider a chunk whose largest free run (2047 bits) is long enough, although that run
  // is shorter than the next power of two.
  it('uses the free run of the only chunk rather than failing', () => {
    const warnings: Warning[] = [];
    const allocator = smallArea(warnings, 1);
    expect(allocator.alloc(4)).toBe(G);
    expect(allocator.chunkStats()[0]!.contigBytes).toBe(UNIT - G - 4);
    expect(allocator.alloc(6000)).toBe(G + 4);
    expect(warnings).toEqual([]);
  });

  it('uses the free run of a partly used chunk when no chunk can be created', () => {
    const warnings: Warning[] = [];
    const allocator = smallArea(warnings, 2);
    expect(G).toBe(8);
    expect(allocator.alloc(4)).toBe(8);
    expect(allocator.alloc(UNIT)).toBe(UNIT);
    // The run is [12, 8192): at 16 the area would leave 4 bytes of padding below it, at the
    // run's top (8176) none above it, so it goes to the top (placeInRun).
    expect(allocator.alloc(16, 16)).toBe(8176);
    expect(allocator.alloc(5000)).toBe(12);
    expect(warnings).toEqual([]);
  });

  it('prefers room in an existing chunk to creating a chunk', () => {
    const warnings: Warning[] = [];
    const allocator = smallArea(warnings, 4);
    expect(allocator.alloc(4)).toBe(G);
    expect(allocator.alloc(6000)).toBe(G + 4);
    expect(allocator.stats().nrChunks).toBe(1);
  });
});
