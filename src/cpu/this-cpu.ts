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
import { type CpuViews, bufferSizeFor, createCpuViews } from '../memory/percpu-memory.js';
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

  /** @internal Called by the CPU worker right after bindCpu, before any task runs. */
  attach(binding: CpuBinding): void {
    attached.binding = binding;
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

  // The generic path: every call checks the binding, the type, the pointer and the value, and
  // still compiles, in a loop, to the loop of a plain typed array (see "The generic path" below
  // the class). The 32- and 64-bit integer types take a switch case each, which a call with a
  // literal type inlines to; every other type, and every argument a case cannot take, goes to
  // the checked path (checkedAdd, checkedRead), which builds the errors.

  read<T extends PerCpuType>(ptr: number, type: T): ValueOf<T> {
    const views = attached.binding.views;
    const width = type === 'u64' || type === 's64' ? 8 : 4;
    // The element index, or no index (see "The generic path" below the class).
    let quotient: number;
    try {
      quotient = ptr / width;
    } catch {
      quotient = -1;
    }
    const exact = +(quotient * width === ptr);
    const i = quotient * exact + (exact - 1);
    switch (type) {
      case 'u32': {
        const v = views.u32[i];
        if (v === undefined) break;
        return v as ValueOf<T>;
      }
      case 's32': {
        const v = views.s32[i];
        if (v === undefined) break;
        return v as ValueOf<T>;
      }
      case 'u64': {
        const v = views.u64[i];
        if (v === undefined) break;
        return v as ValueOf<T>;
      }
      case 's64': {
        const v = views.s64[i];
        if (v === undefined) break;
        return v as ValueOf<T>;
      }
    }
    // Only a pointer a case could not take (or a type that has no case) gets here.
    return checkedRead('read', ptr, type);
  }

  write<T extends PerCpuType>(ptr: number, type: T, value: ValueOf<T>): void {
    const views = attached.binding.views;
    const width = type === 'u64' || type === 's64' ? 8 : 4;
    let quotient: number;
    try {
      quotient = ptr / width;
    } catch {
      quotient = -1;
    }
    const exact = +(quotient * width === ptr) & +fits(type, value);
    const i = quotient * exact + (exact - 1);
    switch (type) {
      case 'u32':
        if (views.u32[i] === undefined) break;
        views.u32[i] = value as number;
        return;
      case 's32':
        if (views.s32[i] === undefined) break;
        views.s32[i] = value as number;
        return;
      case 'u64':
        if (views.u64[i] === undefined) break;
        views.u64[i] = value as bigint;
        return;
      case 's64':
        if (views.s64[i] === undefined) break;
        views.s64[i] = value as bigint;
        return;
    }
    // Only an argument a case could not take (or a type that has no case) gets here.
    checkedWrite('write', ptr, type, value);
  }

  add<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): void {
    addDelta('add', ptr, type, delta, false);
  }

  sub<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): void {
    addDelta('sub', ptr, type, delta, true);
  }

  inc(ptr: number, type: PerCpuType): void {
    const views = attached.binding.views;
    const width = type === 'u64' || type === 's64' ? 8 : 4;
    let quotient: number;
    try {
      quotient = ptr / width;
    } catch {
      quotient = -1;
    }
    const exact = +(quotient * width === ptr);
    const i = quotient * exact + (exact - 1);
    switch (type) {
      case 'u32': {
        const old = views.u32[i];
        if (old === undefined) break;
        views.u32[i] = old + 1;
        return;
      }
      case 's32': {
        const old = views.s32[i];
        if (old === undefined) break;
        views.s32[i] = old + 1;
        return;
      }
      case 'u64': {
        const old = views.u64[i];
        if (old === undefined) break;
        views.u64[i] = old + 1n;
        return;
      }
      case 's64': {
        const old = views.s64[i];
        if (old === undefined) break;
        views.s64[i] = old + 1n;
        return;
      }
    }
    // Only an argument a case could not take (or a type that has no case) gets here.
    checkedAdd('inc', ptr, type, one(type), false);
  }

  dec(ptr: number, type: PerCpuType): void {
    const views = attached.binding.views;
    const width = type === 'u64' || type === 's64' ? 8 : 4;
    let quotient: number;
    try {
      quotient = ptr / width;
    } catch {
      quotient = -1;
    }
    const exact = +(quotient * width === ptr);
    const i = quotient * exact + (exact - 1);
    switch (type) {
      case 'u32': {
        const old = views.u32[i];
        if (old === undefined) break;
        views.u32[i] = old - 1;
        return;
      }
      case 's32': {
        const old = views.s32[i];
        if (old === undefined) break;
        views.s32[i] = old - 1;
        return;
      }
      case 'u64': {
        const old = views.u64[i];
        if (old === undefined) break;
        views.u64[i] = old - 1n;
        return;
      }
      case 's64': {
        const old = views.s64[i];
        if (old === undefined) break;
        views.s64[i] = old - 1n;
        return;
      }
    }
    // Only an argument a case could not take (or a type that has no case) gets here.
    checkedAdd('dec', ptr, type, one(type), true);
  }

  addReturn<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): ValueOf<T> {
    return addDelta('addReturn', ptr, type, delta, false);
  }

  subReturn<T extends PerCpuType>(ptr: number, type: T, delta: ValueOf<T>): ValueOf<T> {
    return addDelta('subReturn', ptr, type, delta, true);
  }

  xchg<T extends PerCpuType>(ptr: number, type: T, value: ValueOf<T>): ValueOf<T> {
    const b = requireBinding('xchg');
    const index = elementIndex(ptr, checkType('type', type), b.areaSize);
    return opXchg(b.views, type, index, checkValue('value', type, value));
  }

  cmpxchg<T extends PerCpuType>(ptr: number, type: T, expected: ValueOf<T>, value: ValueOf<T>): ValueOf<T> {
    const b = requireBinding('cmpxchg');
    const index = elementIndex(ptr, checkType('type', type), b.areaSize);
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

/*
 * The generic path.
 *
 * A loop of `thisCpu.inc(ptr, 'u32')` runs as fast as a loop of `array[index]++` when V8 can move
 * every check out of the loop: it peels the loop's first iteration, and the checks of the later
 * iterations, on the same values, are then known to pass. The code below is written for that:
 *
 * - A check that fails must not branch to a throw or to a call: V8 cannot peel a loop that an
 *   inlined function may leave by a branch (a throw, or a call it has no feedback for, which it
 *   compiles as a deoptimization). So a bad argument is not tested for: it makes the element
 *   index one that is not an index (-1, a fraction, NaN, ±Infinity), the typed array read gives
 *   undefined, and only then does the call take the checked path. V8 compiles an in-bounds read
 *   to a bounds check that deoptimizes (a check, not a branch) and knows the value it reads is a
 *   number, so `=== undefined` and the checked path vanish from the optimized loop.
 * - The index: `quotient = ptr / width` is the element index of a good pointer and a fraction for
 *   an unaligned one; a negative or too large one is out of the view by itself. `exact` is 1 or 0
 *   by strict equality, which converts nothing, so a string or an object (which `/` converts)
 *   is never taken for the number it converts to; a bigint or a symbol makes `/` throw, caught.
 *   `exact` also takes in the check of the value or the delta. `quotient * exact + (exact - 1)`
 *   is then the index, or -1 (NaN for NaN), with no branch.
 * - The index is computed in each method, not by a helper: Node 24 unrolled the loop of a call
 *   only when no further function was inlined into it for the index (write's value check, fits,
 *   is a helper: a loop stores a different value each time, so that check stays in it anyway).
 * - The hot code refers to nothing imported: an imported binding is read through a cell that
 *   may still be uninitialized, a check that throws.
 *
 * Before the CPU worker attaches this thread's binding (and on a thread that is no CPU), the
 * views are empty: every call takes the checked path, which throws NotOnCpuError.
 */

/** This thread's binding, or a stand-in with views of no elements (not on a CPU). */
const attached: { binding: CpuBinding } = { binding: unboundStandIn() };

function unboundStandIn(): CpuBinding {
  const empty = new SharedArrayBuffer(0);
  return {
    cpu: -1,
    views: createCpuViews(new SharedArrayBuffer(bufferSizeFor(0)), 0),
    areaSize: 0,
    unitSize: 0,
    cpus: 0,
    control32: new Int32Array(empty),
    control64: new BigInt64Array(empty),
    statics: {},
  };
}

/**
 * Adds (or, `negative`, subtracts) `delta` at `ptr` and returns the new value: the generic path
 * of add/sub/addReturn/subReturn. A delta that is not a safe integer (a bigint for the 64-bit
 * types) makes the index no index, like a bad pointer, and so takes the checked path. Not a
 * method: add() and the others need no receiver, like read() (a task may take them off thisCpu).
 * A `const`, not a function declaration: a module's function declaration is a mutable binding,
 * which an optimized caller loads and compares on every call.
 */
const addDelta = <T extends PerCpuType>(
  what: string,
  ptr: number,
  type: T,
  delta: ValueOf<T>,
  negative: boolean,
): ValueOf<T> => {
  const views = attached.binding.views;
  const bigints = type === 'u64' || type === 's64';
  const width = bigints ? 8 : 4;
  let quotient: number;
  try {
    quotient = ptr / width;
  } catch {
    quotient = -1;
  }
  const d: unknown = delta;
  const exact = +(quotient * width === ptr) & +(bigints ? typeof d === 'bigint' : Number.isSafeInteger(d));
  const i = quotient * exact + (exact - 1);
  switch (type) {
    case 'u32': {
      const old = views.u32[i];
      if (old === undefined) break;
      views.u32[i] = negative ? old - (d as number) : old + (d as number);
      return views.u32[i] as ValueOf<T>;
    }
    case 's32': {
      const old = views.s32[i];
      if (old === undefined) break;
      views.s32[i] = negative ? old - (d as number) : old + (d as number);
      return views.s32[i] as ValueOf<T>;
    }
    case 'u64': {
      const old = views.u64[i];
      if (old === undefined) break;
      views.u64[i] = negative ? old - (d as bigint) : old + (d as bigint);
      return views.u64[i] as ValueOf<T>;
    }
    case 's64': {
      const old = views.s64[i];
      if (old === undefined) break;
      views.s64[i] = negative ? old - (d as bigint) : old + (d as bigint);
      return views.s64[i] as ValueOf<T>;
    }
  }
  return checkedAdd(what, ptr, type, delta, negative);
};

/**
 * Whether `value` is one that write() stores as it is, for the types with a case of their own
 * (the others take the checked path whatever this says). No conversion: `>>> 0` and `| 0` only
 * meet numbers. An integer from 0 to 2^32 - 1 is exactly a number that `>>> 0` leaves as it is;
 * one from -2^31 to 2^31 - 1, one that `| 0` leaves as it is.
 */
const fits = (type: PerCpuType, value: unknown): boolean => {
  switch (type) {
    case 'u32':
      return typeof value === 'number' && value >>> 0 === value;
    case 's32':
      return typeof value === 'number' && (value | 0) === value;
    case 'u64':
      return typeof value === 'bigint' && BigInt.asUintN(64, value) === value;
    case 's64':
      return typeof value === 'bigint' && BigInt.asIntN(64, value) === value;
    default:
      return false;
  }
};

/** A read whose fast case gave undefined: every check, in order, then the read. */
function checkedRead<T extends PerCpuType>(what: string, ptr: number, type: T): ValueOf<T> {
  const b = requireBinding(what);
  return opRead(b.views, type, elementIndex(ptr, checkType('type', type), b.areaSize));
}

/** A write whose fast case could not take it: every check, in order, then the store. */
function checkedWrite<T extends PerCpuType>(what: string, ptr: number, type: T, value: ValueOf<T>): void {
  const b = requireBinding(what);
  const index = elementIndex(ptr, checkType('type', type), b.areaSize);
  opWrite(b.views, type, index, checkValue('value', type, value));
}

/**
 * An update whose fast case could not take it: the binding, the type, the pointer, then the
 * delta are checked (a bad argument changes nothing), then the element is updated. Returns the
 * new value.
 */
function checkedAdd<T extends PerCpuType>(
  what: string,
  ptr: number,
  type: T,
  delta: ValueOf<T>,
  negative: boolean,
): ValueOf<T> {
  const b = requireBinding(what);
  const index = elementIndex(ptr, checkType('type', type), b.areaSize);
  const d = checkDelta('delta', type, delta);
  return opAddReturn(b.views, type, index, negative ? negate(d) : d);
}

/** The CPU this thread plays; usable inside tasks (it throws NotOnCpuError elsewhere). */
export const thisCpu = new ThisCpu();
