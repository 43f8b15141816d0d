/**
 * The CPU's side of its trace ring (layout: src/trace/ring-layout.ts): ring_buffer_lock_reserve
 * and ring_buffer_unlock_commit in one call. Only this CPU writes the ring, so writing needs no
 * lock and no atomic read-modify-write:
 *
 *   1. read the clock (performance.now(), converted to the coordinator's clock)
 *   2. discard mode only, when the cached limit says the ring may be full: Atomics.load(H_READ)
 *      (the coordinator's read position) to see whether it is; if it is, count the event as
 *      dropped (Atomics.store(H_DROPPED)) and return: a full ring never throws
 *   3. plain stores of the slot: header, seq, ts, values
 *   4. Atomics.store(H_STORED, stored + 1): the one atomic of the event. It publishes the slot's
 *      stores to the coordinator, whose Atomics.load(H_STORED) synchronizes with it.
 *
 * In overwrite mode the writer never looks at the reader: the slot of event i is i mod SLOTS, so
 * event i + SLOTS overwrites event i, and the coordinator counts what it could not read in time.
 * The writer's counts live in the header, in this CPU's unit: a replacement worker resumes from
 * them (stored, dropped, names), so nothing published before a worker died is lost or renumbered.
 *
 * Context: the CPU's worker thread (the only writer of its region).
 */
import { InvalidArgumentError } from '../errors.js';
import type { CpuViews } from '../memory/percpu-memory.js';
import { NameTableWriter } from '../trace/name-table.js';
import {
  COUNT_SHIFT,
  H_DROPPED,
  H_READ,
  H_STORED,
  KINDS_SHIFT,
  KIND_NUMBER,
  KIND_S64,
  KIND_U64,
  MAX_VALUES,
  NAME_SHIFT,
  SLOTS_OFFSET,
  SLOT_WORD_SHIFT,
  S_SEQ,
  S_TS,
  S_VALUES,
} from '../trace/ring-layout.js';

/** What a trace value may be. */
export type TraceValue = number | bigint;

/** Matches no name: the lookup cache's start value. */
const NO_NAME = Symbol('no name');

const S64_MIN = -(2n ** 63n);
const S64_LIMIT = 2n ** 63n;
const U64_LIMIT = 2n ** 64n;

/** What the coordinator tells a CPU about its ring (in workerData). */
export interface TraceWorkerConfig {
  /** Offset (ptr) of the trace region in the CPU's area. */
  readonly regionStart: number;
  readonly slots: number;
  readonly discard: boolean;
  /** The coordinator's performance.timeOrigin: every CPU stamps events on its clock. */
  readonly coordinatorOrigin: number;
}

export class TraceWriter {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly s64: BigInt64Array;
  private readonly u64: BigUint64Array;
  /** Word index of the region's header and of slot 0. */
  private readonly base: number;
  private readonly slotsWord: number;
  private readonly slots: number;
  private readonly mask: number;
  private readonly discard: boolean;
  /** This worker's timeOrigin minus the coordinator's, ms: now() + offset is the coordinator's clock. */
  private readonly clockOffset: number;
  private readonly names: NameTableWriter;
  /** Events stored, dropped, and the next seq (all int32, wrapping as the header's words do). */
  private stored: number;
  private dropped: number;
  private next: number;
  /** Discard mode: the stored count at which the ring is full, as of the last read of H_READ. */
  private limit: number;
  /** A one-entry cache of the name lookup: a loop tracing one name skips the map. */
  private lastName: unknown = NO_NAME;
  private lastId = 0;

  constructor(views: CpuViews, config: TraceWorkerConfig) {
    this.i32 = views.s32;
    this.f64 = views.f64;
    this.s64 = views.s64;
    this.u64 = views.u64;
    this.base = config.regionStart >>> 2;
    this.slotsWord = (config.regionStart + SLOTS_OFFSET) >>> 2;
    this.slots = config.slots;
    this.mask = config.slots - 1;
    this.discard = config.discard;
    this.clockOffset = performance.timeOrigin - config.coordinatorOrigin;
    this.names = new NameTableWriter({ i32: views.s32, u8: views.u8, base: this.base });
    // Atomics.load: resume from what earlier workers of this CPU published (they are gone).
    this.stored = Atomics.load(this.i32, this.base + H_STORED);
    this.dropped = Atomics.load(this.i32, this.base + H_DROPPED);
    this.next = (this.stored + this.dropped) | 0;
    // Atomics.load: the coordinator's read position, for the discard mode's limit.
    this.limit = (Atomics.load(this.i32, this.base + H_READ) + this.slots) | 0;
  }

  /** The coordinator's clock, ms (what events are stamped with). */
  now(): number {
    return performance.now() + this.clockOffset;
  }

  /** The id of an event name (interned once). */
  idOf(name: string): number {
    if (name === this.lastName) return this.lastId;
    const id = this.names.idOf(name);
    this.lastName = name;
    this.lastId = id;
    return id;
  }

