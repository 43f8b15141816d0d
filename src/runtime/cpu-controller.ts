/**
 * One possible CPU: its state machine (cpu-state.ts), its worker incarnations (one at a time,
 * worker-incarnation.ts) and its task queue. The runtime owns one controller per possible CPU for
 * the runtime's whole life; a CPU's unit, counts and activity outlive every worker.
 *
 * Context: the coordinator. Nothing here blocks; every wait is bounded (startTimeoutMs,
 * stopTimeoutMs, and the restart limit), so close() never hangs.
 */
import type { ResourceLimits, TransferListItem } from 'node:worker_threads';
import type { Logger } from 'pino';
import {
  CpuDiedError,
  CpuFailedError,
  CpuOfflineError,
  InvalidArgumentError,
  QueueFullError,
  TaskAbortedError,
  TaskTimeoutError,
  TasksLoadError,
} from '../errors.js';
import type { LifecycleKind } from '../trace/events.js';
import { type CpuState, type CpuTarget, restartDelayMs } from './cpu-state.js';
import { type CpuWorkerData, type HelloReply, TASK_HELLO, type TaskEnvelope, type TaskMessage } from './messages.js';
import { WorkerIncarnation, type WorkerExit, describeExit } from './worker-incarnation.js';

export interface CpuLifecycleOptions {
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly maxStartFailures: number;
  readonly restartBackoffMs: number;
  /** Most tasks waiting to start on one CPU (Infinity: no limit). */
  readonly maxQueue: number;
}

/** What a caller may attach to one task. */
export interface TaskControls {
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds from the call (queueing included) until the task is ended with TaskTimeoutError. */
  readonly timeoutMs?: number | undefined;
  /** Transferables inside the (already copied) argument, moved to the worker instead of copied. */
  readonly transferList?: readonly TransferListItem[] | undefined;
}

/** Milliseconds tasks of one CPU waited in its queue and ran: totals and the longest. */
export interface TaskTimes {
  readonly total: number;
  readonly max: number;
}

/** What a controller needs from the runtime. */
export interface CpuControllerHost {
  readonly workerUrl: URL;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly lifecycle: CpuLifecycleOptions;
  /** For error messages: the tasks module's URL. */
  readonly tasksName: string;
  workerData(cpu: number): CpuWorkerData;
  /** A worker of this CPU is gone (died or stopped): settle its mailbox and any fold it held. */
  afterWorkerGone(cpu: number): void;
  /** No worker will write the CPU's unit until it comes online again: fold its counters. */
  quiesce(cpu: number): void;
  /** Before a first start: throws if the memory the process may use cannot hold one more worker. */
  checkMemoryForWorker(cpu: number): void;
  /** A worker loaded the tasks module and answered its hello (with the module's task names). */
  onHello(hello: HelloReply): void;
  /** A message posted by the worker outside any task (a forwarded log line). */
  onWorkerMessage(cpu: number, message: unknown): void;
  /** For the trace: a worker came online, was replaced, died, or the CPU went offline. */
  onLifecycle(kind: LifecycleKind, cpu: number, threadId: number): void;
}

interface QueuedTask {
  readonly message: TaskMessage;
  readonly transferList: readonly TransferListItem[] | undefined;
  readonly queuedAt: number;
  startedAt: number;
  settled: boolean;
  /** Set when the caller ended the task while it ran: the error it rejects with. */
  endedBy: Error | null;
  /** Removes the abort listener and the timeout timer. */
  release(): void;
  resolve(envelope: TaskEnvelope): void;
  reject(error: unknown): void;
}

/** Where the CPU is in its life; the public CpuState is derived from it and `ready`. */
type Phase = 'offline' | 'failed' | 'starting' | 'running' | 'stopping';

