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
import { type StaticDeclarations, staticOffset } from '../runtime/statics.js';
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

  // The generic path: every call checks the binding, the type, the pointer and the value. The
  // 32- and 64-bit integer types take a switch case of their own, whose typed-array access and
  // arithmetic V8 keeps monomorphic, after one combined check of the pointer (fastIndex); the
  // other types, and every pointer that fails that check, go through the precise checks
  // (slowIndex), which build the errors. A call with a literal type inlines to its own case.

  read<T extends PerCpuType>(ptr: number, type: T): ValueOf<T> {
    const b = boundCpu('read');
    switch (type) {
      case 'u32':
        return b.views.u32[fastIndex(b, ptr, 2, 'u32')] as ValueOf<T>;
      case 's32':
        return b.views.s32[fastIndex(b, ptr, 2, 's32')] as ValueOf<T>;
      case 'u64':
        return b.views.u64[fastIndex(b, ptr, 3, 'u64')] as ValueOf<T>;
      case 's64':
        return b.views.s64[fastIndex(b, ptr, 3, 's64')] as ValueOf<T>;
      default:
        return opRead(b.views, type, slowIndex(b, ptr, type));
    }
  }

  write<T extends PerCpuType>(ptr: number, type: T, value: ValueOf<T>): void {
    const b = boundCpu('write');
    switch (type) {
      case 'u32': {
        const index = fastIndex(b, ptr, 2, 'u32');
        // An integer from 0 to 2^32 - 1 is exactly one that `>>> 0` leaves as it is.
        const v = value as unknown as number;
        b.views.u32[index] = typeof v === 'number' && v >>> 0 === v ? v : checkValue('value', 'u32', v);
        return;
      }
      case 's32': {
        const index = fastIndex(b, ptr, 2, 's32');
        // An integer from -2^31 to 2^31 - 1 is exactly one that `| 0` leaves as it is.
        const v = value as unknown as number;
        b.views.s32[index] = typeof v === 'number' && (v | 0) === v ? v : checkValue('value', 's32', v);
        return;
      }
      case 'u64': {
        const index = fastIndex(b, ptr, 3, 'u64');
        b.views.u64[index] = checkValue('value', 'u64', value as unknown as bigint);
        return;
      }
      case 's64': {
        const index = fastIndex(b, ptr, 3, 's64');
        b.views.s64[index] = checkValue('value', 's64', value as unknown as bigint);
        return;
      }
      default: {
        const index = slowIndex(b, ptr, type);
        opWrite(b.views, type, index, checkValue('value', type, value));
      }
    }
  }

  add<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): void {
    addAt(boundCpu('add'), ptr, type, delta, false);
  }

  sub<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): void {
    addAt(boundCpu('sub'), ptr, type, delta, true);
  }

  inc(ptr: number, type: PerCpuType): void {
    const b = boundCpu('inc');
    switch (type) {
      case 'u32':
        b.views.u32[fastIndex(b, ptr, 2, 'u32')]!++;
        return;
      case 's32':
        b.views.s32[fastIndex(b, ptr, 2, 's32')]!++;
        return;
      case 'u64':
        b.views.u64[fastIndex(b, ptr, 3, 'u64')]! += 1n;
        return;
      case 's64':
        b.views.s64[fastIndex(b, ptr, 3, 's64')]! += 1n;
        return;
      default:
        opAddReturn(b.views, type, slowIndex(b, ptr, type), one(type));
    }
  }

  dec(ptr: number, type: PerCpuType): void {
    const b = boundCpu('dec');
    switch (type) {
      case 'u32':
        b.views.u32[fastIndex(b, ptr, 2, 'u32')]!--;
        return;
      case 's32':
        b.views.s32[fastIndex(b, ptr, 2, 's32')]!--;
        return;
      case 'u64':
        b.views.u64[fastIndex(b, ptr, 3, 'u64')]! -= 1n;
        return;
      case 's64':
        b.views.s64[fastIndex(b, ptr, 3, 's64')]! -= 1n;
        return;
      default:
        opAddReturn<PerCpuType>(b.views, type, slowIndex(b, ptr, type), negate<PerCpuType>(one<PerCpuType>(type)));
    }
  }

  addReturn<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): ValueOf<T> {
    return addAt(boundCpu('addReturn'), ptr, type, delta, false);
  }

  subReturn<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): ValueOf<T> {
    return addAt(boundCpu('subReturn'), ptr, type, delta, true);
  }

  xchg<T extends PerCpuType>(ptr: number, type: T, value: ValueOf<T>): ValueOf<T> {
    const b = boundCpu('xchg');
    const index = slowIndex(b, ptr, type);
    return opXchg(b.views, type, index, checkValue('value', type, value));
  }

  cmpxchg<T extends PerCpuType>(ptr: number, type: T, expected: ValueOf<T>, value: ValueOf<T>): ValueOf<T> {
    const b = boundCpu('cmpxchg');
    const index = slowIndex(b, ptr, type);
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
      throw new InvalidArgumentError(
        'length',
        length,
        `an integer from 1 to ${maxLength} (elements of ${type} from ptr ${ptr} to the end of the area)`,
      );
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

  /**
   * Offset of a static per-CPU variable declared at start. Typed with the declaration:
   * `thisCpu.staticPtr<typeof STATICS>('hits')` accepts only STATICS' names.
   */
  staticPtr<S extends StaticDeclarations = StaticDeclarations>(name: keyof S & string): number {
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

/**
 * The binding of this thread, once a generic call has found it: a property added once and never
 * rewritten (a CPU's binding never changes), which V8 treats as a constant in a caller's optimized
 * loop, where a module's `let` (binding.ts) is loaded and checked on every call.
 */
const bound: { binding?: CpuBinding } = {};

/**
 * This thread's binding, or NotOnCpuError naming `what` (off a CPU nothing is cached). The hot
 * helpers are `const` arrows, not function declarations: a module's function declaration is a
 * mutable binding, which an optimized caller loads and compares on every call, a `const` is not.
 */
const boundCpu = (what: string): CpuBinding => bound.binding ?? bindOnce(what);

function bindOnce(what: string): CpuBinding {
  const b = requireBinding(what);
  bound.binding = b;
  return b;
}

/** Bit 31 of an int32: set in every negative one. */
const SIGN_BIT = 0x80000000 | 0;

/**
 * The element index of `ptr` for a type of 2^shift bytes, by one combined test: a number (first,
 * so `|` never meets a bigint or an object's valueOf), an int32, neither negative nor unaligned
 * (one mask), and in the area. A pointer that fails it takes elementIndex, which throws the
 * precise error (or returns the index of an offset from 2^31 on, in an area that large).
 */
const fastIndex = (b: CpuBinding, ptr: number, shift: number, type: PerCpuType): number => {
  const width = 1 << shift;
  // `| 0` leaves exactly the integers from -2^31 to 2^31 - 1 as they are; then one mask tests the
  // sign bit and the low bits (not negative, aligned), one compare the end of the area.
  if (
    typeof ptr === 'number' &&
    (ptr | 0) === ptr &&
    (ptr & (SIGN_BIT | (width - 1))) === 0 &&
    ptr <= b.areaSize - width
  )
    return ptr >>> shift;
  return elementIndex(ptr, type, b.areaSize);
};

/** The element index of `ptr` after the full checks of the type and the pointer (their errors). */
function slowIndex(b: CpuBinding, ptr: number, type: PerCpuType): number {
  return elementIndex(ptr, checkType('type', type), b.areaSize);
}

/**
 * Adds (or, `negative`, subtracts) a checked delta at `ptr` and returns the new value: the
 * generic path of add/sub/addReturn/subReturn. The pointer is checked, then the delta, then the
 * element is stored: a bad argument changes nothing.
 */
const addAt = <T extends PerCpuType>(
  b: CpuBinding,
  ptr: number,
  type: T,
  delta: ValueOf<T>,
  negative: boolean,
): ValueOf<T> => {
  switch (type) {
    case 'u32': {
      const index = fastIndex(b, ptr, 2, 'u32');
      const d: number =
        typeof delta === 'number' && Number.isSafeInteger(delta) ? delta : checkDelta('delta', 'u32', delta);
      const view = b.views.u32;
      view[index] = negative ? view[index]! - d : view[index]! + d;
      return view[index] as ValueOf<T>;
    }
    case 's32': {
      const index = fastIndex(b, ptr, 2, 's32');
      const d: number =
        typeof delta === 'number' && Number.isSafeInteger(delta) ? delta : checkDelta('delta', 's32', delta);
      const view = b.views.s32;
      view[index] = negative ? view[index]! - d : view[index]! + d;
      return view[index] as ValueOf<T>;
    }
    case 'u64': {
      const index = fastIndex(b, ptr, 3, 'u64');
      const d: bigint = typeof delta === 'bigint' ? delta : checkDelta('delta', 'u64', delta);
      const view = b.views.u64;
      view[index] = negative ? view[index]! - d : view[index]! + d;
      return view[index] as ValueOf<T>;
    }
    case 's64': {
      const index = fastIndex(b, ptr, 3, 's64');
      const d: bigint = typeof delta === 'bigint' ? delta : checkDelta('delta', 's64', delta);
      const view = b.views.s64;
      view[index] = negative ? view[index]! - d : view[index]! + d;
      return view[index] as ValueOf<T>;
    }
    default: {
      const index = slowIndex(b, ptr, type);
      const d = checkDelta('delta', type, delta);
      return opAddReturn(b.views, type, index, negative ? negate(d) : d);
    }
  }
};

/** The CPU this thread plays; usable inside tasks (it throws NotOnCpuError elsewhere). */
export const thisCpu = new ThisCpu();
