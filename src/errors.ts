import { inspect } from 'node:util';

/**
 * Every error percpu throws on purpose is a PercpuError with a stable `code`.
 *
 * Argument errors name the argument, quote the value received (and its type) and say what is
 * allowed, in the style "Expected `size` to be an integer from 1 to 65536, got `0` (number)".
 * Whoever throws one must not have changed any state before throwing.
 */

/** The stable codes. They are part of the public API: documented in docs/api.md. */
export type PercpuErrorCode =
  | 'PERCPU_INVALID_ARGUMENT'
  | 'PERCPU_INVALID_FREE'
  | 'PERCPU_UNALIGNED_ACCESS'
  | 'PERCPU_OUT_OF_SPACE'
  | 'PERCPU_VERIFY_FAILED'
  | 'PERCPU_TASK_FAILED'
  | 'PERCPU_CPU_DIED'
  | 'PERCPU_CPU_OFFLINE'
  | 'PERCPU_CPU_FAILED'
  | 'PERCPU_TASK_ABORTED'
  | 'PERCPU_TASK_TIMEOUT'
  | 'PERCPU_QUEUE_FULL'
  | 'PERCPU_INSUFFICIENT_MEMORY'
  | 'PERCPU_CLOSED'
  | 'PERCPU_NOT_ON_CPU'
  | 'PERCPU_TASKS_LOAD_FAILED'
  | 'PERCPU_COUNTER_DESTROYED'
  | 'PERCPU_TRACING_OFF'
  | 'PERCPU_TOO_MANY_SERIES'
  | 'PERCPU_LISTEN_FAILED';

export class PercpuError extends Error {
  readonly code: PercpuErrorCode;

  /** `options.cause`: the error this one reports (Error's own `cause`), passed through unchanged. */
  constructor(code: PercpuErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PercpuError';
    this.code = code;
  }
}

/** Renders a received value for a message: `0` (number), `"4"` (string), `NaN` (number). */
export function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `\`${value}n\` (bigint)`;
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return `\`${String(value)}\` (${value === null ? 'null' : typeof value})`;
  }
  return `a value of type ${Array.isArray(value) ? 'array' : typeof value}`;
}

/** A bad argument: names it, the value received and what is allowed. */
export class InvalidArgumentError extends PercpuError {
  readonly argument: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(argument: string, value: unknown, allowed: string, options?: ErrorOptions) {
    super('PERCPU_INVALID_ARGUMENT', `Expected \`${argument}\` to be ${allowed}, got ${describeValue(value)}`, options);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
    this.value = value;
    this.allowed = allowed;
  }
}

/** Why an offset cannot be freed. */
export type InvalidFreeReason =
  | 'outside-area' // not inside any chunk of the per-CPU area
  | 'unaligned' // not a multiple of the minimum allocation size
  | 'no-chunk' // inside the area, but in no live chunk
  | 'hidden' // inside the first chunk's static region (or another area that is never freed)
  | 'not-allocated' // in free space: never allocated, or already freed (a double free)
  | 'interior' // inside a live allocation, but not at its start
  | 'owned-by-counter'; // a percpu_counter's local part: freed by counter.destroy(), never by free()

/** `free(offset)` of anything but the start of a live allocation. */
export class InvalidFreeError extends PercpuError {
  readonly offset: number;
  readonly reason: InvalidFreeReason;

  constructor(offset: number, reason: InvalidFreeReason, detail: string) {
    // A non-number is quoted with its type: `Cannot free offset 8` for the string '8' would mislead.
    super(
      'PERCPU_INVALID_FREE',
      `Cannot free offset ${typeof offset === 'number' ? offset : describeValue(offset)}: ${detail}`,
    );
    this.name = 'InvalidFreeError';
    this.offset = offset;
    this.reason = reason;
  }
}

/** A typed access at an offset that is not a multiple of the type's width. */
export class UnalignedAccessError extends PercpuError {
  constructor(offset: number, type: string, width: number) {
    super(
      'PERCPU_UNALIGNED_ACCESS',
      `Expected \`ptr\` to be a multiple of ${width} for type '${type}', got \`${offset}\` (number)`,
    );
    this.name = 'UnalignedAccessError';
  }
}