export class CpuController {
  readonly cpu: number;
  private readonly host: CpuControllerHost;
  private readonly log: Logger;
  private phase: Phase = 'offline';
  private target: CpuTarget = 'offline';
  /** The hotplug call that last set `target` (to undo it when that call fails). */
  private targetSetBy = 0;
  private nextCallId = 1;
  /** The last target-setting call (online, offline, close) that has started to run. */
  private startedCall = 0;
  /** offline() / close() calls queued that have not started: the CPU is going offline. */
  private pendingOfflines = 0;
  /** The tail of this CPU's hotplug calls: each runs after the one before settles. */
  private calls: Promise<unknown> = Promise.resolve();
  private incarnation: WorkerIncarnation | null = null;
  /** A start of a worker in progress (a first start or a replacement). */
  private starting: Promise<void> | null = null;
  private replaceTimer: NodeJS.Timeout | null = null;
  /** Start failures in a row (failed starts, idle deaths); a completed task resets it. */
  private startFailures = 0;
  /** The next death was asked for by killCpu (not a start failure). */
  private killRequested = false;
  /**
   * Worker epochs: epoch n is the worker (and its replacements) brought up by the n-th online()
   * call. A killCpu() aims at the epoch of the latest online() at its call (its target is online,
   * so that call set it): queued behind an offline() and an online(), it kills the next epoch's
   * worker, not the one draining the offline's tasks.
   */
  private onlineCalls = 0;
  /** The epoch of the CPU's current worker. */
  private epoch = 0;
  /** The epoch of each killCpu call not yet done: that epoch's worker is doomed, so no new task starts on it. */
  private readonly pendingKills: number[] = [];
  /** An incarnation whose running task saw it die (the death is the task's, not a start failure). */
  private diedInTask: WorkerIncarnation | null = null;
  private readonly queue: QueuedTask[] = [];
  private running: QueuedTask | null = null;
  private readonly waiters = new Set<() => void>();
  /** Deaths of started workers of this CPU since the runtime started (stats().cpus[i].deaths). */
  deaths = 0;
  /** Time tasks waited in the queue before they started, and ran (until they settled). */
  readonly waitMs = { total: 0, max: 0 };
  readonly runMs = { total: 0, max: 0 };

  constructor(cpu: number, host: CpuControllerHost, log: Logger) {
    this.cpu = cpu;
    this.host = host;
    this.log = log;
  }

  get state(): CpuState {
    switch (this.phase) {
      case 'starting':
        return 'coming-online';
      case 'running':
        // An offline() is queued (and maybe an online() behind it).
        if (this.target === 'offline' || this.pendingOfflines > 0) return 'going-offline';
        return this.workerReady ? 'online' : 'replacing';
      case 'stopping':
        return 'going-offline';
      default:
        // An online() is the next call (no offline() queued before it): coming online from the call on.
        return this.comingOnline ? 'coming-online' : this.phase;
    }
  }

  /** Offline or failed, with an online() that runs next: tasks are queued for its worker. */
  private get comingOnline(): boolean {
    return (
      (this.phase === 'offline' || this.phase === 'failed') && this.target === 'online' && this.pendingOfflines === 0
    );
  }

  /** The current incarnation answered its hello and is not dying. */
  private get workerReady(): boolean {
    return this.incarnation?.usable ?? false;
  }

  /** Online, or being replaced, with no offline() pending: the CPU runs tasks. */
  get isOnline(): boolean {
    return this.phase === 'running' && this.target === 'online' && this.pendingOfflines === 0;
  }

  /** Its target is online: it is online, or will be once the calls queued for it have run. */
  get targetOnline(): boolean {
    return this.target === 'online';
  }

  /** A worker exists or is being started (for the memory check). */
  get hasWorker(): boolean {
    return this.phase === 'starting' || this.phase === 'running' || this.phase === 'stopping';
  }

  /** Its counters' local parts may be non-zero and unfolded: a worker may write them. */
  get mayHoldUnfolded(): boolean {
    return this.phase !== 'offline' && this.phase !== 'failed';
  }

  /** Tasks queued or running (run() picks the CPU with the fewest). */
  get pending(): number {
    return this.queue.length + (this.running !== null ? 1 : 0);
  }

  // ---- hotplug calls ----------------------------------------------------------------------

  /** Brings the CPU online: a new worker on its unit. Checked against the CPU's target. */
  online(): Promise<void> {
    if (this.target === 'online') return Promise.reject(new InvalidArgumentError('cpu', this.cpu, 'an offline CPU'));
    const id = this.setTarget('online');
    const epoch = ++this.onlineCalls;
    return this.enqueueCall(async () => {
      this.startedCall = id;
      this.epoch = epoch;
      try {
        await this.bringUp();
      } catch (error) {
        if (this.targetSetBy === id) this.target = 'offline';
        throw error;
      }
    });
  }

