/**
 * One metric on one CPU: its label sets bound so far (key → child), the staging slots this CPU
 * has pending, and its share of the removal protocol. The coordinator's side and the slot states
 * are in src/metrics/metric.ts and src/metrics/layout.ts.
 *
 * A label set this CPU uses first is staged: its key goes into a free slot of this CPU's staging
 * area, the slot becomes PENDING, and the child counts into the slot's record at once, in this
 * CPU's own unit (so a worker that dies now loses nothing: the coordinator finds the key and the
 * counts there). poll() later re-points the child to the record the coordinator allocated and
 * retires the slot; it also takes in removals and acknowledges them. A removed child is moved to
 * a new staging slot, "re-staged", so a child held across remove() keeps counting into the
 * re-created series (which the coordinator creates only once the slot counts something). When no
 * slot is free, or when a slot is needed for a new label set and a re-staged one has counted
 * nothing, the removed child is detached instead: it counts into a private record no scrape
 * reads, as prom-client's children do after remove(); labels() gives the live child again.
 *
 * Context: a CPU's worker thread.
 */
import { OutOfSpaceError, TooManySeriesError } from '../errors.js';
import type { CpuViews } from '../memory/percpu-memory.js';
import type { MetricHandle } from '../metrics/handle.js';
import { encodeKey, valuesOfKey } from '../metrics/labels.js';
import {
  H_ACK_EPOCH,
  H_ATTACHED,
  H_EPOCH,
  H_EVENTS,
  H_LIVE_CHILDREN,
  H_RING,
  H_ROOT_PTR,
  KEY_BYTES,
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
} from '../metrics/layout.js';
import type { CpuMetricChild } from './metric-child.js';

/** How long a CPU waits for a free staging slot before giving up (the coordinator frees slots within milliseconds). */
const SLOT_WAIT_LIMIT_MS = 30_000;
/** One wait for the coordinator to free a slot. */
const SLOT_WAIT_MS = 2;

export class CpuMetricStore<C extends CpuMetricChild> {
  readonly handle: MetricHandle;
  /** Label sets bound on this CPU, by key. */
  readonly children = new Map<string, C>();
  private readonly views: CpuViews;
  private readonly make: (key: string, byte: number) => C;
  private readonly base: number;
  /** Children bound to a record the coordinator allocated, by the record's offset. */
  private readonly byPtr = new Map<number, C>();
  /** The child each staging slot holds for this worker (null: none). */
  private readonly staged: (C | null)[] = new Array<C | null>(STAGING_SLOTS).fill(null);
  /** Whether each slot re-stages a removed child (a candidate to reclaim while it counted nothing). */
  private readonly restaged: boolean[] = new Array<boolean>(STAGING_SLOTS).fill(false);
  private pending = 0;

  constructor(views: CpuViews, handle: MetricHandle, make: (key: string, byte: number) => C) {
    this.views = views;
    this.handle = handle;
    this.make = make;
    this.base = handle.staging >>> 2;
    this.attach();
  }

  /** The unlabelled metric's child, bound to the record the coordinator named. */
  root(): C {
    const existing = this.children.get('');
    if (existing !== undefined) return existing;
    // Atomics.load: the coordinator stores the root's offset before it announces a replaced one.
    const ptr = Atomics.load(this.views.u32, this.base + H_ROOT_PTR);
    const child = this.make('', ptr);
    this.children.set('', child);
    this.byPtr.set(ptr, child);
    return child;
  }

  /** A label set first used on this CPU (the key is checked): staged now, bound to its memory later. */
  miss(key: string): C {
    this.poll();
    const existing = this.children.get(key);
    if (existing !== undefined) return existing;
    // At the cap by this CPU's count, the label set may still exist (another CPU or the
    // coordinator made it): ask the coordinator (a probe) rather than refuse it here.
    // Atomics.load: the coordinator stores the count of label sets whenever it changes.
    const probe = Atomics.load(this.views.u32, this.base + H_LIVE_CHILDREN) + this.pending >= this.handle.maxChildren;
    const slot = this.takeSlot();
    const child = this.make(key, this.recordByte(slot));
    this.publish(slot, key, child, false, probe);
    if (probe && !this.probeAccepted(slot)) {
      this.staged[slot] = null;
      this.pending--;
      throw new TooManySeriesError(this.handle.name, this.handle.maxChildren, valuesOfKey(key, this.handle.labelNames));
    }
    this.children.set(key, child);
    return child;
  }

