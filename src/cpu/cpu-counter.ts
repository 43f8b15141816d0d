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

export function makeCpuCounter(binding: CpuBinding, value: unknown): CpuCounter {
  const handle = checkCounterHandle(value);
  const local = binding.views.s32;
  const index = elementIndex(handle.ptr, 's32', binding.areaSize);
  const control32 = binding.control32;
  const control64 = binding.control64;
  const slotByte = counterSlotByte(binding.cpus, handle.slot);
  const countIdx = slotByte / 8;
  const foldsIdx = (slotByte + SLOT_FOLDS_BYTE) / 4;
  const foldingIdx = mailboxIndex(binding.cpu) + MB_FOLDING;
  const batch = handle.batch;
  const slotTag = handle.slot + 1;

  const fold = (value: number): void => {
    // Atomics.store: announce the fold before the global count changes (seq-cst).
    Atomics.store(control32, foldingIdx, slotTag);
    // Atomics.add: the global count is shared by all CPUs.
    Atomics.add(control64, countIdx, BigInt(value));
    local[index] = 0;
    // Atomics.add: readers compare this before and after reading, and retry if it moved.
    Atomics.add(control32, foldsIdx, 1);
    // Atomics.store: the fold is over; ordered after the local reset above.
    Atomics.store(control32, foldingIdx, 0);
  };

  const add = (amount: number): void => {
    if (!Number.isSafeInteger(amount)) throw new InvalidArgumentError('amount', amount, 'a safe integer');
    const value = local[index]! + amount;
    if (value >= batch || value <= -batch) fold(value);
    else local[index] = value;
  };

  return {
    handle,
    add,
    inc: () => {
      const value = local[index]! + 1;
      if (value >= batch) fold(value);
      else local[index] = value;
    },
    dec: () => {
      const value = local[index]! - 1;
      if (value <= -batch) fold(value);
      else local[index] = value;
    },
    local: () => local[index]!,
  };
}
