/**
 * Where in a free run an area goes (Chunk.placeInRun): at the lowest aligned position, unless the
 * highest aligned position of the run wastes less padding. Ties and unaligned requests stay at the
 * bottom, exactly where first fit puts them.
 */
import { describe, expect, it } from 'vitest';
import { PercpuAllocator } from 'percpu';
import { mustAlloc } from './helpers.js';

const UNIT = 8192;

function allocator(): PercpuAllocator {
  return new PercpuAllocator({ unitSize: UNIT, areaSize: 4 * UNIT });
}

describe('placement in a free run', () => {
  it('an aligned area goes to the top of its run when less padding is left there', () => {
    const a = allocator();
    expect(mustAlloc(a, 4)).toBe(0); // the run is now [4, 8192)
    // 64 bytes aligned to 64: 60 bytes of padding at 64, none at 8128.
    expect(mustAlloc(a, 64, 64)).toBe(UNIT - 64);
    // 40 bytes aligned to 32 in [4, 8128): 28 bytes below at 32; above, 8128 - 40 = 8088
    // rounds down to 8064, leaving 24: the top wins.
    expect(mustAlloc(a, 40, 32)).toBe(8064);
    a.verify();
  });

  it('stays at the bottom on a tie, and for requests that need no alignment beyond 4 bytes', () => {
    const a = allocator();
    expect(mustAlloc(a, 4)).toBe(0);
    // 12 aligned to 8: 4 bytes of padding below (at 8); at the top 8192 - 12 = 8180 rounds down
    // to 8176, leaving 4 above: a tie.
    expect(mustAlloc(a, 12, 8)).toBe(8);
    // Alignment 4 never pads: first fit.
    expect(mustAlloc(a, 100)).toBe(20);
    expect(mustAlloc(a, 100, 1)).toBe(120);
    a.verify();
  });

  it('in a hole between two live areas, takes whichever end pads less', () => {
    const a = allocator();
    const left = mustAlloc(a, 36); // [0, 36)
    const hole = mustAlloc(a, 200); // [36, 236)
    const right = mustAlloc(a, 4); // [236, 240)
    expect([left, hole, right]).toEqual([0, 36, 236]);
    a.free(hole); // the hole [36, 236) is the chunk's first free run
    // 128 aligned to 64: at 64 from either end (236 - 128 = 108 rounds down to 64).
    expect(mustAlloc(a, 128, 64)).toBe(64);
    a.free(64);
    // 20 aligned to 16: 12 bytes below at 48; above, 236 - 20 = 216 -> 208 leaves 8: the top.
    expect(mustAlloc(a, 20, 16)).toBe(208);
    // 16 aligned to 16 in [36, 208): 12 bytes below at 48, none at 192: the top.
    expect(mustAlloc(a, 16, 16)).toBe(192);
    a.verify();
  });

  it('an area whose alignment the run start already meets is placed there', () => {
    const a = allocator();
    expect(mustAlloc(a, 4096, 4096)).toBe(0);
    expect(mustAlloc(a, 64, 64)).toBe(4096);
    a.verify();
  });
});
