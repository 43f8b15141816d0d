/**
 * PercpuAllocator argument validation: every bad `size`, `align` or `free` offset throws a
 * PercpuError with the documented code (and reason, for frees), a message naming the argument and
 * the value, and leaves the allocator exactly as it was: same stats() and chunkStats(), verify()
 * passes, the same live areas, and the same answers to later requests as an allocator that never
 * saw the bad calls.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidFreeError, type InvalidFreeReason, PercpuAllocator, PercpuError } from 'percpu';
import { Prng } from '../../src/util/prng.js';
import { mustAlloc, snapshot, thrownBy } from './helpers.js';

const UNIT = 8192;
const CHUNKS = 8;
const STATIC = 1000;
const RESERVED = 1024;

interface Fixture {
  readonly allocator: PercpuAllocator;
  /** Live areas: offset -> size as rounded. */
  readonly live: Map<number, number>;
  readonly a: number; // 100 bytes in chunk 0
  readonly b: number; // 6000 bytes, page-aligned, in chunk 1
  readonly c: number; // 12 bytes
  readonly r: number; // 40 bytes in the reserved region
  readonly freed: number; // allocated, then freed
  readonly warnings: string[];
}

function makeFixture(): Fixture {
  const warnings: string[] = [];
  const allocator = new PercpuAllocator({
    unitSize: UNIT,
    areaSize: CHUNKS * UNIT,
    staticSize: STATIC,
    reservedSize: RESERVED,
    warn: (_fields, message) => warnings.push(message),
  });
  const a = mustAlloc(allocator, 100);
  const b = mustAlloc(allocator, 6000, 4096);
  const c = mustAlloc(allocator, 12);
  const r = mustAlloc(allocator, 40, 4, true);
  const freed = mustAlloc(allocator, 8);
  allocator.free(freed);
  const live = new Map([
    [a, 100],
    [b, 6000],
    [c, 12],
    [r, 40],
  ]);
  return { allocator, live, a, b, c, r, freed, warnings };
}

/** The call must throw; afterwards nothing observable may have changed. */
function expectRejectedWithoutChange(fixture: Fixture, call: () => unknown): unknown {
  const { allocator, live, warnings } = fixture;
  const before = snapshot(allocator);
  const error = thrownBy(call);
  expect(snapshot(allocator)).toEqual(before);
  expect(() => allocator.verify()).not.toThrow();
  for (const [offset, size] of live) {
    expect(allocator.isLive(offset)).toBe(true);
    expect(allocator.sizeOf(offset)).toBe(size);
  }
  expect(warnings).toEqual([]);
  return error;
}

function expectArgumentError(
  error: unknown,
  argument: string,
  value: unknown,
  rendered: string,
  allowed: string,
): void {
  expect(error).toBeInstanceOf(PercpuError);
  expect(error).toBeInstanceOf(InvalidArgumentError);
  if (!(error instanceof InvalidArgumentError)) return;
  expect(error.code).toBe('PERCPU_INVALID_ARGUMENT');
  expect(error.argument).toBe(argument);
  expect(Object.is(error.value, value)).toBe(true);
  expect(error.message).toContain(`\`${argument}\``);
  expect(error.message).toContain(`got ${rendered}`);
  expect(error.message).toContain(allowed);
}

/** [value, how the message must render it] */
const BAD_SIZES: readonly (readonly [unknown, string])[] = [
  [0, '`0` (number)'],
  [-1, '`-1` (number)'],
  [-4, '`-4` (number)'],
  [NaN, '`NaN` (number)'],
  [Infinity, '`Infinity` (number)'],
  [-Infinity, '`-Infinity` (number)'],
  [1.5, '`1.5` (number)'],
  ['4', '`"4"` (string)'],
  [UNIT + 1, `\`${UNIT + 1}\` (number)`],
  [2 * UNIT, `\`${2 * UNIT}\` (number)`],
  [null, '`null` (null)'],
  [4n, '`4n` (bigint)'],
];

const BAD_ALIGNS: readonly (readonly [unknown, string])[] = [
  [3, '`3` (number)'],
  [0, '`0` (number)'],
  [-4, '`-4` (number)'],
  [6, '`6` (number)'],
  [8192, '`8192` (number)'],
  [2 ** 20, `\`${2 ** 20}\` (number)`],
  [NaN, '`NaN` (number)'],
  [Infinity, '`Infinity` (number)'],
  [1.5, '`1.5` (number)'],
  [0.5, '`0.5` (number)'],
  ['8', '`"8"` (string)'],
  [null, '`null` (null)'],
];

