/**
 * Chunk + BlockHints: after random allocArea / freeArea sequences every block hint (contig,
 * leftFree, rightFree, firstFree, scan hint) and every chunk-level hint matches a brute-force scan
 * of a boolean model, stateAt() describes every bit correctly, and findFit(exact) returns exactly the
 * first aligned fit, or -1 exactly when there is none.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setRange, testBit } from '../../src/allocator/bitmap.js';
import { BlockHints, betterAligned } from '../../src/allocator/block-hints.js';
import { Chunk } from '../../src/allocator/chunk.js';
import { BLOCK_BITS } from '../../src/memory/layout.js';

interface Run {
  readonly start: number;
  readonly end: number;
}

/** The naive model: one boolean per bit and the live areas. */
class ChunkModel {
  readonly free: boolean[];
  readonly areas = new Map<number, number>(); // start bit -> bits

  constructor(
    readonly nrBits: number,
    startBit: number,
    endBit: number,
  ) {
    this.free = Array.from({ length: nrBits }, (_, i) => i >= startBit && i < endBit);
  }

  alloc(start: number, bits: number): void {
    for (let i = start; i < start + bits; i++) {
      if (this.free[i] !== true) throw new Error(`model: bit ${i} is not free`);
      this.free[i] = false;
    }
    this.areas.set(start, bits);
  }

  release(start: number): number {
    const bits = this.areas.get(start);
    if (bits === undefined) throw new Error(`model: no area at ${start}`);
    for (let i = start; i < start + bits; i++) this.free[i] = true;
    this.areas.delete(start);
    return bits;
  }

  runs(start: number, end: number): Run[] {
    const runs: Run[] = [];
    let i = start;
    while (i < end) {
      if (this.free[i] !== true) {
        i++;
        continue;
      }
      const runStart = i;
      while (i < end && this.free[i] === true) i++;
      runs.push({ start: runStart, end: i });
    }
    return runs;
  }

  /** runFrom[i] = free bits starting at i. */
  runLengths(): Int32Array {
    const runFrom = new Int32Array(this.nrBits + 1);
    for (let i = this.nrBits - 1; i >= 0; i--) runFrom[i] = this.free[i] === true ? runFrom[i + 1]! + 1 : 0;
    return runFrom;
  }

  /** Every aligned position where `bits` free bits start, in order. */
  fits(bits: number, alignBits: number): number[] {
    const runFrom = this.runLengths();
    const result: number[] = [];
    for (let p = 0; p + bits <= this.nrBits; p += alignBits) if (runFrom[p]! >= bits) result.push(p);
    return result;
  }

  firstFit(bits: number, alignBits: number, runFrom = this.runLengths()): number {
    for (let p = 0; p + bits <= this.nrBits; p += alignBits) if (runFrom[p]! >= bits) return p;
    return -1;
  }
}

/** Fails with `message()` unless `actual` equals `expected` (cheap: messages are built on failure only). */
function same(actual: unknown, expected: unknown, message: () => string): void {
  if (actual !== expected) throw new Error(`${message()}: got ${String(actual)}, expected ${String(expected)}`);
}