  /** Waits for the coordinator's answer to a probe: resolved (the label set exists) or refused (FREE). */
  private probeAccepted(slot: number): boolean {
    const state = this.stateIndex(slot);
    const deadline = Date.now() + SLOT_WAIT_LIMIT_MS;
    for (;;) {
      // Atomics.load: the coordinator stores RESOLVED (after childPtr) or FREE, then notifies.
      const now = Atomics.load(this.views.s32, state);
      if (now !== SLOT_PENDING) return now !== SLOT_FREE;
      if (Date.now() > deadline) {
        throw new OutOfSpaceError(
          `Metric '${this.handle.name}': the coordinator did not answer for a label set in ${SLOT_WAIT_LIMIT_MS} ms` +
            ` (is the coordinator's event loop blocked?)`,
        );
      }
      // Atomics.wait: woken by the coordinator's notify on this slot's state word.
      Atomics.wait(this.views.s32, state, SLOT_PENDING, SLOT_WAIT_MS);
    }
  }

  /**
   * Takes in what the coordinator did: resolved slots (re-point, then retire) and removals
   * (re-point away, then acknowledge). Runs on the metric calls that are not the fast path and
   * on a timer of the worker.
   */
  poll(): void {
    const s32 = this.views.s32;
    if (this.pending > 0) {
      for (let slot = 0; slot < STAGING_SLOTS; slot++) {
        const child = this.staged[slot];
        if (child === null || child === undefined) continue;
        const state = this.stateIndex(slot);
        // Atomics.load: RESOLVED is stored after childPtr (seq-cst), so childPtr is visible.
        const now = Atomics.load(s32, state);
        if (now === SLOT_REVOKED) {
          this.revoked(slot, child);
          continue;
        }
        if (now !== SLOT_RESOLVED) continue;
        const ptr = this.views.u32[state + S_CHILD_PTR - S_STATE]!;
        child.rebind(ptr);
        // Atomics.compareExchange: retire, unless the coordinator revoked the resolution (the
        // child was removed meanwhile): then the record is not the child's any more.
        if (Atomics.compareExchange(s32, state, SLOT_RESOLVED, SLOT_RETIRED) === SLOT_RESOLVED) {
          this.staged[slot] = null;
          this.restaged[slot] = false;
          this.pending--;
          this.byPtr.set(ptr, child);
          this.ring();
        } else {
          child.rebind(this.recordByte(slot));
          this.revoked(slot, child);
        }
      }
    }
    this.takeRemovals();
  }

  /**
   * The coordinator revoked the slot's resolution: its label set was removed before this CPU
   * re-pointed. The child moves to a new slot (re-staged) or is detached, then the old slot is
   * retired: the coordinator discards what it counted before the removal.
   */
  private revoked(slot: number, child: C): void {
    this.staged[slot] = null;
    this.restaged[slot] = false;
    this.pending--;
    const fresh = this.freeSlot();
    if (fresh >= 0) {
      child.rebind(this.recordByte(fresh));
      this.publish(fresh, child.key, child, true);
    } else {
      child.detach();
      this.children.delete(child.key);
    }
    // Atomics.store: after the child stopped writing the slot (rebind/detach above).
    Atomics.store(this.views.s32, this.stateIndex(slot), SLOT_RETIRED);
    this.ring();
  }

  /** A worker starting to use the metric: attach, and retire any slot a dead predecessor left. */
  private attach(): void {
    const u32 = this.views.u32;
    const s32 = this.views.s32;
    // Atomics.store / load: attached before reading the epoch, so the coordinator either waits
    // for this CPU's acknowledgement or had freed the removed memory before this CPU could see it.
    Atomics.store(u32, this.base + H_ATTACHED, 1);
    Atomics.store(u32, this.base + H_ACK_EPOCH, Atomics.load(u32, this.base + H_EPOCH));
    let retired = false;
    for (let slot = 0; slot < STAGING_SLOTS; slot++) {
      const state = this.stateIndex(slot);
      for (;;) {
        // Atomics.compareExchange: a slot this worker never took is no longer written by anyone.
        const now = Atomics.load(s32, state);
        if (now !== SLOT_PENDING && now !== SLOT_RESOLVED && now !== SLOT_REVOKED) break;
        if (Atomics.compareExchange(s32, state, now, SLOT_RETIRED) === now) {
          retired = true;
          break;
        }
      }
    }
    if (retired) this.ring();
  }

