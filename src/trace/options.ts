/**
 * The `trace` option of Runtime.start: its type, defaults and checks, and where it places the
 * ring (ring-layout.ts). Every check names the option, the value and what is allowed.
 *
 * Context: the coordinator, before any buffer is reserved.
 */
import { InvalidArgumentError } from '../errors.js';
import { isPowerOfTwo } from '../memory/layout.js';
import {
  DEFAULT_TRACE_BUFFER,
  MAX_TRACE_BUFFER,
  MIN_TRACE_BUFFER,
  SLOT_BYTES,
  type TracePlacement,
  traceRegionSize,
} from './ring-layout.js';

export type TraceMode = 'overwrite' | 'discard';
export type TraceLogLevel = 'trace' | 'debug' | 'info';

export interface TraceToLoggerOptions {
  /** How often the events are drained into the logger. Default 50 ms. */
  readonly intervalMs?: number;
  /** The level of the lines. Default 'info'. */
  readonly level?: TraceLogLevel;
}

export interface TraceOptions {
  /**
   * Bytes of events per CPU: a power of two from 4 KiB to 1 GiB (64 bytes an event). Default 1 MiB
   * (16,384 events). The ring takes whole units at the top of each CPU's area (plus 32.5 KiB of
   * header and name table), so the area must keep at least one unit for the allocator.
   */
  readonly bufferSize?: number;
  /** A full ring drops the oldest events ('overwrite', default, as ftrace) or the newest ('discard'). */
  readonly mode?: TraceMode;
  /**
   * Drain continuously into the runtime's pino logger while it runs: one line per event
   * (`trace event`, with cpu, seq, ts, name, kind, args) through the CPU's child logger.
   */
  readonly toLogger?: boolean | TraceToLoggerOptions;
}

export interface ResolvedTrace extends TracePlacement {
  /** null: no continuous drain into the logger. */
  readonly toLogger: { readonly intervalMs: number; readonly level: TraceLogLevel } | null;
}

const LEVELS: readonly TraceLogLevel[] = ['trace', 'debug', 'info'];

/** null when tracing is off (no option, `false`). */
export function resolveTraceOptions(value: unknown, unitSize: number, areaSize: number): ResolvedTrace | null {
  if (value === undefined || value === false) return null;
  const options: Record<string, unknown> =
    value === true ? {} : checkObject('trace', value, '{ bufferSize?, mode?, toLogger? }');
  for (const key of Object.keys(options)) {
    if (!['bufferSize', 'mode', 'toLogger'].includes(key))
      throw new InvalidArgumentError('trace', value, `an object with bufferSize, mode or toLogger (not ${key})`);
  }
  const mode = options.mode ?? 'overwrite';
  if (mode !== 'overwrite' && mode !== 'discard')
    throw new InvalidArgumentError('trace.mode', mode, "'overwrite' or 'discard'");
  const bufferSize = options.bufferSize ?? DEFAULT_TRACE_BUFFER;
  const regionMax = areaSize - unitSize;
  if (
    typeof bufferSize !== 'number' ||
    !isPowerOfTwo(bufferSize) ||
    bufferSize < MIN_TRACE_BUFFER ||
    bufferSize > MAX_TRACE_BUFFER
  ) {
    throw new InvalidArgumentError(
      'trace.bufferSize',
      bufferSize,
      `a power of two from ${MIN_TRACE_BUFFER} to ${MAX_TRACE_BUFFER} (bytes of events per CPU)`,
    );
  }
  const regionSize = traceRegionSize(bufferSize, unitSize);
  if (regionSize > regionMax) {
    let largest = MIN_TRACE_BUFFER;
    while (largest * 2 <= MAX_TRACE_BUFFER && traceRegionSize(largest * 2, unitSize) <= regionMax) largest *= 2;
    const allowed =
      traceRegionSize(MIN_TRACE_BUFFER, unitSize) > regionMax
        ? `a size that fits, but areaSize ${areaSize} ` +
          `leaves no unit for a ring beside the allocator's first chunk: raise areaSize`
        : `a power of two from ${MIN_TRACE_BUFFER} to ${largest}: ` +
          `the ring takes whole units (${unitSize} bytes) at the top of the ${areaSize}-byte area,` +
          ` one unit stays for the allocator`;
    throw new InvalidArgumentError('trace.bufferSize', bufferSize, allowed);
  }
  return {
    mode,
    bufferSize,
    slots: bufferSize / SLOT_BYTES,
    regionStart: areaSize - regionSize,
    regionSize,
    toLogger: resolveToLogger(options.toLogger),
  };
}

function resolveToLogger(value: unknown): ResolvedTrace['toLogger'] {
  if (value === undefined || value === false) return null;
  const options: Record<string, unknown> =
    value === true ? {} : checkObject('trace.toLogger', value, '{ intervalMs?, level? }');
  const intervalMs = options.intervalMs ?? 50;
  if (typeof intervalMs !== 'number' || !Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > 60_000) {
    throw new InvalidArgumentError(
      'trace.toLogger.intervalMs',
      intervalMs,
      'an integer from 1 to 60000 (milliseconds)',
    );
  }
  const level = options.level ?? 'info';
  if (!LEVELS.includes(level as TraceLogLevel))
    throw new InvalidArgumentError('trace.toLogger.level', level, "'trace', 'debug' or 'info'");
  return { intervalMs, level: level as TraceLogLevel };
}

function checkObject(name: string, value: unknown, shape: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(name, value, `true, false or an object ${shape}`);
  }
  return value as Record<string, unknown>;
}
