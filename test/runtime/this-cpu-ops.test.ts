/**
 * this_cpu operations at every width (u8 s8 u16 s16 u32 s32 u64 s64 f64), through the generic
 * thisCpu methods and through refs, on every CPU at once: the cases of the kernel's
 * lib/percpu_test.c, two's-complement wraparound, xchg / cmpxchg, and bad input on the CPU side.
 *
 * Expected values are written from arithmetic on the widths (2 ** bits ...), never by running the
 * same operations again.
 */
import { describe, expect, it } from 'vitest';
import { type PerCpuType, type Runtime, TaskFailedError } from 'percpu';
import type { Op, OpValue } from '../fixtures/counting-tasks.js';
import { type Counting, mustAlloc, rejectionOf, trackRuntimes } from './helpers.js';

const runtimes = trackRuntimes();
const CPUS = 2;
const VIAS = ['thisCpu', 'ref'] as const;
type Via = (typeof VIAS)[number];

interface IntegerType {
  readonly type: PerCpuType;
  readonly bits: number;
  readonly signed: boolean;
}

const INTEGER_TYPES: readonly IntegerType[] = [
  { type: 'u8', bits: 8, signed: false },
  { type: 's8', bits: 8, signed: true },
  { type: 'u16', bits: 16, signed: false },
  { type: 's16', bits: 16, signed: true },
  { type: 'u32', bits: 32, signed: false },
  { type: 's32', bits: 32, signed: true },
  { type: 'u64', bits: 64, signed: false },
  { type: 's64', bits: 64, signed: true },
];

/** A step of a case: the operation, what it must return (null: nothing) and the value after it. */
type Step = readonly [op: Op, returned: OpValue | null, after: OpValue];

/** Runs `steps` on every CPU's own copy of a fresh variable and checks every CPU's results. */
async function expectSteps(rt: Runtime<Counting>, type: PerCpuType, via: Via, steps: readonly Step[]): Promise<void> {
  const ptr = mustAlloc(rt, 8, 8);
  const results = await rt.runOnEach('applyOps', { ptr, type, via, ops: steps.map(([op]) => op) });
  const expected = steps.map(([, returned, after]) => ({ returned, after }));
  expect(results.size).toBe(CPUS);
  for (const [cpu, got] of results) {
    expect(got, `CPU ${cpu}, ${type} via ${via}`).toEqual(expected);
    // The coordinator sees the same final value in that CPU's copy.
    expect(rt.read(ptr, cpu, type)).toEqual(steps.at(-1)?.[2]);
  }
}

/** The width's range and a converter from a safe number to the type's JS value. */
function rangeOf({ bits, signed }: IntegerType): { min: OpValue; max: OpValue; v: (n: number) => OpValue } {
  if (bits === 64) {
    const big = BigInt(bits);
    return {
      min: signed ? -(2n ** (big - 1n)) : 0n,
      max: signed ? 2n ** (big - 1n) - 1n : 2n ** big - 1n,
      v: (n) => BigInt(n),
    };
  }
  return {
    min: signed ? -(2 ** (bits - 1)) : 0,
    max: signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1,
    v: (n) => n,
  };
}

