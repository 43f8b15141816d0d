/**
 * Property-based tests of PercpuAllocator against a reference model (the list of live
 * [offset, offset + size) intervals), with a real PerCpuMemory behind it.
 *
 * After every step: no two live areas overlap (the offsets are shared by all CPUs), every offset
 * is aligned, inside the area, inside one chunk, inside its region (reserved or dynamic), inside
 * populated pages; every new area is zero on every CPU (each area is filled with a pattern on
 * every CPU right after allocation, so reuse without zeroing is caught); live data is never
 * clobbered by later allocations; verify() holds. At the end, everything is freed, and the same
 * requests allocated again succeed exactly as on a fresh allocator (frees make space reusable).
 *
 * A second property checks that null means "no room": with a small area (so that every chunk is
 * tried), alloc() returns null only when no chunk has an aligned free range large enough.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PerCpuMemory, PercpuAllocator } from 'percpu';
import * as layout from '../../src/memory/layout.js';
import { roundUp4 } from './helpers.js';

const CPUS = 3;
const PAGE = 4096;

interface Config {
  readonly unitSize: number;
  readonly staticSize: number;
  readonly reservedSize: number;
}

type Op =
  | { readonly kind: 'alloc'; readonly size: number; readonly align: number; readonly reserved: boolean }
  | { readonly kind: 'free'; readonly pick: number };

interface Live {
  readonly offset: number;
  readonly bytes: number;
  readonly size: number;
  readonly align: number;
  readonly reserved: boolean;
  readonly seq: number;
}

const configArb: fc.Arbitrary<Config> = fc
  .record({
    unitSize: fc.constantFrom(8192, 16384),
    staticSize: fc.constantFrom(0, 1, 1000, 4096),
    reservedSize: fc.constantFrom(0, 4, 1024, 2048),
  })
  .filter((c) => roundUp4(c.staticSize) + roundUp4(c.reservedSize) <= c.unitSize - PAGE - layout.NULL_GUARD);

/** Sizes 1..unitSize, biased toward small ones. */
function sizeArb(unitSize: number): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 16 }), weight: 5 },
    { arbitrary: fc.integer({ min: 1, max: 256 }), weight: 3 },
    { arbitrary: fc.integer({ min: 1, max: 4096 }), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: unitSize }), weight: 1 },
  );
}

/** Powers of two 1..4096, biased toward small ones. */
const alignArb = fc.oneof(
  { arbitrary: fc.constantFrom(1, 2, 4, 8), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 12 }).map((k) => 2 ** k), weight: 2 },
);

function opArb(unitSize: number, reservedWeight: number): fc.Arbitrary<Op> {
  return fc.oneof(
    {
      arbitrary: fc
        .record({
          size: sizeArb(unitSize),
          align: alignArb,
          reserved: fc.oneof(
            { arbitrary: fc.constant(false), weight: 10 - reservedWeight },
            { arbitrary: fc.constant(true), weight: reservedWeight },
          ),
        })
        .map((r): Op => ({ kind: 'alloc', ...r })),
      weight: 3,
    },
    { arbitrary: fc.nat().map((pick): Op => ({ kind: 'free', pick })), weight: 2 },
  );
}

function patternByte(seq: number, cpu: number, i: number): number {
  return ((i * 7 + seq * 13 + cpu * 37) % 255) + 1;
}

/** An allocator over real memory, checked against the list of live intervals. */
class Harness {
  readonly memory: PerCpuMemory;
  readonly allocator: PercpuAllocator;
  readonly areaSize: number;
  live: Live[] = [];
  private seq = 0;

  constructor(
    readonly config: Config,
    readonly chunks: number,
  ) {
    this.areaSize = chunks * config.unitSize;
    this.memory = new PerCpuMemory(CPUS, this.areaSize);
    this.allocator = new PercpuAllocator({
      unitSize: config.unitSize,
      areaSize: this.areaSize,
      staticSize: config.staticSize,
      reservedSize: config.reservedSize,
      zeroer: this.memory,
      warn: () => {},
    });
  }