/** Every block hint and chunk hint against the model. */
function checkHints(chunk: Chunk, model: ChunkModel): void {
  for (let i = 0; i < chunk.nrBits; i++)
    same(testBit(chunk.allocMap, i), model.free[i] !== true, () => `allocMap bit ${i}`);
  const hints = chunk.blocks;
  for (let b = 0; b < chunk.nrBlocks; b++) {
    const base = b * BLOCK_BITS;
    const runs = model.runs(base, base + BLOCK_BITS).map((r) => ({ start: r.start - base, end: r.end - base }));
    const where = (): string => `block ${b} (free runs ${JSON.stringify(runs)})`;
    const largest = runs.reduce((max, r) => Math.max(max, r.end - r.start), 0);
    same(hints.contig(b), largest, () => `${where()}: contig`);
    if (largest > 0) {
      const cs = hints.contigStart(b);
      same(
        runs.some((r) => r.start <= cs && cs + largest <= r.end),
        true,
        () => `${where()}: contig run at ${cs} is free`,
      );
    }
    const first = runs[0];
    const last = runs[runs.length - 1];
    same(hints.leftFree(b), first !== undefined && first.start === 0 ? first.end : 0, () => `${where()}: leftFree`);
    same(
      hints.rightFree(b),
      last !== undefined && last.end === BLOCK_BITS ? last.end - last.start : 0,
      () => `${where()}: rightFree`,
    );
    same(hints.firstFree(b), first?.start ?? BLOCK_BITS, () => `${where()}: firstFree`);
    same(hints.isFree(b), largest === BLOCK_BITS, () => `${where()}: isFree`);
    same(hints.isFull(b), runs.length === 0, () => `${where()}: isFull`);
    const scan = hints.scanHint(b);
    const skip = hints.scanHintStart(b) + scan;
    same(
      scan >= 0 && skip >= 0 && skip <= BLOCK_BITS,
      true,
      () => `${where()}: scan hint ${scan} skip point ${skip} in range`,
    );
    for (const r of runs) {
      same(
        r.start < skip && r.end > skip,
        false,
        () => `${where()}: run [${r.start}, ${r.end}) crosses skip point ${skip}`,
      );
      same(
        r.end <= skip && r.end - r.start > scan,
        false,
        () => `${where()}: run [${r.start}, ${r.end}) before skip point ${skip} is longer than scan hint ${scan}`,
      );
    }
  }
  const runs = model.runs(0, chunk.nrBits);
  const largest = runs.reduce((max, r) => Math.max(max, r.end - r.start), 0);
  same(chunk.contigBits, largest, () => 'chunk contigBits');
  if (largest > 0) {
    same(
      runs.some((r) => r.start <= chunk.contigStart && chunk.contigStart + largest <= r.end),
      true,
      () => `chunk contig run at ${chunk.contigStart} is free`,
    );
  }
  same(
    chunk.freeBits,
    runs.reduce((sum, r) => sum + r.end - r.start, 0),
    () => 'chunk freeBits',
  );
  const firstFreeBit = runs[0]?.start;
  same(
    chunk.firstFreeBlock,
    firstFreeBit === undefined ? chunk.nrBlocks : Math.floor(firstFreeBit / BLOCK_BITS),
    () => 'firstFreeBlock',
  );
  same(chunk.nrAreas, model.areas.size, () => 'nrAreas');
  same(chunk.isEmpty(), model.areas.size === 0, () => 'isEmpty');
}

function checkStates(chunk: Chunk, model: ChunkModel, startBit: number, endBit: number, everyBit: boolean): void {
  for (const [start, bits] of model.areas) {
    expect(chunk.stateAt(start), `stateAt(${start})`).toEqual({ kind: 'area-start', bits });
    if (bits > 1) expect(chunk.stateAt(start + bits - 1)).toEqual({ kind: 'interior', areaStart: start });
  }
  if (!everyBit) return;
  const owner = new Int32Array(chunk.nrBits).fill(-1);
  for (const [start, bits] of model.areas) owner.fill(start, start, start + bits);
  for (let i = 0; i < chunk.nrBits; i++) {
    const state = chunk.stateAt(i);
    if (i < startBit || i >= endBit) expect(state, `stateAt(${i})`).toEqual({ kind: 'hidden' });
    else if (owner[i] === -1) expect(state, `stateAt(${i})`).toEqual({ kind: 'free' });
    else if (owner[i] === i) expect(state, `stateAt(${i})`).toEqual({ kind: 'area-start', bits: model.areas.get(i) });
    else expect(state, `stateAt(${i})`).toEqual({ kind: 'interior', areaStart: owner[i] });
  }
}

type Op =
  | {
      readonly kind: 'alloc';
      readonly bits: number;
      readonly alignBits: number;
      readonly anywhere: boolean;
      readonly pick: number;
    }
  | { readonly kind: 'free'; readonly pick: number };

const bitsArb = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 8 }), weight: 4 },
  { arbitrary: fc.integer({ min: 1, max: 64 }), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: 1100 }), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 4 * BLOCK_BITS }), weight: 1 },
);
const alignArb = fc.oneof(
  { arbitrary: fc.constant(1), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 10 }).map((k) => 2 ** k), weight: 2 },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc
      .record({ bits: bitsArb, alignBits: alignArb, anywhere: fc.boolean(), pick: fc.nat() })
      .map((r): Op => ({ kind: 'alloc', ...r })),
    weight: 3,
  },
  { arbitrary: fc.nat().map((pick): Op => ({ kind: 'free', pick })), weight: 2 },
);
const configArb = fc.integer({ min: 1, max: 4 }).chain((nrBlocks) => {
  const nrBits = nrBlocks * BLOCK_BITS;
  return fc.record({
    nrBits: fc.constant(nrBits),
    startBit: fc.oneof(
      { arbitrary: fc.constant(0), weight: 3 },
      { arbitrary: fc.integer({ min: 1, max: nrBits / 2 }), weight: 1 },
    ),
    endBit: fc.oneof(
      { arbitrary: fc.constant(nrBits), weight: 3 },
      { arbitrary: fc.integer({ min: nrBits / 2 + 1, max: nrBits }), weight: 1 },
    ),
  });
});