  private takeRemovals(): void {
    const u32 = this.views.u32;
    // Atomics.load: ring entries are stored before the epoch that announces them.
    const epoch = Atomics.load(u32, this.base + H_EPOCH);
    let acked = Atomics.load(u32, this.base + H_ACK_EPOCH);
    if (acked === epoch) return;
    while (acked !== epoch) {
      const ptr = u32[this.base + H_RING + (acked % REMOVAL_RING)]!;
      const child = this.byPtr.get(ptr);
      if (child !== undefined) {
        if (child.key === '' && this.handle.labelNames.length === 0) {
          // Atomics.load: reset() stored the new root before announcing the old one.
          const fresh = Atomics.load(u32, this.base + H_ROOT_PTR);
          child.rebind(fresh);
          this.byPtr.set(fresh, child);
        } else {
          const slot = this.freeSlot();
          if (slot >= 0) {
            child.rebind(this.recordByte(slot));
            this.publish(slot, child.key, child, true);
          } else {
            child.detach();
            this.children.delete(child.key);
          }
        }
        this.byPtr.delete(ptr);
      }
      acked = (acked + 1) >>> 0;
    }
    // Atomics.store: after this, the coordinator may free the acknowledged records.
    Atomics.store(u32, this.base + H_ACK_EPOCH, acked);
  }

  /** A free slot, waiting for the coordinator if all are busy. */
  private takeSlot(): number {
    const deadline = Date.now() + SLOT_WAIT_LIMIT_MS;
    for (;;) {
      const slot = this.freeSlot();
      if (slot >= 0) return slot;
      this.reclaimRestaged();
      if (Date.now() > deadline) {
        throw new OutOfSpaceError(
          `Metric '${this.handle.name}': no staging slot came free in ${SLOT_WAIT_LIMIT_MS} ms` +
            ` (is the coordinator's event loop blocked?)`,
        );
      }
      // Atomics.wait: the coordinator notifies a slot's state word when it frees the slot.
      Atomics.wait(this.views.s32, this.stateIndex(0), Atomics.load(this.views.s32, this.stateIndex(0)), SLOT_WAIT_MS);
      this.poll();
    }
  }

  /**
   * Gives back the re-staged slots whose record is still zero: their removed children are
   * detached (they counted nothing since the removal), the slots retired for the coordinator to
   * free. Only this thread writes the records, so zero now means nothing was counted.
   */
  private reclaimRestaged(): void {
    const s32 = this.views.s32;
    let reclaimed = false;
    for (let slot = 0; slot < STAGING_SLOTS; slot++) {
      const child = this.staged[slot];
      if (child === null || child === undefined || !this.restaged[slot]) continue;
      const record = this.recordByte(slot) >>> 2;
      let zero = true;
      for (let w = 0; w < this.handle.recordSize / 4 && zero; w++) zero = this.views.u32[record + w] === 0;
      // Atomics.compareExchange: the coordinator leaves a zero re-staged slot PENDING (it never
      // resolves one), so this retires it; it then frees the slot without creating a series.
      if (!zero || Atomics.compareExchange(s32, this.stateIndex(slot), SLOT_PENDING, SLOT_RETIRED) !== SLOT_PENDING)
        continue;
      child.detach();
      this.children.delete(child.key);
      this.staged[slot] = null;
      this.restaged[slot] = false;
      this.pending--;
      reclaimed = true;
    }
    if (reclaimed) this.ring();
  }

  private freeSlot(): number {
    for (let slot = 0; slot < STAGING_SLOTS; slot++) {
      // Atomics.load: FREE is stored by the coordinator after it zeroed the record.
      if (this.staged[slot] === null && Atomics.load(this.views.s32, this.stateIndex(slot)) === SLOT_FREE) return slot;
    }
    return -1;
  }

  /** Writes the key, then marks the slot PENDING and rings the coordinator. */
  private publish(slot: number, key: string, child: C, restaged = false, probe = false): void {
    const start = this.handle.staging + slotByte(this.handle.recordSize, slot);
    const bytes = encodeKey(key, this.views.u8.subarray(start + SLOT_KEY_BYTE, start + SLOT_KEY_BYTE + KEY_BYTES));
    this.views.u32[start / 4 + S_KEY_BYTES] = (bytes | (restaged ? KEY_RESTAGED : 0) | (probe ? KEY_PROBE : 0)) >>> 0;
    // Atomics.store: publishes the key words above to the coordinator's Atomics.load of the state.
    Atomics.store(this.views.s32, start / 4 + S_STATE, SLOT_PENDING);
    this.staged[slot] = child;
    this.restaged[slot] = restaged;
    this.pending++;
    this.ring();
  }

  private ring(): void {
    // Atomics.add: after a slot state change, so the coordinator's next look finds it.
    Atomics.add(this.views.s32, this.base + H_EVENTS, 1);
  }

  private stateIndex(slot: number): number {
    return (this.handle.staging + slotByte(this.handle.recordSize, slot)) / 4 + S_STATE;
  }

  private recordByte(slot: number): number {
    return this.handle.staging + slotByte(this.handle.recordSize, slot) + SLOT_RECORD_BYTE;
  }
}