describe('alloc() argument validation', () => {
  for (const [value, rendered] of BAD_SIZES) {
    for (const reserved of [false, true]) {
      it(`rejects size ${rendered}${reserved ? ' (reserved)' : ''} and changes nothing`, () => {
        const fixture = makeFixture();
        const error = expectRejectedWithoutChange(fixture, () =>
          fixture.allocator.alloc(value as number, 4, { reserved }),
        );
        expectArgumentError(error, 'size', value, rendered, `an integer from 1 to ${UNIT}`);
      });
    }
  }

  for (const [value, rendered] of BAD_ALIGNS) {
    for (const reserved of [false, true]) {
      it(`rejects align ${rendered}${reserved ? ' (reserved)' : ''} and changes nothing`, () => {
        const fixture = makeFixture();
        const error = expectRejectedWithoutChange(fixture, () =>
          fixture.allocator.alloc(8, value as number, { reserved }),
        );
        expectArgumentError(error, 'align', value, rendered, 'a power of two from 1 to 4096');
      });
    }
  }

  it('checks size before align', () => {
    const fixture = makeFixture();
    const error = expectRejectedWithoutChange(fixture, () => fixture.allocator.alloc(0, 3));
    expectArgumentError(error, 'size', 0, '`0` (number)', 'an integer');
  });

  it('accepts the limits themselves: size 1 and unitSize, align 1 and 4096', () => {
    const { allocator } = makeFixture();
    expect(allocator.alloc(1, 1)).not.toBeNull();
    expect(allocator.alloc(UNIT, 4096)).not.toBeNull();
    expect(allocator.alloc(4, undefined)).not.toBeNull();
    allocator.verify();
  });
});

interface BadFree {
  readonly label: string;
  readonly offset: (f: Fixture) => number;
  readonly reason: InvalidFreeReason;
  /** Text the message must contain besides "offset <value>". */
  readonly detail?: (f: Fixture) => string;
}

const BAD_FREES: readonly BadFree[] = [
  { label: 'a never-allocated offset in chunk 0', offset: () => UNIT - 4, reason: 'not-allocated' },
  { label: 'a never-allocated offset in chunk 1', offset: () => 2 * UNIT - 4, reason: 'not-allocated' },
  { label: 'free space of the reserved region', offset: (f) => f.r + 40, reason: 'not-allocated' },
  { label: 'an offset freed before (double free)', offset: (f) => f.freed, reason: 'not-allocated' },
  {
    label: 'an interior offset (4 bytes in)',
    offset: (f) => f.a + 4,
    reason: 'interior',
    detail: (f) => `starts at ${f.a}`,
  },
  {
    label: 'an interior offset (last word)',
    offset: (f) => f.a + 96,
    reason: 'interior',
    detail: (f) => `starts at ${f.a}`,
  },
  {
    label: 'an interior offset on a later page of the area',
    offset: (f) => f.b + 4096 + 8,
    reason: 'interior',
    detail: (f) => `starts at ${f.b}`,
  },
  {
    label: 'an interior offset of a reserved area',
    offset: (f) => f.r + 8,
    reason: 'interior',
    detail: (f) => `starts at ${f.r}`,
  },
  { label: 'offset 0 (static region)', offset: () => 0, reason: 'hidden', detail: () => 'static region' },
  { label: 'an offset inside the static region', offset: () => 500, reason: 'hidden' },
  { label: 'the last word of the static region', offset: () => STATIC - 4, reason: 'hidden' },
  { label: 'the area size (one past the end)', offset: () => CHUNKS * UNIT, reason: 'outside-area' },
  { label: 'past the area', offset: () => CHUNKS * UNIT + 4, reason: 'outside-area' },
  { label: '2^32', offset: () => 2 ** 32, reason: 'outside-area' },
  { label: 'a negative offset', offset: () => -4, reason: 'outside-area' },
  { label: '-1', offset: () => -1, reason: 'outside-area' },
  { label: 'a non-integer offset', offset: (f) => f.a + 0.5, reason: 'outside-area' },
  { label: 'NaN', offset: () => NaN, reason: 'outside-area' },
  { label: 'Infinity', offset: () => Infinity, reason: 'outside-area' },
  { label: 'an unaligned offset (+1)', offset: (f) => f.a + 1, reason: 'unaligned' },
  { label: 'an unaligned offset (+2)', offset: (f) => f.c + 2, reason: 'unaligned' },
  { label: 'an unaligned offset in free space', offset: () => UNIT - 3, reason: 'unaligned' },
  { label: 'an offset in a chunk that does not exist', offset: () => 5 * UNIT, reason: 'no-chunk' },
  { label: 'the last word of the area (no chunk there)', offset: () => CHUNKS * UNIT - 4, reason: 'no-chunk' },
];