/** Requests asked of findFit after every step, besides the step's own. */
const FIXED_QUERIES: readonly (readonly [number, number])[] = [
  [1, 1],
  [2, 2],
  [3, 4],
  [17, 8],
  [100, 1024],
  [1023, 1],
  [1024, 1],
  [1025, 1],
  [1500, 16],
  [2048, 1024],
  [3000, 2],
];

/**
 * The default (Linux-like) search may skip a block whose largest run cannot hold the request
 * aligned, so it is checked for what it promises: any answer is a real aligned fit, and a free
 * run long enough for every alignment (bits + alignBits - 1) is always found.
 */
function checkApproximateFit(chunk: Chunk, model: ChunkModel, bits: number, alignBits: number): void {
  const got = chunk.findFit(bits, alignBits);
  const label = `findFit(${bits}, ${alignBits})`;
  if (got >= 0) expect(model.fits(bits, alignBits), label).toContain(got);
  if (model.firstFit(bits + alignBits - 1, 1) >= 0)
    expect(got, `${label} with a run of ${bits + alignBits - 1} free`).toBeGreaterThanOrEqual(0);
}

function runScenario(nrBits: number, startBit: number, endBit: number, ops: readonly Op[]): void {
  const chunk = new Chunk(3, nrBits, startBit, endBit);
  const model = new ChunkModel(nrBits, startBit, endBit);
  checkHints(chunk, model);
  for (const op of ops) {
    if (op.kind === 'alloc') {
      const expected = model.firstFit(op.bits, op.alignBits);
      expect(chunk.findFit(op.bits, op.alignBits, true), `findFit(${op.bits}, ${op.alignBits}, exact)`).toBe(expected);
      checkApproximateFit(chunk, model, op.bits, op.alignBits);
      if (expected < 0) continue;
      let at = expected;
      if (op.anywhere) {
        const all = model.fits(op.bits, op.alignBits);
        at = all[op.pick % all.length]!;
      }
      chunk.allocArea(at, op.bits);
      model.alloc(at, op.bits);
    } else {
      const starts = [...model.areas.keys()];
      if (starts.length === 0) continue;
      const start = starts[op.pick % starts.length]!;
      const bits = model.release(start);
      expect(chunk.freeArea(start), `freeArea(${start})`).toBe(bits);
    }
    checkHints(chunk, model);
    checkStates(chunk, model, startBit, endBit, false);
    const runFrom = model.runLengths();
    for (const [bits, alignBits] of FIXED_QUERIES) {
      same(
        chunk.findFit(bits, alignBits, true),
        model.firstFit(bits, alignBits, runFrom),
        () => `findFit(${bits}, ${alignBits}, exact)`,
      );
      checkApproximateFit(chunk, model, bits, alignBits);
    }
  }
  checkStates(chunk, model, startBit, endBit, true);
}

