/**
 * One worker thread of one CPU, from its start to its end: a piscina pool of at most one thread
 * that never starts a thread by itself. `minThreads: 0` is what makes that so: piscina replaces a
 * dead thread only up to minThreads, and otherwise starts one only when a task is submitted. So a
 * CPU's controller (cpu-controller.ts) decides when a replacement starts (after a back-off, or
 * never), and one incarnation never becomes two threads on the same unit: once its thread has
 * died, nothing is submitted to its pool again.
 *
 * Its end is the thread's own 'exit' event, which comes after the thread has stopped running
 * (so the dead worker can no longer write its mailbox) and also for a thread that dies before it
 * was ready, which piscina does not report.
 *
 * Context: the coordinator.
 */
import { Piscina } from 'piscina';
import type { ResourceLimits, TransferListItem, Worker } from 'node:worker_threads';
import type { CpuWorkerData, TaskEnvelope, TaskMessage } from './messages.js';

/** How a thread ended: its exit code and the error it died of, if any. */
export interface WorkerExit {
  readonly code: number;
  readonly error: unknown;
}

export interface IncarnationEvents {
  /** The thread exited without being asked to (a crash, a kill from outside). Called once. */
  onDeath(incarnation: WorkerIncarnation, exit: WorkerExit): void;
  /** An error piscina reports with no task to fail and no death (an unexpected message). */
  onError(incarnation: WorkerIncarnation, error: unknown): void;
  /** A message the worker posted outside any task (forwarded log lines). */
  onMessage(incarnation: WorkerIncarnation, message: unknown): void;
}

export class WorkerIncarnation {
  private readonly pool: Piscina<TaskMessage, TaskEnvelope>;
  private readonly events: IncarnationEvents;
  private thread: Worker | null = null;
  private startedThreadId = -1;
  /** The last error the thread emitted (an uncaught exception, running out of heap). */
  private lastError: unknown = undefined;
  /** Set when the controller stops the thread itself (close, destroy): its exit is no death. */
  private stopped = false;
  private resolveExit: (exit: WorkerExit) => void = () => undefined;
  /** Settles when the thread has exited, for whatever reason. */
  readonly exited: Promise<WorkerExit>;
  /** The thread answered its hello: it loaded the tasks module. */
  ready = false;
  /** A task on it rejected: the thread is dying (its exit follows); nothing more is submitted. */
  dying = false;

  constructor(
    workerUrl: URL,
    data: CpuWorkerData,
    resourceLimits: ResourceLimits | undefined,
    events: IncarnationEvents,
  ) {
    this.events = events;
    this.exited = new Promise<WorkerExit>((resolve) => {
      this.resolveExit = resolve;
    });
    this.pool = new Piscina<TaskMessage, TaskEnvelope>({
      filename: workerUrl.href,
      minThreads: 0,
      maxThreads: 1,
      // Infinity: piscina never retires the idle thread (and skips its idle bookkeeping).
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      // 'async': the worker's event loop keeps running between tasks, so its timers and
      // Atomics.waitAsync replies are serviced even while the CPU is idle.
      atomics: 'async',
      workerData: data,
      ...(resourceLimits !== undefined ? { resourceLimits } : {}),
    });
    // piscina emits 'error' for an error no task can take; an EventEmitter without a listener
    // would throw it. A thread's own errors are reported with its death instead.
    this.pool.on('error', (error: unknown) => {
      if (!this.stopped && error !== this.lastError) events.onError(this, error);
    });
    this.pool.on('message', (message: unknown) => events.onMessage(this, message));
  }

  /** Its thread's id, or -1 before the first task started it. */
  get threadId(): number {
    // Captured when the thread started: a Worker's own threadId reads -1 once it has exited.
    return this.startedThreadId;
  }

  /** Ready, and not dying: a task may be submitted. */
  get usable(): boolean {
    return this.ready && !this.dying;
  }

  /** Runs one task; the first one starts the thread. Rejects only if the thread died. */
  run(message: TaskMessage, transferList?: readonly TransferListItem[]): Promise<TaskEnvelope> {
    const task = this.pool.run(message, transferList !== undefined ? { transferList: [...transferList] } : {});
    // pool.run() created the thread synchronously (no thread yet, maxThreads 1).
    if (this.thread === null) {
      const thread = this.pool.threads[0];
      if (thread !== undefined) this.attach(thread);
    }
    return task;
  }

  private attach(thread: Worker): void {
    this.thread = thread;
    this.startedThreadId = thread.threadId;
    // Before piscina's own listener, which re-emits an error no task can take as the pool's
    // 'error': that handler must already know the error is the thread's (its death reports it).
    thread.prependListener('error', (error: unknown) => {
      this.lastError = error;
    });
    // Listeners run in the order added: piscina's own (which fails the running task) first.
    thread.once('exit', (code: number) => {
      const exit: WorkerExit = { code, error: this.lastError };
      this.resolveExit(exit);
      if (!this.stopped) this.events.onDeath(this, exit);
    });
  }

  /** Terminates the thread from outside, as a crash would (onDeath follows). */
  async terminate(): Promise<void> {
    await this.thread?.terminate();
  }

  /** Lets the running task finish, then stops the thread. No onDeath. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.pool.close();
  }

  /** Stops the thread now; a running or queued task rejects. No onDeath. */
  async destroy(): Promise<void> {
    this.stopped = true;
    await this.pool.destroy();
  }
}

/** A thread's end, for messages: "exit code 3", or the error it died of. */
export function describeExit(exit: WorkerExit): string {
  if (exit.error instanceof Error) {
    const code = (exit.error as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${exit.error.message}`;
  }
  return `exit code ${exit.code}`;
}