/** Thrown by APIs that cannot return "no space" as a value (for example static declarations). */
export class OutOfSpaceError extends PercpuError {
  constructor(message: string) {
    super('PERCPU_OUT_OF_SPACE', message);
    this.name = 'OutOfSpaceError';
  }
}

/** `verify()` found a broken invariant: a bug in percpu, never a user error. */
export class VerifyError extends PercpuError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: ErrorOptions) {
    super('PERCPU_VERIFY_FAILED', `percpu invariants broken:\n- ${problems.join('\n- ')}`, options);
    this.name = 'VerifyError';
    this.problems = problems;
  }
}

/** What a task threw on its CPU, carried back to the coordinator. */
export interface RemoteErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

/** A task threw (or rejected) on its CPU; the CPU is fine. */
export class TaskFailedError extends PercpuError {
  readonly cpu: number;
  readonly task: string;
  readonly remote: RemoteErrorInfo;

  constructor(cpu: number, task: string, remote: RemoteErrorInfo) {
    super('PERCPU_TASK_FAILED', `Task '${task}' failed on CPU ${cpu}: ${remote.name}: ${remote.message}`);
    this.name = 'TaskFailedError';
    this.cpu = cpu;
    this.task = task;
    this.remote = remote;
  }
}

/** The CPU's worker died while running (or before running) a task; a new worker replaces it. */
export class CpuDiedError extends PercpuError {
  readonly cpu: number;
  readonly task: string;

  constructor(cpu: number, task: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : inspect(cause, { depth: 2, breakLength: Infinity });
    super(
      'PERCPU_CPU_DIED',
      `Task '${task}' on CPU ${cpu} did not finish: the CPU's worker died (${why}); ` +
        `everything it counted before is kept and a new worker takes over CPU ${cpu}`,
      { cause },
    );
    this.name = 'CpuDiedError';
    this.cpu = cpu;
    this.task = task;
  }
}

/** A task was aborted through its `signal` (before it started, or while it ran: then its worker was ended). */
export class TaskAbortedError extends PercpuError {
  readonly cpu: number;
  readonly task: string;
  /** Whether the task had started on its CPU (its worker was then terminated and replaced). */
  readonly started: boolean;

  constructor(cpu: number, task: string, started: boolean, reason: unknown) {
    super(
      'PERCPU_TASK_ABORTED',
      `Task '${task}' on CPU ${cpu} ` +
        `was aborted ${started ? 'while it ran: its worker was terminated and is replaced' : 'before it started'}`,
    );
    this.name = 'TaskAbortedError';
    this.cpu = cpu;
    this.task = task;
    this.started = started;
    this.cause = reason;
  }
}

/** A task did not finish within its `timeout` (counted from the call, queueing included). */
export class TaskTimeoutError extends PercpuError {
  readonly cpu: number;
  readonly task: string;
  readonly started: boolean;
  readonly timeoutMs: number;

  constructor(cpu: number, task: string, started: boolean, timeoutMs: number) {
    super(
      'PERCPU_TASK_TIMEOUT',
      `Task '${task}' on CPU ${cpu} did not finish within ${timeoutMs} ms` +
        ` (option timeout): ${started ? 'its worker was terminated and is replaced' : 'it never started'}`,
    );
    this.name = 'TaskTimeoutError';
    this.cpu = cpu;
    this.task = task;
    this.started = started;
    this.timeoutMs = timeoutMs;
  }
}

/** A CPU's queue already holds `maxQueue` tasks waiting to start. */
export class QueueFullError extends PercpuError {
  readonly cpu: number;
  readonly maxQueue: number;

  constructor(cpu: number, maxQueue: number) {
    super(
      'PERCPU_QUEUE_FULL',
      `CPU ${cpu} already has ${maxQueue} tasks waiting (option maxQueue): try again when some have run`,
    );
    this.name = 'QueueFullError';
    this.cpu = cpu;
    this.maxQueue = maxQueue;
  }
}

/** A task was sent to a CPU that is offline. */
export class CpuOfflineError extends PercpuError {
  readonly cpu: number;

  constructor(cpu: number) {
    super('PERCPU_CPU_OFFLINE', `CPU ${cpu} is offline: bring it online with online(${cpu}) first`);
    this.name = 'CpuOfflineError';
    this.cpu = cpu;
  }
}

