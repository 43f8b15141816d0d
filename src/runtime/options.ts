/**
 * Runtime.start() options: their types, defaults and checks. Every check names the option, the
 * value received and what is allowed.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import { InvalidArgumentError } from '../errors.js';
import { checkAreaSize, checkUnitSize } from '../allocator/allocator.js';
import { DEFAULT_AREA_SIZE, DEFAULT_UNIT_SIZE, MAX_CPUS } from '../memory/layout.js';
import { type ResolvedTrace, type TraceOptions, resolveTraceOptions } from '../trace/options.js';
import type { RobustOptions } from './robust.js';
import type { StaticDeclaration } from './statics.js';

export interface RuntimeOptions {
  /** Possible CPUs: 1 .. MAX_CPUS. Memory exists for these only. */
  readonly cpus: number;
  /** CPUs online at start: a count (CPUs 0 .. n-1) or a list of CPU ids. Default: all. */
  readonly online?: number | readonly number[];
  /** The tasks module: a path (relative to the working directory) or a file: URL. */
  readonly tasks?: string | URL;
  /** The root logger. Default: pino at level `logLevel` to stderr. */
  readonly logger?: Logger;
  /**
   * The default root logger's level: 'fatal', 'error', 'warn', 'info', 'debug', 'trace' or
   * 'silent'. Default 'warn'. Only without `logger` (a logger brings its own level).
   */
  readonly logLevel?: LogLevel;
  /**
   * Most tasks waiting to start on one CPU (beside the one it runs). Past it, runOn / run /
   * runOnEach reject with QueueFullError. Default: no limit.
   */
  readonly maxQueue?: number;
  /** Bytes per unit (the largest allocation). Default 64 KiB. */
  readonly unitSize?: number;
  /** Bytes of address space reserved per CPU. Default 64 MiB (committed only where written). */
  readonly areaSize?: number;
  /** Bytes of the first chunk's reserved region. Default 8 KiB, as Linux. */
  readonly reservedSize?: number;
  /** Static per-CPU variables, by name. */
  readonly statics?: Readonly<Record<string, StaticDeclaration>>;
  /** Most percpu_counters alive at once. Default 1024. */
  readonly maxCounters?: number;
  /** Limits for each CPU's worker thread (heap sizes), passed to worker_threads. */
  readonly workerResourceLimits?: ResourceLimits;
  /**
   * Microseconds the coordinator keeps polling the CPUs' mailboxes after a CPU's allocation
   * request, before it goes back to sleeping on the doorbell (src/mailbox/server.ts). Default 200; 0
   * never polls.
   */
  readonly requestPollUs?: number;
  /**
   * Milliseconds a CPU's worker may take to start and load the tasks module (a top-level await
   * that never settles would otherwise hang start). Past it, start() / online() reject with
   * TasksLoadError and the worker is stopped. Default 30,000.
   */
  readonly startTimeoutMs?: number;
  /**
   * Milliseconds offline() and close() wait for a CPU's queued and running tasks before they
   * terminate the worker (its running task then rejects with CpuDiedError). Default 30,000.
   */
  readonly stopTimeoutMs?: number;
  /**
   * Start failures in a row (a replacement worker that fails to start, or a worker that dies with
   * no task running) after which a CPU is marked failed. Default 5.
   */
  readonly maxStartFailures?: number;
  /**
   * Milliseconds before restarting a CPU after its first start failure in a row, doubled after
   * each further one (at most 5 s). A worker that dies in a task is replaced at once. Default 100.
   */
  readonly restartBackoffMs?: number;
  /**
   * Robust mode: poison freed memory and report writes after free, remember who allocated what
   * and list leaks at close; optionally verify() after every allocator operation. Default off
   * (costs nothing then).
   */
  readonly robust?: boolean | RobustOptions;
  /** Tracing: each CPU's trace ring in its own unit (docs/tracing.md). Default off (costs nothing then). */
  readonly trace?: boolean | TraceOptions;
}

