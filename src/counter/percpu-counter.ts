/**
 * percpu_counter, coordinator side. The local parts are an s32 per CPU (allocated like any
 * per-CPU variable); the global count is an s64 in the control buffer.
 *
 * - read(): the global count alone: approximate, O(1) (percpu_counter_read).
 * - sum(): the global count plus every possible CPU's local part: exact (percpu_counter_sum).
 *   It retries while a CPU is folding, so it never counts a fold twice or not at all.
 * - compare(rhs): uses read() when it is further than batch × online CPUs from rhs, else sum().
 *
 * Context: the coordinator.
 */
import { InvalidArgumentError } from '../errors.js';
import { MB_FOLDING, SLOT_FOLDS_BYTE, counterSlotByte, mailboxIndex } from '../memory/control-layout.js';
import type { CpuViews } from '../memory/percpu-memory.js';
import type { CounterHandle } from './handle.js';

/** What the counter needs from the runtime. */
export interface CounterHost {
  readonly cpus: number;
  readonly views: readonly CpuViews[];
  readonly control32: Int32Array;
  readonly control64: BigInt64Array;
  onlineCount(): number;
  /** Frees the counter's per-CPU part and its slot. */
  release(counter: PercpuCounter): void;
  assertUsable(what: string): void;
}

/** How many times sum() retries around in-flight folds before settling for its last read. */
const SUM_RETRIES = 100_000;

export class PercpuCounter {
  readonly handle: CounterHandle;
  private readonly host: CounterHost;
  private readonly localIndex: number;
  private readonly countIdx: number;
  private readonly foldsIdx: number;
  private destroyed = false;

  constructor(host: CounterHost, handle: CounterHandle) {
    this.host = host;
    this.handle = handle;
    this.localIndex = handle.ptr >>> 2;
    const slotByte = counterSlotByte(host.cpus, handle.slot);
    this.countIdx = slotByte / 8;
    this.foldsIdx = (slotByte + SLOT_FOLDS_BYTE) / 4;
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

  /** The exact value: the global count plus every possible CPU's unfolded part. */
  sum(): bigint {
    this.check('sum');
    const { control32, control64, views, cpus } = this.host;
    let total = 0n;
    for (let attempt = 0; attempt < SUM_RETRIES; attempt++) {
      // Atomics.load: folds completed so far; if it moves while we read, a fold overlapped.
      const folds = Atomics.load(control32, this.foldsIdx);
      if (this.folding()) continue;
      total = Atomics.load(control64, this.countIdx);
      for (let cpu = 0; cpu < cpus; cpu++) total += BigInt(views[cpu]!.s32[this.localIndex]!);
      if (!this.folding() && Atomics.load(control32, this.foldsIdx) === folds) return total;
    }
    return total;
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
    Atomics.add(this.host.control64, this.countIdx, toBigInt('amount', amount));
  }

  /**
   * Makes sum() equal `value` by adjusting the global count (the CPUs' parts are theirs to
   * write). Exact when no CPU adds meanwhile; concurrent adds still count, after the set.
   */
  set(value: bigint | number): void {
    this.check('set');
    const target = toBigInt('value', value);
    // Atomics.add: as in add().
    Atomics.add(this.host.control64, this.countIdx, target - this.sum());
  }

  /** Folds CPU `cpu`'s local part into the global count; only for a CPU with no worker. */
  foldOfflineCpu(cpu: number): void {
    const locals = this.host.views[cpu]!.s32;
    const local = locals[this.localIndex]!;
    if (local === 0) return;
    // Atomics.add: other CPUs may fold concurrently.
    Atomics.add(this.host.control64, this.countIdx, BigInt(local));
    locals[this.localIndex] = 0;
  }

  /** Frees the counter; using it afterwards throws. */
  destroy(): void {
    this.check('destroy');
    this.destroyed = true;
    this.host.release(this);
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  private folding(): boolean {
    const { control32, cpus } = this.host;
    const tag = this.handle.slot + 1;
    for (let cpu = 0; cpu < cpus; cpu++) {
      // Atomics.load: a CPU's fold announcement (see cpu-counter.ts).
      if (Atomics.load(control32, mailboxIndex(cpu) + MB_FOLDING) === tag) return true;
    }
    return false;
  }

  private check(what: string): void {
    this.host.assertUsable(`${what} a counter`);
    if (this.destroyed) throw new InvalidArgumentError('counter', this.handle, 'a counter that has not been destroyed');
  }
}

function toBigInt(argument: string, value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new InvalidArgumentError(argument, value, 'a bigint or a safe integer');
}
