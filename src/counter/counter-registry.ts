/**
 * The runtime's percpu_counters: their slots in the control buffer, their local parts in the
 * per-CPU memory, and the quarantine that keeps a destroyed counter's slot and memory from anyone
 * until the tasks that might still hold its handle have ended (quarantine.ts).
 *
 * Context: the coordinator.
 */
import type { PercpuAllocator } from '../allocator/allocator.js';
import { OutOfSpaceError, VerifyError } from '../errors.js';
import type { CpuViews } from '../memory/percpu-memory.js';
import type { CounterHandle } from './handle.js';
import { PercpuCounter } from './percpu-counter.js';
import { CounterQuarantine } from './quarantine.js';
import { generationIndex, resetCounterSlot } from './slot-layout.js';

/** What the counters need from the runtime. */
export interface CounterRegistryHost {
  readonly cpus: number;
  readonly maxCounters: number;
  readonly views: readonly CpuViews[];
  readonly control32: Int32Array;
  readonly control64: BigInt64Array;
  readonly allocator: PercpuAllocator;
  /** CPUs whose local part may be unfolded (compare()'s slack). */
  cpusMayHoldUnfolded(): number;
  /** Robust mode's bookkeeping after an allocation (`ptr`) or a free (null). */
  afterAllocatorOp(ptr: number | null, size: number): void;
  assertUsable(what: string): void;
  /** A release that had to wait for tasks failed (logged: nothing can throw it at a caller). */
  onReleaseError(error: unknown): void;
}

export class CounterRegistry {
  private readonly host: CounterRegistryHost;
  private readonly live = new Set<PercpuCounter>();
  /** Free slot indexes, the lowest last (pop() takes it). */
  private readonly freeSlots: number[];
  /** Offsets of the counters' local parts (destroyed ones too, until released): not free()'s to free. */
  private readonly ptrs = new Set<number>();
  /** Tasks in flight, and the destroyed counters that wait for them. */
  readonly quarantine: CounterQuarantine;

  constructor(host: CounterRegistryHost) {
    this.host = host;
    this.freeSlots = Array.from({ length: host.maxCounters }, (_, i) => host.maxCounters - 1 - i);
    this.quarantine = new CounterQuarantine((error) => host.onReleaseError(error));
  }

  /** Counters alive (not destroyed). */
  get size(): number {
    return this.live.size;
  }

  /** Whether `ptr` is a counter's local part (destroyed ones' too, until released). */
  owns(ptr: number): boolean {
    return this.ptrs.has(ptr);
  }

  /** A new counter with fold threshold `batch`; OutOfSpaceError without a slot or memory. */
  create(batch: number): PercpuCounter {
    const { allocator, control32, control64, cpus, maxCounters } = this.host;
    const slot = this.freeSlots.pop();
    if (slot === undefined) {
      const held = this.quarantine.size;
      throw new OutOfSpaceError(
        `All ${maxCounters} counter slots are in use (option maxCounters)` +
          (held === 0
            ? ''
            : `; ${held} of them hold destroyed counters ` +
              `until the tasks that were running or queued when they were destroyed end`),
      );
    }
    const ptr = allocator.alloc(4, 4);
    if (ptr === null) {
      this.freeSlots.push(slot);
      throw new OutOfSpaceError('No per-CPU space left for a counter');
    }
    this.host.afterAllocatorOp(ptr, 4);
    resetCounterSlot(control32, control64, cpus, slot);
    // Atomics.load: the slot's generation, moved on by every destroy() of a counter in it.
    const generation = Atomics.load(control32, generationIndex(cpus, maxCounters, slot));
    const handle: CounterHandle = { ptr, slot, batch, generation };
    const counter = new PercpuCounter(
      {
        cpus,
        views: this.host.views,
        control32,
        control64,
        onlineCount: () => this.host.cpusMayHoldUnfolded(),
        release: (destroyed) => this.release(destroyed),
        assertUsable: (what) => this.host.assertUsable(what),
      },
      handle,
    );
    this.live.add(counter);
    this.ptrs.add(ptr);
    return counter;
  }

  /** No worker writes CPU `cpu`'s unit now: fold its local parts into the global counts. */
  foldCpu(cpu: number): void {
    for (const counter of this.live) counter.foldOfflineCpu(cpu);
  }

  /** After CPU `cpu`'s worker ended: the slots of the counters whose fold lock it held. */
  releaseLocksOf(cpu: number): number[] {
    const slots: number[] = [];
    for (const counter of this.live) if (counter.releaseLockOf(cpu)) slots.push(counter.handle.slot);
    return slots;
  }

  /** destroy(): checks everything before it changes anything (all or nothing). */
  private release(counter: PercpuCounter): void {
    const { ptr, slot } = counter.handle;
    const { allocator, control32, cpus, maxCounters } = this.host;
    if (!this.live.has(counter) || !this.ptrs.has(ptr) || !allocator.isLive(ptr)) {
      throw new VerifyError([`counter in slot ${slot}: its local part at ${ptr} is not a live counter allocation`]);
    }
    this.live.delete(counter);
    // Atomics.add: move the slot's generation on (seq-cst, before destroy() returns); every
    // CPU-side counter of the old handle throws at its next add (cpu-counter.ts).
    Atomics.add(control32, generationIndex(cpus, maxCounters, slot), 1);
    // The slot and the local part go back once no task that might hold the handle runs.
    this.quarantine.hold(() => {
      this.ptrs.delete(ptr);
      allocator.free(ptr);
      this.freeSlots.push(slot);
      // A free like any other: robust mode's verifyEveryOperation checks after it too.
      this.host.afterAllocatorOp(null, 0);
    });
  }
}