describe('lib/percpu_test.c cases', () => {
  it('long (s64): add -1 gives -1, add 1 gives 0 again', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    for (const via of VIAS) {
      await expectSteps(rt, 's64', via, [
        [{ op: 'write', value: 0n }, null, 0n],
        [{ op: 'add', value: -1n }, null, -1n],
        [{ op: 'add', value: 1n }, null, 0n],
        [{ op: 'addReturn', value: -1n }, -1n, -1n],
        [{ op: 'inc' }, null, 0n],
      ]);
    }
  });

  it('unsigned long (u64): add -1 and dec from 0 give 2^64 - 1', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    const ulongMax = 2n ** 64n - 1n;
    for (const via of VIAS) {
      await expectSteps(rt, 'u64', via, [
        [{ op: 'write', value: 0n }, null, 0n],
        [{ op: 'add', value: -1n }, null, ulongMax],
        [{ op: 'write', value: 0n }, null, 0n],
        [{ op: 'dec' }, null, ulongMax],
        [{ op: 'write', value: 0n }, null, 0n],
        [{ op: 'add', value: 1n }, null, 1n],
        [{ op: 'subReturn', value: 1n }, 0n, 0n],
        [{ op: 'addReturn', value: -1n }, ulongMax, ulongMax],
        [{ op: 'inc' }, null, 0n],
      ]);
    }
  });

  it('the widening trap: s64 + 0xffffffff (a negated 32-bit unsigned 1) is 0xffffffff, + 1 is 0x100000000', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    // In C, -(unsigned int)1 is 2^32 - 1: widened to a long it stays positive.
    const negatedU32One = BigInt(2 ** 32 - 1);
    for (const via of VIAS) {
      await expectSteps(rt, 's64', via, [
        [{ op: 'write', value: 0n }, null, 0n],
        [{ op: 'add', value: negatedU32One }, null, 2n ** 32n - 1n],
        [{ op: 'add', value: 1n }, null, 2n ** 32n],
      ]);
    }
  });

  it('the same sum in a 32-bit variable wraps: s32 + 0xffffffff is -1, u32 + 0xffffffff is 2^32 - 1', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    for (const via of VIAS) {
      await expectSteps(rt, 's32', via, [
        [{ op: 'write', value: 0 }, null, 0],
        [{ op: 'add', value: 2 ** 32 - 1 }, null, 2 ** 32 - 1 - 2 ** 32],
        [{ op: 'add', value: 1 }, null, 0],
      ]);
      await expectSteps(rt, 'u32', via, [
        [{ op: 'write', value: 0 }, null, 0],
        [{ op: 'add', value: 2 ** 32 - 1 }, null, 2 ** 32 - 1],
        [{ op: 'add', value: 1 }, null, 0],
      ]);
    }
  });

  it('sub_return from 3 gives 2 then 1, at every integer width', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    for (const via of VIAS) {
      for (const t of INTEGER_TYPES) {
        const { v } = rangeOf(t);
        await expectSteps(rt, t.type, via, [
          [{ op: 'write', value: v(3) }, null, v(3)],
          [{ op: 'subReturn', value: v(1) }, v(2), v(2)],
          [{ op: 'subReturn', value: v(1) }, v(1), v(1)],
        ]);
      }
    }
  });
});

describe.each(VIAS)('two’s-complement wraparound at every integer width, via %s', (via) => {
  it('max + 1 is min, min - 1 is max, unsigned 0 - 1 is max', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    for (const t of INTEGER_TYPES) {
      const { min, max, v } = rangeOf(t);
      const zeroMinusOne = t.signed ? v(-1) : max;
      await expectSteps(rt, t.type, via, [
        [{ op: 'write', value: max }, null, max],
        [{ op: 'inc' }, null, min],
        [{ op: 'dec' }, null, max],
        [{ op: 'addReturn', value: v(1) }, min, min],
        [{ op: 'subReturn', value: v(1) }, max, max],
        [{ op: 'write', value: min }, null, min],
        [{ op: 'sub', value: v(1) }, null, max],
        [{ op: 'add', value: v(1) }, null, min],
        [{ op: 'dec' }, null, max],
        [{ op: 'write', value: v(0) }, null, v(0)],
        [{ op: 'add', value: v(-1) }, null, zeroMinusOne],
        [{ op: 'write', value: v(0) }, null, v(0)],
        [{ op: 'dec' }, null, zeroMinusOne],
      ]);
    }
  });

  it('an addend of a whole 2^bits plus 5 adds 5', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    for (const t of INTEGER_TYPES) {
      const { v } = rangeOf(t);
      const wholeTurnPlus5: OpValue = t.bits === 64 ? 2n ** 64n + 5n : 2 ** t.bits + 5;
      await expectSteps(rt, t.type, via, [
        [{ op: 'write', value: v(1) }, null, v(1)],
        [{ op: 'add', value: wholeTurnPlus5 }, null, v(6)],
        [{ op: 'sub', value: wholeTurnPlus5 }, null, v(1)],
        [{ op: 'addReturn', value: wholeTurnPlus5 }, v(6), v(6)],
      ]);
    }
  });

  it('xchg returns the old value; cmpxchg swaps only on a match and returns the old value', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    for (const t of INTEGER_TYPES) {
      const { max, v } = rangeOf(t);
      await expectSteps(rt, t.type, via, [
        [{ op: 'write', value: v(5) }, null, v(5)],
        [{ op: 'xchg', value: v(7) }, v(5), v(7)],
        [{ op: 'xchg', value: max }, v(7), max],
        [{ op: 'cmpxchg', expected: v(6), value: v(9) }, max, max],
        [{ op: 'cmpxchg', expected: max, value: v(9) }, max, v(9)],
        [{ op: 'cmpxchg', expected: max, value: v(1) }, v(9), v(9)],
        [{ op: 'read' }, v(9), v(9)],
      ]);
    }
  });
});

