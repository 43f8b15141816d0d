/**
 * One worker thread of one CPU, from its start to its end: a piscina pool of at most one thread
 * that never starts a thread by itself. `minThreads: 0` is what makes that so: piscina replaces a
 * dead thread only up to minThreads, and otherwise starts one only when a task is submitted. So a
 * CPU's controller (cpu-controller.ts) decides when a replacement starts (after a back-off, or
 * never), and one incarnation never becomes two threads on the same unit.
 *
 * Context: the coordinator.
 */
import { Piscina } from 'piscina';
import type { ResourceLimits } from 'node:worker_threads';
import type { CpuWorkerData, TaskEnvelope, TaskMessage } from './messages.js';

export interface IncarnationEvents {
  /** The thread ended without being asked to (a crash, a kill from outside). Called once. */
  onDeath(incarnation: WorkerIncarnation, threadId: number): void;
  /** An error with no task to fail (an exception in a timer between tasks). */
  onError(incarnation: WorkerIncarnation, error: unknown): void;
  /** A message the worker posted outside any task (forwarded log lines). */
  onMessage(incarnation: WorkerIncarnation, message: unknown): void;
}

export class WorkerIncarnation {
  private readonly pool: Piscina<TaskMessage, TaskEnvelope>;
  /** Set once the thread died or is being stopped: later deaths of this pool are not reported. */
  private ended = false;
  /** Set when the controller stops the thread itself (close, destroy): its errors are expected. */
  private stopped = false;
  /** threadId of the thread, once piscina reports it ready (workerDestroy may report -1). */
  threadId = -1;

  constructor(workerUrl: URL, data: CpuWorkerData, resourceLimits: ResourceLimits | undefined, events: IncarnationEvents) {
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
    this.pool.on('workerCreate', (worker: { id: number }) => {
      this.threadId = worker.id;
    });
    this.pool.on('workerDestroy', () => {
      if (this.ended) return;
      this.ended = true;
      events.onDeath(this, this.threadId);
    });
    this.pool.on('error', (error: unknown) => {
      if (!this.stopped) events.onError(this, error);
    });
    this.pool.on('message', (message: unknown) => events.onMessage(this, message));
  }

  /** Runs one task (the first one starts the thread); rejects only if the thread died. */
  run(message: TaskMessage): Promise<TaskEnvelope> {
    return this.pool.run(message);
  }

  /** Terminates the thread from outside, as a crash would (onDeath follows). */
  async terminate(): Promise<void> {
    const thread = this.pool.threads[0];
    if (thread !== undefined) await thread.terminate();
  }

  /** Lets the running task finish, then stops the thread. No onDeath. */
  async close(): Promise<void> {
    this.ended = true;
    this.stopped = true;
    await this.pool.close();
  }

  /** Stops the thread now; a running task rejects. No onDeath. */
  async destroy(): Promise<void> {
    this.ended = true;
    this.stopped = true;
    await this.pool.destroy();
  }
}