describe('free() validation', () => {
  for (const bad of BAD_FREES) {
    it(`rejects ${bad.label} with reason '${bad.reason}' and changes nothing`, () => {
      const fixture = makeFixture();
      const offset = bad.offset(fixture);
      const error = expectRejectedWithoutChange(fixture, () => fixture.allocator.free(offset));
      expect(error).toBeInstanceOf(PercpuError);
      expect(error).toBeInstanceOf(InvalidFreeError);
      if (!(error instanceof InvalidFreeError)) return;
      expect(error.code).toBe('PERCPU_INVALID_FREE');
      expect(error.reason).toBe(bad.reason);
      expect(Object.is(error.offset, offset)).toBe(true);
      expect(error.message).toContain(`offset ${String(offset)}`);
      if (bad.detail !== undefined) expect(error.message).toContain(bad.detail(fixture));
      // sizeOf() locates areas the same way and rejects the same offsets; isLive() says no.
      const sizeError = thrownBy(() => fixture.allocator.sizeOf(offset));
      expect(sizeError).toBeInstanceOf(InvalidFreeError);
      if (sizeError instanceof InvalidFreeError) expect(sizeError.reason).toBe(bad.reason);
      expect(fixture.allocator.isLive(offset)).toBe(false);
    });
  }

  it('rejects a double free right after the first free', () => {
    const fixture = makeFixture();
    const { allocator, a, live } = fixture;
    allocator.free(a);
    live.delete(a);
    const error = expectRejectedWithoutChange(fixture, () => allocator.free(a));
    expect(error).toBeInstanceOf(InvalidFreeError);
    if (error instanceof InvalidFreeError) expect(error.reason).toBe('not-allocated');
  });

  it("rejects an offset in a released chunk with reason 'no-chunk'", () => {
    const fixture = makeFixture();
    const { allocator } = fixture;
    const x = mustAlloc(allocator, UNIT); // chunk 2
    const y = mustAlloc(allocator, UNIT); // chunk 3
    expect([Math.floor(x / UNIT), Math.floor(y / UNIT)].sort()).toEqual([2, 3]);
    allocator.free(x);
    allocator.free(y); // two empty chunks besides chunk 0 (which is in use): the higher one goes
    const released = Math.max(x, y);
    expect(allocator.chunkStats().map((c) => c.index)).not.toContain(Math.floor(released / UNIT));
    const error = expectRejectedWithoutChange(fixture, () => allocator.free(released));
    expect(error).toBeInstanceOf(InvalidFreeError);
    if (error instanceof InvalidFreeError) expect(error.reason).toBe('no-chunk');
  });
});

describe('rejected calls leave no trace', () => {
  it('an allocator that saw every bad call behaves exactly like one that saw none', () => {
    const tried = makeFixture();
    const clean = makeFixture();
    for (const [value] of BAD_SIZES) thrownBy(() => tried.allocator.alloc(value as number));
    for (const [value] of BAD_ALIGNS) thrownBy(() => tried.allocator.alloc(16, value as number, { reserved: true }));
    for (const bad of BAD_FREES) thrownBy(() => tried.allocator.free(bad.offset(tried)));
    expect(snapshot(tried.allocator)).toEqual(snapshot(clean.allocator));
    expect(tried.warnings).toEqual([]);

    // The same random workload now gives the same offsets and the same state.
    const random = new Prng(7);
    const liveTried: number[] = [];
    const liveClean: number[] = [];
    for (let step = 0; step < 300; step++) {
      if (random.next() < 0.6 || liveTried.length === 0) {
        const size = 1 + Math.floor(random.next() * (random.next() < 0.8 ? 64 : UNIT));
        const align = 2 ** Math.floor(random.next() * 13);
        const reserved = random.next() < 0.1;
        const x = tried.allocator.alloc(size, align, { reserved });
        const y = clean.allocator.alloc(size, align, { reserved });
        expect(x).toBe(y);
        if (x !== null && y !== null) {
          liveTried.push(x);
          liveClean.push(y);
        }
      } else {
        const i = Math.floor(random.next() * liveTried.length);
        tried.allocator.free(liveTried.splice(i, 1)[0]!);
        clean.allocator.free(liveClean.splice(i, 1)[0]!);
      }
    }
    expect(snapshot(tried.allocator)).toEqual(snapshot(clean.allocator));
    tried.allocator.verify();
  });
});