export { MAX_CPUS };
export const DEFAULT_RESERVED_SIZE = 8 * 1024;
export const DEFAULT_MAX_COUNTERS = 1024;
export const MAX_COUNTERS = 1 << 20;
export const DEFAULT_REQUEST_POLL_US = 200;
export const DEFAULT_START_TIMEOUT_MS = 30_000;
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_START_FAILURES = 5;
export const DEFAULT_RESTART_BACKOFF_MS = 100;
/** Longest start or stop timeout accepted: one hour. */
const MAX_TIMEOUT_MS = 3_600_000;
/** One second: a longer window would only be a busy event loop. */
export const MAX_REQUEST_POLL_US = 1_000_000;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ResolvedOptions {
  readonly cpus: number;
  readonly online: readonly number[];
  readonly tasksUrl: string | null;
  readonly unitSize: number;
  readonly areaSize: number;
  readonly reservedSize: number;
  readonly maxCounters: number;
  readonly requestPollUs: number;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly maxStartFailures: number;
  readonly restartBackoffMs: number;
  readonly maxQueue: number;
  readonly logLevel: LogLevel;
  readonly trace: ResolvedTrace | null;
}

function integerIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(name, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

export function checkCpuId(name: string, value: unknown, cpus: number): number {
  return integerIn(name, value, 0, cpus - 1);
}

function resolveTasks(value: string | URL | undefined): string | null {
  if (value === undefined) return null;
  let url: URL;
  if (value instanceof URL) url = value;
  else if (typeof value === 'string' && value.length > 0) {
    url = value.startsWith('file:') ? new URL(value) : pathToFileURL(resolve(value));
  } else {
    throw new InvalidArgumentError('tasks', value, 'a path or a file: URL of a module');
  }
  if (url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) {
    throw new InvalidArgumentError(
      'tasks',
      value instanceof URL ? value.href : value,
      'a path or a file: URL of an existing module',
    );
  }
  return url.href;
}

export function resolveOptions(options: RuntimeOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', options, 'an object with at least { cpus }');
  }
  const cpus = integerIn('cpus', options.cpus, 1, MAX_CPUS);
  let online: number[];
  if (options.online === undefined) online = Array.from({ length: cpus }, (_, cpu) => cpu);
  else if (typeof options.online === 'number') {
    online = Array.from({ length: integerIn('online', options.online, 1, cpus) }, (_, cpu) => cpu);
  } else if (Array.isArray(options.online)) {
    const list: readonly unknown[] = options.online;
    online = list.map((cpu, i) => checkCpuId(`online[${i}]`, cpu, cpus));
    if (online.length === 0 || new Set(online).size !== online.length) {
      throw new InvalidArgumentError(
        'online',
        options.online,
        `a non-empty list of distinct CPU ids from 0 to ${cpus - 1}`,
      );
    }
  } else {
    throw new InvalidArgumentError('online', options.online, `a count from 1 to ${cpus} or a list of CPU ids`);
  }
  // Checked here, before any buffer is reserved: a bad areaSize must be an InvalidArgumentError,
  // not the RangeError of a SharedArrayBuffer or typed array of that size.
  const unitSize = checkUnitSize(options.unitSize ?? DEFAULT_UNIT_SIZE);
  const areaSize = checkAreaSize(options.areaSize ?? DEFAULT_AREA_SIZE, unitSize);
  checkLogger(options.logger);
  checkResourceLimits(options.workerResourceLimits);
  checkRobust(options.robust);
  return {
    cpus,
    online: [...online].sort((a, b) => a - b),
    tasksUrl: resolveTasks(options.tasks),
    unitSize,
    areaSize,
    reservedSize: options.reservedSize ?? DEFAULT_RESERVED_SIZE,
    maxCounters: integerIn('maxCounters', options.maxCounters ?? DEFAULT_MAX_COUNTERS, 1, MAX_COUNTERS),
    requestPollUs: integerIn('requestPollUs', options.requestPollUs ?? DEFAULT_REQUEST_POLL_US, 0, MAX_REQUEST_POLL_US),
    startTimeoutMs: integerIn('startTimeoutMs', options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, 1, MAX_TIMEOUT_MS),
    stopTimeoutMs: integerIn('stopTimeoutMs', options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, 0, MAX_TIMEOUT_MS),
    maxStartFailures: integerIn('maxStartFailures', options.maxStartFailures ?? DEFAULT_MAX_START_FAILURES, 1, 1000),
    restartBackoffMs: integerIn('restartBackoffMs', options.restartBackoffMs ?? DEFAULT_RESTART_BACKOFF_MS, 0, 60_000),
    maxQueue:
      options.maxQueue === undefined ? Infinity : integerIn('maxQueue', options.maxQueue, 0, Number.MAX_SAFE_INTEGER),
    logLevel: checkLogLevel(options.logLevel, options.logger),
    trace: resolveTraceOptions(options.trace, unitSize, areaSize),
  };
}

