/**
 * The coordinator's side of one CPU's trace ring (layout: ring-layout.ts): ring_buffer_consume,
 * without stopping the CPU, and the per-CPU accounting of ftrace's per_cpu/cpuN/stats.
 *
 * Reading, in order:
 *   1. Atomics.load(H_STORED) (acquire): synchronizes with the CPU's Atomics.store of it, so the
 *      slots of every event below it are complete. Atomics.load(H_DROPPED) for the accounting.
 *   2. Overwrite mode: events older than stored − SLOTS are gone (overwritten): counted lost.
 *   3. Plain reads of the slots [read, stored).
 *   4. Overwrite mode: Atomics.load(H_STORED) again. While we copied, the CPU may have gone on;
 *      it writes event j only after publishing j − 1, and event j's slot is that of j − SLOTS.
 *      So a copy of event i is sound only if i > stored' − SLOTS (the CPU may be inside the slot
 *      of event stored' right now): older copies are thrown away and counted lost. This is a
 *      seqlock check on the position; V8's Atomics.load is a full fence, so the plain reads of
 *      step 3 cannot move after it. A full ring's oldest slot therefore always counts as lost in
 *      overwrite mode: it is the slot the CPU writes next.
 *   5. Atomics.store(H_READ, stored) (release): in discard mode the CPU reads it to know which
 *      slots it may write again; they were copied in step 3, before this store.
 *
 * Accounting, exact at every moment: written = stored + dropped; every stored event is consumed
 * once, as drained or as overwritten, and read = drained + overwritten; so
 *   written = drained + (dropped + overwritten) + (stored − read)   (drained + lost + in the ring).
 * The header's counts are 32-bit and wrap; the reader keeps them as Numbers and adds each
 * 32-bit step, which is exact as long as it looks at least once per 2^32 events of a CPU (the
 * runtime looks every second while tracing is on).
 *
 * Context: the coordinator.
 */
import type { CpuViews } from '../memory/percpu-memory.js';
import { KIND_OF_TYPE, type TraceCpuStats, type TraceEvent } from './events.js';
import { NameTableReader } from './name-table.js';
import {
  COUNT_MASK,
  COUNT_SHIFT,
  H_DROPPED,
  H_MAGIC,
  H_MODE,
  H_READ,
  H_SLOTS,
  H_STORED,
  KINDS_SHIFT,
  KIND_NUMBER,
  KIND_S64,
  MAX_VALUES,
  MODE_DISCARD,
  MODE_OVERWRITE,
  NAME_SHIFT,
  SLOTS_OFFSET,
  SLOT_WORD_SHIFT,
  S_SEQ,
  S_TS,
  S_VALUES,
  TRACE_MAGIC,
  TYPE_MASK,
  type TracePlacement,
} from './ring-layout.js';

export class TraceRingReader {
  readonly cpu: number;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly s64: BigInt64Array;
  private readonly u64: BigUint64Array;
  private readonly base: number;
  private readonly slotsWord: number;
  private readonly slots: number;
  private readonly mask: number;
  private readonly discard: boolean;
  private readonly names: NameTableReader;
  /** Totals as Numbers, and the 32-bit header values they were last extended from. */
  private stored = 0;
  private storedWord = 0;
  private dropped = 0;
  private droppedWord = 0;
  /** Stored events consumed (drained or overwritten). */
  private read = 0;
  private drained = 0;
  private overwritten = 0;
  /** Discard mode: the seq of the last event read (-1: none), to widen the slots' 32-bit seqs. */
  private lastSeq = -1;

  /** Sets up the region's configuration words: call before any worker of this CPU starts. */
  constructor(cpu: number, views: CpuViews, placement: TracePlacement) {
    this.cpu = cpu;
    this.i32 = views.s32;
    this.f64 = views.f64;
    this.s64 = views.s64;
    this.u64 = views.u64;
    this.base = placement.regionStart >>> 2;
    this.slotsWord = (placement.regionStart + SLOTS_OFFSET) >>> 2;
    this.slots = placement.slots;
    this.mask = placement.slots - 1;
    this.discard = placement.mode === 'discard';
    this.names = new NameTableReader({ i32: views.s32, u8: views.u8, base: this.base });
    // Atomics.store: configuration, before any worker exists (workerData carries it too).
    Atomics.store(this.i32, this.base + H_MODE, this.discard ? MODE_DISCARD : MODE_OVERWRITE);
    Atomics.store(this.i32, this.base + H_SLOTS, this.slots);
    Atomics.store(this.i32, this.base + H_MAGIC, TRACE_MAGIC);
  }

