/**
 * Tasks of bench/counters/counter-check.ts: the percpu_counter add path with the destroyed-counter
 * check (thisCpu.counter(handle), src/cpu/cpu-counter.ts) against the same path without it
 * (UncheckedCounter below: cpu-counter.ts's add path as it was before the generation check, fold
 * protocol included), on the same counter, in the same worker.
 *
 * Context: a CPU's worker thread (one CPU: the runtime of counter-check.ts has one).
 */
import { thisCpu } from 'percpu/cpu';
import type { CounterHandle } from '../../src/counter/handle.js';
import { requireBinding } from '../../src/cpu/binding.js';
import {
  FOLD_LOCK_FREE,
  SLOT_LOCK_BYTE,
  SLOT_READER_WAITING_BYTE,
  counterSlotByte,
} from '../../src/counter/slot-layout.js';

/** The CPU-side counter with no generation check: the baseline. */
class UncheckedCounter {
  private readonly locals: Int32Array;
  private readonly index: number;
  private readonly control32: Int32Array;
  private readonly control64: BigInt64Array;
  private readonly countIdx: number;
  private readonly lockIdx: number;
  private readonly readerWaitingIdx: number;
  private readonly batch: number;
  private readonly lockTag: number;

  constructor(handle: CounterHandle) {
    const binding = requireBinding('benchmark an unchecked counter');
    this.locals = binding.views.s32;
    this.index = handle.ptr >>> 2;
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
    if (!Number.isSafeInteger(amount)) throw new RangeError('amount');
    const value = this.locals[this.index]! + amount;
    if (value >= this.batch || value <= -this.batch) this.fold(value);
    else this.locals[this.index] = value;
  }

  inc(): void {
    const value = this.locals[this.index]! + 1;
    if (value >= this.batch) this.fold(value);
    else this.locals[this.index] = value;
  }

  private fold(value: number): void {
    const c = this.control32;
    for (;;) {
      // Atomics.load / compareExchange: as cpu-counter.ts (a waiting coordinator first; acquire).
      if (
        Atomics.load(c, this.readerWaitingIdx) === 0 &&
        Atomics.compareExchange(c, this.lockIdx, FOLD_LOCK_FREE, this.lockTag) === FOLD_LOCK_FREE
      )
        break;
    }
    // Atomics.add: the global count, as cpu-counter.ts.
    Atomics.add(this.control64, this.countIdx, BigInt(value));
    this.locals[this.index] = 0;
    // Atomics.store: release the lock (seq-cst), as cpu-counter.ts.
    Atomics.store(c, this.lockIdx, FOLD_LOCK_FREE);
  }
}

export interface CheckArg {
  readonly handle: CounterHandle;
  readonly n: number;
}

/** Nanoseconds of `n` calls of `loop`'s body. */
function time(loop: () => void): number {
  const start = process.hrtime.bigint();
  loop();
  return Number(process.hrtime.bigint() - start);
}

export function checkedInc(arg: CheckArg): number {
  const c = thisCpu.counter(arg.handle);
  const n = arg.n;
  return time(() => {
    for (let i = 0; i < n; i++) c.inc();
  });
}

export function uncheckedInc(arg: CheckArg): number {
  const c = new UncheckedCounter(arg.handle);
  const n = arg.n;
  return time(() => {
    for (let i = 0; i < n; i++) c.inc();
  });
}

export function checkedAdd(arg: CheckArg): number {
  const c = thisCpu.counter(arg.handle);
  const n = arg.n;
  return time(() => {
    for (let i = 0; i < n; i++) c.add(3);
  });
}

export function uncheckedAdd(arg: CheckArg): number {
  const c = new UncheckedCounter(arg.handle);
  const n = arg.n;
  return time(() => {
    for (let i = 0; i < n; i++) c.add(3);
  });
}
