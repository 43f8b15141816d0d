/**
 * percpu_counter, coordinator side. The local parts are an s32 per CPU (allocated like any
 * per-CPU variable); the global count is an s64 in the control buffer.
 *
 * - read(): the global count alone: approximate, O(1) (percpu_counter_read).
 * - sum(): the global count plus every possible CPU's local part: exact (percpu_counter_sum).
 *   It holds the counter's fold lock while it reads, as Linux's does, so it never counts a fold
 *   twice or not at all.
 * - compare(rhs): uses read() when it is further than batch × online CPUs from rhs, else sum().
 *
 * Context: the coordinator.
 */
import { InvalidArgumentError } from '../errors.js';
import type { CpuViews } from '../memory/percpu-memory.js';
import type { CounterHandle } from './handle.js';
import { FOLD_LOCK_COORDINATOR, FOLD_LOCK_FREE, counterSlotWords } from './slot-layout.js';

/** What the counter needs from the runtime. */
export interface CounterHost {
  readonly cpus: number;
  readonly views: readonly CpuViews[];
  readonly control32: Int32Array;
  readonly control64: BigInt64Array;
  onlineCount(): number;
  /**
   * Destroys the counter: checks first (throws, changing nothing), then moves the slot's
   * generation on and frees its per-CPU part and slot once no task that might hold the handle runs.
   */
  release(counter: PercpuCounter): void;
  assertUsable(what: string): void;
}

/**
 * How long the coordinator spins for the fold lock before reading without it. A fold holds the
 * lock for well under a microsecond; only a worker killed in the middle of a fold (whose death the
 * coordinator has not processed yet) can hold it longer.
 */
const LOCK_SPIN_LIMIT = 10_000_000;

export class PercpuCounter {
  readonly handle: CounterHandle;
  private readonly host: CounterHost;
  private readonly localIndex: number;
  private readonly countIdx: number;
  private readonly lockIdx: number;
  private readonly readerWaitingIdx: number;
  private destroyed = false;

  constructor(host: CounterHost, handle: CounterHandle) {
    this.host = host;
    this.handle = handle;
    this.localIndex = handle.ptr >>> 2;
    const words = counterSlotWords(host.cpus, handle.slot);
    this.countIdx = words.count;
    this.lockIdx = words.lock;
    this.readerWaitingIdx = words.readerWaiting;
  }

  get batch(): number {
    return this.handle.batch;
  }

  /** The approximate value: the global count only. */
  read(): bigint {
    this.check('read');
    // Atomics.load: the count is s64, written by CPUs with Atomics.add; a plain read may tear.
    return Atomics.load(this.host.control64, this.countIdx);
  }

  /** The exact value: the global count plus every possible CPU's unfolded part, under the fold lock. */
  sum(): bigint {
    this.check('sum');
    const { control64, views, cpus } = this.host;
    const locked = this.lock();
    try {
      // Atomics.load: the s64 count may not tear.
      let total = Atomics.load(control64, this.countIdx);
      for (let cpu = 0; cpu < cpus; cpu++) total += BigInt(views[cpu]!.s32[this.localIndex]!);
      return total;
    } finally {
      if (locked) this.unlock();
    }
  }

  /** sum() calls that could not get the fold lock (a worker died holding it) and read without it. */
  unlockedSums = 0;

  /** Takes the fold lock as the coordinator; false if it had to give up (see LOCK_SPIN_LIMIT). */
  private lock(): boolean {
    const c = this.host.control32;
    // Atomics.store: ask folding CPUs to let us in first.
    Atomics.store(c, this.readerWaitingIdx, 1);
    for (let spin = 0; spin < LOCK_SPIN_LIMIT; spin++) {
      // Atomics.compareExchange: take the lock (acquire; seq-cst).
      if (Atomics.compareExchange(c, this.lockIdx, FOLD_LOCK_FREE, FOLD_LOCK_COORDINATOR) === FOLD_LOCK_FREE) {
        Atomics.store(c, this.readerWaitingIdx, 0);
        return true;
      }
    }
    Atomics.store(c, this.readerWaitingIdx, 0);
    this.unlockedSums++;
    return false;
  }