  /** Takes the CPU offline once its queued and running tasks have finished. */
  offline(): Promise<void> {
    if (this.target === 'offline') return Promise.reject(this.notOnlineError());
    const id = this.setTarget('offline');
    this.pendingOfflines++;
    return this.enqueueCall(() => {
      this.startedCall = id;
      this.pendingOfflines--;
      return this.takeDown();
    });
  }

  /**
   * Terminates the CPU's worker from outside; resolves once the replacement is up (or the CPU
   * failed, or an offline() or close() queued behind takes over).
   */
  kill(): Promise<void> {
    if (this.target === 'offline') return Promise.reject(this.notOnlineError());
    const epoch = this.onlineCalls;
    this.pendingKills.push(epoch);
    return this.enqueueCall(async () => {
      try {
        await this.killNow();
      } finally {
        this.pendingKills.splice(this.pendingKills.indexOf(epoch), 1);
        this.pump();
      }
    });
  }

  /** Stops the CPU for close(): after the calls queued before, whatever its target. */
  stopForClose(): Promise<void> {
    const id = this.setTarget('offline');
    this.pendingOfflines++;
    return this.enqueueCall(async () => {
      this.startedCall = id;
      this.pendingOfflines--;
      if (this.phase !== 'offline') await this.takeDown();
    });
  }

  // ---- tasks --------------------------------------------------------------------------------

