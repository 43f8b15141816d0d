/**
 * The CPU side of a runtime: piscina runs this file in each CPU's worker thread. It binds the
 * thread to the CPU named in its workerData (for its whole life), loads the user's tasks module
 * and runs tasks by name. A task that throws is returned as an error envelope, so a rejection
 * from piscina always means the worker itself died.
 */
import { threadId, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { bindCpu } from '../src/cpu/binding.js';
import { type ThisCpu, thisCpu } from '../src/cpu/this-cpu.js';
import { setupTrace, traceTaskBegin, traceTaskEnd } from '../src/cpu/trace.js';
import { LogRingWriter } from '../src/cpu/trace-log.js';
import type { RemoteErrorInfo } from '../src/errors.js';
import {
  type CpuWorkerData,
  type HelloReply,
  INTERNAL_TASK_PREFIX,
  TASK_HELLO,
  type TaskEnvelope,
  type TaskMessage,
} from '../src/runtime/messages.js';

type TaskFunction = (arg: unknown, cpu: ThisCpu) => unknown;

const data = workerData as CpuWorkerData;
const binding = bindCpu(data);
// Before any task: the generic thisCpu calls read this binding (see src/cpu/this-cpu.ts).
thisCpu.attach(binding);
thisCpu.setTracer(setupTrace(binding, data.trace));

// Lines go to the coordinator through this CPU's log ring (src/trace/log-ring.ts), which outlives
// the worker, so a line logged just before the worker exits is kept; a line that does not fit
// goes as a message (written synchronously into the port). The coordinator writes each through
// the CPU's child logger, which adds { cpu }.
thisCpu.setLogger(pino({ level: data.logLevel, base: null, timestamp: false }, new LogRingWriter(data.logRing)));

const tasks = new Map<string, TaskFunction>();
let loadError: string | null = null;
if (data.tasksUrl !== null) {
  try {
    const module = (await import(data.tasksUrl)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === 'function' && !name.startsWith(INTERNAL_TASK_PREFIX)) tasks.set(name, value as TaskFunction);
    }
  } catch (error) {
    loadError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

function toRemoteError(error: unknown): RemoteErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(error.stack !== undefined ? { stack: error.stack } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}

export default async function runTask(message: TaskMessage): Promise<TaskEnvelope> {
  if (message.name === TASK_HELLO) {
    const hello: HelloReply = { cpu: data.cpu, threadId, tasks: [...tasks.keys()], loadError };
    return { ok: true, value: hello };
  }
  const task = tasks.get(message.name);
  if (task === undefined) {
    const why =
      loadError !== null ? `the tasks module failed to load (${loadError})` : `no task named '${message.name}'`;
    return { ok: false, error: { name: 'Error', message: why }, unknownTask: true };
  }
  let value: unknown;
  const started = traceTaskBegin(message.name);
  try {
    value = await task(message.arg, thisCpu);
  } catch (error) {
    traceTaskEnd(message.name, started, false);
    return { ok: false, error: toRemoteError(error) };
  }
  traceTaskEnd(message.name, started, true);
  // A result that cannot be copied to the coordinator would make piscina's postMessage throw
  // inside this worker and kill it: report it as the task's failure instead. The copy made here
  // is what is sent, so a getter that throws only on its second read is never read again.
  let copy: unknown;
  try {
    copy = structuredClone(value);
  } catch (error) {
    return { ok: false, error: toRemoteError(error) };
  }
  return { ok: true, value: copy };
}
