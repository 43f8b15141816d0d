/**
 * The CPU side of tracing: sets up this CPU's ring writer at start (when the runtime traces), and
 * the one-line hooks through which the runtime's own CPU-side activity becomes events on the
 * CPU's track: task begin and end (cpu-worker.ts), allocation and free requests
 * (src/mailbox/client.ts), percpu_counter folds (cpu-counter.ts).
 *
 * Tracing off: `writer` stays null and every hook is one load and a branch, no clock read.
 *
 * Context: the CPU's worker thread.
 */
import type { CpuBinding } from './binding.js';
import { TraceWriter, type TraceWorkerConfig } from './trace-writer.js';
import { EVENT_ALLOC, EVENT_FOLD, EVENT_FREE, EVENT_TASK_BEGIN, EVENT_TASK_END } from '../trace/ring-layout.js';
import { OP_ALLOC, STATUS_OK } from '../mailbox/layout.js';

let writer: TraceWriter | null = null;
let allocId = 0;
let freeId = 0;
let foldId = 0;

/**
 * The name of a task-begin/end event whose task name cannot be interned (the table is full, or
 * the name is over 256 UTF-8 bytes): the task runs and its events are written under this name.
 */
export const TASK_NAME_NOT_INTERNED = '(task name not interned)';
let unnamedTaskId = 0;

/** Called once by the CPU worker after binding; returns the writer (null: tracing off). */
export function setupTrace(binding: CpuBinding, config: TraceWorkerConfig | null): TraceWriter | null {
  if (config === null) return null;
  writer = new TraceWriter(binding.views, config);
  allocId = writer.idOf('alloc');
  freeId = writer.idOf('free');
  foldId = writer.idOf('fold');
  unnamedTaskId = writer.idOf(TASK_NAME_NOT_INTERNED);
  return writer;
}

/** A task's name id; the runtime's hooks never throw (a full table or a long name is the user's). */
function taskId(tracer: TraceWriter, name: string): number {
  try {
    return tracer.idOf(name);
  } catch {
    return unnamedTaskId;
  }
}

/** The clock events are stamped with, or 0 without reading it when tracing is off. */
export function traceClock(): number {
  return writer === null ? 0 : writer.now();
}

/** A task starts: returns its start time (0 when off). */
export function traceTaskBegin(name: string): number {
  if (writer === null) return 0;
  writer.record(EVENT_TASK_BEGIN, taskId(writer, name), 0);
  return writer.now();
}

/** A task ends (`ok`: returned rather than threw). */
export function traceTaskEnd(name: string, started: number, ok: boolean): void {
  if (writer === null) return;
  writer.record(EVENT_TASK_END, taskId(writer, name), 2, writer.now() - started, ok ? 1 : 0);
}

/** An allocation request was answered: [size, align, offset or -1, wait ms] or a free's [offset, wait ms, ok]. */
export function traceRequest(
  op: number,
  arg0: number,
  align: number,
  status: number,
  result: number,
  started: number,
): void {
  if (writer === null) return;
  const wait = writer.now() - started;
  if (op === OP_ALLOC)
    writer.record(EVENT_ALLOC, allocId, 4, arg0, align, status === STATUS_OK ? result >>> 0 : -1, wait);
  else writer.record(EVENT_FREE, freeId, 3, arg0 >>> 0, wait, status === STATUS_OK ? 1 : 0);
}

/** A percpu_counter fold: [counter slot, amount, global count after]; `before`: Atomics.add's result. */
export function traceFold(slot: number, amount: number, before: bigint): void {
  if (writer === null) return;
  writer.record(EVENT_FOLD, foldId, 3, slot, amount, Number(before) + amount);
}
