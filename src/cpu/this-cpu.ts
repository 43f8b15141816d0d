/**
 * thisCpu: the per-CPU operations of the CPU a task runs on, like the kernel's this_cpu_*().
 *
 * Generic path: `thisCpu.add(ptr, 's32', 5)` checks its arguments on every call. Fast path:
 * `thisCpu.ref(ptr, 's32')` checks once and returns an accessor whose inc()/add() are plain
 * typed-array updates (see ref.ts); `thisCpu.array(ptr, 's32', 32)` gives this CPU's copy of a
 * whole structure as its own typed array. Either way: no lock, no atomic instruction, because only this
 * CPU writes its area.
 */
import type { Logger } from 'pino';
import { InvalidArgumentError, VerifyError } from '../errors.js';
import { negate, opAddReturn, opCmpxchg, opRead, opWrite, opXchg } from '../memory/ops.js';
import { elementIndex } from '../memory/pointer.js';
import type { CpuViews } from '../memory/percpu-memory.js';
import { type PerCpuType, TYPE_WIDTH, type ValueOf, checkDelta, checkType, checkValue } from '../memory/types.js';
import { MailboxClient } from '../mailbox/client.js';
import { staticOffset } from '../runtime/statics.js';
import { checkOptionalBoolean, checkOptionsObject } from '../util/check.js';
import { type CpuBinding, requireBinding } from './binding.js';
import { type CpuCounter, makeCpuCounter } from './cpu-counter.js';
import { type CpuCell, type CpuRef, makeRef } from './ref.js';
import { type TraceValue, type TraceWriter, checkTraceCall } from './trace-writer.js';
import { EVENT_COUNTER, EVENT_INSTANT } from '../trace/ring-layout.js';
import { type CpuMetricOf, cpuMetric } from './metric.js';
import type { MetricHandle, MetricKind } from '../metrics/handle.js';

export interface CpuAllocOptions {
  readonly reserved?: boolean;
  /**
   * An offset (a multiple of 4) in this CPU's own memory where the coordinator stores the new
   * offset as a u32 before it replies: if this worker dies before it reads the reply, the
   * allocation is still recorded where the replacement worker finds it (and is not undone).
   */
  readonly recordAt?: number;
}

export interface CpuFreeOptions {
  /** An offset in this CPU's own memory where the coordinator stores 0 (as a u32) when it frees. */
  readonly recordAt?: number;
}

export class ThisCpu {
  private allocClient: MailboxClient | null = null;
  private logger: Logger | null = null;
  /** This CPU's trace ring writer; null when tracing is off (or not on a CPU). */
  private tracer: TraceWriter | null = null;

  /** This CPU's id, 0 .. cpus - 1. */
  get id(): number {
    return requireBinding('read thisCpu.id').cpu;
  }

  /** Number of possible CPUs of the runtime. */
  get cpus(): number {
    return requireBinding('read thisCpu.cpus').cpus;
  }

  /** A pino logger whose lines carry `{ cpu }` and reach the runtime's root logger. */
  get log(): Logger {
    requireBinding('log');
    if (this.logger === null) throw new VerifyError(['thisCpu.log: the CPU worker did not set up its logger']);
    return this.logger;
  }

  /** @internal Set by the CPU worker at start. */
  setLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** @internal Set by the CPU worker at start when the runtime traces. */
  setTracer(tracer: TraceWriter | null): void {
    this.tracer = tracer;
  }

  /**
   * An event in this CPU's trace ring: an interned name and up to four numbers or bigints,
   * stamped with the time (see docs/tracing.md). Tracing off: checks its arguments, stores nothing.
   * A full ring never throws: the event is counted lost.
   */
  trace(name: string, ...values: TraceValue[]): void;
  trace(name: string, a?: TraceValue, b?: TraceValue, c?: TraceValue, d?: TraceValue): void {
    const tracer = this.tracer;
    // arguments.length: the values given (a 5th one is an error, not silently dropped).
    if (tracer === null) this.traceOff(arguments.length - 1, name, a, b, c, d);
    else tracer.user(EVENT_INSTANT, arguments.length - 1, name, a, b, c, d);
  }

  /** A value of a counter track named `name` (one track per CPU and name in the trace). */
  traceCounter(name: string, value: TraceValue): void {
    const tracer = this.tracer;
    if (tracer === null) this.traceOff(1, name, value, undefined, undefined, undefined);
    else tracer.user(EVENT_COUNTER, 1, name, value, undefined, undefined, undefined);
  }

  private traceOff(count: number, name: unknown, a: unknown, b: unknown, c: unknown, d: unknown): void {
    requireBinding('trace');
    checkTraceCall(count, name, a, b, c, d);
  }

  read<T extends PerCpuType>(ptr: number, type: T): ValueOf<T> {
    const [b, index] = this.at(ptr, type, 'read');
    return opRead(b.views, type, index);
  }

  write<T extends PerCpuType>(ptr: number, type: T, value: ValueOf<T>): void {
    const [b, index] = this.at(ptr, type, 'write');
    opWrite(b.views, type, index, checkValue('value', type, value));
  }

