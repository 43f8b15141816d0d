/**
 * bitmap.ts against a naive boolean-array model: range updates, searches and counts, with
 * special attention to word boundaries (bits 31/32, 63/64), ranges inside one word and empty
 * ranges.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clearBit,
  clearRange,
  countSet,
  findNextSet,
  findNextZero,
  findPrevSet,
  setBit,
  setRange,
  testBit,
} from '../../src/allocator/bitmap.js';

/** The naive model of the same operations. */
class Model {
  readonly bits: boolean[];
  constructor(n: number) {
    this.bits = new Array<boolean>(n).fill(false);
  }
  apply(start: number, end: number, value: boolean): void {
    for (let i = start; i < end; i++) this.bits[i] = value;
  }
  nextSet(start: number, end: number): number {
    for (let i = start; i < end; i++) if (this.bits[i] === true) return i;
    return end;
  }
  nextZero(start: number, end: number): number {
    for (let i = start; i < end; i++) if (this.bits[i] === false) return i;
    return end;
  }
  prevSet(start: number, end: number): number {
    for (let i = end - 1; i >= start; i--) if (this.bits[i] === true) return i;
    return start - 1;
  }
  count(start: number, end: number): number {
    let n = 0;
    for (let i = start; i < end; i++) if (this.bits[i] === true) n++;
    return n;
  }
}

function bitsOf(map: Uint32Array, n: number): boolean[] {
  return Array.from({ length: n }, (_, i) => testBit(map, i));
}

describe('bitmap: word boundaries by hand', () => {
  it('setRange over bits 31..32 touches exactly two words and two bits', () => {
    const map = new Uint32Array(3);
    setRange(map, 31, 33);
    expect(Array.from(map)).toEqual([0x80000000, 0x1, 0]);
    clearRange(map, 31, 32);
    expect(Array.from(map)).toEqual([0, 0x1, 0]);
    clearRange(map, 32, 33);
    expect(Array.from(map)).toEqual([0, 0, 0]);
  });

  it('setRange of whole words and ranges inside one word', () => {
    const map = new Uint32Array(3);
    setRange(map, 0, 32);
    expect(Array.from(map)).toEqual([0xffffffff, 0, 0]);
    setRange(map, 64, 96);
    expect(Array.from(map)).toEqual([0xffffffff, 0, 0xffffffff]);
    setRange(map, 36, 40);
    expect(Array.from(map)).toEqual([0xffffffff, 0xf0, 0xffffffff]);
    clearRange(map, 1, 31);
    expect(Array.from(map)).toEqual([0x80000001, 0xf0, 0xffffffff]);
    clearRange(map, 0, 96);
    expect(Array.from(map)).toEqual([0, 0, 0]);
  });

  it('empty and inverted ranges change nothing', () => {
    const map = new Uint32Array([0x12345678, 0x9abcdef0]);
    setRange(map, 5, 5);
    setRange(map, 40, 3);
    clearRange(map, 32, 32);
    clearRange(map, 63, 10);
    expect(Array.from(map)).toEqual([0x12345678, 0x9abcdef0]);
  });

  it('searches at the word boundary', () => {
    const map = new Uint32Array(3);
    setBit(map, 31);
    setBit(map, 64);
    expect(findNextSet(map, 0, 96)).toBe(31);
    expect(findNextSet(map, 31, 96)).toBe(31);
    expect(findNextSet(map, 32, 96)).toBe(64);
    expect(findNextSet(map, 32, 64)).toBe(64); // none in [32, 64): returns end
    expect(findNextSet(map, 0, 31)).toBe(31); // none in [0, 31): returns end
    expect(findPrevSet(map, 0, 96)).toBe(64);
    expect(findPrevSet(map, 0, 64)).toBe(31);
    expect(findPrevSet(map, 32, 64)).toBe(31); // none: start - 1
    expect(findPrevSet(map, 0, 32)).toBe(31);
    expect(findPrevSet(map, 0, 31)).toBe(-1);
    expect(countSet(map, 0, 96)).toBe(2);
    expect(countSet(map, 31, 65)).toBe(2);
    expect(countSet(map, 32, 64)).toBe(0);
    clearBit(map, 31);
    expect(testBit(map, 31)).toBe(false);
    expect(testBit(map, 64)).toBe(true);
  });

  it('findNextZero on full words and with the end inside a word', () => {
    const map = new Uint32Array([0xffffffff, 0xffffffff, 0x7fffffff]);
    expect(findNextZero(map, 0, 96)).toBe(95);
    expect(findNextZero(map, 0, 95)).toBe(95); // none in [0, 95): end
    expect(findNextZero(map, 0, 64)).toBe(64);
    expect(findNextZero(map, 40, 50)).toBe(50);
    map[1] = 0xfffffffe;
    expect(findNextZero(map, 0, 96)).toBe(32);
    expect(findNextZero(map, 33, 96)).toBe(95);
  });

  it('searches on empty ranges return the documented sentinels', () => {
    const map = new Uint32Array([0xffffffff, 0xffffffff]);
    expect(findNextSet(map, 10, 10)).toBe(10);
    expect(findNextZero(map, 10, 10)).toBe(10);
    expect(findPrevSet(map, 10, 10)).toBe(9);
    expect(countSet(map, 10, 10)).toBe(0);
    expect(countSet(map, 0, 64)).toBe(64);
  });
});

