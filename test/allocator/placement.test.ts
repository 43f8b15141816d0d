/**
 * Where in a free run an area goes (Chunk.placeInRun): at the lowest aligned position, unless the
 * highest aligned position of the run wastes less padding. Ties and unaligned requests stay at the
 * bottom, exactly where first fit puts them.
 */
import { describe, expect, it } from 'vitest';
import { PercpuAllocator } from 'percpu';
import * as layout from '../../src/memory/layout.js';
import { mustAlloc } from './helpers.js';

const UNIT = 8192;

/** The first chunk's first 8 bytes are the NULL guard, never handed out: runs start after it. */
const G = layout.NULL_GUARD;

function allocator(): PercpuAllocator {
  return new PercpuAllocator({ unitSize: UNIT, areaSize: 4 * UNIT });
}

describe('placement in a free run', () => {
  it('an aligned area goes to the top of its run when less padding is left there', () => {
    const a = allocator();
    expect(G).toBe(8);
    expect(mustAlloc(a, 4)).toBe(8); // the run is now [12, 8192)
    // 64 bytes aligned to 64: 52 bytes of padding at 64, none at 8128.
    expect(mustAlloc(a, 64, 64)).toBe(UNIT - 64);
    // 48 bytes aligned to 32 in [12, 8128): 20 bytes below at 32; above, 8128 - 48 = 8080
    // rounds down to 8064, leaving 16: the top wins.
    expect(mustAlloc(a, 48, 32)).toBe(8064);
    a.verify();
  });

  it('stays at the bottom on a tie, and for requests that need no alignment beyond 4 bytes', () => {
    const a = allocator();
    expect(mustAlloc(a, 4)).toBe(8); // the run is now [12, 8192)
    // 12 aligned to 8: 4 bytes of padding below (at 16); at the top 8192 - 12 = 8180 rounds down
    // to 8176, leaving 4 above: a tie.
    expect(mustAlloc(a, 12, 8)).toBe(16);
    // Alignment 4 never pads: first fit (the 4-byte hole [12, 16) is too small).
    expect(mustAlloc(a, 100)).toBe(28);
    expect(mustAlloc(a, 100, 1)).toBe(128);
    a.verify();
  });

  it('in a hole between two live areas, takes whichever end pads less', () => {
    const a = allocator();
    const left = mustAlloc(a, 36); // [8, 44)
    const hole = mustAlloc(a, 200); // [44, 244)
    const right = mustAlloc(a, 4); // [244, 248)
    expect([left, hole, right]).toEqual([8, 44, 244]);
    a.free(hole); // the hole [44, 244) is the chunk's first free run
    // 128 aligned to 64: at 64 from either end (244 - 128 = 116 rounds down to 64).
    expect(mustAlloc(a, 128, 64)).toBe(64);
    a.free(64);
    // 24 aligned to 16: 4 bytes below at 48; above, 244 - 24 = 220 -> 208 leaves 12: the bottom.
    expect(mustAlloc(a, 24, 16)).toBe(48);
    a.free(48);
    // 20 aligned to 16: 4 bytes below at 48; above, 244 - 20 = 224 leaves none: the top.
    expect(mustAlloc(a, 20, 16)).toBe(224);
    // 16 aligned to 16 in [44, 224): 4 bytes below at 48, none at 208: the top.
    expect(mustAlloc(a, 16, 16)).toBe(208);
    a.verify();
  });

  it('an area whose alignment the run start already meets is placed there', () => {
    const a = allocator();
    expect(mustAlloc(a, 64 - G)).toBe(G); // the run is now [64, 8192)
    expect(mustAlloc(a, 64, 64)).toBe(64);
    expect(mustAlloc(a, 128, 128)).toBe(128);
    a.verify();
  });
});
