/**
 * Trace events as Chrome Trace Event / Perfetto JSON (opens in ui.perfetto.dev and
 * chrome://tracing): `{ traceEvents, displayTimeUnit }`, timestamps in microseconds.
 *
 * - one track per CPU: pid 1, tid = the CPU id, named `CPU n` by `thread_name` metadata events
 * - tasks: complete events ('X') from their begin to their end (a task whose worker died ends at
 *   the death, with args.died); allocation and free requests: complete events over their wait
 * - thisCpu.trace events, folds and the coordinator's lifecycle events: instants ('i', scope 't')
 * - folds: also a counter track per percpu_counter slot (its global count); thisCpu.traceCounter:
 *   a counter track per name and CPU ('C')
 *
 * Context: the coordinator (or any thread: pure functions).
 */
import type { TraceEvent } from './events.js';

const PID = 1;

export interface ChromeTraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'i' | 'C' | 'M';
  readonly ts: number;
  readonly pid: number;
  readonly tid?: number;
  readonly dur?: number;
  readonly s?: 't';
  readonly cat?: string;
  readonly args?: Record<string, unknown>;
}

export interface ChromeTrace {
  readonly traceEvents: ChromeTraceEvent[];
  readonly displayTimeUnit: 'ns' | 'ms';
}

/** A JSON-safe value: bigints that fit a double exactly become numbers, others strings. */
export function jsonValue(value: number | bigint): number | string {
  if (typeof value === 'number') return value;
  return value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value.toString();
}

const us = (ms: number): number => Math.round(ms * 1000 * 1000) / 1000;

export function toChromeTrace(events: readonly TraceEvent[], cpus: number): ChromeTrace {
  const out: ChromeTraceEvent[] = [{ name: 'process_name', ph: 'M', ts: 0, pid: PID, args: { name: 'percpu' } }];
  for (let cpu = 0; cpu < cpus; cpu++) {
    out.push({ name: 'thread_name', ph: 'M', ts: 0, pid: PID, tid: cpu, args: { name: `CPU ${cpu}` } });
    out.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: PID, tid: cpu, args: { sort_index: cpu } });
  }
  const open: { name: string; ts: number; seq: number | null }[][] = Array.from({ length: cpus }, () => []);
  const lastTs = new Array<number>(cpus).fill(0);
  const closeTask = (cpu: number, endTs: number, args: Record<string, unknown>): void => {
    const task = open[cpu]!.pop();
    if (task === undefined) return;
    out.push({
      name: task.name,
      cat: 'task',
      ph: 'X',
      ts: us(task.ts),
      dur: us(Math.max(0, endTs - task.ts)),
      pid: PID,
      tid: cpu,
      args: { seq: task.seq, ...args },
    });
  };
  for (const e of events) {
    if (e.cpu < 0 || e.cpu >= cpus) continue;
    lastTs[e.cpu] = Math.max(lastTs[e.cpu]!, e.ts);
    const a = e.args.map(jsonValue);
    switch (e.kind) {
      case 'task-begin':
        open[e.cpu]!.push({ name: e.name, ts: e.ts, seq: e.seq });
        break;
      case 'task-end':
        closeTask(e.cpu, e.ts, { ok: a[1] === 1 });
        break;
      case 'alloc': {
        const wait = Number(e.args[3] ?? 0);
        out.push({
          name: 'alloc',
          cat: 'alloc',
          ph: 'X',
          ts: us(e.ts - wait),
          dur: us(wait),
          pid: PID,
          tid: e.cpu,
          args: { seq: e.seq, size: a[0], align: a[1], offset: a[2] === -1 ? null : a[2] },
        });
        break;
      }
      case 'free': {
        const wait = Number(e.args[1] ?? 0);
        out.push({
          name: 'free',
          cat: 'alloc',
          ph: 'X',
          ts: us(e.ts - wait),
          dur: us(wait),
          pid: PID,
          tid: e.cpu,
          args: { seq: e.seq, offset: a[0], ok: a[2] === 1 },
        });
        break;
      }
      case 'fold':
        out.push({
          name: 'fold',
          cat: 'counter',
          ph: 'i',
          s: 't',
          ts: us(e.ts),
          pid: PID,
          tid: e.cpu,
          args: { seq: e.seq, slot: a[0], amount: a[1], count: a[2] },
        });
        out.push({ name: `percpu_counter ${String(a[0])}`, ph: 'C', ts: us(e.ts), pid: PID, args: { count: a[2] } });
        break;
      case 'counter':
        out.push({ name: `${e.name} (CPU ${e.cpu})`, ph: 'C', ts: us(e.ts), pid: PID, args: { value: a[0] } });
        break;
      case 'died':
        // The running task ends here: its worker is gone.
        while (open[e.cpu]!.length > 0) closeTask(e.cpu, e.ts, { died: true });
        out.push({
          name: e.name,
          cat: 'lifecycle',
          ph: 'i',
          s: 't',
          ts: us(e.ts),
          pid: PID,
          tid: e.cpu,
          args: { threadId: a[0] },
        });
        break;
      case 'online':
      case 'offline':
      case 'replaced':
        out.push({
          name: e.name,
          cat: 'lifecycle',
          ph: 'i',
          s: 't',
          ts: us(e.ts),
          pid: PID,
          tid: e.cpu,
          args: { threadId: a[0] },
        });
        break;
      default:
        out.push({
          name: e.name,
          cat: 'event',
          ph: 'i',
          s: 't',
          ts: us(e.ts),
          pid: PID,
          tid: e.cpu,
          args: { seq: e.seq, values: a },
        });
    }
  }
  // Tasks still running when the trace was taken end at their CPU's last event.
  for (let cpu = 0; cpu < cpus; cpu++) while (open[cpu]!.length > 0) closeTask(cpu, lastTs[cpu]!, { unfinished: true });
  return { traceEvents: out, displayTimeUnit: 'ns' };
}

/** One JSON line per event: { cpu, seq, ts, name, kind, args } (bigints beyond 2^53 as strings). */
export function toNdjson(events: readonly TraceEvent[]): string {
  let text = '';
  for (const e of events) {
    const line = { cpu: e.cpu, seq: e.seq, ts: e.ts, name: e.name, kind: e.kind, args: e.args.map(jsonValue) };
    text += `${JSON.stringify(line)}\n`;
  }
  return text;
}
