/**
 * What every metric kind shares, on the coordinator: its label sets (children) and their per-CPU
 * records, the staging area through which CPUs bring label sets they use first, and the
 * quarantine that frees a removed child's memory only once no CPU can still write it.
 *
 * Staging (layout.ts has the picture). A CPU that uses a label set it has no memory for writes
 * the set's key into a free slot of its own staging area, marks it PENDING and counts into the
 * slot's record at once: its counts live in its own unit, where they survive its worker's death.
 * The coordinator (sync(), on a timer and before every scrape) resolves the slot to the child of
 * that key (creating it), then counts the slot's record as part of that child; the CPU re-points
 * to the child's record and retires the slot; the coordinator folds the retired record into the
 * child's coordinator-side part and frees the slot. Folding and scraping both run on this thread,
 * so no scrape sees a count twice or misses it, and a series appears once.
 *
 * Removal. remove() and reset() unlink a child at once (the next scrape no longer shows it), then
 * announce its record's offset in every CPU's removal ring; a CPU that attached the metric
 * acknowledges after it stopped writing there; the memory is freed when every attached CPU has
 * (a CPU whose worker is gone, or that never used the metric, holds nothing).
 *
 * Context: the coordinator.
 */
import { InvalidArgumentError, OutOfSpaceError, TooManySeriesError } from '../errors.js';
import { Child } from './child.js';
import type { MetricHandle, MetricKind } from './handle.js';
import type { FamilySnapshot, MetricsHost } from './host.js';
import {
  checkHelp,
  checkKeyBytes,
  checkLabelNames,
  checkMetricName,
  decodeKey,
  keyOfValues,
  valuesOfKey,
} from './labels.js';
import {
  H_ACK_EPOCH,
  H_ATTACHED,
  H_EPOCH,
  H_EVENTS,
  H_LIVE_CHILDREN,
  H_RING,
  H_ROOT_PTR,
  KEY_BYTES,
  KEY_BYTES_MASK,
  KEY_PROBE,
  KEY_RESTAGED,
  REMOVAL_RING,
  SLOT_FREE,
  SLOT_KEY_BYTE,
  SLOT_PENDING,
  SLOT_RECORD_BYTE,
  SLOT_RESOLVED,
  SLOT_RETIRED,
  SLOT_REVOKED,
  STAGING_SLOTS,
  S_CHILD_PTR,
  S_KEY_BYTES,
  S_STATE,
  slotByte,
  stagingSize,
} from './layout.js';

/** Label sets per metric unless its options say otherwise. */
export const DEFAULT_MAX_CHILDREN = 10_000;
export const MAX_MAX_CHILDREN = 1_000_000;

export interface MetricOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  /** Most label sets at once (default 10,000); one more is a TooManySeriesError. */
  readonly maxChildren?: number;
}

/** What a slot's coordinator-side owner is: its child, nothing yet, or a removed child's (discard it). */
type SlotOwner<F> = Child<F> | null | 'discard';

