/**
 * PerCpuMemory argument checks: values out of a type's range or of the wrong kind, unaligned
 * offsets, offsets outside the area, bad CPUs and bad types all throw a PercpuError with the
 * documented code, name the argument and value, and write nothing.
 */
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  PERCPU_TYPES,
  PercpuError,
  PerCpuMemory,
  type PerCpuType,
  TYPE_WIDTH,
  UnalignedAccessError,
} from 'percpu';

const AREA = 256;
const CPUS = 3;

type LooseWrite = (ptr: number, cpu: number, type: PerCpuType, value: unknown) => void;
type LooseRead = (ptr: number, cpu: number, type: PerCpuType) => unknown;

function loose(memory: PerCpuMemory): { write: LooseWrite; read: LooseRead } {
  return {
    write: memory.write.bind(memory) as LooseWrite,
    read: memory.read.bind(memory),
  };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** Copies of every CPU's bytes, to check that a rejected call wrote nothing. */
function contents(memory: PerCpuMemory): number[][] {
  return memory.views.map((v) => Array.from(v.u8));
}

function expectInvalidArgument(error: unknown, argument: string, value: unknown, rendered: string): void {
  expect(error).toBeInstanceOf(PercpuError);
  expect(error).toBeInstanceOf(InvalidArgumentError);
  if (!(error instanceof InvalidArgumentError)) return;
  expect(error.code).toBe('PERCPU_INVALID_ARGUMENT');
  expect(error.argument).toBe(argument);
  expect(Object.is(error.value, value)).toBe(true);
  expect(error.message).toContain(`\`${argument}\``);
  expect(error.message).toContain(rendered);
}

/** [type, value, rendering in the message] */
const OUT_OF_RANGE: readonly (readonly [PerCpuType, unknown, string])[] = [
  ['u8', 256, '`256` (number)'],
  ['u8', -1, '`-1` (number)'],
  ['u8', 1.5, '`1.5` (number)'],
  ['u8', NaN, '`NaN` (number)'],
  ['s8', 128, '`128` (number)'],
  ['s8', -129, '`-129` (number)'],
  ['u16', 65536, '`65536` (number)'],
  ['u16', -1, '`-1` (number)'],
  ['s16', 32768, '`32768` (number)'],
  ['s16', -32769, '`-32769` (number)'],
  ['u32', -1, '`-1` (number)'],
  ['u32', 2 ** 32, `\`${2 ** 32}\` (number)`],
  ['s32', 2 ** 53, `\`${2 ** 53}\` (number)`],
  ['s32', 2 ** 31, `\`${2 ** 31}\` (number)`],
  ['s32', -(2 ** 31) - 1, `\`${-(2 ** 31) - 1}\` (number)`],
  ['s32', 5n, '`5n` (bigint)'],
  ['u32', '7', '`"7"` (string)'],
  ['u64', 5, '`5` (number)'],
  ['u64', -1n, '`-1n` (bigint)'],
  ['u64', 2n ** 64n, `\`${2n ** 64n}n\` (bigint)`],
  ['s64', 2n ** 63n, `\`${2n ** 63n}n\` (bigint)`],
  ['s64', -(2n ** 63n) - 1n, `\`${-(2n ** 63n) - 1n}n\` (bigint)`],
  ['s64', 1, '`1` (number)'],
  ['f64', 1n, '`1n` (bigint)'],
  ['f64', '1.5', '`"1.5"` (string)'],
  ['f64', null, '`null` (null)'],
];

describe('write(): values must fit the type as they are', () => {
  for (const [type, value, rendered] of OUT_OF_RANGE) {
    it(`${type} rejects ${rendered}`, () => {
      const memory = new PerCpuMemory(CPUS, AREA);
      const before = contents(memory);
      const error = thrown(() => loose(memory).write(8, 1, type, value));
      expectInvalidArgument(error, 'value', value, rendered);
      expect(contents(memory)).toEqual(before);
    });
  }
});

describe('unaligned access', () => {
  const cases: readonly (readonly [PerCpuType, number])[] = [
    ['u16', 1],
    ['s16', 3],
    ['u32', 2],
    ['s32', 6],
    ['u64', 4],
    ['s64', 2],
    ['f64', 12],
  ];
  for (const [type, ptr] of cases) {
    it(`${type} at offset ${ptr} throws PERCPU_UNALIGNED_ACCESS on read and write`, () => {
      const memory = new PerCpuMemory(CPUS, AREA);
      const before = contents(memory);
      const value = type === 'u64' || type === 's64' ? 1n : 1;
      for (const error of [
        thrown(() => loose(memory).read(ptr, 0, type)),
        thrown(() => loose(memory).write(ptr, 0, type, value)),
      ]) {
        expect(error).toBeInstanceOf(PercpuError);
        expect(error).toBeInstanceOf(UnalignedAccessError);
        if (!(error instanceof PercpuError)) continue;
        expect(error.code).toBe('PERCPU_UNALIGNED_ACCESS');
        expect(error.message).toContain('`ptr`');
        expect(error.message).toContain(`\`${ptr}\``);
        expect(error.message).toContain(`multiple of ${TYPE_WIDTH[type]}`);
      }
      expect(contents(memory)).toEqual(before);
    });
  }

  it('one-byte types are never unaligned', () => {
    const memory = new PerCpuMemory(1, AREA);
    memory.write(3, 0, 'u8', 7);
    memory.write(5, 0, 's8', -7);
    expect(memory.read(3, 0, 'u8')).toBe(7);
    expect(memory.read(5, 0, 's8')).toBe(-7);
  });
});

describe('bad cpu', () => {
  const cases: readonly (readonly [unknown, string])[] = [
    [-1, '`-1` (number)'],
    [CPUS, `\`${CPUS}\` (number)`],
    [1.5, '`1.5` (number)'],
    [NaN, '`NaN` (number)'],
    ['0', '`"0"` (string)'],
  ];
  for (const [cpu, rendered] of cases) {
    it(`cpu ${rendered} is rejected by read and write, for every type`, () => {
      const memory = new PerCpuMemory(CPUS, AREA);
      const before = contents(memory);
      for (const type of PERCPU_TYPES) {
        const value = type === 'u64' || type === 's64' ? 1n : 1;
        expectInvalidArgument(
          thrown(() => loose(memory).read(0, cpu as number, type)),
          'cpu',
          cpu,
          rendered,
        );
        expectInvalidArgument(
          thrown(() => loose(memory).write(0, cpu as number, type, value)),
          'cpu',
          cpu,
          rendered,
        );
      }
      expect(contents(memory)).toEqual(before);
      const error = thrown(() => memory.viewsOf(cpu as number));
      expectInvalidArgument(error, 'cpu', cpu, rendered);
      if (error instanceof InvalidArgumentError) expect(error.message).toContain(`from 0 to ${CPUS - 1}`);
    });
  }
});

describe('bad ptr', () => {
  const cases: readonly (readonly [PerCpuType, unknown, string])[] = [
    ['u8', -1, '`-1` (number)'],
    ['u8', AREA, `\`${AREA}\` (number)`],
    ['u32', AREA - 2, `\`${AREA - 2}\` (number)`], // last bytes would lie past the end
    ['u64', AREA, `\`${AREA}\` (number)`],
    ['f64', -8, '`-8` (number)'],
    ['u16', 1.5, '`1.5` (number)'],
    ['u32', NaN, '`NaN` (number)'],
    ['u32', '4', '`"4"` (string)'],
  ];
  for (const [type, ptr, rendered] of cases) {
    it(`${type} at ${rendered} is rejected as \`ptr\``, () => {
      const memory = new PerCpuMemory(CPUS, AREA);
      const before = contents(memory);
      const value = type === 'u64' || type === 's64' ? 1n : 1;
      expectInvalidArgument(
        thrown(() => loose(memory).read(ptr as number, 0, type)),
        'ptr',
        ptr,
        rendered,
      );
      expectInvalidArgument(
        thrown(() => loose(memory).write(ptr as number, 0, type, value)),
        'ptr',
        ptr,
        rendered,
      );
      expect(contents(memory)).toEqual(before);
    });
  }

  it('the last element of each type is addressable', () => {
    const memory = new PerCpuMemory(1, AREA);
    for (const type of PERCPU_TYPES) {
      const ptr = AREA - TYPE_WIDTH[type];
      const value = type === 'u64' || type === 's64' ? 3n : 3;
      loose(memory).write(ptr, 0, type, value);
      expect(loose(memory).read(ptr, 0, type)).toBe(value);
    }
  });
});

describe('bad type', () => {
  it('an unknown type name is rejected as `type`', () => {
    const memory = new PerCpuMemory(1, AREA);
    const before = contents(memory);
    expectInvalidArgument(
      thrown(() => loose(memory).read(0, 0, 'u128' as PerCpuType)),
      'type',
      'u128',
      '`"u128"` (string)',
    );
    expectInvalidArgument(
      thrown(() => loose(memory).write(0, 0, 'i32' as PerCpuType, 1)),
      'type',
      'i32',
      '`"i32"` (string)',
    );
    expect(contents(memory)).toEqual(before);
  });
});