  private unlock(): void {
    // Atomics.store: release (seq-cst), after the reads above.
    Atomics.store(this.host.control32, this.lockIdx, FOLD_LOCK_FREE);
  }

  /** If CPU `cpu` (whose worker died) held the fold lock, releases it; returns whether it did. */
  releaseLockOf(cpu: number): boolean {
    // Atomics.compareExchange: free the lock only if that CPU holds it.
    return Atomics.compareExchange(this.host.control32, this.lockIdx, cpu + 1, FOLD_LOCK_FREE) === cpu + 1;
  }

  /** -1, 0 or 1 as the counter is below, equal to or above `rhs` (percpu_counter_compare). */
  compare(rhs: bigint | number): -1 | 0 | 1 {
    this.check('compare');
    const target = toBigInt('rhs', rhs);
    const approx = this.read();
    const slack = BigInt(this.handle.batch) * BigInt(this.host.onlineCount());
    const distance = approx > target ? approx - target : target - approx;
    const value = distance > slack ? approx : this.sum();
    return value > target ? 1 : value < target ? -1 : 0;
  }

  /** Adds to the global count directly (the coordinator is not a CPU and has no local part). */
  add(amount: bigint | number): void {
    this.check('add');
    // Atomics.add: CPUs fold into the same count concurrently.
    Atomics.add(this.host.control64, this.countIdx, toBigInt('amount', amount, true));
  }

  /**
   * Makes sum() equal `value` by adjusting the global count (the CPUs' parts are theirs to
   * write). Exact when no CPU adds meanwhile; concurrent adds still count, after the set.
   */
  set(value: bigint | number): void {
    this.check('set');
    const target = toBigInt('value', value, true);
    // Atomics.add: as in add().
    Atomics.add(this.host.control64, this.countIdx, target - this.sum());
  }

  /** Folds CPU `cpu`'s local part into the global count; only for a CPU with no worker. */
  foldOfflineCpu(cpu: number): void {
    const locals = this.host.views[cpu]!.s32;
    const local = locals[this.localIndex]!;
    if (local === 0) return;
    const locked = this.lock();
    // Atomics.add: as a CPU's fold, under the fold lock.
    Atomics.add(this.host.control64, this.countIdx, BigInt(local));
    locals[this.localIndex] = 0;
    if (locked) this.unlock();
  }

  /**
   * Frees the counter; using it afterwards throws, here and on every CPU (CounterDestroyedError).
   * All or nothing: a destroy() that throws has changed nothing.
   */
  destroy(): void {
    this.check('destroy');
    this.host.release(this);
    this.destroyed = true;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  private check(what: string): void {
    this.host.assertUsable(`${what} a counter`);
    if (this.destroyed) throw new InvalidArgumentError('counter', this.handle, 'a counter that has not been destroyed');
  }
}

const S64_MIN = -(2n ** 63n);
const S64_MAX = 2n ** 63n - 1n;

/**
 * A bigint or safe integer as a bigint. With `s64`, it must fit the global count's type: an
 * amount or value outside it would wrap the count (add(2n ** 64n) would add 0).
 */
function toBigInt(argument: string, value: unknown, s64 = false): bigint {
  if (typeof value === 'bigint') {
    if (s64 && (value < S64_MIN || value > S64_MAX)) {
      throw new InvalidArgumentError(
        argument,
        value,
        `a bigint from ${S64_MIN}n to ${S64_MAX}n (s64) or a safe integer`,
      );
    }
    return value;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new InvalidArgumentError(
    argument,
    value,
    s64 ? `a safe integer or a bigint from ${S64_MIN}n to ${S64_MAX}n (s64)` : 'a bigint or a safe integer',
  );
}