  /** Reads the CPU's published counts (the runtime calls it every second so they never wrap unseen). */
  observe(): void {
    // Atomics.load (acquire): see the file comment, step 1.
    const storedWord = Atomics.load(this.i32, this.base + H_STORED);
    this.stored += (storedWord - this.storedWord) >>> 0;
    this.storedWord = storedWord;
    // Atomics.load: the CPU's Atomics.store of H_DROPPED.
    const droppedWord = Atomics.load(this.i32, this.base + H_DROPPED);
    this.dropped += (droppedWord - this.droppedWord) >>> 0;
    this.droppedWord = droppedWord;
  }

  /** Appends the events not consumed before to `out`; returns how many. */
  drainInto(out: TraceEvent[]): number {
    this.observe();
    const stored = this.stored;
    let from = this.read;
    if (!this.discard && stored - from > this.slots) {
      this.overwritten += stored - this.slots - from;
      from = stored - this.slots;
    }
    const first = out.length;
    for (let i = from; i < stored; i++) out.push(this.decode(i));
    if (!this.discard && stored > from) {
      // Atomics.load: step 4, the position after the copy.
      const after = stored + ((Atomics.load(this.i32, this.base + H_STORED) - this.storedWord) >>> 0);
      const unsound = Math.min(after - this.slots + 1, stored) - from;
      if (unsound > 0) {
        out.splice(first, unsound);
        this.overwritten += unsound;
      }
    }
    const got = out.length - first;
    this.drained += got;
    this.read = stored;
    // Atomics.store (release): step 5.
    Atomics.store(this.i32, this.base + H_READ, stored | 0);
    return got;
  }

  stats(): TraceCpuStats {
    this.observe();
    const inRing = this.discard ? this.stored - this.read : Math.min(this.stored - this.read, this.slots);
    // Overwrite mode: what the ring no longer holds is lost already, even before a drain sees it.
    const overwritten = this.overwritten + (this.stored - this.read - inRing);
    const lost = this.dropped + overwritten;
    return {
      cpu: this.cpu,
      written: this.stored + this.dropped,
      drained: this.drained,
      lost,
      dropped: this.dropped,
      overwritten,
      inRing,
    };
  }

  private decode(i: number): TraceEvent {
    const i32 = this.i32;
    const w = this.slotsWord + ((i & this.mask) << SLOT_WORD_SHIFT);
    const header = i32[w]!;
    const type = header & TYPE_MASK;
    const count = Math.min((header >>> COUNT_SHIFT) & COUNT_MASK, MAX_VALUES);
    const kinds = header >>> KINDS_SHIFT;
    // Overwrite mode never drops, so event i's seq is i (a torn slot cannot mislead the count);
    // discard mode's slots are never written while read: widen their 32-bit seq.
    const base = this.lastSeq + 1;
    const seq = this.discard ? base + ((i32[w + S_SEQ]! - base) >>> 0) : i;
    if (this.discard) this.lastSeq = seq;
    const args = new Array<number | bigint>(count);
    const v = (w + S_VALUES) >> 1;
    for (let k = 0; k < count; k++) {
      const kind = (kinds >>> (2 * k)) & 3;
      // Plain reads, 64-bit ones too: the slot is not being written (steps 2 and 4).
      args[k] = kind === KIND_NUMBER ? this.f64[v + k]! : kind === KIND_S64 ? this.s64[v + k]! : this.u64[v + k]!;
    }
    return {
      cpu: this.cpu,
      seq,
      ts: this.f64[(w + S_TS) >> 1]!,
      name: this.names.name(header >>> NAME_SHIFT),
      kind: KIND_OF_TYPE[type] ?? 'event',
      args,
    };
  }
}