  alloc(size: number, align: number, reserved: boolean): number | null {
    const a = this.allocator;
    const what = `alloc(${size}, ${align}, reserved=${reserved})`;
    const offset = a.alloc(size, align, { reserved });
    if (offset === null) return null;
    const bytes = roundUp4(size);
    const unit = this.config.unitSize;
    expect(Number.isInteger(offset), what).toBe(true);
    expect(offset % align, `${what} = ${offset}: aligned`).toBe(0);
    expect(offset % 4, `${what} = ${offset}: multiple of 4`).toBe(0);
    expect(
      offset >= layout.NULL_GUARD && offset + bytes <= this.areaSize,
      `${what} = ${offset}: inside the area, never at NULL`,
    ).toBe(true);
    expect(Math.floor(offset / unit), `${what} = ${offset}: inside one chunk`).toBe(
      Math.floor((offset + bytes - 1) / unit),
    );
    if (reserved) {
      expect(
        offset >= a.reservedStart && offset + bytes <= a.dynamicStart,
        `${what} = ${offset}: inside the reserved region`,
      ).toBe(true);
    } else if (offset < unit) {
      expect(offset, `${what}: not in chunk 0's static or reserved region`).toBeGreaterThanOrEqual(a.dynamicStart);
    }
    for (const other of this.live) {
      if (offset < other.offset + other.bytes && other.offset < offset + bytes) {
        throw new Error(`${what} = [${offset}, +${bytes}) overlaps live [${other.offset}, +${other.bytes})`);
      }
    }
    for (let page = Math.floor(offset / PAGE); page <= Math.floor((offset + bytes - 1) / PAGE); page++) {
      expect(a.pages.isPopulated(page), `${what} = ${offset}: page ${page} populated`).toBe(true);
    }
    expect(a.isLive(offset)).toBe(true);
    expect(a.sizeOf(offset)).toBe(bytes);
    const seq = this.seq++;
    for (let cpu = 0; cpu < CPUS; cpu++) {
      const view = this.memory.views[cpu]!.u8;
      for (let i = 0; i < bytes; i++) {
        if (view[offset + i] !== 0)
          throw new Error(`${what} = ${offset}: byte ${offset + i} is ${view[offset + i]} on cpu ${cpu}, not 0`);
        view[offset + i] = patternByte(seq, cpu, i);
      }
    }
    this.live.push({ offset, bytes, size, align, reserved, seq });
    return offset;
  }

  /** The live area's pattern is intact on every CPU. */
  checkPattern(area: Live): void {
    for (let cpu = 0; cpu < CPUS; cpu++) {
      const view = this.memory.views[cpu]!.u8;
      for (let i = 0; i < area.bytes; i++) {
        if (view[area.offset + i] !== patternByte(area.seq, cpu, i)) {
          throw new Error(
            `live area ${area.offset} (+${area.bytes}): byte ${area.offset + i} on cpu ${cpu} was overwritten`,
          );
        }
      }
    }
  }

  free(index: number): void {
    const [area] = this.live.splice(index, 1);
    if (area === undefined) return;
    this.checkPattern(area);
    this.allocator.free(area.offset);
    expect(this.allocator.isLive(area.offset)).toBe(false);
  }

  checkState(): void {
    const a = this.allocator;
    a.verify();
    for (const area of this.live) {
      for (
        let page = Math.floor(area.offset / PAGE);
        page <= Math.floor((area.offset + area.bytes - 1) / PAGE);
        page++
      ) {
        if (!a.pages.isPopulated(page))
          throw new Error(`live area ${area.offset} (+${area.bytes}) on unpopulated page ${page}`);
      }
    }
    const stats = a.stats();
    expect(stats.nrCurAlloc).toBe(this.live.length);
    expect(stats.liveBytes).toBe(this.live.reduce((sum, area) => sum + area.bytes, 0));
  }

  /** True when some aligned range of `bytes` bytes is free in [from, to) (model only). */
  hasRoom(from: number, to: number, bytes: number, align: number): boolean {
    const step = Math.max(align, 4);
    for (let p = Math.ceil(from / step) * step; p + bytes <= to; p += step) {
      if (this.live.every((o) => p + bytes <= o.offset || o.offset + o.bytes <= p)) return true;
    }
    return false;
  }
}

function runWorkload(config: Config, ops: readonly Op[]): void {
  const h = new Harness(config, 64);
  const unit = config.unitSize;
  const a = h.allocator;
  for (const op of ops) {
    if (op.kind === 'alloc') {
      const offset = h.alloc(op.size, op.align, op.reserved);
      if (offset === null) {
        if (!op.reserved) {
          // At most 60 live areas, 64 chunks: a new chunk is always possible.
          throw new Error(`alloc(${op.size}, ${op.align}) returned null with ${h.live.length} live areas in 64 chunks`);
        }
        expect(
          h.hasRoom(a.reservedStart, a.dynamicStart, roundUp4(op.size), op.align),
          `reserved alloc(${op.size}, ${op.align}) returned null, but the reserved region has room`,
        ).toBe(false);
      }
    } else if (h.live.length > 0) {
      h.free(op.pick % h.live.length);
    }
    h.checkState();
  }

  // Free everything.
  for (const area of h.live) h.checkPattern(area);
  const requests = [...h.live].sort((x, y) => x.seq - y.seq);
  while (h.live.length > 0) h.free(h.live.length - 1);
  h.checkState();
  expect(a.stats()).toMatchObject({ nrCurAlloc: 0, liveBytes: 0, nrChunks: 1 });
  expect(a.chunkStats().every((c) => c.nrAreas === 0 && c.index === 0)).toBe(true);
  for (let page = 0; page < a.pages.nrPages; page++) {
    // Only pages holding part of the static or reserved region may stay populated.
    if (a.pages.isPopulated(page) && page * PAGE >= a.dynamicStart) {
      throw new Error(`page ${page} is still populated after everything was freed`);
    }
  }

  // The same requests again: they succeed exactly as on a fresh allocator.
  const fresh = new PercpuAllocator({
    unitSize: unit,
    areaSize: 64 * unit,
    staticSize: config.staticSize,
    reservedSize: config.reservedSize,
  });
  const chunkMap = new Map<number, number>(); // fresh chunk index -> reused chunk index
  for (const r of requests) {
    const expected = fresh.alloc(r.size, r.align, { reserved: r.reserved });
    const got = h.alloc(r.size, r.align, r.reserved);
    const what = `re-alloc(${r.size}, ${r.align}, reserved=${r.reserved})`;
    if (!r.reserved) expect(got, `${what} after freeing everything`).not.toBeNull();
    expect(got === null, `${what}: null on one allocator only`).toBe(expected === null);
    if (got === null || expected === null) continue;
    expect(got % unit, `${what}: same place in its chunk as on a fresh allocator`).toBe(expected % unit);
    const freshChunk = Math.floor(expected / unit);
    const mapped = chunkMap.get(freshChunk);
    if (mapped === undefined) chunkMap.set(freshChunk, Math.floor(got / unit));
    else
      expect(Math.floor(got / unit), `${what}: same chunk as the earlier areas of fresh chunk ${freshChunk}`).toBe(
        mapped,
      );
  }
  expect(new Set(chunkMap.values()).size).toBe(chunkMap.size);
  h.checkState();
  expect(a.stats().nrChunks).toBe(fresh.stats().nrChunks);
}