  /**
   * Queues a task; resolves to the worker's envelope. Rejects with CpuDiedError if its worker
   * died under it, TaskAbortedError / TaskTimeoutError if the caller ended it, QueueFullError
   * when `maxQueue` tasks already wait.
   */
  submit(message: TaskMessage, controls: TaskControls = {}): Promise<TaskEnvelope> {
    // An offline() queued (an online() may follow it): refused until it has run, as while going offline.
    if (
      this.target !== 'online' ||
      this.pendingOfflines > 0 ||
      (this.phase !== 'starting' && this.phase !== 'running' && !this.comingOnline)
    ) {
      return Promise.reject(
        this.phase === 'failed' ? new CpuFailedError(this.cpu, this.startFailures) : new CpuOfflineError(this.cpu),
      );
    }
    const { signal, timeoutMs } = controls;
    if (signal?.aborted === true)
      return Promise.reject(new TaskAbortedError(this.cpu, message.name, false, signal.reason));
    // maxQueue counts tasks that wait: one that starts at once (an idle, ready CPU) never waits.
    const startsAtOnce =
      this.queue.length === 0 && this.running === null && this.workerReady && !this.pendingKills.includes(this.epoch);
    if (!startsAtOnce && this.queue.length >= this.host.lifecycle.maxQueue) {
      return Promise.reject(new QueueFullError(this.cpu, this.host.lifecycle.maxQueue));
    }
    return new Promise<TaskEnvelope>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void =>
        this.endTask(task, (started) => new TaskAbortedError(this.cpu, message.name, started, signal?.reason));
      const task: QueuedTask = {
        message,
        transferList: controls.transferList,
        queuedAt: performance.now(),
        startedAt: -1,
        settled: false,
        endedBy: null,
        release: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
        resolve: (envelope) => {
          if (task.settled) return;
          task.settled = true;
          task.release();
          resolve(envelope);
        },
        reject: (error) => {
          if (task.settled) return;
          task.settled = true;
          task.release();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => this.endTask(task, (started) => new TaskTimeoutError(this.cpu, message.name, started, timeoutMs)),
          timeoutMs,
        );
      }
      this.queue.push(task);
      this.pump();
    });
  }

  /**
   * The caller ends a task (its signal aborted, or its timeout passed). A queued task leaves the
   * queue; a running one can only be stopped by ending its worker, as piscina does: the worker is
   * terminated (a death like a kill, not a start failure) and replaced, and the task rejects once
   * that death has been handled.
   */
  private endTask(task: QueuedTask, error: (started: boolean) => Error): void {
    if (task.settled || task.endedBy !== null) return;
    const index = this.queue.indexOf(task);
    if (index >= 0) {
      this.queue.splice(index, 1);
      task.reject(error(false));
      this.changed();
      return;
    }
    if (this.running !== task || this.incarnation === null) return;
    task.endedBy = error(true);
    this.killRequested = true;
    // Doomed from now: its task's result may still arrive before its exit, and nothing queued
    // behind may start on it then (it would die with it).
    this.incarnation.dying = true;
    void this.incarnation.terminate();
  }

  /** Runs the next queued task if the worker is free. */
  private pump(): void {
    const incarnation = this.incarnation;
    if (this.running !== null || incarnation === null || !incarnation.usable) return;
    if (this.phase !== 'running' && this.phase !== 'stopping') return;
    // A killCpu call is queued for this worker's epoch: its victim is this worker, so the next
    // task waits for the next one.
    if (this.pendingKills.includes(this.epoch)) return;
    const task = this.queue.shift();
    if (task === undefined) {
      this.changed();
      return;
    }
    this.running = task;
    task.startedAt = performance.now();
    addTime(this.waitMs, task.startedAt - task.queuedAt);
    incarnation.run(task.message, task.transferList).then(
      (envelope) => {
        this.running = null;
        addTime(this.runMs, performance.now() - task.startedAt);
        // The worker ran a task to its end: it works, so earlier start failures are forgiven.
        this.startFailures = 0;
        task.resolve(envelope);
        this.pump();
        this.changed();
      },
      (error: unknown) => {
        // piscina rejects a task when its thread died (the worker returns a task's own error as
        // a value): submit nothing more to it. The task rejects once the thread has exited and
        // onDeath has run (the death counted, the mailbox settled), so a caller who sees
        // CpuDiedError sees the death handled. A rejection from a thread still alive (a bug in
        // the worker script: a throw outside its task's try) would leave this wait, and the CPU,
        // hanging: the thread is ended here, so its exit always comes (a no-op for a dead one).
        incarnation.dying = true;
        this.diedInTask = incarnation;
        void incarnation.terminate();
        void incarnation.exited.then(() => {
          this.running = null;
          addTime(this.runMs, performance.now() - task.startedAt);
          task.reject(task.endedBy ?? new CpuDiedError(this.cpu, task.message.name, error));
          this.pump();
          this.changed();
        });
      },
    );
  }

  // ---- what the calls do --------------------------------------------------------------------

  private async bringUp(): Promise<void> {
    if (this.phase !== 'offline' && this.phase !== 'failed') return;
    try {
      this.host.checkMemoryForWorker(this.cpu);
    } catch (error) {
      // Tasks queued since the online() call (coming online) will not run.
      this.rejectQueued(() => this.notOnlineError());
      throw error;
    }
    this.phase = 'starting';
    this.startFailures = 0;
    try {
      await this.startWorker();
    } catch (error) {
      this.phase = 'offline';
      this.log.error({ err: error }, 'CPU failed to come online');
      this.rejectQueued(() => new CpuOfflineError(this.cpu));
      this.changed();
      throw error;
    }
    this.phase = 'running';
    const threadId = this.incarnation?.threadId ?? -1;
    this.log.info({ threadId }, 'CPU online');
    this.host.onLifecycle('online', this.cpu, threadId);
    this.pump();
  }

  private async takeDown(): Promise<void> {
    if (this.phase === 'offline') throw new CpuOfflineError(this.cpu);
    if (this.phase === 'failed') {
      // Already stopped and folded when it failed: offline() only records the new target.
      this.phase = 'offline';
      return;
    }
    this.phase = 'stopping';
    this.changed();
    const { stopTimeoutMs } = this.host.lifecycle;
    const drained = await this.waitUntil(
      () => this.phase === 'failed' || (this.pending === 0 && this.starting === null),
      stopTimeoutMs,
    );
    this.cancelReplacement();
    const incarnation = this.incarnation;
    this.incarnation = null;
    if (!drained) {
      this.log.warn({ stopTimeoutMs, queued: this.queue.length }, 'CPU stop timed out: its running task is terminated');
      this.rejectQueued(() => new CpuOfflineError(this.cpu));
      await incarnation?.destroy();
    } else {
      await incarnation?.close();
    }
    if (incarnation !== null) this.host.afterWorkerGone(this.cpu);
    // A CPU that failed while stopping was folded when it failed.
    if (!this.hasFailed()) this.host.quiesce(this.cpu);
    this.phase = 'offline';
    this.changed();
    this.log.info({ deaths: this.deaths }, 'CPU offline');
    this.host.onLifecycle('offline', this.cpu, incarnation?.threadId ?? -1);
  }

  private async killNow(): Promise<void> {
    // A replacement may be starting (after a death the hotplug calls do not see): kill the
    // worker that comes of it, or report the failure. Both waits also end when an offline() or
    // close() is queued behind: the restarts of a CPU whose workers keep failing to start can take
    // minutes (maxStartFailures back-offs), and close() must not wait them out for a kill.
    await this.waitUntil(() => this.phase !== 'running' || this.workerReady || this.pendingOfflines > 0, Infinity);
    if (this.phase !== 'running' || this.incarnation === null || !this.workerReady) throw this.notOnlineError();
    const victim = this.incarnation;
    this.killRequested = true;
    await victim.terminate();
    await this.waitUntil(
      () =>
        this.incarnation !== victim &&
        (this.phase !== 'running' || (this.workerReady && this.starting === null) || this.pendingOfflines > 0),
      Infinity,
    );
  }

  // ---- workers ------------------------------------------------------------------------------

  /** Starts an incarnation and waits for its hello; throws TasksLoadError if it does not answer well. */
  private startWorker(): Promise<void> {
    const attempt = this.startWorkerOnce();
    this.starting = attempt;
    const clear = (): void => {
      if (this.starting === attempt) this.starting = null;
      this.changed();
    };
    attempt.then(clear, clear);
    return attempt;
  }

  private async startWorkerOnce(): Promise<void> {
    const incarnation = new WorkerIncarnation(
      this.host.workerUrl,
      this.host.workerData(this.cpu),
      this.host.resourceLimits,
      {
        onDeath: (dead, exit) => this.onDeath(dead, exit),
        onError: (_inc, error) => this.log.error({ err: error }, 'CPU worker error'),
        onMessage: (_inc, message) => this.host.onWorkerMessage(this.cpu, message),
      },
    );
    this.incarnation = incarnation;
    const { startTimeoutMs } = this.host.lifecycle;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), startTimeoutMs);
    });
    const hello = incarnation.run({ name: TASK_HELLO, arg: null });
    // A thread that dies before it is ready fails no task in piscina: its exit is watched here.
    const died = incarnation.exited.then((exit): { died: WorkerExit } => ({ died: exit }));
    let outcome: TaskEnvelope | 'timeout' | { died: WorkerExit };
    try {
      outcome = await Promise.race([hello, timedOut, died]);
    } catch {
      outcome = { died: await incarnation.exited };
    } finally {
      clearTimeout(timer);
    }
    if (typeof outcome === 'object' && 'died' in outcome) {
      // onDeath has settled its mailbox; the hello may still sit in the pool's queue.
      await incarnation.destroy();
      if (this.incarnation === incarnation) this.incarnation = null;
      throw this.loadError(
        `its worker exited while loading it (${describeExit(outcome.died)})`,
        outcome.died.error ?? outcome.died,
      );
    }
    if (outcome === 'timeout') {
      await this.abandon(incarnation);
      throw this.loadError(`it did not finish loading within ${startTimeoutMs} ms (option startTimeoutMs)`);
    }
    if (!outcome.ok) {
      await this.abandon(incarnation);
      throw this.loadError(outcome.error.message);
    }
    const reply = outcome.value as HelloReply;
    if (reply.loadError !== null) {
      await this.abandon(incarnation);
      throw this.loadError(reply.loadError);
    }
    if (this.incarnation !== incarnation) throw this.loadError('its worker died right after loading');
    incarnation.ready = true;
    this.host.onHello(reply);
  }

  /** Stops an incarnation that never became ready. */
  private async abandon(incarnation: WorkerIncarnation): Promise<void> {
    if (this.incarnation === incarnation) this.incarnation = null;
    await incarnation.destroy();
    this.host.afterWorkerGone(this.cpu);
  }

  private loadError(message: string, cause?: unknown): TasksLoadError {
    return new TasksLoadError(this.host.tasksName, this.cpu, message, cause);
  }

  private onDeath(dead: WorkerIncarnation, exit: WorkerExit): void {
    if (dead !== this.incarnation) return;
    const wasReady = dead.ready;
    this.incarnation = null;
    // Before anything can start again on this unit: the dead worker's mailbox and fold lock.
    this.host.afterWorkerGone(this.cpu);
    if (!wasReady) {
      // A worker dying while it starts: startWorker() reports it.
      this.changed();
      return;
    }
    const byKill = this.killRequested;
    const byTask = this.running !== null || this.diedInTask === dead;
    this.killRequested = false;
    this.diedInTask = null;
    this.deaths++;
    if (!byKill && !byTask) this.startFailures++;
    this.log.error(
      {
        threadId: dead.threadId,
        deaths: this.deaths,
        during: byKill ? 'kill' : byTask ? 'task' : 'idle',
        exitCode: exit.code,
        err: exit.error,
      },
      'CPU worker died',
    );
    this.host.onLifecycle('died', this.cpu, dead.threadId);
    // A death in a task or by a kill is no start failure: replaced at once, even when start
    // failures before it (not yet forgiven by a completed task) would make a back-off.
    this.scheduleReplacement(byKill || byTask);
    this.changed();
  }

  private scheduleReplacement(atOnce = false): void {
    if (this.phase !== 'running' && this.phase !== 'stopping') return;
    if (this.phase === 'stopping' && this.pending === 0) return; // going offline with nothing left to run
    const { maxStartFailures, restartBackoffMs } = this.host.lifecycle;
    if (this.startFailures >= maxStartFailures) {
      this.fail();
      return;
    }
    const delay = atOnce ? 0 : restartDelayMs(this.startFailures, restartBackoffMs);
    this.replaceTimer = setTimeout(() => {
      this.replaceTimer = null;
      void this.replace();
    }, delay);
  }

  private cancelReplacement(): void {
    if (this.replaceTimer !== null) clearTimeout(this.replaceTimer);
    this.replaceTimer = null;
  }

  private async replace(): Promise<void> {
    if (this.phase !== 'running' && this.phase !== 'stopping') return;
    if (this.phase === 'stopping' && this.pending === 0) {
      this.changed();
      return;
    }
    const epoch = this.epoch;
    try {
      await this.startWorker();
    } catch (error) {
      // Stopped by an offline() or close() that gave up waiting (nothing is left to run on it, or
      // the CPU is another online()'s now): no start failure.
      const wanted =
        this.epoch === epoch && (this.phase === 'running' || (this.phase === 'stopping' && this.pending > 0));
      if (!wanted) {
        this.log.debug({ err: error }, 'CPU worker start stopped: the CPU is going offline');
        return;
      }
      this.startFailures++;
      this.log.error({ err: error, failures: this.startFailures }, 'CPU worker failed to start');
      this.scheduleReplacement();
      return;
    }
    const threadId = this.incarnation?.threadId ?? -1;
    this.log.warn({ threadId }, 'CPU worker replaced');
    this.host.onLifecycle('replaced', this.cpu, threadId);
    this.pump();
  }

  /** Past the restart limit: no more workers until online() is called again. */
  private fail(): void {
    this.phase = 'failed';
    // The target is offline now, unless a call that has not started yet set it (an online()
    // queued behind the offline or kill under way): that call still runs, and the target is its.
    if (this.targetSetBy <= this.startedCall) {
      this.target = 'offline';
      this.targetSetBy = 0;
    }
    this.log.error(
      { failures: this.startFailures, maxStartFailures: this.host.lifecycle.maxStartFailures },
      'CPU failed',
    );
    this.rejectQueued(() => new CpuFailedError(this.cpu, this.startFailures));
    this.host.quiesce(this.cpu);
    this.changed();
  }

  // ---- plumbing -----------------------------------------------------------------------------

  /** A method, not `phase === 'failed'` inline: the phase changes across awaits. */
  private hasFailed(): boolean {
    return this.phase === 'failed';
  }

  private setTarget(target: CpuTarget): number {
    const id = this.nextCallId++;
    this.target = target;
    this.targetSetBy = id;
    return id;
  }

  private enqueueCall(call: () => Promise<void>): Promise<void> {
    const result = this.calls.then(call);
    this.calls = result.catch(() => undefined);
    return result;
  }

  private notOnlineError(): Error {
    return this.phase === 'failed' ? new CpuFailedError(this.cpu, this.startFailures) : new CpuOfflineError(this.cpu);
  }

  private rejectQueued(error: () => Error): void {
    for (const task of this.queue.splice(0)) task.reject(error());
  }

  /** Resolves true once `condition` holds (re-checked at every state change), false after `ms`. */
  private waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const check = (): void => {
        if (!condition()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.add(check);
      if (Number.isFinite(ms)) {
        timer = setTimeout(() => {
          this.waiters.delete(check);
          resolve(false);
        }, ms);
      }
    });
  }

  private changed(): void {
    for (const check of [...this.waiters]) check();
  }
}

function addTime(times: { total: number; max: number }, ms: number): void {
  times.total += ms;
  if (ms > times.max) times.max = ms;
}