describe.each(VIAS)('f64 via %s', (via) => {
  it('is plain IEEE arithmetic: no wrapping, rounding at 2^53', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    await expectSteps(rt, 'f64', via, [
      [{ op: 'write', value: 1.5 }, null, 1.5],
      [{ op: 'add', value: 0.25 }, null, 1.75],
      [{ op: 'inc' }, null, 2.75],
      [{ op: 'dec' }, null, 1.75],
      [{ op: 'sub', value: 0.5 }, null, 1.25],
      [{ op: 'addReturn', value: -3 }, -1.75, -1.75],
      [{ op: 'subReturn', value: 0.25 }, -2, -2],
      [{ op: 'xchg', value: 2 ** 53 }, -2, 2 ** 53],
      [{ op: 'inc' }, null, 2 ** 53], // 2^53 + 1 is not a double: it rounds back to 2^53
      [{ op: 'add', value: 2 ** 64 }, null, 2 ** 64 + 2 ** 53],
      [{ op: 'cmpxchg', expected: 5, value: 7 }, 2 ** 64 + 2 ** 53, 2 ** 64 + 2 ** 53],
      [{ op: 'cmpxchg', expected: 2 ** 64 + 2 ** 53, value: 0.1 }, 2 ** 64 + 2 ** 53, 0.1],
      [{ op: 'read' }, 0.1, 0.1],
    ]);
  });
});

