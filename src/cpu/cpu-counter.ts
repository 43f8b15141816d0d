/**
 * percpu_counter, CPU side: add to this CPU's local s32 with a plain store; when the local part
 * reaches ±batch, fold it into the global count with one atomic add.
 *
 * Fold protocol (the only atomics on this path, once per `batch` of counting):
 *   1. Atomics.store(MB_FOLDING = slot + 1)   announce: exact readers wait
 *   2. Atomics.add(global count, local + amount)
 *   3. local = 0                              plain store to our own unit
 *   4. Atomics.add(folds completed, 1)        readers that overlapped a fold retry
 *   5. Atomics.store(MB_FOLDING = 0)
 */
import { InvalidArgumentError } from '../errors.js';
import { MB_FOLDING, SLOT_FOLDS_BYTE, counterSlotByte, mailboxIndex } from '../memory/control-layout.js';
import { elementIndex } from '../memory/pointer.js';
import { type CounterHandle, checkCounterHandle } from '../counter/handle.js';
import type { CpuBinding } from './binding.js';

export interface CpuCounter {
  readonly handle: CounterHandle;
  /** Adds a safe integer (may be negative). */
  add(amount: number): void;
  inc(): void;
  dec(): void;
  /** This CPU's local part, not yet folded. */
  local(): number;
}

/** A class (not closures) so that add()/inc() call sites stay monomorphic and inline. */
class CpuCounterImpl implements CpuCounter {
  readonly handle: CounterHandle;
  private readonly locals: Int32Array;
  private readonly index: number;
  private readonly control32: Int32Array;
  private readonly control64: BigInt64Array;
  private readonly countIdx: number;
  private readonly foldsIdx: number;
  private readonly foldingIdx: number;
  private readonly batch: number;
  private readonly slotTag: number;

  constructor(binding: CpuBinding, handle: CounterHandle) {
    this.handle = handle;
    this.locals = binding.views.s32;
    this.index = elementIndex(handle.ptr, 's32', binding.areaSize);
    this.control32 = binding.control32;
    this.control64 = binding.control64;
    const slotByte = counterSlotByte(binding.cpus, handle.slot);
    this.countIdx = slotByte / 8;
    this.foldsIdx = (slotByte + SLOT_FOLDS_BYTE) / 4;
    this.foldingIdx = mailboxIndex(binding.cpu) + MB_FOLDING;
    this.batch = handle.batch;
    this.slotTag = handle.slot + 1;
  }

  add(amount: number): void {
    if (!Number.isSafeInteger(amount)) throw new InvalidArgumentError('amount', amount, 'a safe integer');
    const value = this.locals[this.index]! + amount;
    if (value >= this.batch || value <= -this.batch) this.fold(value);
    else this.locals[this.index] = value;
  }

  inc(): void {
    const value = this.locals[this.index]! + 1;
    if (value >= this.batch) this.fold(value);
    else this.locals[this.index] = value;
  }

  dec(): void {
    const value = this.locals[this.index]! - 1;
    if (value <= -this.batch) this.fold(value);
    else this.locals[this.index] = value;
  }

  local(): number {
    return this.locals[this.index]!;
  }

  private fold(value: number): void {
    // Atomics.store: announce the fold before the global count changes (seq-cst).
    Atomics.store(this.control32, this.foldingIdx, this.slotTag);
    // Atomics.add: the global count is shared by all CPUs.
    Atomics.add(this.control64, this.countIdx, BigInt(value));
    this.locals[this.index] = 0;
    // Atomics.add: readers compare this before and after reading, and retry if it moved.
    Atomics.add(this.control32, this.foldsIdx, 1);
    // Atomics.store: the fold is over; ordered after the local reset above.
    Atomics.store(this.control32, this.foldingIdx, 0);
  }
}

export function makeCpuCounter(binding: CpuBinding, value: unknown): CpuCounter {
  return new CpuCounterImpl(binding, checkCounterHandle(value));
}
