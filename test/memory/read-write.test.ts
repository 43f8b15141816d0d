/**
 * PerCpuMemory: typed read/write round trips for every type (u8 s8 u16 s16 u32 s32 u64 s64 f64)
 * at the limits of each range, per-CPU isolation (one CPU's write never shows on another), the
 * layout of each CPU's buffer (offset 0 at AREA_BASE, guards untouched) and zero().
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PERCPU_TYPES, PerCpuMemory, type PerCpuType, TYPE_WIDTH } from 'percpu';
import * as layout from '../../src/memory/layout.js';

const AREA = 4096;
const CPUS = 3;

/** A write whose value type follows the type argument at run time. */
type LooseWrite = (ptr: number, cpu: number, type: PerCpuType, value: number | bigint) => void;
function looseWrite(memory: PerCpuMemory): LooseWrite {
  const write: LooseWrite = memory.write.bind(memory);
  return write;
}

const SAMPLES: Readonly<Record<PerCpuType, readonly (number | bigint)[]>> = {
  u8: [0, 1, 0x7f, 0x80, 0xff],
  s8: [-0x80, -1, 0, 1, 0x7f],
  u16: [0, 1, 0x7fff, 0x8000, 0xffff],
  s16: [-0x8000, -1, 0, 0x7fff],
  u32: [0, 1, 0x7fffffff, 0x80000000, 0xffffffff],
  s32: [-0x80000000, -1, 0, 1, 0x7fffffff],
  u64: [0n, 1n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn],
  s64: [-0x8000000000000000n, -1n, 0n, 1n, 0x7fffffffffffffffn],
  f64: [
    0,
    -0,
    1.5,
    -2.25,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    Infinity,
    -Infinity,
    NaN,
    2 ** 53 + 2,
  ],
};

