/**
 * The fast path: a typed accessor made once per (offset, type) on a CPU. It checks the offset
 * and type once, then holds a one-element view of its element, so `inc()` is one typed-array load
 * and store that V8 inlines: base + offset, no lookup, no lock, no atomic.
 *
 * Use it in loops: `const hits = thisCpu.ref(ptr, 's32'); for (...) hits.inc();`
 */
import { checkDelta, checkValue, type PerCpuType, type ValueOf } from '../memory/types.js';
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

type NumberArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float64Array;
type BigIntArray = BigUint64Array | BigInt64Array;

/**
 * A ref over a number-valued element (every type but u64 / s64). A class, not closures: its
 * methods are the same functions for every ref, so a call site stays monomorphic and V8 inlines
 * `inc()` into the caller's loop (closures made per ref defeat that once a second ref exists).
 */
class NumberRef<T extends PerCpuType> implements CpuRef<T> {
  readonly ptr: number;
  readonly type: T;
  protected readonly view: NumberArray;

  constructor(view: NumberArray, ptr: number, type: T) {
    this.view = view;
    this.ptr = ptr;
    this.type = type;
  }

  read(): ValueOf<T> {
    return this.view[0] as ValueOf<T>;
  }

  write(value: ValueOf<T>): void {
    this.view[0] = checkValue('value', this.type, value) as number;
  }

  inc(): void {
    this.view[0]!++;
  }

  dec(): void {
    this.view[0]!--;
  }

  add(delta: ValueOf<T>): void {
    this.view[0]! += this.addend(delta);
  }

  sub(delta: ValueOf<T>): void {
    this.view[0]! -= this.addend(delta);
  }

  addReturn(delta: ValueOf<T>): ValueOf<T> {
    this.view[0]! += this.addend(delta);
    return this.view[0] as ValueOf<T>;
  }

  subReturn(delta: ValueOf<T>): ValueOf<T> {
    this.view[0]! -= this.addend(delta);
    return this.view[0] as ValueOf<T>;
  }

  xchg(value: ValueOf<T>): ValueOf<T> {
    const checked = checkValue('value', this.type, value) as number;
    const old = this.view[0]!;
    this.view[0] = checked;
    return old as ValueOf<T>;
  }

  cmpxchg(expected: ValueOf<T>, value: ValueOf<T>): ValueOf<T> {
    // An expected value the type cannot hold would never match: a caller's mistake, reported.
    const wanted = checkValue('expected', this.type, expected);
    const checked = checkValue('value', this.type, value) as number;
    const old = this.view[0]!;
    if (old === wanted) this.view[0] = checked;
    return old as ValueOf<T>;
  }

  /** Integer types take safe integers (the store wraps); f64 takes any number. */
  protected addend(delta: ValueOf<T>): number {
    if (typeof delta === 'number' && (Number.isSafeInteger(delta) || this.type === 'f64')) return delta;
    return checkDelta('delta', this.type, delta) as number;
  }
}

/** A ref over a bigint-valued element (u64 / s64). Stores wrap modulo 2^64. */
class BigIntRef<T extends PerCpuType> implements CpuRef<T> {
  readonly ptr: number;
  readonly type: T;
  protected readonly view: BigIntArray;

  constructor(view: BigIntArray, ptr: number, type: T) {
    this.view = view;
    this.ptr = ptr;
    this.type = type;
  }

  read(): ValueOf<T> {
    return this.view[0] as ValueOf<T>;
  }

  write(value: ValueOf<T>): void {
    this.view[0] = checkValue('value', this.type, value) as bigint;
  }

  inc(): void {
    this.view[0]! += 1n;
  }

  dec(): void {
    this.view[0]! -= 1n;
  }

  add(delta: ValueOf<T>): void {
    this.view[0]! += this.addend(delta);
  }

  sub(delta: ValueOf<T>): void {
    this.view[0]! -= this.addend(delta);
  }

  addReturn(delta: ValueOf<T>): ValueOf<T> {
    this.view[0]! += this.addend(delta);
    return this.view[0] as ValueOf<T>;
  }