describe.each(VIAS)('bad input on the CPU side via %s', (via) => {
  /** Runs ops on CPU 1 and returns the TaskFailedError they must end in. */
  async function failure(
    rt: Runtime<Counting>,
    ptr: number,
    type: PerCpuType,
    ops: readonly Op[],
  ): Promise<TaskFailedError> {
    const error = await rejectionOf(rt.runOn(1, 'applyOps', { ptr, type, via, ops }));
    expect(error).toBeInstanceOf(TaskFailedError);
    return error as TaskFailedError;
  }

  it('an unaligned ptr is PERCPU_UNALIGNED_ACCESS at every width above one byte', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    const ptr = mustAlloc(rt, 16, 8);
    const cases: [PerCpuType, number][] = [
      ['u16', 1],
      ['s16', 3],
      ['u32', 2],
      ['s32', 1],
      ['u64', 4],
      ['s64', 2],
      ['f64', 4],
    ];
    for (const [type, misalign] of cases) {
      const error = await failure(rt, ptr + misalign, type, [{ op: 'read' }]);
      expect(error.remote.code, type).toBe('PERCPU_UNALIGNED_ACCESS');
      expect(error.remote.name).toBe('UnalignedAccessError');
      expect(error.remote.message).toContain(String(ptr + misalign));
    }
    // Bytes have no alignment.
    expect(await rt.runOn(1, 'applyOps', { ptr: ptr + 3, type: 'u8', via, ops: [{ op: 'inc' }] })).toEqual([
      { returned: null, after: 1 },
    ]);
  });

  it('a write of a value out of the type’s range is PERCPU_INVALID_ARGUMENT and changes nothing', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    const cases: [PerCpuType, OpValue][] = [
      ['u8', 2 ** 8],
      ['u8', -1],
      ['u8', 1.5],
      ['s8', 2 ** 7],
      ['s8', -(2 ** 7) - 1],
      ['u16', 2 ** 16],
      ['s16', 2 ** 15],
      ['u32', 2 ** 32],
      ['u32', -1],
      ['s32', 2 ** 31],
      ['s32', -(2 ** 31) - 1],
      ['u64', 2n ** 64n],
      ['u64', -1n],
      ['u64', 1], // a number where a bigint is needed
      ['s64', 2n ** 63n],
      ['s64', -(2n ** 63n) - 1n],
      ['s32', 1n], // a bigint where a number is needed
      ['f64', 1n],
    ];
    for (const [type, value] of cases) {
      const ptr = mustAlloc(rt, 8, 8);
      const old: OpValue = type === 'u64' || type === 's64' ? 42n : 42;
      rt.write(ptr, 1, type, old);
      for (const op of [
        { op: 'write', value },
        { op: 'xchg', value },
        { op: 'cmpxchg', expected: old, value },
      ] as const) {
        const error = await failure(rt, ptr, type, [op]);
        expect(error.remote.code, `${op.op} ${String(value)} as ${type}`).toBe('PERCPU_INVALID_ARGUMENT');
        expect(error.remote.message).toContain('`value`');
        expect(rt.read(ptr, 1, type)).toEqual(old);
      }
    }
  });

  it('an addend that is not a safe integer (or not a bigint for 64-bit types) is PERCPU_INVALID_ARGUMENT', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    const ptr = mustAlloc(rt, 8, 8);
    const cases: [PerCpuType, OpValue][] = [
      ['s32', 0.5],
      ['u8', 2 ** 53],
      ['u64', 1],
      ['s64', 1.5],
      ['u16', 1n],
    ];
    for (const [type, value] of cases) {
      for (const op of ['add', 'sub', 'addReturn', 'subReturn'] as const) {
        const error = await failure(rt, ptr, type, [{ op, value }]);
        expect(error.remote.code, `${op} ${String(value)} to ${type}`).toBe('PERCPU_INVALID_ARGUMENT');
        expect(error.remote.message).toContain('`delta`');
      }
      expect(rt.read(ptr, 1, type)).toEqual(type === 'u64' || type === 's64' ? 0n : 0);
    }
  });

  it('an unknown type is PERCPU_INVALID_ARGUMENT naming `type`', async () => {
    const rt = await runtimes.start({ cpus: CPUS });
    const ptr = mustAlloc(rt, 8, 8);
    for (const type of ['u128', 'int', 'S32', '']) {
      const error = await failure(rt, ptr, type as PerCpuType, [{ op: 'read' }]);
      expect(error.remote.code, type).toBe('PERCPU_INVALID_ARGUMENT');
      expect(error.remote.message).toContain('`type`');
    }
  });

  it('a ptr outside the area is PERCPU_INVALID_ARGUMENT naming `ptr`', async () => {
    const areaSize = 256 * 1024;
    const rt = await runtimes.start({ cpus: CPUS, areaSize });
    for (const [ptr, type] of [
      [-4, 's32'],
      [areaSize, 'u8'],
      [areaSize - 4, 'u64'],
      [1.5, 'u8'],
    ] as const) {
      const error = await failure(rt, ptr, type, [{ op: 'read' }]);
      expect(error.remote.code, `${ptr} as ${type}`).toBe('PERCPU_INVALID_ARGUMENT');
      expect(error.remote.message).toContain('`ptr`');
    }
  });
});