  /** thisCpu.trace(name, ...values) (type EVENT_INSTANT) and traceCounter: `count` values in a .. d, checked. */
  user(type: number, count: number, name: unknown, a: unknown, b: unknown, c: unknown, d: unknown): void {
    if (count > MAX_VALUES)
      throw new InvalidArgumentError('values', count, `at most ${MAX_VALUES} values (numbers or bigints)`);
    // The values are checked before the name is interned: a call that throws leaves no trace.
    let kinds = 0;
    if (count > 0) {
      kinds = kindOf(a, 0);
      if (count > 1) kinds |= kindOf(b, 1) << 2;
      if (count > 2) kinds |= kindOf(c, 2) << 4;
      if (count > 3) kinds |= kindOf(d, 3) << 6;
    }
    const id = name === this.lastName ? this.lastId : this.idOf(name as string);
    this.put(type, id, count, kinds, a, b, c, d);
  }

  /** An event of the runtime's own, with number values only (not checked: the runtime's). */
  record(type: number, id: number, count: number, a = 0, b = 0, c = 0, d = 0): void {
    this.put(type, id, count, KIND_NUMBER, a, b, c, d);
  }

  private put(
    type: number,
    id: number,
    count: number,
    kinds: number,
    a: unknown,
    b: unknown,
    c: unknown,
    d: unknown,
  ): void {
    const ts = performance.now() + this.clockOffset;
    const stored = this.stored;
    if (this.discard && ((stored - this.limit) | 0) >= 0 && !this.hasRoom()) {
      this.drop();
      return;
    }
    const i32 = this.i32;
    const w = this.slotsWord + ((stored & this.mask) << SLOT_WORD_SHIFT);
    i32[w] = (id << NAME_SHIFT) | (kinds << KINDS_SHIFT) | (count << COUNT_SHIFT) | type;
    i32[w + S_SEQ] = this.next;
    this.f64[(w + S_TS) >> 1] = ts;
    if (count > 0) {
      const v = (w + S_VALUES) >> 1;
      this.value(v, kinds & 3, a);
      if (count > 1) this.value(v + 1, (kinds >> 2) & 3, b);
      if (count > 2) this.value(v + 2, (kinds >> 4) & 3, c);
      if (count > 3) this.value(v + 3, (kinds >> 6) & 3, d);
    }
    this.stored = (stored + 1) | 0;
    this.next = (this.next + 1) | 0;
    // Atomics.store (release): publishes the slot's plain stores above; the coordinator reads
    // H_STORED with Atomics.load before it reads any slot.
    Atomics.store(i32, this.base + H_STORED, this.stored);
  }

  private value(index: number, kind: number, v: unknown): void {
    if (kind === KIND_NUMBER) this.f64[index] = v as number;
    else if (kind === KIND_S64) this.s64[index] = v as bigint;
    else this.u64[index] = v as bigint;
  }

  /** Discard mode: reloads the coordinator's read position; true when the ring has a free slot. */
  private hasRoom(): boolean {
    // Atomics.load (acquire): the coordinator stores H_READ after it has copied the slots it
    // consumed, so slots below it may be written again.
    this.limit = (Atomics.load(this.i32, this.base + H_READ) + this.slots) | 0;
    return ((this.stored - this.limit) | 0) < 0;
  }

  private drop(): void {
    this.dropped = (this.dropped + 1) | 0;
    this.next = (this.next + 1) | 0;
    // Atomics.store: the coordinator's stats read H_DROPPED with Atomics.load.
    Atomics.store(this.i32, this.base + H_DROPPED, this.dropped);
  }
}

/** The kind of value `index` (number, s64 or u64), or a typed error. */
function kindOf(v: unknown, index: number): number {
  if (typeof v === 'number') return KIND_NUMBER;
  if (typeof v === 'bigint') {
    if (v >= S64_MIN && v < S64_LIMIT) return KIND_S64;
    if (v >= 0n && v < U64_LIMIT) return KIND_U64;
  }
  throw new InvalidArgumentError(`values[${index}]`, v, 'a number or a bigint from -2^63 to 2^64 - 1');
}

/** Checks of thisCpu.trace when tracing is off: the same errors, no clock read, no store. */
export function checkTraceCall(count: number, name: unknown, a: unknown, b: unknown, c: unknown, d: unknown): void {
  if (typeof name !== 'string') throw new InvalidArgumentError('name', name, 'a string (an event name)');
  if (count > MAX_VALUES)
    throw new InvalidArgumentError('values', count, `at most ${MAX_VALUES} values (numbers or bigints)`);
  if (count > 0) kindOf(a, 0);
  if (count > 1) kindOf(b, 1);
  if (count > 2) kindOf(c, 2);
  if (count > 3) kindOf(d, 3);
}
