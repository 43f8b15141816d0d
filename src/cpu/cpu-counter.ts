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
 *
 * Destroyed counters: every add (and local()) first compares the slot's generation word
 * (src/counter/slot-layout.ts) with the generation in the handle, with a plain load, and throws
 * CounterDestroyedError once the word has moved on. A plain load is enough, for three reasons:
 *   - the coordinator moves the word on with Atomics.add (seq-cst) before destroy() returns, so
 *     the new value is in coherent memory before anything else happens; a load that reads memory
 *     afterwards sees it. A task dispatched after the destroy even has it ordered before its start
 *     (the message that starts the task is sent after the store and received before the task runs);
 *   - the compiler cannot keep the word in a register across adds: between two loads of it an add
 *     stores to the local part through another Int32Array (or folds, with atomics), and nothing
 *     tells the compiler the two views do not share a buffer;
 *   - a load that still returns the old generation (an add that races with the destroy) is
 *     harmless: the runtime does not hand the destroyed counter's slot and local part to anyone
 *     until every task that might hold the handle has ended (the quarantine, runtime.ts), so such
 *     an add only reaches memory no newer counter uses.
 * No ordering beyond that is needed: the generation guards no other data.
 */
import { CounterDestroyedError, InvalidArgumentError } from '../errors.js';
import { FOLD_LOCK_FREE, counterSlotWords, generationIndex } from '../counter/slot-layout.js';
import { MAX_COUNTERS } from '../memory/control-layout.js';
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
  /** control32 index of the slot's generation word, and the generation this counter belongs to. */
  private readonly generationIdx: number;
  private readonly generation: number;

  constructor(binding: CpuBinding, handle: CounterHandle, generationIdx: number) {
    this.handle = handle;
    this.locals = binding.views.s32;
    this.index = elementIndex(handle.ptr, 's32', binding.areaSize);
    this.control32 = binding.control32;
    this.control64 = binding.control64;
    const words = counterSlotWords(binding.cpus, handle.slot);
    this.countIdx = words.count;
    this.lockIdx = words.lock;
    this.readerWaitingIdx = words.readerWaiting;
    this.batch = handle.batch;
    this.lockTag = binding.cpu + 1;
    this.generationIdx = generationIdx;
    this.generation = handle.generation;
  }

  add(amount: number): void {
    if (!Number.isSafeInteger(amount)) throw new InvalidArgumentError('amount', amount, 'a safe integer');
    // A plain load (see the file header): has the counter been destroyed?
    if (this.control32[this.generationIdx] !== this.generation) throw this.destroyed();
    const value = this.locals[this.index]! + amount;
    if (value >= this.batch || value <= -this.batch) this.fold(value);
    else this.locals[this.index] = value;
  }

  inc(): void {
    // A plain load (see the file header): has the counter been destroyed?
    if (this.control32[this.generationIdx] !== this.generation) throw this.destroyed();
    const value = this.locals[this.index]! + 1;
    if (value >= this.batch) this.fold(value);
    else this.locals[this.index] = value;
  }

  dec(): void {
    // A plain load (see the file header): has the counter been destroyed?
    if (this.control32[this.generationIdx] !== this.generation) throw this.destroyed();
    const value = this.locals[this.index]! - 1;
    if (value <= -this.batch) this.fold(value);
    else this.locals[this.index] = value;
  }

  local(): number {
    // A plain load (see the file header): a destroyed counter's memory may be someone else's.
    if (this.control32[this.generationIdx] !== this.generation) throw this.destroyed();
    return this.locals[this.index]!;
  }

  private destroyed(): CounterDestroyedError {
    return new CounterDestroyedError(this.handle.slot);
  }

  private fold(value: number): void {
    const c = this.control32;
    for (;;) {
      // Atomics.load: a waiting coordinator goes first, so an exact sum is never starved.
      // Atomics.compareExchange: take the lock (acquire; seq-cst).
      if (
        Atomics.load(c, this.readerWaitingIdx) === 0 &&
        Atomics.compareExchange(c, this.lockIdx, FOLD_LOCK_FREE, this.lockTag) === FOLD_LOCK_FREE
      )
        break;
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
  // A plain read: the coordinator wrote the slot count before this worker started.
  const slots = binding.control32[MAX_COUNTERS]!;
  if (handle.slot < 0 || handle.slot >= slots || handle.batch < 1 || handle.batch > MAX_BATCH) {
    throw new InvalidArgumentError(
      'counter',
      value,
      `a counter handle from rt.counter().handle (slot from 0 to ${slots - 1}, batch from 1 to ${MAX_BATCH})`,
    );
  }
  const generationIdx = generationIndex(binding.cpus, slots, handle.slot);
  // A plain load, as on every add (see the file header): a handle of a destroyed counter.
  if (binding.control32[generationIdx] !== handle.generation) throw new CounterDestroyedError(handle.slot);
  return new CpuCounterImpl(binding, handle, generationIdx);
}
