/**
 * A percpu_counter as it travels to tasks: plain numbers, so it can be passed as a task argument.
 *
 * - ptr: offset of the per-CPU local part, an s32 in every CPU's area (written only by its CPU).
 * - slot: index of the global count in the control buffer (an s64 updated with Atomics.add).
 * - batch: a CPU folds its local part into the global count when it reaches ±batch.
 * - generation: the slot's generation word when the counter was made (slot-layout.ts); once
 *   the counter is destroyed the word moves on, and the handle is refused.
 */
import { InvalidArgumentError } from '../errors.js';

export interface CounterHandle {
  readonly ptr: number;
  readonly slot: number;
  readonly batch: number;
  readonly generation: number;
}

/** Largest batch: the local part is an s32, so |local| < batch must fit. */
export const MAX_BATCH = 2 ** 30;

export function checkBatch(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_BATCH) {
    throw new InvalidArgumentError('batch', value, `an integer from 1 to ${MAX_BATCH}`);
  }
  return value;
}

export function checkCounterHandle(value: unknown): CounterHandle {
  const h = value as Partial<CounterHandle> | null;
  if (
    typeof h !== 'object' ||
    h === null ||
    !Number.isInteger(h.ptr) ||
    !Number.isInteger(h.slot) ||
    !Number.isInteger(h.batch) ||
    !Number.isInteger(h.generation)
  ) {
    throw new InvalidArgumentError(
      'counter',
      value,
      'a counter handle ({ ptr, slot, batch, generation }) from rt.counter().handle',
    );
  }
  return h as CounterHandle;
}
