/**
 * The this_cpu operations on one element of a CPU's area, with the kernel's semantics: integer
 * results wrap in two's complement at the type's width (typed-array stores do exactly that),
 * 64-bit integers are bigint, f64 is plain IEEE arithmetic. Callers check the pointer, the type
 * and the values; these functions only compute.
 *
 * No lock and no atomic instruction: only the CPU that owns an area updates it.
 */
import type { CpuViews } from './percpu-memory.js';
import { type PerCpuType, type ValueOf, isBigIntType } from './types.js';

type NumberView = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float64Array;
type BigIntView = BigUint64Array | BigInt64Array;

export function numberView(views: CpuViews, type: PerCpuType): NumberView {
  return views[type] as NumberView;
}

export function bigintView(views: CpuViews, type: PerCpuType): BigIntView {
  return views[type] as BigIntView;
}

export function opRead<T extends PerCpuType>(views: CpuViews, type: T, index: number): ValueOf<T> {
  return views[type][index] as ValueOf<T>;
}

export function opWrite<T extends PerCpuType>(views: CpuViews, type: T, index: number, value: ValueOf<T>): void {
  if (isBigIntType(type)) bigintView(views, type)[index] = value as bigint;
  else numberView(views, type)[index] = value as number;
}

/** Adds `delta` and returns the new (wrapped) value. */
export function opAddReturn<T extends PerCpuType>(
  views: CpuViews,
  type: T,
  index: number,
  delta: ValueOf<T>,
): ValueOf<T> {
  if (isBigIntType(type)) {
    const view = bigintView(views, type);
    view[index] = view[index]! + (delta as bigint);
    return view[index] as ValueOf<T>;
  }
  const view = numberView(views, type);
  view[index] = view[index]! + (delta as number);
  return view[index] as ValueOf<T>;
}

/** Negates an addend for sub: -delta (bigint or number). */
export function negate<T extends PerCpuType>(delta: ValueOf<T>): ValueOf<T> {
  return (typeof delta === 'bigint' ? -delta : -delta) as ValueOf<T>;
}

/** Stores `value`, returns the previous value. */
export function opXchg<T extends PerCpuType>(views: CpuViews, type: T, index: number, value: ValueOf<T>): ValueOf<T> {
  const old = opRead(views, type, index);
  opWrite(views, type, index, value);
  return old;
}

/** Stores `value` if the element equals `expected`; returns the previous value either way. */
export function opCmpxchg<T extends PerCpuType>(
  views: CpuViews,
  type: T,
  index: number,
  expected: ValueOf<T>,
  value: ValueOf<T>,
): ValueOf<T> {
  const old = opRead(views, type, index);
  if (old === expected) opWrite(views, type, index, value);
  return old;
}
