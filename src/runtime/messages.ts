/**
 * Everything that crosses between the coordinator and a CPU's worker, typed in one place:
 * the worker's start-up data, task messages, their result envelopes and forwarded log lines.
 */
import type { TraceWorkerConfig } from '../cpu/trace-writer.js';
import type { RemoteErrorInfo } from '../errors.js';

/** Handed to a CPU's worker at start (piscina's workerData); the same for every worker of one CPU. */
export interface CpuWorkerData {
  readonly cpu: number;
  /** This CPU's area, and no other CPU's: a CPU cannot touch another CPU's data. */
  readonly area: SharedArrayBuffer;
  readonly areaSize: number;
  readonly unitSize: number;
  /** The control buffer (mailboxes, counter global counts), shared by all. */
  readonly control: SharedArrayBuffer;
  readonly cpus: number;
  /** Static per-CPU variables: name → offset. */
  readonly statics: Readonly<Record<string, number>>;
  /** file: URL of the user's tasks module, or null for none. */
  readonly tasksUrl: string | null;
  /** The root logger's level, so filtered lines never leave the worker. */
  readonly logLevel: string;
  /** This CPU's log ring (src/trace/log-ring.ts), kept by the coordinator across workers. */
  readonly logRing: SharedArrayBuffer;
  /** This CPU's trace ring, or null when tracing is off. */
  readonly trace: TraceWorkerConfig | null;
}

/** Names the worker itself answers; user task names can never start with this prefix. */
export const INTERNAL_TASK_PREFIX = '__percpu:';
export const TASK_HELLO = `${INTERNAL_TASK_PREFIX}hello`;

export interface TaskMessage {
  readonly name: string;
  readonly arg: unknown;
}

/** What the worker answers to TASK_HELLO. */
export interface HelloReply {
  readonly cpu: number;
  readonly threadId: number;
  /** Names of the functions the tasks module exports. */
  readonly tasks: readonly string[];
  /** Set when the tasks module failed to load. */
  readonly loadError: string | null;
}

/** A task's outcome, as the worker returns it; a piscina rejection means the worker died. */
export type TaskEnvelope =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: RemoteErrorInfo; readonly unknownTask?: true };

/** A log line written on a CPU, forwarded to the coordinator (piscina emits it as 'message'). */
export interface ForwardedLog {
  readonly percpuLog: string;
}

export function isForwardedLog(message: unknown): message is ForwardedLog {
  return typeof message === 'object' && message !== null && typeof (message as ForwardedLog).percpuLog === 'string';
}
