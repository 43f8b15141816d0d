/**
 * The value types a per-CPU variable can have, their widths and ranges. Integer arithmetic wraps
 * in two's complement at the type's width, as the kernel's this_cpu ops do; 64-bit values are
 * bigint; f64 is an IEEE double.
 */
import { InvalidArgumentError } from '../errors.js';

export const PERCPU_TYPES = ['u8', 's8', 'u16', 's16', 'u32', 's32', 'u64', 's64', 'f64'] as const;

export type PerCpuType = (typeof PERCPU_TYPES)[number];
export type BigIntType = 'u64' | 's64';
export type NumberType = Exclude<PerCpuType, BigIntType>;

/** The JS value of a type: bigint for the 64-bit integers, number for the rest. */
export type ValueOf<T extends PerCpuType> = T extends BigIntType ? bigint : number;

/** Bytes per element; an offset read as this type must be a multiple of it. */
export const TYPE_WIDTH: Readonly<Record<PerCpuType, number>> = {
  u8: 1,
  s8: 1,
  u16: 2,
  s16: 2,
  u32: 4,
  s32: 4,
  u64: 8,
  s64: 8,
  f64: 8,
};

/** log2(width): an offset >> this is the element index in the type's view. */
export const TYPE_SHIFT: Readonly<Record<PerCpuType, number>> = {
  u8: 0,
  s8: 0,
  u16: 1,
  s16: 1,
  u32: 2,
  s32: 2,
  u64: 3,
  s64: 3,
  f64: 3,
};

/** Inclusive integer ranges of the integer types. */
const NUMBER_RANGE: Readonly<Record<Exclude<NumberType, 'f64'>, readonly [number, number]>> = {
  u8: [0, 0xff],
  s8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  s16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  s32: [-0x80000000, 0x7fffffff],
};

const BIGINT_RANGE: Readonly<Record<BigIntType, readonly [bigint, bigint]>> = {
  u64: [0n, 0xffffffffffffffffn],
  s64: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

export function isPerCpuType(value: unknown): value is PerCpuType {
  // A switch, not PERCPU_TYPES.includes(): this runs on every generic thisCpu call, and V8
  // compiles a switch over string literals to a few compares (it halved the cost of a generic
  // thisCpu.inc when measured).
  switch (value) {
    case 'u8':
    case 's8':
    case 'u16':
    case 's16':
    case 'u32':
    case 's32':
    case 'u64':
    case 's64':
    case 'f64':
      return true;
    default:
      return false;
  }
}

export function isBigIntType(type: PerCpuType): type is BigIntType {
  return type === 'u64' || type === 's64';
}

export function checkType(argument: string, value: unknown): PerCpuType {
  if (!isPerCpuType(value)) {
    throw new InvalidArgumentError(argument, value, `one of ${PERCPU_TYPES.map((t) => `'${t}'`).join(', ')}`);
  }
  return value;
}

/** Checks that `value` can be stored in `type` as it is (no wrapping): writes and cmpxchg. */
export function checkValue<T extends PerCpuType>(argument: string, type: T, value: unknown): ValueOf<T> {
  if (isBigIntType(type)) {
    const [min, max] = BIGINT_RANGE[type];
    if (typeof value !== 'bigint' || value < min || value > max) {
      throw new InvalidArgumentError(argument, value, `a bigint from ${min}n to ${max}n (type '${type}')`);
    }
    return value as ValueOf<T>;
  }
  if (type === 'f64') {
    if (typeof value !== 'number') throw new InvalidArgumentError(argument, value, `a number (type 'f64')`);
    return value as ValueOf<T>;
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it: it does not narrow T
  const [min, max] = NUMBER_RANGE[type as Exclude<NumberType, 'f64'>];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(argument, value, `an integer from ${min} to ${max} (type '${type}')`);
  }
  return value as ValueOf<T>;
}

/**
 * Checks an addend: any safe integer for the 32-bit-or-narrower integer types (the sum wraps at
 * the type's width, so adding -1 to a u32 gives 0xffffffff), any bigint for the 64-bit types
 * (wrapped likewise), any number for f64.
 */
export function checkDelta<T extends PerCpuType>(argument: string, type: T, value: unknown): ValueOf<T> {
  if (isBigIntType(type)) {
    if (typeof value !== 'bigint') throw new InvalidArgumentError(argument, value, `a bigint (type '${type}')`);
    return value as ValueOf<T>;
  }
  if (type === 'f64') {
    if (typeof value !== 'number') throw new InvalidArgumentError(argument, value, `a number (type 'f64')`);
    return value as ValueOf<T>;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(argument, value, `a safe integer (type '${type}'; the result wraps at its width)`);
  }
  return value as ValueOf<T>;
}