describe('bitmap: property test against a boolean array', () => {
  type RangeOp = { readonly set: boolean; readonly start: number; readonly end: number };
  type Query = { readonly start: number; readonly end: number };

  /** Positions in [0, n], biased toward word boundaries. */
  const position = (n: number): fc.Arbitrary<number> =>
    fc.oneof(
      fc.integer({ min: 0, max: n }),
      fc.constantFrom(...[0, 1, 30, 31, 32, 33, 63, 64, 65, 95, 96, n - 1, n].filter((p) => p >= 0 && p <= n)),
    );

  const scenario = fc.integer({ min: 1, max: 5 }).chain((words) => {
    const n = words * 32;
    const range = fc.tuple(position(n), position(n));
    return fc.record({
      words: fc.constant(words),
      ops: fc.array(
        // Inverted ranges (start > end) are generated too: they must be no-ops.
        fc.record({ set: fc.boolean(), range }).map(({ set, range: [start, end] }): RangeOp => ({ set, start, end })),
        { minLength: 1, maxLength: 25, size: 'max' },
      ),
      queries: fc.array(
        range.map(([start, end]): Query => ({ start, end })),
        { minLength: 1, maxLength: 20, size: 'max' },
      ),
    });
  });

  it('every operation matches the naive model', () => {
    fc.assert(
      fc.property(scenario, ({ words, ops, queries }) => {
        const n = words * 32;
        const map = new Uint32Array(words);
        const model = new Model(n);
        for (const op of ops) {
          if (op.set) setRange(map, op.start, op.end);
          else clearRange(map, op.start, op.end);
          model.apply(op.start, op.end, op.set);
          expect(bitsOf(map, n)).toEqual(model.bits);
          for (const q of queries) {
            const where = `[${q.start}, ${q.end})`;
            expect(findNextSet(map, q.start, q.end), `findNextSet ${where}`).toBe(model.nextSet(q.start, q.end));
            expect(findNextZero(map, q.start, q.end), `findNextZero ${where}`).toBe(model.nextZero(q.start, q.end));
            expect(findPrevSet(map, q.start, q.end), `findPrevSet ${where}`).toBe(model.prevSet(q.start, q.end));
            expect(countSet(map, q.start, q.end), `countSet ${where}`).toBe(model.count(q.start, q.end));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('single-bit operations match the model', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 127 })), { maxLength: 60, size: 'max' }),
        (ops) => {
          const map = new Uint32Array(4);
          const model = new Model(128);
          for (const [set, bit] of ops) {
            if (set) setBit(map, bit);
            else clearBit(map, bit);
            model.apply(bit, bit + 1, set);
          }
          expect(bitsOf(map, 128)).toEqual(model.bits);
          // The words stay valid unsigned 32-bit values.
          for (const word of map) expect(word).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
