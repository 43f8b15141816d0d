/**
 * Reading the per-CPU memory across CPUs: sums of one element or of a whole structure over every
 * possible CPU, and a snapshot of one CPU's copy of a structure. 64-bit integers are read with
 * Atomics.load (a plain 64-bit read of memory another thread writes may tear); narrower integers
 * are tear-free as plain reads; an f64 read may tear while its owner writes it.
 *
 * Context: the coordinator (rt.sum, rt.sumArray, rt.readArray).
 */
import { InvalidArgumentError } from '../errors.js';
import type { CpuViews, PerCpuMemory } from './percpu-memory.js';
import { type PerCpuType, TYPE_WIDTH, type ValueOf, checkType, isBigIntType } from './types.js';

/** The sum of `ptr` over every possible CPU; `wrap` wraps it at the type's width. */
export function sumOverCpus<T extends PerCpuType>(
  memory: PerCpuMemory,
  ptr: number,
  type: T,
  wrap: boolean,
): ValueOf<T> {
  const checked = checkType('type', type);
  const index = memory.indexOf(ptr, checked);
  if (isBigIntType(checked)) {
    let total = 0n;
    // Atomics.load: 64-bit values written by their CPUs may tear on a plain read.
    for (const views of memory.views) total += Atomics.load(views[checked], index);
    return (wrap ? wrapBigInt(total, checked) : total) as ValueOf<T>;
  }
  let total = 0;
  for (const views of memory.views) total += views[checked][index] as number;
  if (!wrap || checked === 'f64') return total as ValueOf<T>;
  return Number(wrapBigInt(BigInt(total), checked)) as ValueOf<T>;
}

/**
 * Every field of a structure of `length` elements of `type` at `ptr`, each summed over every
 * possible CPU, in one pass per CPU. Exact: numbers for the 8-to-32-bit types and f64, bigints
 * for 64-bit ones.
 */
export function sumArrayOverCpus<T extends PerCpuType>(
  memory: PerCpuMemory,
  ptr: number,
  type: T,
  length: number,
): ValueOf<T>[] {
  const checked = checkType('type', type);
  const index = memory.indexOf(ptr, checked);
  checkLength(length, index, memory.views[0]![checked].length, checked, ptr);
  if (isBigIntType(checked)) {
    const totals = new Array<bigint>(length).fill(0n);
    for (const views of memory.views) {
      const view = views[checked];
      // Atomics.load: 64-bit values written by their CPUs may tear on a plain read.
      for (let i = 0; i < length; i++) totals[i]! += Atomics.load(view, index + i);
    }
    return totals as ValueOf<T>[];
  }
  const totals = new Array<number>(length).fill(0);
  for (const views of memory.views) {
    const view = views[checked];
    for (let i = 0; i < length; i++) totals[i]! += view[index + i] as number;
  }
  return totals as ValueOf<T>[];
}

/**
 * A snapshot of CPU `cpu`'s copy of `length` elements of `type` at `ptr`, as a new typed array of
 * that type (the CPU may go on updating its own copy; this one does not change).
 */
export function readCpuArray<T extends PerCpuType>(
  memory: PerCpuMemory,
  ptr: number,
  cpu: number,
  type: T,
  length: number,
): CpuViews[T] {
  const checked = checkType('type', type);
  const views = memory.viewsOf(cpu);
  const index = memory.indexOf(ptr, checked);
  checkLength(length, index, views[checked].length, checked, ptr);
  if (isBigIntType(checked)) {
    const view = views[checked];
    const copy = checked === 'u64' ? new BigUint64Array(length) : new BigInt64Array(length);
    // Atomics.load: as in sumArrayOverCpus.
    for (let i = 0; i < length; i++) copy[i] = Atomics.load(view, index + i);
    return copy as CpuViews[T];
  }
  return views[checked].slice(index, index + length) as CpuViews[T];
}

function checkLength(length: unknown, index: number, viewLength: number, type: PerCpuType, ptr: number): void {
  const most = viewLength - index;
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 1 || length > most) {
    throw new InvalidArgumentError(
      'length',
      length,
      `an integer from 1 to ${most} (elements of ${type} from ptr ${ptr} to the end of the area)`,
    );
  }
}

function wrapBigInt(value: bigint, type: PerCpuType): bigint {
  const bits = TYPE_WIDTH[type] * 8;
  return type.startsWith('s') ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value);
}