describe('Chunk and BlockHints: hand-made cases', () => {
  it('a fresh chunk is one free run', () => {
    const chunk = new Chunk(1, 4 * BLOCK_BITS);
    const model = new ChunkModel(4 * BLOCK_BITS, 0, 4 * BLOCK_BITS);
    checkHints(chunk, model);
    expect(chunk.findFit(4 * BLOCK_BITS, 1)).toBe(0);
    expect(chunk.findFit(4 * BLOCK_BITS, 1024)).toBe(0);
    expect(chunk.findFit(4 * BLOCK_BITS + 1, 1)).toBe(-1);
  });

  it('hidden regions at both ends', () => {
    const chunk = new Chunk(0, 2 * BLOCK_BITS, 300, 1800);
    expect(chunk.blocks.firstFree(0)).toBe(300);
    expect(chunk.blocks.leftFree(0)).toBe(0);
    expect(chunk.blocks.rightFree(0)).toBe(724);
    expect(chunk.blocks.contig(0)).toBe(724);
    expect(chunk.blocks.leftFree(1)).toBe(776);
    expect(chunk.blocks.rightFree(1)).toBe(0);
    expect(chunk.contigBits).toBe(1500);
    expect(chunk.contigStart).toBe(300);
    expect(chunk.freeBits).toBe(1500);
    expect(chunk.isEmpty()).toBe(true);
    expect(chunk.stateAt(0)).toEqual({ kind: 'hidden' });
    expect(chunk.stateAt(299)).toEqual({ kind: 'hidden' });
    expect(chunk.stateAt(300)).toEqual({ kind: 'free' });
    expect(chunk.stateAt(1799)).toEqual({ kind: 'free' });
    expect(chunk.stateAt(1800)).toEqual({ kind: 'hidden' });
    expect(chunk.findFit(1500, 1)).toBe(300);
    expect(chunk.findFit(1500, 4)).toBe(300);
    expect(chunk.findFit(1496, 8)).toBe(304);
    expect(chunk.findFit(1497, 8)).toBe(-1);
    expect(chunk.findFit(1, 1024)).toBe(1024);
    expect(chunk.findFit(777, 1024)).toBe(-1);
  });

  it('an area across the block boundary, then freed', () => {
    const chunk = new Chunk(0, 2 * BLOCK_BITS);
    chunk.allocArea(1000, 100);
    expect(chunk.blocks.contig(0)).toBe(1000);
    expect(chunk.blocks.leftFree(0)).toBe(1000);
    expect(chunk.blocks.rightFree(0)).toBe(0);
    expect(chunk.blocks.firstFree(0)).toBe(0);
    expect(chunk.blocks.leftFree(1)).toBe(0);
    expect(chunk.blocks.firstFree(1)).toBe(76);
    expect(chunk.blocks.contig(1)).toBe(948);
    expect(chunk.blocks.rightFree(1)).toBe(948);
    expect(chunk.contigBits).toBe(1000);
    expect(chunk.findFit(1000, 1)).toBe(0);
    expect(chunk.findFit(1001, 1)).toBe(-1);
    expect(chunk.freeArea(1000)).toBe(100);
    expect(chunk.blocks.isFree(0)).toBe(true);
    expect(chunk.blocks.isFree(1)).toBe(true);
    expect(chunk.contigBits).toBe(2 * BLOCK_BITS);
    expect(chunk.isEmpty()).toBe(true);
  });

  it('a fit that needs the free run of the next block (carry)', () => {
    const chunk = new Chunk(0, 3 * BLOCK_BITS);
    chunk.allocArea(0, 900); // block 0: free [900, 1024)
    chunk.allocArea(1024 + 200, 10); // block 1: free [1024, 1224), [1234, 2048)
    // 124 + 200 = 324 free bits straddle the boundary: the first fit of 300 starts at 900.
    expect(chunk.findFit(300, 1)).toBe(900);
    expect(chunk.findFit(300, 4)).toBe(900);
    expect(chunk.findFit(300, 64)).toBe(1234 + 46); // 960 + 300 > 1224, next aligned start is 1280
    expect(chunk.findFit(814, 1)).toBe(1234);
    expect(chunk.findFit(3072 - 1234, 1)).toBe(1234); // the tail run [1234, 3072) crosses two boundaries
    expect(chunk.findFit(3072 - 1234 + 1, 1)).toBe(-1);
    expect(chunk.findFit(1024, 1024)).toBe(2048);
    expect(chunk.findFit(1025, 1024)).toBe(-1);
  });

  it('adjacent areas keep their own boundaries', () => {
    const chunk = new Chunk(0, BLOCK_BITS);
    chunk.allocArea(10, 5);
    chunk.allocArea(15, 5);
    expect(chunk.stateAt(10)).toEqual({ kind: 'area-start', bits: 5 });
    expect(chunk.stateAt(15)).toEqual({ kind: 'area-start', bits: 5 });
    expect(chunk.stateAt(14)).toEqual({ kind: 'interior', areaStart: 10 });
    expect(chunk.stateAt(19)).toEqual({ kind: 'interior', areaStart: 15 });
    expect(chunk.freeArea(10)).toBe(5);
    expect(chunk.stateAt(12)).toEqual({ kind: 'free' });
    expect(chunk.stateAt(15)).toEqual({ kind: 'area-start', bits: 5 });
    // A new, longer area over the old boundary bit: that bit is now inside it.
    chunk.allocArea(5, 10);
    expect(chunk.stateAt(10)).toEqual({ kind: 'interior', areaStart: 5 });
    expect(chunk.stateAt(5)).toEqual({ kind: 'area-start', bits: 10 });
    expect(chunk.freeArea(5)).toBe(10);
    expect(chunk.freeArea(15)).toBe(5);
    expect(chunk.isEmpty()).toBe(true);
  });

  it('BlockHints.refresh: the scan hint is the largest run before the contig run, the later one on ties', () => {
    const map = new Uint32Array(BLOCK_BITS / 32);
    setRange(map, 0, BLOCK_BITS);
    const free = (start: number, end: number): void => {
      for (let i = start; i < end; i++) map[i >>> 5]! &= ~(1 << (i & 31));
    };
    free(0, 3); // 3
    free(10, 13); // 3, later: the scan hint
    free(20, 120); // 100: contig
    free(200, 210); // 10, after the contig run
    free(1000, 1024); // 24, rightFree
    const hints = new BlockHints(1);
    hints.refresh(0, map);
    expect(hints.contig(0)).toBe(100);
    expect(hints.contigStart(0)).toBe(20);
    expect(hints.leftFree(0)).toBe(3);
    expect(hints.rightFree(0)).toBe(24);
    expect(hints.firstFree(0)).toBe(0);
    expect(hints.scanHint(0)).toBe(3);
    expect(hints.scanHintStart(0)).toBe(10);
  });

  it('BlockHints.refresh of a full and of an empty block', () => {
    const map = new Uint32Array(2 * (BLOCK_BITS / 32));
    setRange(map, 0, BLOCK_BITS);
    const hints = new BlockHints(2);
    hints.refresh(0, map);
    hints.refresh(1, map);
    expect([hints.contig(0), hints.leftFree(0), hints.rightFree(0), hints.firstFree(0)]).toEqual([0, 0, 0, BLOCK_BITS]);
    expect(hints.isFull(0)).toBe(true);
    expect([hints.contig(1), hints.leftFree(1), hints.rightFree(1), hints.firstFree(1)]).toEqual([
      BLOCK_BITS,
      BLOCK_BITS,
      BLOCK_BITS,
      0,
    ]);
    expect(hints.isFree(1)).toBe(true);
  });
});