  subReturn(delta: ValueOf<T>): ValueOf<T> {
    this.view[0]! -= this.addend(delta);
    return this.view[0] as ValueOf<T>;
  }

  xchg(value: ValueOf<T>): ValueOf<T> {
    const checked = checkValue('value', this.type, value) as bigint;
    const old = this.view[0]!;
    this.view[0] = checked;
    return old as ValueOf<T>;
  }

  cmpxchg(expected: ValueOf<T>, value: ValueOf<T>): ValueOf<T> {
    // An expected value the type cannot hold would never match: a caller's mistake, reported.
    const wanted = checkValue('expected', this.type, expected);
    const checked = checkValue('value', this.type, value) as bigint;
    const old = this.view[0]!;
    if (old === wanted) this.view[0] = checked;
    return old as ValueOf<T>;
  }

  protected addend(delta: ValueOf<T>): bigint {
    return typeof delta === 'bigint' ? delta : (checkDelta('delta', this.type, delta) as bigint);
  }
}

/*
 * The refs of the 32- and 64-bit integer types, the ones counters use, each with their own copy
 * of the hot methods. The text is the same as the base class's, but a method's feedback belongs
 * to its own source text: with one shared inc(), a task that uses a u32 ref and an s32 ref makes
 * its element access see two typed-array kinds, and both refs run 3.5x slower (measured by
 * bench/counters/generic-path.ts, which uses both). The other types share NumberRef's.
 */

class U32Ref<T extends PerCpuType> extends NumberRef<T> {
  override read(): ValueOf<T> {
    return this.view[0] as ValueOf<T>;
  }
  override inc(): void {
    this.view[0]!++;
  }
  override dec(): void {
    this.view[0]!--;
  }
  override add(delta: ValueOf<T>): void {
    this.view[0]! += this.addend(delta);
  }
  override sub(delta: ValueOf<T>): void {
    this.view[0]! -= this.addend(delta);
  }
}

class S32Ref<T extends PerCpuType> extends NumberRef<T> {
  override read(): ValueOf<T> {
    return this.view[0] as ValueOf<T>;
  }
  override inc(): void {
    this.view[0]!++;
  }
  override dec(): void {
    this.view[0]!--;
  }
  override add(delta: ValueOf<T>): void {
    this.view[0]! += this.addend(delta);
  }
  override sub(delta: ValueOf<T>): void {
    this.view[0]! -= this.addend(delta);
  }
}

class S64Ref<T extends PerCpuType> extends BigIntRef<T> {
  override read(): ValueOf<T> {
    return this.view[0] as ValueOf<T>;
  }
  override inc(): void {
    this.view[0]! += 1n;
  }
  override dec(): void {
    this.view[0]! -= 1n;
  }
  override add(delta: ValueOf<T>): void {
    this.view[0]! += this.addend(delta);
  }
  override sub(delta: ValueOf<T>): void {
    this.view[0]! -= this.addend(delta);
  }
}

/** Makes the accessor; `index` is the element index already checked by the caller. */
export function makeRef<T extends PerCpuType>(views: CpuViews, type: T, index: number, ptr: number): CpuRef<T> {
  // A one-element view of the element: `view[0]` needs no index field and its bounds check is
  // against a constant length of 1 (measured about 25% faster than view[index] over the whole
  // area when a loop updates several refs, as in a MIB-like structure).
  switch (type) {
    case 'u32':
      return new U32Ref(views.u32.subarray(index, index + 1), ptr, type);
    case 's32':
      return new S32Ref(views.s32.subarray(index, index + 1), ptr, type);
    case 'u64':
      return new BigIntRef(views.u64.subarray(index, index + 1), ptr, type);
    case 's64':
      return new S64Ref(views.s64.subarray(index, index + 1), ptr, type);
    default:
      return new NumberRef(views[type as Exclude<PerCpuType, 'u64' | 's64'>].subarray(index, index + 1), ptr, type);
  }
}

/**
 * The rawest fast path: the CPU's own typed array over its area and the element index of `ptr`.
 * `array[index]++` is exactly base + offset; typed-array stores wrap at the type's width.
 */
export interface CpuCell<T extends PerCpuType> {
  readonly array: CpuViews[T];
  readonly index: number;
}
