/**
 * rt.trace: the coordinator's side of tracing. It reads every CPU's ring (ring-reader.ts) without
 * stopping the CPU, keeps the CPUs' lifecycle events that happen here (online, offline, deaths,
 * replacements: they cannot go into a ring a CPU is writing) and merges both by time in drain().
 *
 * Context: the coordinator.
 */
import { writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { InvalidArgumentError, TracingOffError } from '../errors.js';
import type { PerCpuMemory } from '../memory/percpu-memory.js';
import type { TraceWorkerConfig } from '../cpu/trace-writer.js';
import { LIFECYCLE_NAMES, type LifecycleKind, type TraceCpuStats, type TraceEvent } from './events.js';
import type { ResolvedTrace } from './options.js';
import { jsonValue, toChromeTrace, toNdjson } from './perfetto.js';
import { TraceRingReader } from './ring-reader.js';

export type TraceFileFormat = 'perfetto' | 'ndjson';

export interface TraceWriteOptions {
  /** Default 'perfetto'. */
  readonly format?: TraceFileFormat;
  /** The events to write; default: drain() now. */
  readonly events?: readonly TraceEvent[];
}

/** How often the rings' 32-bit counts are widened, so they never wrap unseen. */
const OBSERVE_INTERVAL_MS = 1000;

export class RuntimeTrace {
  /** True when the runtime was started with the trace option. */
  readonly enabled: boolean;
  /** Bytes of events per CPU and the full-ring mode; null when off. */
  readonly config: ResolvedTrace | null;
  private readonly cpus: number;
  private readonly readers: readonly TraceRingReader[];
  private readonly pending: TraceEvent[] = [];
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(config: ResolvedTrace | null, memory: PerCpuMemory, loggerOf: (cpu: number) => Logger) {
    this.enabled = config !== null;
    this.config = config;
    this.cpus = memory.cpus;
    this.readers = config === null ? [] : memory.views.map((views, cpu) => new TraceRingReader(cpu, views, config));
    if (config === null) return;
    const observer = setInterval(() => {
      for (const reader of this.readers) reader.observe();
    }, OBSERVE_INTERVAL_MS);
    observer.unref();
    this.timers.push(observer);
    const toLogger = config.toLogger;
    if (toLogger !== null) {
      const timer = setInterval(() => this.drainToLogger(loggerOf, toLogger.level), toLogger.intervalMs);
      timer.unref();
      this.timers.push(timer);
      this.finalDrain = () => this.drainToLogger(loggerOf, toLogger.level);
    }
  }

  private finalDrain: (() => void) | null = null;

  /** @internal What a CPU's worker needs to write its ring (null: tracing off). */
  workerConfig(): TraceWorkerConfig | null {
    if (this.config === null) return null;
    return {
      regionStart: this.config.regionStart,
      slots: this.config.slots,
      discard: this.config.mode === 'discard',
      coordinatorOrigin: performance.timeOrigin,
    };
  }

  /** @internal A hook: a CPU's lifecycle event, stamped now on the coordinator. */
  lifecycle(kind: LifecycleKind, cpu: number, threadId: number): void {
    if (!this.enabled) return;
    this.pending.push({ cpu, seq: null, ts: performance.now(), name: LIFECYCLE_NAMES[kind], kind, args: [threadId] });
  }

  /**
   * The events not returned by an earlier drain(), every CPU's and the coordinator's, by time.
   * Runs beside the CPUs: they keep writing while it reads.
   */
  drain(): TraceEvent[] {
    if (!this.enabled) throw new TracingOffError('drain the trace');
    // Each CPU's events are in time order already, and so are the coordinator's: merge the runs.
    const runs: TraceEvent[][] = [];
    for (const reader of this.readers) {
      const run: TraceEvent[] = [];
      if (reader.drainInto(run) > 0) runs.push(run);
    }
    if (this.pending.length > 0) runs.push(this.pending.splice(0));
    return mergeByTime(runs);
  }

  /** Per CPU: written = drained + lost + inRing, exactly. */
  stats(): TraceCpuStats[] {
    if (!this.enabled) throw new TracingOffError('read trace stats');
    return this.readers.map((reader) => reader.stats());
  }

  /** Writes `events` (default: drain() now) as Perfetto JSON or NDJSON; resolves to their count. */
  async write(file: string, options?: TraceWriteOptions): Promise<number> {
    if (!this.enabled) throw new TracingOffError('write the trace');
    if (typeof file !== 'string' || file.length === 0) throw new InvalidArgumentError('file', file, 'a path');
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new InvalidArgumentError(
        'options',
        options,
        "an object { format?: 'perfetto' | 'ndjson', events? } or nothing",
      );
    }
    const format = options?.format ?? 'perfetto';
    if (format !== 'perfetto' && format !== 'ndjson')
      throw new InvalidArgumentError('format', format, "'perfetto' or 'ndjson'");
    if (options?.events !== undefined) checkEvents(options.events);
    const given = options?.events;
    const events = given ?? this.drain();
    try {
      const text = format === 'perfetto' ? JSON.stringify(toChromeTrace(events, this.cpus)) : toNdjson(events);
      await writeFile(file, text);
    } catch (error) {
      // Events this call drained are not lost with the file: the next drain() returns them first.
      // They are in time order and older than any lifecycle event recorded since, so `pending`
      // stays one run in time order.
      if (given === undefined) this.pending.unshift(...events);
      throw error;
    }
    return events.length;
  }

  /** @internal At the runtime's close, after every worker stopped: a last drain into the logger; timers stop. */
  close(): void {
    this.finalDrain?.();
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  private drainToLogger(loggerOf: (cpu: number) => Logger, level: 'trace' | 'debug' | 'info'): void {
    for (const e of this.drain()) {
      loggerOf(e.cpu)[level](
        { seq: e.seq, ts: e.ts, name: e.name, kind: e.kind, args: e.args.map(jsonValue) },
        'trace event',
      );
    }
  }
}

/** A typed error unless `events` is an array of records shaped as drain()'s (checked before anything is written). */
function checkEvents(events: unknown): asserts events is readonly TraceEvent[] {
  if (!Array.isArray(events)) throw new InvalidArgumentError('events', events, 'an array of events from drain()');
  events.forEach((e: unknown, i) => {
    const r = e as Partial<Record<keyof TraceEvent, unknown>> | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      !Number.isInteger(r.cpu) ||
      typeof r.ts !== 'number' ||
      typeof r.name !== 'string' ||
      typeof r.kind !== 'string' ||
      !Array.isArray(r.args) ||
      (r.seq !== null && !Number.isInteger(r.seq))
    ) {
      throw new InvalidArgumentError(`events[${i}]`, e, 'an event from drain(): { cpu, seq, ts, name, kind, args }');
    }
  });
}

/** Merges runs each in time order into one, two at a time (log2(runs) passes over the events). */
export function mergeByTime(runs: TraceEvent[][]): TraceEvent[] {
  if (runs.length === 0) return [];
  while (runs.length > 1) {
    const next: TraceEvent[][] = [];
    for (let i = 0; i < runs.length; i += 2)
      next.push(i + 1 < runs.length ? mergeTwo(runs[i]!, runs[i + 1]!) : runs[i]!);
    runs = next;
  }
  return runs[0]!;
}

function mergeTwo(a: readonly TraceEvent[], b: readonly TraceEvent[]): TraceEvent[] {
  const out = new Array<TraceEvent>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  // Ties keep a's event first (a stable merge).
  while (i < a.length && j < b.length) out[k++] = b[j]!.ts < a[i]!.ts ? b[j++]! : a[i++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}
