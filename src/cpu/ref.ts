/**
 * The fast path: a typed accessor made once per (offset, type) on a CPU. It checks the offset
 * and type once, then holds its view and element index as constants in closures, so `inc()` is
 * one typed-array load and store that V8 inlines: base + offset, no lookup, no lock, no atomic.
 *
 * Use it in loops: `const hits = thisCpu.ref(ptr, 's32'); for (...) hits.inc();`
 */
import { checkDelta, checkValue, type PerCpuType, type ValueOf, isBigIntType } from '../memory/types.js';
import type { CpuViews } from '../memory/percpu-memory.js';

export interface CpuRef<T extends PerCpuType> {
  readonly ptr: number;
  readonly type: T;
  read(): ValueOf<T>;
  /** Stores a value that fits the type as it is (throws InvalidArgumentError otherwise). */
  write(value: ValueOf<T>): void;
  /** Adds 1 / subtracts 1, wrapping at the type's width. */
  inc(): void;
  dec(): void;
  /** Adds or subtracts a delta (a safe integer, a bigint for 64-bit types), wrapping. */
  add(delta: ValueOf<T>): void;
  sub(delta: ValueOf<T>): void;
  addReturn(delta: ValueOf<T>): ValueOf<T>;
  subReturn(delta: ValueOf<T>): ValueOf<T>;
  xchg(value: ValueOf<T>): ValueOf<T>;
  cmpxchg(expected: ValueOf<T>, value: ValueOf<T>): ValueOf<T>;
}

/** A ref over a number-valued element (every type but u64 / s64). */
function numberRef<T extends PerCpuType>(
  view: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float64Array,
  index: number,
  ptr: number,
  type: T,
): CpuRef<T> {
  const isFloat = type === 'f64';
  const checkAddend = (delta: number): number =>
    isFloat || Number.isSafeInteger(delta) ? delta : (checkDelta('delta', type, delta) as number);
  return {
    ptr,
    type,
    read: () => view[index] as ValueOf<T>,
    write: (value) => {
      view[index] = checkValue('value', type, value) as number;
    },
    inc: () => {
      view[index]!++;
    },
    dec: () => {
      view[index]!--;
    },
    add: (delta) => {
      view[index]! += checkAddend(delta as number);
    },
    sub: (delta) => {
      view[index]! -= checkAddend(delta as number);
    },
    addReturn: (delta) => {
      view[index]! += checkAddend(delta as number);
      return view[index] as ValueOf<T>;
    },
    subReturn: (delta) => {
      view[index]! -= checkAddend(delta as number);
      return view[index] as ValueOf<T>;
    },
    xchg: (value) => {
      const old = view[index]!;
      view[index] = checkValue('value', type, value) as number;
      return old as ValueOf<T>;
    },
    cmpxchg: (expected, value) => {
      const checked = checkValue('value', type, value) as number;
      const old = view[index]!;
      if (old === expected) view[index] = checked;
      return old as ValueOf<T>;
    },
  };
}

/** A ref over a bigint-valued element (u64 / s64). Stores wrap modulo 2^64. */
function bigintRef<T extends PerCpuType>(view: BigUint64Array | BigInt64Array, index: number, ptr: number, type: T): CpuRef<T> {
  const checkAddend = (delta: bigint): bigint =>
    typeof delta === 'bigint' ? delta : (checkDelta('delta', type, delta) as bigint);
  return {
    ptr,
    type,
    read: () => view[index] as ValueOf<T>,
    write: (value) => {
      view[index] = checkValue('value', type, value) as bigint;
    },
    inc: () => {
      view[index]! += 1n;
    },
    dec: () => {
      view[index]! -= 1n;
    },
    add: (delta) => {
      view[index]! += checkAddend(delta as bigint);
    },
    sub: (delta) => {
      view[index]! -= checkAddend(delta as bigint);
    },
    addReturn: (delta) => {
      view[index]! += checkAddend(delta as bigint);
      return view[index] as ValueOf<T>;
    },
    subReturn: (delta) => {
      view[index]! -= checkAddend(delta as bigint);
      return view[index] as ValueOf<T>;
    },
    xchg: (value) => {
      const old = view[index]!;
      view[index] = checkValue('value', type, value) as bigint;
      return old as ValueOf<T>;
    },
    cmpxchg: (expected, value) => {
      const checked = checkValue('value', type, value) as bigint;
      const old = view[index]!;
      if (old === expected) view[index] = checked;
      return old as ValueOf<T>;
    },
  };
}

/** Makes the accessor; `index` is the element index already checked by the caller. */
export function makeRef<T extends PerCpuType>(views: CpuViews, type: T, index: number, ptr: number): CpuRef<T> {
  if (isBigIntType(type)) return bigintRef(views[type], index, ptr, type);
  return numberRef(views[type as Exclude<PerCpuType, 'u64' | 's64'>], index, ptr, type);
}
