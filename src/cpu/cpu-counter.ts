/**
 * percpu_counter, CPU side: add to this CPU's local s32 with a plain store; when the local part
 * reaches ±batch, fold it into the global count with one atomic add.
 *
 * Fold protocol (the only atomics on this path, once per `batch` of counting), as Linux's
 * __percpu_counter_add_batch under fbc->lock:
 *   1. take the counter's fold lock (Atomics.compareExchange 0 → cpu + 1), after letting a
 *      waiting coordinator go first
 *   2. Atomics.add(global count, local + amount)
 *   3. local = 0                              plain store to our own unit
 *   4. Atomics.store(fold lock = 0)
 * The coordinator's exact sum holds the same lock, so it never sees a fold half done.
 */
import { InvalidArgumentError } from '../errors.js';
import { COUNTER_SLOT, FOLD_LOCK_FREE, SLOT_LOCK_BYTE, SLOT_READER_WAITING_BYTE, counterSlotByte } from '../memory/control-layout.js';
import { elementIndex } from '../memory/pointer.js';
import { type CounterHandle, MAX_BATCH, checkCounterHandle } from '../counter/handle.js';
import type { CpuBinding } from './binding.js';
import { traceFold } from './trace.js';

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
  private readonly lockIdx: number;
  private readonly readerWaitingIdx: number;
  private readonly batch: number;
  private readonly lockTag: number;

  constructor(binding: CpuBinding, handle: CounterHandle) {
    this.handle = handle;
    this.locals = binding.views.s32;
    this.index = elementIndex(handle.ptr, 's32', binding.areaSize);
    this.control32 = binding.control32;
    this.control64 = binding.control64;
    const slotByte = counterSlotByte(binding.cpus, handle.slot);
    this.countIdx = slotByte / 8;
    this.lockIdx = (slotByte + SLOT_LOCK_BYTE) / 4;
    this.readerWaitingIdx = (slotByte + SLOT_READER_WAITING_BYTE) / 4;
    this.batch = handle.batch;
    this.lockTag = binding.cpu + 1;
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
    const c = this.control32;
    for (;;) {
      // Atomics.load: a waiting coordinator goes first, so an exact sum is never starved.
      // Atomics.compareExchange: take the lock (acquire; seq-cst).
      if (Atomics.load(c, this.readerWaitingIdx) === 0 && Atomics.compareExchange(c, this.lockIdx, FOLD_LOCK_FREE, this.lockTag) === FOLD_LOCK_FREE) break;
    }
    // Atomics.add: the global count is shared by all CPUs and read by the coordinator.
    const before = Atomics.add(this.control64, this.countIdx, BigInt(value));
    this.locals[this.index] = 0;
    // Atomics.store: release the lock, after the count and the local reset (seq-cst).
    Atomics.store(c, this.lockIdx, FOLD_LOCK_FREE);
    traceFold(this.handle.slot, value, before);
  }
}

export function makeCpuCounter(binding: CpuBinding, value: unknown): CpuCounter {
  const handle = checkCounterHandle(value);
  // A slot outside the control buffer's counter slots would make a fold's atomics throw, or
  // (negative) add into the CPUs' mailboxes; a batch out of range would overflow the s32 local.
  const slots = (binding.control32.byteLength - counterSlotByte(binding.cpus, 0)) / COUNTER_SLOT;
  if (handle.slot < 0 || handle.slot >= slots || handle.batch < 1 || handle.batch > MAX_BATCH) {
    throw new InvalidArgumentError(
      'counter',
      value,
      `a counter handle from rt.counter().handle (slot from 0 to ${slots - 1}, batch from 1 to ${MAX_BATCH})`,
    );
  }
  return new CpuCounterImpl(binding, handle);
}
