/**
 * One online CPU: a piscina pool of exactly one thread whose workerData binds it to this CPU.
 * When the thread dies, piscina starts a replacement with the same workerData, so the new thread
 * is bound to the same CPU and unit. A pool per CPU is what makes the binding permanent: piscina
 * has no pinning of tasks to threads of one pool.
 *
 * Context: the coordinator.
 */
import { Piscina } from 'piscina';
import type { ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { CpuWorkerData, TaskEnvelope, TaskMessage } from './messages.js';
import { LogRingReader } from '../trace/log-ring.js';
import type { LifecycleKind } from '../trace/events.js';

/** How long stopping a CPU waits for its tasks before terminating them (piscina's default close timeout). */
const STOP_TIMEOUT_MS = 30_000;

export interface CpuThreadEvents {
  /** A worker of this CPU died while the CPU was meant to be online. */
  onDeath(cpu: number, threadId: number): void;
  /** For the trace: the worker came online, was replaced, died, or the CPU went offline. */
  onLifecycle?(kind: LifecycleKind, cpu: number, threadId: number): void;
}

export class CpuThread {
  readonly cpu: number;
  private pool: Piscina<TaskMessage, TaskEnvelope>;
  private readonly makePool: () => Piscina<TaskMessage, TaskEnvelope>;
  private readonly logger: Logger;
  private readonly events: CpuThreadEvents;
  /** The CPU's log ring: thisCpu.log's lines, written here through `logger`. */
  private readonly logs: LogRingReader;
  private stopping = false;
  /** threadId of the live worker (captured at workerCreate: workerDestroy may report -1). */
  private threadId = -1;
  /** Deaths of this thread's workers (the runtime keeps the CPU's totals across offline/online). */
  deaths = 0;
  pending = 0;
  /** Tasks submitted and not yet settled (stop() lets them settle before closing the pool). */
  private readonly inFlight = new Set<Promise<TaskEnvelope>>();

  constructor(
    workerUrl: URL,
    data: CpuWorkerData,
    logger: Logger,
    events: CpuThreadEvents,
    resourceLimits: ResourceLimits | undefined,
  ) {
    this.cpu = data.cpu;
    this.logger = logger;
    this.events = events;
    this.logs = new LogRingReader(data.logRing, logger);
    this.makePool = () =>
      new Piscina<TaskMessage, TaskEnvelope>({
        filename: workerUrl.href,
        minThreads: 1,
        maxThreads: 1,
        idleTimeout: Infinity,
        concurrentTasksPerWorker: 1,
        // 'async': the worker's event loop keeps running between tasks, so its timers and
        // Atomics.waitAsync replies are serviced even while the CPU is idle.
        atomics: 'async',
        workerData: data,
        ...(resourceLimits !== undefined ? { resourceLimits } : {}),
      });
    this.pool = this.watch(this.makePool());
  }

  private watch(pool: Piscina<TaskMessage, TaskEnvelope>): Piscina<TaskMessage, TaskEnvelope> {
    pool.on('workerCreate', (worker: { id: number }) => {
      const replaced = this.threadId !== -1;
      this.threadId = worker.id;
      if (replaced) this.logger.warn({ threadId: worker.id }, 'CPU worker replaced');
      else this.logger.info({ threadId: worker.id }, 'CPU online');
      this.events.onLifecycle?.(replaced ? 'replaced' : 'online', this.cpu, worker.id);
    });
    pool.on('workerDestroy', () => {
      if (this.stopping || pool !== this.pool) return;
      this.deaths++;
      this.logs.drain();
      this.logger.error({ threadId: this.threadId, deaths: this.deaths }, 'CPU worker died');
      this.events.onDeath(this.cpu, this.threadId);
      this.events.onLifecycle?.('died', this.cpu, this.threadId);
      // piscina replaces a dead worker at once, except one that died before it was ready: then
      // it stops replacing for good. A CPU must come back, so rebuild the pool in that case.
      setImmediate(() => {
        if (!this.stopping && pool === this.pool && pool.threads.length === 0) this.rebuild();
      });
    });
    // An error with no task to fail (an exception in a timer between tasks) is emitted here;
    // the death itself is handled by workerDestroy.
    pool.on('error', (error: unknown) => {
      this.logger.error({ err: error }, 'CPU worker error');
    });
    pool.on('message', (message: unknown) => this.logs.onMessage(message));
    return pool;
  }

  /** Replaces a pool that has no worker left; its queued tasks reject (as CpuDiedError). */
  private rebuild(): void {
    const old = this.pool;
    this.pool = this.watch(this.makePool());
    this.logger.warn({}, 'CPU pool rebuilt: its worker died while starting');
    void old.destroy();
  }

  /** Runs one task; resolves to the worker's envelope, rejects only if the worker died. */
  async run(message: TaskMessage): Promise<TaskEnvelope> {
    this.pending++;
    let task: Promise<TaskEnvelope> | undefined;
    try {
      task = this.pool.run(message);
      this.inFlight.add(task);
      return await task;
    } finally {
      if (task !== undefined) this.inFlight.delete(task);
      this.pending--;
      this.logs.drain();
    }
  }

  /** Waits until no submitted task is pending, at most `ms`; false if some still are. */
  private async settleInFlight(ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    while (this.inFlight.size > 0) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, left);
        timer.unref();
      });
      await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
      clearTimeout(timer);
    }
    return true;
  }

  /** Terminates the worker thread from outside (fault injection); piscina replaces it. */
  async kill(): Promise<void> {
    const worker = this.pool.threads[0];
    if (worker !== undefined) await worker.terminate();
  }

  /** Finishes queued and running tasks, then stops the thread (taking the CPU offline). */
  async stop(): Promise<void> {
    // Let every submitted task settle first, while a worker that dies is still replaced and its
    // death handled as any other (counted, mailbox settled): piscina's close() neither replaces a
    // dead worker nor notices the death, so a task queued behind a dying one would never run and
    // close() would wait for piscina's 30 s close timeout.
    const settled = await this.settleInFlight(STOP_TIMEOUT_MS);
    this.stopping = true;
    // A task still running after the timeout is terminated and rejects (CpuDiedError), as
    // piscina's close() does after its own timeout.
    await (settled ? this.pool.close() : this.pool.destroy());
    this.logs.close();
    this.logger.info({ deaths: this.deaths }, 'CPU offline');
    this.events.onLifecycle?.('offline', this.cpu, this.threadId);
  }
}
