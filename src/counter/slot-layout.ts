/**
 * A percpu_counter's words in the control buffer (src/memory/control-layout.ts places the slots
 * and the generation words), and the reset of a slot for a new counter.
 *
 * Bytes of a slot (COUNTER_SLOT, 16):
 *   [0, 8)   the global count, s64 (Atomics.add by folding CPUs, Atomics.load by readers)
 *   [8, 12)  the fold lock, s32: 0 free, cpu + 1 held by that CPU, FOLD_LOCK_COORDINATOR held by
 *            the coordinator (for an exact sum). Linux's fbc->lock, taken only on the fold path.
 *   [12, 16) s32, 1 while the coordinator waits for the lock: CPUs let it go first.
 *
 * The generation word of a slot (s32, on lines apart from the slots): starts at 0 and moves on by
 * one (Atomics.add, wrapping at 2^32) each time the slot's counter is destroyed; a handle carries
 * the generation its counter was made in, so a CPU can tell a handle of a destroyed counter from
 * the slot's current one.
 *
 * Context: both sides. The coordinator resets slots (resetCounterSlot); CPUs and the coordinator
 * compute the same indexes here.
 */
import { COUNTER_SLOT, counterSlotsByte, generationsIndex } from '../memory/control-layout.js';

/** Byte offsets in a slot; the last word ends at COUNTER_SLOT (16). */
export const SLOT_COUNT_BYTE = 0;
export const SLOT_LOCK_BYTE = 8;
export const SLOT_READER_WAITING_BYTE = 12;
export const FOLD_LOCK_FREE = 0;
export const FOLD_LOCK_COORDINATOR = -1;

/** Byte offset of counter slot `slot` in a control buffer for `cpus` CPUs. */
export function counterSlotByte(cpus: number, slot: number): number {
  return counterSlotsByte(cpus) + COUNTER_SLOT * slot;
}

/** Where a slot's words are: the count as a BigInt64Array index, the others as Int32Array indexes. */
export interface CounterSlotWords {
  readonly count: number;
  readonly lock: number;
  readonly readerWaiting: number;
}

export function counterSlotWords(cpus: number, slot: number): CounterSlotWords {
  const byte = counterSlotByte(cpus, slot);
  return {
    count: (byte + SLOT_COUNT_BYTE) / 8,
    lock: (byte + SLOT_LOCK_BYTE) / 4,
    readerWaiting: (byte + SLOT_READER_WAITING_BYTE) / 4,
  };
}

/** Int32 index of counter slot `slot`'s generation word. */
export function generationIndex(cpus: number, maxCounters: number, slot: number): number {
  return generationsIndex(cpus, maxCounters) + slot;
}

/**
 * Readies slot `slot` for a new counter: its global count, fold lock and waiting word back to 0
 * (a reused slot has a destroyed counter's). Not the generation word: it only moves on.
 * Context: the coordinator, before the new counter's handle exists (no CPU can use the slot).
 */
export function resetCounterSlot(control32: Int32Array, control64: BigInt64Array, cpus: number, slot: number): void {
  const words = counterSlotWords(cpus, slot);
  // Atomics.store: reset the slot's global count, lock and waiting flag (a reused slot has old ones).
  Atomics.store(control64, words.count, 0n);
  Atomics.store(control32, words.lock, FOLD_LOCK_FREE);
  Atomics.store(control32, words.readerWaiting, 0);
}