describe('PerCpuMemory read/write', () => {
  for (const type of PERCPU_TYPES) {
    it(`${type}: every sample value round-trips on every CPU, at the first and last aligned offsets`, () => {
      const memory = new PerCpuMemory(CPUS, AREA);
      const write = looseWrite(memory);
      const width = TYPE_WIDTH[type];
      for (const ptr of [0, width * 5, AREA - width]) {
        for (const value of SAMPLES[type]) {
          for (let cpu = 0; cpu < CPUS; cpu++) write(ptr, cpu, type, value);
          for (let cpu = 0; cpu < CPUS; cpu++) {
            const read: number | bigint = memory.read(ptr, cpu, type);
            expect(
              Object.is(read, value),
              `${type} at ${ptr} on cpu ${cpu}: wrote ${String(value)}, read ${String(read)}`,
            ).toBe(true);
          }
        }
      }
    });
  }

  it('values fill exactly their width: neighbours are untouched', () => {
    for (const type of PERCPU_TYPES) {
      const memory = new PerCpuMemory(1, 64);
      const width = TYPE_WIDTH[type];
      // 1 or -1 for the integer types (one nonzero byte, or all bytes set), -0.5 for f64.
      looseWrite(memory)(16, 0, type, type === 'f64' ? -0.5 : SAMPLES[type][1]!);
      const bytes = memory.views[0]!.u8;
      for (let i = 0; i < 64; i++) {
        if (i < 16 || i >= 16 + width) expect(bytes[i], `${type}: byte ${i}`).toBe(0);
      }
      expect(
        bytes.subarray(16, 16 + width).some((b) => b !== 0),
        `${type}: the value's bytes`,
      ).toBe(true);
    }
  });

  it("one CPU's write never shows on another CPU", () => {
    const memory = new PerCpuMemory(CPUS, AREA);
    const write = looseWrite(memory);
    for (const type of PERCPU_TYPES) {
      const ptr = 64;
      const nonzero = SAMPLES[type].filter((v) => !Object.is(v, 0) && !Object.is(v, -0) && v !== 0n);
      for (let writer = 0; writer < CPUS; writer++) {
        for (let cpu = 0; cpu < CPUS; cpu++) write(ptr, cpu, type, type === 'u64' || type === 's64' ? 0n : 0);
        write(ptr, writer, type, nonzero[writer % nonzero.length]!);
        for (let cpu = 0; cpu < CPUS; cpu++) {
          const read: number | bigint = memory.read(ptr, cpu, type);
          if (cpu === writer) expect(Object.is(read, nonzero[writer % nonzero.length])).toBe(true);
          else expect(read === 0 || read === 0n, `${type}: cpu ${writer}'s write seen on cpu ${cpu}`).toBe(true);
        }
      }
    }
  });

  it('random writes on random CPUs match a per-CPU model (u32)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: CPUS - 1 }),
            fc.integer({ min: 0, max: 63 }),
            fc.integer({ min: 0, max: 0xffffffff }),
          ),
          {
            maxLength: 100,
            size: 'max',
          },
        ),
        (writes) => {
          const memory = new PerCpuMemory(CPUS, 256);
          const model = Array.from({ length: CPUS }, () => new Array<number>(64).fill(0));
          for (const [cpu, slot, value] of writes) {
            memory.write(slot * 4, cpu, 'u32', value);
            model[cpu]![slot] = value;
          }
          for (let cpu = 0; cpu < CPUS; cpu++) {
            for (let slot = 0; slot < 64; slot++) expect(memory.read(slot * 4, cpu, 'u32')).toBe(model[cpu]![slot]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('typed views alias the same bytes (little-endian layout of the platform)', () => {
    const memory = new PerCpuMemory(1, 64);
    memory.write(8, 0, 'u32', 0x01020304);
    const le = new Uint8Array(new Uint32Array([0x01020304]).buffer);
    expect([0, 1, 2, 3].map((i) => memory.read(8 + i, 0, 'u8'))).toEqual(Array.from(le));
    memory.write(16, 0, 's64', -1n);
    expect(memory.read(16, 0, 'u64')).toBe(0xffffffffffffffffn);
    expect(memory.read(16, 0, 's32')).toBe(-1);
    expect(memory.read(20, 0, 'u16')).toBe(0xffff);
  });
});

describe('PerCpuMemory layout', () => {
  it('offset 0 is byte AREA_BASE of each CPU buffer; the guards stay untouched', () => {
    const memory = new PerCpuMemory(CPUS, AREA);
    expect(memory.buffers.length).toBe(CPUS);
    for (let cpu = 0; cpu < CPUS; cpu++) {
      memory.write(0, cpu, 'u64', 0xffffffffffffffffn);
      memory.write(AREA - 8, cpu, 'u64', 0xffffffffffffffffn);
      memory.write(100, cpu, 'u8', 10 + cpu);
    }
    for (let cpu = 0; cpu < CPUS; cpu++) {
      const raw = new Uint8Array(memory.buffers[cpu]!);
      expect(raw.length).toBe(layout.AREA_BASE + AREA + layout.AREA_GUARD);
      expect(raw[layout.AREA_BASE + 100]).toBe(10 + cpu);
      expect(raw[layout.AREA_BASE]).toBe(0xff);
      expect(raw[layout.AREA_BASE + AREA - 1]).toBe(0xff);
      expect(raw.subarray(0, layout.AREA_BASE).every((b) => b === 0)).toBe(true);
      expect(raw.subarray(layout.AREA_BASE + AREA).every((b) => b === 0)).toBe(true);
      expect(memory.views[cpu]!.u8[100]).toBe(10 + cpu);
    }
  });
});

describe('PerCpuMemory.zero', () => {
  for (const [offset, size] of [
    [8, 16],
    [3, 5],
    [4, 6],
    [0, AREA],
  ] as const) {
    it(`zero(${offset}, ${size}) clears exactly that range on every CPU`, () => {
      const memory = new PerCpuMemory(CPUS, AREA);
      for (let cpu = 0; cpu < CPUS; cpu++) memory.views[cpu]!.u8.fill(0xaa);
      memory.zero(offset, size);
      for (let cpu = 0; cpu < CPUS; cpu++) {
        const bytes = memory.views[cpu]!.u8;
        for (let i = 0; i < AREA; i++) {
          const expected = i >= offset && i < offset + size ? 0 : 0xaa;
          if (bytes[i] !== expected) throw new Error(`cpu ${cpu} byte ${i}: ${bytes[i]}, expected ${expected}`);
        }
      }
    });
  }

  it('clears a range whose first words are already zero and the rest not, CPU by CPU (words are written from the first non-zero one)', () => {
    const memory = new PerCpuMemory(CPUS, AREA);
    // CPU 0: dirty only near the end of the range; CPU 1: dirty only in its last word; CPU 2: clean.
    memory.views[0]!.u32.fill(0x5a5a5a5a, 200, 300);
    memory.views[1]!.u32[255] = 1;
    memory.zero(512, 512);
    for (let cpu = 0; cpu < CPUS; cpu++) {
      const words = memory.views[cpu]!.u32;
      for (let w = 128; w < 256; w++)
        if (words[w] !== 0) throw new Error(`cpu ${cpu} word ${w}: ${words[w]}, expected 0`);
    }
    // Outside the range nothing changed.
    expect(memory.views[0]!.u32[300 - 1]).toBe(0x5a5a5a5a);
    expect(memory.views[0]!.u32[256]).toBe(0x5a5a5a5a);
  });
});