/** The runtime was closed; nothing more can run on it. */
export class ClosedError extends PercpuError {
  constructor(what: string, options?: ErrorOptions) {
    super('PERCPU_CLOSED', `Cannot ${what}: the runtime is closed`, options);
    this.name = 'ClosedError';
  }
}

/** A CPU-side API was used outside a percpu worker. */
export class NotOnCpuError extends PercpuError {
  constructor(what: string) {
    super('PERCPU_NOT_ON_CPU', `Cannot ${what}: this thread is not a percpu CPU (use it inside a task)`);
    this.name = 'NotOnCpuError';
  }
}

/** The tasks module could not be loaded on a CPU, or its worker did not start (see `cause`). */
export class TasksLoadError extends PercpuError {
  readonly cpu: number;

  constructor(tasks: string, cpu: number, message: string, cause?: unknown) {
    super(
      'PERCPU_TASKS_LOAD_FAILED',
      `The tasks module ${tasks} failed to load on CPU ${cpu}: ${message}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'TasksLoadError';
    this.cpu = cpu;
  }
}

/**
 * A CPU whose replacement workers kept failing to start (or died with no task running) more
 * times in a row than `maxStartFailures` allows: it is marked failed, its unit and data are kept,
 * and calls that need its worker get this error until `online(cpu)` tries again.
 */
export class CpuFailedError extends PercpuError {
  readonly cpu: number;

  constructor(cpu: number, failures: number) {
    super(
      'PERCPU_CPU_FAILED',
      `CPU ${cpu} has failed: its worker failed to start or died idle ${failures} times in a row` +
        ` (option maxStartFailures); its data is kept, online(${cpu}) tries again`,
    );
    this.name = 'CpuFailedError';
    this.cpu = cpu;
  }
}

/** Starting more CPU workers would take more memory than the process may use. */
export class InsufficientMemoryError extends PercpuError {
  /** Bytes the workers would need, and bytes available to them. */
  readonly needed: number;
  readonly available: number;

  constructor(what: string, needed: number, available: number, detail: string) {
    super('PERCPU_INSUFFICIENT_MEMORY', `Cannot ${what}: ${detail}`);
    this.name = 'InsufficientMemoryError';
    this.needed = needed;
    this.available = available;
  }
}

/**
 * A CPU used a percpu_counter that was destroyed: its handle (`thisCpu.counter(handle)`) or a
 * CPU-side counter made from it. Nothing was added.
 */
export class CounterDestroyedError extends PercpuError {
  readonly slot: number;

  constructor(slot: number) {
    super(
      'PERCPU_COUNTER_DESTROYED',
      `The counter in slot ${slot} was destroyed: its handle and every CPU-side counter made from it ` +
        `can no longer add (nothing was added)`,
    );
    this.name = 'CounterDestroyedError';
    this.slot = slot;
  }
}

/** rt.trace was used on a runtime started without the `trace` option. */
export class TracingOffError extends PercpuError {
  constructor(what: string) {
    super(
      'PERCPU_TRACING_OFF',
      `Cannot ${what}: tracing is off (start the runtime with { trace: { ... } } or trace: true)`,
    );
    this.name = 'TracingOffError';
  }
}

/** A metric already has `maxChildren` label sets: one more would be unbounded memory. */
export class TooManySeriesError extends PercpuError {
  readonly metric: string;
  readonly maxChildren: number;

  constructor(metric: string, maxChildren: number, labelValues: readonly string[]) {
    super(
      'PERCPU_TOO_MANY_SERIES',
      `Metric '${metric}' already has ${maxChildren} label sets (its maxChildren): ` +
        `cannot add ${JSON.stringify(labelValues)}; remove() some or raise maxChildren`,
    );
    this.name = 'TooManySeriesError';
    this.metric = metric;
    this.maxChildren = maxChildren;
  }
}

/** The metrics HTTP server could not listen (port in use, address not available, host unknown). */
export class ListenError extends PercpuError {
  readonly host: string;
  readonly port: number;
  /** The system's error code: EADDRINUSE, EADDRNOTAVAIL, ENOTFOUND, EACCES, ... */
  readonly reason: string;

  constructor(host: string, port: number, reason: string, detail: string) {
    super('PERCPU_LISTEN_FAILED', `Cannot serve metrics on ${host}:${port}: ${reason} (${detail})`);
    this.name = 'ListenError';
    this.host = host;
    this.port = port;
    this.reason = reason;
  }
}