function checkLogLevel(level: unknown, logger: unknown): LogLevel {
  if (level === undefined) return 'warn';
  if (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new InvalidArgumentError('logLevel', level, `one of ${LOG_LEVELS.map((l) => `'${l}'`).join(', ')}`);
  }
  if (logger !== undefined) {
    throw new InvalidArgumentError(
      'logLevel',
      level,
      'left out when a `logger` is given (set the level on the logger)',
    );
  }
  return level as LogLevel;
}

function checkLogger(logger: unknown): void {
  if (logger === undefined) return;
  const methods = ['child', 'trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  if (
    typeof logger !== 'object' ||
    logger === null ||
    methods.some((m) => typeof (logger as Record<string, unknown>)[m] !== 'function')
  ) {
    throw new InvalidArgumentError('logger', logger, 'a pino logger (with child, info, warn, error, ...)');
  }
}

/**
 * The worker_threads resource limits percpu passes on, each with the smallest value it accepts:
 * what a CPU's worker needs to start, with a margin for the user's tasks module. Measured on
 * Node 20 by `node dist/bench/worker-start.js` (docs/reliability.md): maxOldGenerationSizeMb 4
 * runs out of heap while loading (6 starts); stackSizeMb 0.25 overflows while loading and 0.2
 * aborts the whole process (0.3 starts); young generation and code range start at 0.25.
 */
export const RESOURCE_LIMIT_MINIMUMS = {
  maxOldGenerationSizeMb: 16,
  maxYoungGenerationSizeMb: 1,
  codeRangeSizeMb: 1,
  stackSizeMb: 1,
} as const;

/** Largest value accepted for any limit: 1 TiB in MB, far above any machine's memory. */
const MAX_RESOURCE_LIMIT_MB = 1 << 20;

function checkResourceLimits(limits: unknown): void {
  if (limits === undefined) return;
  const names = Object.keys(RESOURCE_LIMIT_MINIMUMS) as (keyof typeof RESOURCE_LIMIT_MINIMUMS)[];
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
    throw new InvalidArgumentError('workerResourceLimits', limits, `an object with any of ${names.join(', ')}`);
  }
  for (const key of Object.keys(limits)) {
    if (!(names as string[]).includes(key)) {
      throw new InvalidArgumentError(
        'workerResourceLimits',
        limits,
        `an object with only ${names.join(', ')} (got ${key})`,
      );
    }
  }
  for (const name of names) {
    const value = (limits as Record<string, unknown>)[name];
    const min = RESOURCE_LIMIT_MINIMUMS[name];
    if (
      value !== undefined &&
      (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_RESOURCE_LIMIT_MB)
    ) {
      throw new InvalidArgumentError(
        `workerResourceLimits.${name}`,
        value,
        `a number of megabytes from ${min} to ${MAX_RESOURCE_LIMIT_MB} (a CPU's worker cannot start with less)`,
      );
    }
  }
}

function checkRobust(robust: unknown): void {
  if (robust === undefined || typeof robust === 'boolean') return;
  if (typeof robust !== 'object' || robust === null) {
    throw new InvalidArgumentError('robust', robust, 'a boolean or { verifyEveryOperation?: boolean }');
  }
  const verify = (robust as Record<string, unknown>).verifyEveryOperation;
  if (verify !== undefined && typeof verify !== 'boolean') {
    throw new InvalidArgumentError('robust.verifyEveryOperation', verify, 'a boolean');
  }
}