export abstract class Metric<K extends MetricKind, F> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly maxChildren: number;
  readonly handle: MetricHandle<K>;
  protected readonly host: MetricsHost;
  protected readonly recordSize: number;
  private readonly children = new Map<string, Child<F>>();
  private readonly slotOwners: SlotOwner<F>[];
  private readonly seenEvents: number[];
  /** Re-staged slots (cpu × STAGING_SLOTS + slot) still all zero: looked at on every sync. */
  private readonly lazySlots = new Set<number>();
  /** Removals announced to the CPUs (ring entries), oldest first, and those waiting for ring space. */
  private readonly announced: { readonly ptr: number; readonly epoch: number }[] = [];
  private readonly queued: number[] = [];
  private epoch = 0;

  protected constructor(
    host: MetricsHost,
    kind: K,
    id: number,
    options: MetricOptions,
    recordSize: number,
    buckets: readonly number[],
    reserved: readonly string[],
  ) {
    this.host = host;
    this.name = checkMetricName(options.name);
    this.help = checkHelp(options.help);
    this.labelNames = checkLabelNames(options.labelNames, reserved);
    const max = options.maxChildren ?? DEFAULT_MAX_CHILDREN;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_MAX_CHILDREN) {
      throw new InvalidArgumentError('maxChildren', max, `an integer from 1 to ${MAX_MAX_CHILDREN}`);
    }
    this.maxChildren = max;
    this.recordSize = recordSize;
    const staging = host.alloc(stagingSize(recordSize), 8);
    if (staging === null) throw new OutOfSpaceError(`No per-CPU space left for metric '${this.name}'`);
    this.handle = {
      kind,
      name: this.name,
      id,
      labelNames: this.labelNames,
      buckets,
      recordSize,
      staging,
      maxChildren: max,
    };
    this.slotOwners = new Array<SlotOwner<F>>(host.cpus * STAGING_SLOTS).fill(null);
    this.seenEvents = new Array<number>(host.cpus).fill(0);
    if (this.labelNames.length === 0) {
      try {
        this.setRoot(this.createChild(''));
      } catch (error) {
        host.free(staging);
        throw error;
      }
    }
  }

  /** The coordinator-side part of a new child. */
  protected abstract newFolded(): F;
  /** Adds the record at byte `byte` of CPU `cpu`'s area to the child's coordinator-side part. */
  protected abstract foldRecord(child: Child<F>, cpu: number, byte: number): void;
  /** Called when a CPU's staging slot is resolved to `child` (gauges fold the CPU's record then). */
  protected onResolved(_child: Child<F>, _cpu: number): void {}
  /** The family as the memory holds it now (after sync()). */
  protected abstract snapshot(children: Iterable<Child<F>>): FamilySnapshot;

  /** Per-CPU allocations the metric holds: its staging area, its children's records, removed records not freed yet. */
  get allocations(): number {
    return 1 + this.children.size + this.announced.length + this.queued.length;
  }

  /** Number of label sets (children) the metric has now. */
  get size(): number {
    return this.children.size;
  }

  /** The child of positional label values, created when new (the coordinator allocates at once). */
  protected childOf(values: readonly unknown[]): Child<F> {
    this.check('update');
    const key = keyOfValues(this.labelNames, values);
    return this.children.get(key) ?? this.createChild(key, true);
  }

  /** The child of positional label values if it exists (reading never creates one). */
  protected existing(values: readonly unknown[]): Child<F> | undefined {
    return this.children.get(keyOfValues(this.labelNames, values));
  }

  /** The unlabelled metric's only child. */
  protected root(what: string): Child<F> {
    this.check(what);
    if (this.labelNames.length > 0) {
      throw new InvalidArgumentError(
        'labels',
        undefined,
        `label values for ${this.labelNames.join(', ')}` +
          ` (metric '${this.name}' has labels: use labels(...) or pass them)`,
      );
    }
    return this.children.get('')!;
  }

  /** Removes one label set: its series disappears; its memory is freed once no CPU writes it. */
  remove(...values: unknown[]): void {
    this.check('remove');
    if (this.labelNames.length === 0) {
      this.reset();
      return;
    }
    const key = keyOfValues(this.labelNames, values);
    // Staged counts the CPUs announced before this call are resolved into the child first, so
    // they go with the removed series (revoked) instead of re-creating it at the next sync.
    this.sync();
    const child = this.children.get(key);
    if (child !== undefined) this.unlink(child);
    this.syncRemovals();
  }

  /** Removes every label set (an unlabelled metric starts again from zero, with a new `_created`). */
  reset(): void {
    this.check('reset');
    if (this.labelNames.length === 0) {
      // The new record first, so a CPU that attaches now reads the new root.
      const old = this.children.get('')!;
      const fresh = this.createChild('', false, true);
      this.setRoot(fresh);
      this.queued.push(old.ptr);
    } else {
      this.sync(); // as in remove(): what was staged before reset() goes with the series it resets
      for (const child of [...this.children.values()]) this.unlink(child);
    }
    this.syncRemovals();
  }

  /** Reads the CPUs' staging areas and removal acknowledgements (the registry's timer, every scrape). */
  sync(): void {
    const { cpus, views } = this.host;
    const base = this.handle.staging >>> 2;
    for (let cpu = 0; cpu < cpus; cpu++) {
      // Atomics.load: the CPU bumps its events word after every slot state it stores.
      const events = Atomics.load(views[cpu]!.s32, base + H_EVENTS);
      if (events === this.seenEvents[cpu]) continue;
      this.seenEvents[cpu] = events;
      this.scanSlots(cpu);
    }
    for (const index of this.lazySlots) this.scanSlots(Math.floor(index / STAGING_SLOTS));
    this.syncRemovals();
  }

  /** CPU `cpu`'s worker stopped or died: nobody writes its slots any more; fold them now. */
  cpuGone(cpu: number): void {
    const s32 = this.host.views[cpu]!.s32;
    const base = this.handle.staging >>> 2;
    // Atomics.store: the next worker of this CPU attaches afresh; until then it holds nothing.
    Atomics.store(s32, base + H_ATTACHED, 0);
    for (let slot = 0; slot < STAGING_SLOTS; slot++) {
      const state = this.stateIndex(slot);
      // Atomics.load / store: no worker of this CPU runs now, so the slot can be retired here.
      const now = Atomics.load(s32, state);
      if (now === SLOT_PENDING || now === SLOT_RESOLVED || now === SLOT_REVOKED)
        Atomics.store(s32, state, SLOT_RETIRED);
    }
    this.scanSlots(cpu);
    this.syncRemovals();
  }

  /** The family now: staging synced first, so every pending count is in its series. */
  collect(): FamilySnapshot {
    this.sync();
    return this.snapshot(this.children.values());
  }

  /** Calls `part(cpu, byte)` for each per-CPU record holding the child's counts: its own, then staged ones. */
  protected forEachPart(child: Child<F>, part: (cpu: number, byte: number, staged: boolean) => void): void {
    for (const index of child.staged) {
      const cpu = Math.floor(index / STAGING_SLOTS);
      part(cpu, this.slotRecordByte(index % STAGING_SLOTS), true);
    }
    for (let cpu = 0; cpu < this.host.cpus; cpu++) part(cpu, child.ptr, false);
  }

  protected check(what: string): void {
    this.host.assertUsable(`${what} metric '${this.name}'`);
  }

  private createChild(key: string, strict = false, replacingRoot = false): Child<F> {
    if (strict && this.children.size >= this.maxChildren) {
      throw new TooManySeriesError(this.name, this.maxChildren, valuesOfKey(key, this.labelNames));
    }
    checkKeyBytes(key);
    const ptr = this.host.alloc(this.recordSize, 8);
    if (ptr === null) throw new OutOfSpaceError(`No per-CPU space left for a label set of metric '${this.name}'`);
    const child = new Child<F>(key, this.labelNames, valuesOfKey(key, this.labelNames), ptr, this.newFolded());
    this.children.set(key, child);
    if (!replacingRoot) this.writeHeader(H_LIVE_CHILDREN, this.children.size);
    return child;
  }

  private setRoot(child: Child<F>): void {
    this.writeHeader(H_ROOT_PTR, child.ptr);
  }

  private writeHeader(word: number, value: number): void {
    const index = (this.handle.staging >>> 2) + word;
    // Atomics.store: CPUs read these header words with Atomics.load.
    for (const views of this.host.views) Atomics.store(views.u32, index, value);
  }

  private unlink(child: Child<F>): void {
    this.children.delete(child.key);
    const { views } = this.host;
    for (const index of child.staged) {
      const cpu = Math.floor(index / STAGING_SLOTS);
      // Atomics.compareExchange: revoke the resolution unless the CPU retired the slot first. The
      // CPU's own RESOLVED → RETIRED exchange then fails: it never points at the removed record,
      // moves its child to a new slot and retires this one. Either way the slot's counts so far
      // go with the removed series.
      Atomics.compareExchange(views[cpu]!.s32, this.stateIndex(index % STAGING_SLOTS), SLOT_RESOLVED, SLOT_REVOKED);
      this.slotOwners[index] = 'discard';
    }
    child.staged.clear();
    this.queued.push(child.ptr);
    this.writeHeader(H_LIVE_CHILDREN, this.children.size);
  }

  private stateIndex(slot: number): number {
    return (this.handle.staging + slotByte(this.recordSize, slot)) / 4 + S_STATE;
  }

  private slotRecordByte(slot: number): number {
    return this.handle.staging + slotByte(this.recordSize, slot) + SLOT_RECORD_BYTE;
  }

  private slotKey(cpu: number, slot: number): string {
    const start = this.handle.staging + slotByte(this.recordSize, slot);
    const views = this.host.views[cpu]!;
    const bytes = Math.min(views.u32[start / 4 + S_KEY_BYTES]! & KEY_BYTES_MASK, KEY_BYTES);
    return decodeKey(views.u8.subarray(start + SLOT_KEY_BYTE, start + SLOT_KEY_BYTE + bytes));
  }

  /** The child a CPU's key names, created if new (a CPU checked the cap; races may pass it by a slot per CPU). */
  private childOfKey(key: string): Child<F> | null {
    const existing = this.children.get(key);
    if (existing !== undefined) return existing;
    try {
      return this.createChild(key);
    } catch (error) {
      this.host.logger.error(
        { metric: this.name, err: error },
        'metric label set from a CPU could not be created; its slot waits',
      );
      return null;
    }
  }

  private scanSlots(cpu: number): void {
    const views = this.host.views[cpu]!;
    for (let slot = 0; slot < STAGING_SLOTS; slot++) {
      const index = cpu * STAGING_SLOTS + slot;
      const stateIdx = this.stateIndex(slot);
      // Atomics.load: the CPU stored PENDING after the key and keyBytes (seq-cst: they are visible).
      let state = Atomics.load(views.s32, stateIdx);
      if (state === SLOT_PENDING && this.isLazy(cpu, slot)) {
        this.lazySlots.add(index);
        continue;
      }
      this.lazySlots.delete(index);
      if (state === SLOT_PENDING) {
        const key = this.slotKey(cpu, slot);
        if (this.isProbe(cpu, slot) && !this.children.has(key) && this.children.size >= this.maxChildren) {
          // A probe for a new label set of a full metric: refused. The CPU wrote nothing into the
          // record (it waits for this answer); its update is a TooManySeriesError there.
          // Atomics.compareExchange + notify: unless the CPU's worker died and it was retired
          // meanwhile (then it is discarded below); the waiting CPU wakes.
          state = Atomics.compareExchange(views.s32, stateIdx, SLOT_PENDING, SLOT_FREE);
          if (state === SLOT_PENDING) {
            Atomics.notify(views.s32, stateIdx);
            continue;
          }
        }
      }
      if (state === SLOT_PENDING) {
        const child = this.childOfKey(this.slotKey(cpu, slot));
        if (child === null) continue;
        views.u32[stateIdx + S_CHILD_PTR - S_STATE] = child.ptr;
        // Before RESOLVED is published: once it is, the CPU may re-point and write the record
        // that onResolved reads and (for gauges) zeroes.
        this.onResolved(child, cpu);
        // Atomics.compareExchange: publish childPtr (stored above) with the state; fails only if a
        // replacement worker retired the slot meanwhile (then it is folded below).
        state = Atomics.compareExchange(views.s32, stateIdx, SLOT_PENDING, SLOT_RESOLVED);
        if (state === SLOT_PENDING) {
          this.slotOwners[index] = child;
          child.staged.add(index);
          continue;
        }
      }
      if (state !== SLOT_RETIRED) continue;
      let owner = this.slotOwners[index] ?? null;
      // Re-staged and never counted into, or a probe never answered (nothing was written into it).
      if (owner === null && (this.isLazy(cpu, slot) || this.isProbe(cpu, slot))) owner = 'discard';
      if (owner === null) {
        // Retired without being resolved: its worker died while the slot was pending.
        owner = this.childOfKey(this.slotKey(cpu, slot));
        if (owner === null) continue;
        this.onResolved(owner, cpu);
      }
      const record = this.slotRecordByte(slot);
      if (owner !== 'discard') {
        this.foldRecord(owner, cpu, record);
        owner.staged.delete(index);
      }
      this.slotOwners[index] = null;
      // Nobody writes a retired slot: zero its record for the next use.
      views.u8.fill(0, record, record + this.recordSize);
      // Atomics.store + notify: hand the slot back; a CPU waiting for a free slot wakes.
      Atomics.store(views.s32, stateIdx, SLOT_FREE);
      Atomics.notify(views.s32, stateIdx);
    }
  }

  /** A slot a CPU at the metric's cap staged to ask whether its label set exists (layout.ts). */
  private isProbe(cpu: number, slot: number): boolean {
    const start = this.handle.staging + slotByte(this.recordSize, slot);
    return (this.host.views[cpu]!.u32[start / 4 + S_KEY_BYTES]! & KEY_PROBE) !== 0;
  }

  /** A re-staged slot whose record is still zero: its series is not created again (yet). */
  private isLazy(cpu: number, slot: number): boolean {
    const views = this.host.views[cpu]!;
    const start = this.handle.staging + slotByte(this.recordSize, slot);
    if ((views.u32[start / 4 + S_KEY_BYTES]! & KEY_RESTAGED) === 0) return false;
    const record = (start + SLOT_RECORD_BYTE) >>> 2;
    for (let w = 0; w < this.recordSize / 4; w++) if (views.u32[record + w] !== 0) return false;
    return true;
  }

  private syncRemovals(): void {
    if (this.queued.length === 0 && this.announced.length === 0) return;
    const { views, cpus } = this.host;
    const base = this.handle.staging >>> 2;
    const slowestAck = (): number => {
      let min = this.epoch;
      for (let cpu = 0; cpu < cpus; cpu++) {
        const u32 = views[cpu]!.u32;
        // Atomics.load: attached and ackEpoch are stored by the CPU (seq-cst).
        if (Atomics.load(u32, base + H_ATTACHED) === 0) continue;
        min = Math.min(min, Atomics.load(u32, base + H_ACK_EPOCH));
      }
      return min;
    };
    let acked = slowestAck();
    while (this.queued.length > 0 && this.epoch - acked < REMOVAL_RING) {
      const ptr = this.queued.shift()!;
      const entry = this.epoch++;
      for (const v of views) {
        v.u32[base + H_RING + (entry % REMOVAL_RING)] = ptr;
        // Atomics.store: publishes the ring entry above with the new epoch.
        Atomics.store(v.u32, base + H_EPOCH, this.epoch);
      }
      this.announced.push({ ptr, epoch: entry });
      acked = slowestAck();
    }
    while (this.announced.length > 0 && this.announced[0]!.epoch < acked) {
      this.host.free(this.announced.shift()!.ptr);
    }
  }
}