  add<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): void {
    const [b, index] = this.at(ptr, type, 'add');
    opAddReturn(b.views, type, index, checkDelta('delta', type, delta));
  }

  sub<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): void {
    const [b, index] = this.at(ptr, type, 'sub');
    opAddReturn(b.views, type, index, negate(checkDelta('delta', type, delta)));
  }

  inc(ptr: number, type: PerCpuType): void {
    const [b, index] = this.at(ptr, type, 'inc');
    opAddReturn(b.views, type, index, one(type));
  }

  dec(ptr: number, type: PerCpuType): void {
    const [b, index] = this.at(ptr, type, 'dec');
    opAddReturn(b.views, type, index, negate(one(type)));
  }

  addReturn<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): ValueOf<T> {
    const [b, index] = this.at(ptr, type, 'addReturn');
    return opAddReturn(b.views, type, index, checkDelta('delta', type, delta));
  }

  subReturn<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): ValueOf<T> {
    const [b, index] = this.at(ptr, type, 'subReturn');
    return opAddReturn(b.views, type, index, negate(checkDelta('delta', type, delta)));
  }

  xchg<T extends PerCpuType>(ptr: number, type: T, value: ValueOf<T>): ValueOf<T> {
    const [b, index] = this.at(ptr, type, 'xchg');
    return opXchg(b.views, type, index, checkValue('value', type, value));
  }

  cmpxchg<T extends PerCpuType>(ptr: number, type: T, expected: ValueOf<T>, value: ValueOf<T>): ValueOf<T> {
    const [b, index] = this.at(ptr, type, 'cmpxchg');
    // An expected value the type cannot hold would never match: a caller's mistake, reported.
    const wanted = checkValue('expected', type, expected);
    return opCmpxchg(b.views, type, index, wanted, checkValue('value', type, value));
  }

  /** The fast path: an accessor checked once, for loops. */
  ref<T extends PerCpuType>(ptr: number, type: T): CpuRef<T> {
    const [b, index] = this.at(ptr, type, 'make a ref');
    return makeRef(b.views, type, index, ptr);
  }

  /**
   * The rawest fast path: this CPU's typed array and the element index of `ptr`, so a loop can
   * do `array[index]++` itself. Checked once; stores wrap at the type's width.
   */
  cell<T extends PerCpuType>(ptr: number, type: T): CpuCell<T> {
    const [b, index] = this.at(ptr, type, 'make a cell');
    return { array: b.views[type], index };
  }

  /**
   * This CPU's copy of an allocation of `length` elements at `ptr`, as its own typed array (a
   * per-CPU struct pointer: `per_cpu_ptr(ptr, this cpu)` with the element type attached).
   * `stats[0]++` is base + offset with an index V8 can check against a short length, so a loop
   * over a structure of counters runs as fast as over an unshared array. Checked once; stores
   * wrap at the type's width. The view is a window on memory that outlives nothing: after the
   * allocation is freed it still points at the same bytes, so drop it with the allocation.
   */
  array<T extends PerCpuType>(ptr: number, type: T, length: number): CpuViews[T] {
    const [b, index] = this.at(ptr, type, 'make an array');
    const maxLength = b.areaSize / TYPE_WIDTH[type] - index;
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 1 || length > maxLength) {
      throw new InvalidArgumentError('length', length, `an integer from 1 to ${maxLength} (elements of ${type} from ptr ${ptr} to the end of the area)`);
    }
    return b.views[type].subarray(index, index + length) as CpuViews[T];
  }

  /** This CPU's side of a percpu_counter (pass `counter.handle` to the task). */
  counter(handle: unknown): CpuCounter {
    return makeCpuCounter(requireBinding('use a counter'), handle);
  }

  /**
   * This CPU's side of a metric (pass `metric.handle` to the task): inc/dec/set/observe with or
   * without labels, and labels(...) for a child bound once (see src/cpu/metric.ts).
   */
  metric<K extends MetricKind>(handle: MetricHandle<K>): CpuMetricOf<K> {
    return cpuMetric(requireBinding('use a metric'), handle) as CpuMetricOf<K>;
  }

  /** Offset of a static per-CPU variable declared at start. */
  staticPtr(name: string): number {
    return staticOffset(requireBinding('look up a static variable').statics, name);
  }

  /**
   * Asks the coordinator for `size` bytes in every CPU's area; resolves to the offset (zero on
   * every CPU) or null when the area is full.
   */
  alloc(size: number, align = 4, options?: CpuAllocOptions): Promise<number | null> {
    try {
      checkOptionsObject(options, '{ reserved?: boolean, recordAt?: number }');
      checkOptionalBoolean('reserved', options?.reserved);
      return this.client('alloc').alloc(size, align, options?.reserved === true, options?.recordAt);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Asks the coordinator to free an offset; rejects with InvalidFreeError like rt.free(). */
  free(ptr: number, options?: CpuFreeOptions): Promise<void> {
    try {
      checkOptionsObject(options, '{ recordAt?: number }');
      return this.client('free').free(ptr, options?.recordAt);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private client(what: string): MailboxClient {
    const b = requireBinding(what);
    this.allocClient ??= new MailboxClient(b);
    return this.allocClient;
  }

  private at(ptr: number, type: PerCpuType, what: string): [CpuBinding, number] {
    const b = requireBinding(what);
    return [b, elementIndex(ptr, checkType('type', type), b.areaSize)];
  }
}

function one<T extends PerCpuType>(type: T): ValueOf<T> {
  return (type === 'u64' || type === 's64' ? 1n : 1) as ValueOf<T>;
}

/** The CPU this thread plays; usable inside tasks (it throws NotOnCpuError elsewhere). */
export const thisCpu = new ThisCpu();