describe('Chunk and BlockHints: random sequences against a brute-force scan', () => {
  it('hints, states and findFit stay exact (areas placed where findFit says)', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(opArb, { minLength: 1, maxLength: 70, size: 'max' }),
        ({ nrBits, startBit, endBit }, ops) => {
          runScenario(
            nrBits,
            startBit,
            endBit,
            ops.map((op) => (op.kind === 'alloc' ? { ...op, anywhere: false } : op)),
          );
        },
      ),
      { numRuns: 80 },
    );
  });

  it('hints, states and findFit stay exact (areas placed at any free aligned position)', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(opArb, { minLength: 1, maxLength: 70, size: 'max' }),
        ({ nrBits, startBit, endBit }, ops) => {
          runScenario(nrBits, startBit, endBit, ops);
        },
      ),
      { numRuns: 80 },
    );
  });
});

/** The reference for betterAligned: trailing zero bits of a bit position, 32 for 0. */
function alignmentOf(bit: number): number {
  return bit === 0 ? 32 : 31 - Math.clz32(bit & -bit);
}

describe('alignmentOf (the reference) and betterAligned', () => {
  it('alignmentOf counts trailing zero bits, 32 for 0', () => {
    expect([0, 1, 2, 3, 4, 12, 1024, 2 ** 24].map(alignmentOf)).toEqual([32, 0, 1, 0, 2, 2, 10, 24]);
  });

  it('betterAligned(a, b) is alignmentOf(a) > alignmentOf(b), for every pair of bit positions in a unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 24 }), fc.integer({ min: 0, max: 2 ** 24 }), (a, b) => {
        expect(betterAligned(a, b)).toBe(alignmentOf(a) > alignmentOf(b));
      }),
      { numRuns: 2000 },
    );
    expect([
      betterAligned(0, 0),
      betterAligned(0, 8),
      betterAligned(8, 0),
      betterAligned(8, 12),
      betterAligned(12, 8),
    ]).toEqual([false, true, false, true, false]);
  });
});