function runSmallArea(config: Config, ops: readonly Op[]): void {
  const chunks = 4; // fewer than MAX_UNSURE_TRIES: every chunk long enough for the size is tried
  const allocator = new PercpuAllocator({
    unitSize: config.unitSize,
    areaSize: chunks * config.unitSize,
    staticSize: config.staticSize,
    reservedSize: config.reservedSize,
  });
  const live: { offset: number; bytes: number }[] = [];
  const fits = (from: number, to: number, bytes: number, align: number): number => {
    const step = Math.max(align, 4);
    for (let p = Math.ceil(from / step) * step; p + bytes <= to; p += step) {
      if (live.every((o) => p + bytes <= o.offset || o.offset + o.bytes <= p)) return p;
    }
    return -1;
  };
  for (const op of ops) {
    if (op.kind === 'alloc') {
      const bytes = roundUp4(op.size);
      const offset = allocator.alloc(op.size, op.align, { reserved: op.reserved });
      if (offset !== null) {
        live.push({ offset, bytes });
        continue;
      }
      const unit = config.unitSize;
      const regions: [number, number][] = op.reserved
        ? [[allocator.reservedStart, allocator.dynamicStart]]
        : Array.from({ length: chunks }, (_, k): [number, number] => [
            k === 0 ? allocator.dynamicStart : k * unit,
            (k + 1) * unit,
          ]);
      for (const [from, to] of regions) {
        const room = fits(from, to, bytes, op.align);
        if (room >= 0) {
          throw new Error(
            `alloc(${op.size}, ${op.align}, reserved=${op.reserved}) returned null, but [${room}, +${bytes}) is free ` +
              `(live: ${JSON.stringify(live.map((o) => [o.offset, o.bytes]))})`,
          );
        }
      }
    } else if (live.length > 0) {
      const [area] = live.splice(op.pick % live.length, 1);
      if (area !== undefined) allocator.free(area.offset);
    }
  }
  allocator.verify();
}

describe('PercpuAllocator against a reference model', () => {
  it('areas never overlap, are aligned, zeroed and populated; verify() holds; frees make space reusable', () => {
    fc.assert(
      fc.property(
        configArb.chain((config) =>
          fc.tuple(
            fc.constant(config),
            fc.array(opArb(config.unitSize, 1), { minLength: 1, maxLength: 60, size: 'max' }),
          ),
        ),
        ([config, ops]) => runWorkload(config, ops),
      ),
      { numRuns: 250 },
    );
  });

  it('alloc() returns null only when no chunk (or reserved region) has room', () => {
    const alloc = (size: number): Op => ({ kind: 'alloc', size, align: 1, reserved: false });
    // A case found by this property (shrunk): chunk 1 has 6140 free bytes in one run, but a
    // request of 4097 bytes returns null.
    const found: [Config, Op[]] = [
      { unitSize: 8192, staticSize: 0, reservedSize: 4 },
      [
        alloc(1),
        alloc(1),
        alloc(1),
        alloc(1),
        alloc(1),
        alloc(4073),
        alloc(2049),
        alloc(4097),
        alloc(4097),
        alloc(4097),
      ],
    ];
    fc.assert(
      fc.property(
        configArb.chain((config) =>
          fc.tuple(
            fc.constant(config),
            fc.array(opArb(config.unitSize, 1), { minLength: 1, maxLength: 80, size: 'max' }),
          ),
        ),
        ([config, ops]) => runSmallArea(config, ops),
      ),
      { numRuns: 300, examples: [[found]] },
    );
  });
});
