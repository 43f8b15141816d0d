/**
 * The runtime: the coordinator (this thread) and one worker thread per online CPU.
 *
 *   coordinator (main thread)                    CPU c (worker thread, one per online CPU)
 *   ├─ PercpuAllocator: all offsets              ├─ its own area only (one SharedArrayBuffer)
 *   ├─ every CPU's area: read, write, sum        ├─ thisCpu ops: plain loads and stores
 *   ├─ MailboxServer + mailbox/serve: CPUs'      ├─ alloc/free: a request in its mailbox
 *   │  alloc/free requests                       │
 *   └─ counters' global counts (Atomics)         └─ counter folds: one Atomics.add per batch
 *
 * Context: every method runs on the coordinator's thread.
 */
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { PercpuAllocator, type AllocOptions } from '../allocator/allocator.js';
import type { ChunkStats } from '../allocator/stats.js';
import { CounterRegistry } from '../counter/counter-registry.js';
import { checkBatch } from '../counter/handle.js';
import type { PercpuCounter } from '../counter/percpu-counter.js';
import {
  ClosedError,
  CpuDiedError,
  CpuOfflineError,
  InvalidArgumentError,
  InvalidFreeError,
  TaskAbortedError,
  TaskFailedError,
  TaskTimeoutError,
} from '../errors.js';
import { MAX_COUNTERS, controlBufferSize } from '../memory/control-layout.js';
import { PAGE_SIZE } from '../memory/layout.js';
import { type CpuViews, PerCpuMemory } from '../memory/percpu-memory.js';
import type { PerCpuType, ValueOf } from '../memory/types.js';
import { checkOptionalBoolean, checkOptionsObject } from '../util/check.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { type CpuRequestHost, serveCpuRequest, settleAbandonedRequest } from '../mailbox/serve.js';
import { MailboxServer } from '../mailbox/server.js';
import { CpuController, type CpuControllerHost, type TaskControls } from './cpu-controller.js';
import type { CpuState } from './cpu-state.js';
import { defaultRootLogger } from './logging.js';
import { type CpuWorkerData, INTERNAL_TASK_PREFIX, type TaskEnvelope } from './messages.js';
import { type ResolvedOptions, type RuntimeOptions, checkCpuId, resolveOptions } from './options.js';
import { type AllocationOwner, type InternalOwner, type Leak, RobustChecker, type WriteAfterFree } from './robust.js';
import { type StaticDeclarations, layoutStatics, staticOffset } from './statics.js';
import { LOG_DRAIN_INTERVAL_MS, LogRingReader, createLogRing } from '../trace/log-ring.js';
import { RuntimeTrace } from '../trace/runtime-trace.js';
import type { TaskArgs, TaskModule, TaskName, TaskResult } from './task-types.js';
import { checkWorkerMemory } from './worker-memory.js';
import type { CounterOptions, RuntimeStats, SumOptions } from './runtime-types.js';
import { prepareTask } from './task-prep.js';
import { readCpuArray, sumArrayOverCpus, sumOverCpus } from '../memory/sums.js';

export type { TaskArg, TaskArgs, TaskModule, TaskName, TaskOptions, TaskResult } from './task-types.js';
export type { CounterOptions, CpuActivity, RuntimeStats, SumOptions } from './runtime-types.js';

const WORKER_URL = new URL('../../workers/cpu-worker.js', import.meta.url);

/**
 * `Tasks`: the tasks module's type (`typeof import('./tasks.js')`), which types task names,
 * arguments and results. `Statics`: the names of the declared static variables, which types
 * staticPtr(); inferred from `statics` when start() is called without type arguments, or given
 * as `Runtime.start<typeof Tasks, typeof STATICS>(...)`.
 */
export class Runtime<Tasks extends TaskModule = TaskModule, Statics extends string = string> {
  /** Number of possible CPUs. */
  readonly cpus: number;
  readonly logger: Logger;
  /** Tracing (docs/tracing.md): drain(), stats(), write(); its methods throw TracingOffError when off. */
  readonly trace: RuntimeTrace;
  /** @internal */
  readonly memory: PerCpuMemory;
  /** @internal */
  readonly allocator: PercpuAllocator;
  private readonly options: ResolvedOptions;
  private readonly control: SharedArrayBuffer;
  private readonly control32: Int32Array;
  private readonly control64: BigInt64Array;
  private readonly statics: Readonly<Record<string, number>>;
  /** Robust mode's checker, or null when robust mode is off. */
  private readonly robust: RobustChecker | null;
  /** One per possible CPU, for the runtime's whole life. */
  private readonly cpuControllers: readonly CpuController[];
  /** Each CPU's log ring reader (thisCpu.log's lines), for the runtime's whole life. */
  private readonly logReaders: readonly LogRingReader[];
  private readonly logDrainTimer: NodeJS.Timeout;
  private readonly cpuLoggers: Logger[];
  private readonly service: MailboxServer;
  /** What serving a CPU's allocation request needs (mailbox/serve.ts). */
  private readonly requestHost: CpuRequestHost;
  /** The percpu_counters: their slots, local parts and the quarantine of destroyed ones. */
  private readonly counters: CounterRegistry;
  /** Per-CPU activity, kept by the runtime so it survives offline/online and worker deaths. */
  private readonly activity: { tasksRun: number; tasksFailed: number; allocs: number; frees: number }[];
  private taskNames: ReadonlySet<string> = new Set();
  private metricsRegistry: MetricsRegistry | null = null;
  private nextCpu = 0;
  private closing: Promise<void> | null = null;

  private constructor(options: RuntimeOptions, resolved: ResolvedOptions) {
    this.options = resolved;
    this.cpus = resolved.cpus;
    this.logger = options.logger ?? defaultRootLogger(resolved.logLevel);
    const statics = layoutStatics(options.statics, resolved.unitSize - PAGE_SIZE);
    this.statics = statics.offsets;
    this.memory = new PerCpuMemory(resolved.cpus, resolved.areaSize);
    const robust = options.robust ?? false;
    if (typeof robust !== 'boolean' && (typeof robust !== 'object' || robust === null)) {
      throw new InvalidArgumentError('robust', robust, 'a boolean or { verifyEveryOperation?: boolean }');
    }
    this.robust = robust === false ? null : new RobustChecker(this.memory, this.logger, robust === true ? {} : robust);
    const checker = this.robust;
    this.allocator = new PercpuAllocator({
      unitSize: resolved.unitSize,
      areaSize: resolved.areaSize - (resolved.trace?.regionSize ?? 0), // the trace rings take the top units
      staticSize: statics.size,
      reservedSize: resolved.reservedSize,
      zeroer: checker ?? this.memory,
      warn: (fields, message) => this.logger.warn(fields, message),
      ...(checker !== null ? { afterFree: (offset: number, size: number) => checker.poison(offset, size) } : {}),
    });
    this.control = new SharedArrayBuffer(controlBufferSize(resolved.cpus, resolved.maxCounters));
    this.control32 = new Int32Array(this.control);
    this.control64 = new BigInt64Array(this.control);
    // Atomics.store: the slot count, before any worker starts (control-layout.ts, MAX_COUNTERS).
    Atomics.store(this.control32, MAX_COUNTERS, resolved.maxCounters);
    this.counters = new CounterRegistry({
      cpus: resolved.cpus,
      maxCounters: resolved.maxCounters,
      views: this.memory.views,
      control32: this.control32,
      control64: this.control64,
      allocator: this.allocator,
      // CPUs whose local part may be unfolded: a CPU going offline still has one until it folds.
      cpusMayHoldUnfolded: () => this.cpuControllers.filter((c) => c.mayHoldUnfolded).length,
      afterAllocatorOp: (ptr, size) => this.afterAllocatorOp(ptr, size, 'counter'),
      assertUsable: (what) => this.assertUsable(what),
      onReleaseError: (error) => this.logger.error({ err: error }, 'releasing a destroyed counter failed'),
    });
    this.cpuLoggers = Array.from({ length: resolved.cpus }, (_, cpu) => this.logger.child({ cpu }));
    this.trace = new RuntimeTrace(resolved.trace, this.memory, (cpu) => this.cpuLoggers[cpu]!);
    const logRings = Array.from({ length: resolved.cpus }, () => createLogRing());
    this.logReaders = logRings.map((ring, cpu) => new LogRingReader(ring, this.cpuLoggers[cpu]!));
    // One timer for every CPU's log ring: lines reach the root logger within this interval even
    // when no task ends (a task ending, a death and close drain at once too).
    this.logDrainTimer = setInterval(() => {
      for (const controller of this.cpuControllers) if (controller.hasWorker) this.logReaders[controller.cpu]!.drain();
    }, LOG_DRAIN_INTERVAL_MS);
    this.logDrainTimer.unref();
    this.activity = Array.from({ length: resolved.cpus }, () => ({
      tasksRun: 0,
      tasksFailed: 0,
      allocs: 0,
      frees: 0,
    }));
    this.requestHost = {
      allocator: this.allocator,
      memory: this.memory,
      areaSize: resolved.areaSize,
      loggerOf: (cpu) => this.cpuLoggers[cpu]!,
      countsOf: (cpu) => this.activity[cpu]!,
      afterAllocatorOp: (ptr, size, by) => this.afterAllocatorOp(ptr, size, by),
      checkFree: (ptr) => this.checkNotCounterMemory(ptr),
    };
    this.service = new MailboxServer(
      this.control32,
      resolved.cpus,
      (cpu, request) => serveCpuRequest(this.requestHost, cpu, request),
      resolved.requestPollUs / 1000,
    );
    const controllerHost: CpuControllerHost = {
      workerUrl: WORKER_URL,
      resourceLimits: options.workerResourceLimits,
      lifecycle: resolved,
      tasksName: String(resolved.tasksUrl),
      workerData: (cpu): CpuWorkerData => ({
        cpu,
        area: this.memory.buffers[cpu]!,
        areaSize: resolved.areaSize,
        unitSize: resolved.unitSize,
        control: this.control,
        cpus: resolved.cpus,
        statics: this.statics,
        tasksUrl: resolved.tasksUrl,
        logLevel: this.logger.level,
        logRing: logRings[cpu]!,
        trace: this.trace.workerConfig(),
      }),
      afterWorkerGone: (cpu) => this.afterWorkerGone(cpu),
      quiesce: (cpu) => {
        this.counters.foldCpu(cpu);
      },
      checkMemoryForWorker: (cpu) => {
        const running = this.cpuControllers.filter((c) => c.hasWorker).length;
        checkWorkerMemory(`bring CPU ${cpu} online`, 1, running);
      },
      onHello: (hello) => {
        this.taskNames = new Set(hello.tasks);
      },
      onWorkerMessage: (cpu, message) => this.logReaders[cpu]!.onMessage(message),
      onLifecycle: (kind, cpu, threadId) => this.trace.lifecycle(kind, cpu, threadId),
    };
    this.cpuControllers = Array.from(
      { length: resolved.cpus },
      (_, cpu) => new CpuController(cpu, controllerHost, this.cpuLoggers[cpu]!),
    );
  }

  /**
   * Starts a runtime: reserves every possible CPU's area, starts a worker per online CPU and
   * loads the tasks module on each. Rejects (with everything started stopped again) if the tasks
   * module fails to load.
   */
  static async start<Tasks extends TaskModule = TaskModule, S extends StaticDeclarations = StaticDeclarations>(
    options: RuntimeOptions & { readonly statics?: S },
  ): Promise<Runtime<Tasks, keyof S & string>> {
    const resolved = resolveOptions(options);
    // Before anything is reserved or started: can this process hold that many workers?
    checkWorkerMemory(`start ${resolved.online.length} CPU workers (option online)`, resolved.online.length, 0);
    const rt = new Runtime<Tasks, keyof S & string>(options, resolved);
    rt.service.start();
    const started = await Promise.allSettled(rt.options.online.map((cpu) => rt.cpuControllers[cpu]!.online()));
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed !== undefined) {
      await rt.close();
      throw failed.reason;
    }
    rt.logger.info({ cpus: rt.cpus, online: rt.onlineCpus(), tasks: [...rt.taskNames] }, 'runtime started');
    return rt;
  }

  /** Where CPU `cpu` is in its life cycle: offline, coming-online, online, replacing, going-offline or failed. */
  cpuState(cpu: number): CpuState {
    return this.cpuControllers[checkCpuId('cpu', cpu, this.cpus)]!.state;
  }

  /** Ids of the CPUs that run tasks now (online or being replaced, no offline pending), ascending. */
  onlineCpus(): number[] {
    return this.cpuControllers.filter((c) => c.isOnline).map((c) => c.cpu);
  }

  isOnline(cpu: number): boolean {
    return this.cpuControllers[checkCpuId('cpu', cpu, this.cpus)]!.isOnline;
  }

  /** Offset of `size` bytes, zero on every CPU; null when the per-CPU area is full. */
  alloc(size: number, align = 4, options?: AllocOptions): number | null {
    this.assertUsable('alloc');
    const ptr = this.allocator.alloc(size, align, options);
    if (ptr !== null) this.afterAllocatorOp(ptr, size, 'coordinator');
    return ptr;
  }

  free(ptr: number): void {
    this.assertUsable('free');
    this.checkNotCounterMemory(ptr);
    this.allocator.free(ptr);
    this.afterAllocatorOp(null, 0, 'coordinator');
  }

  /** A counter's local part is freed by its destroy(), never by free(): InvalidFreeError. */
  private checkNotCounterMemory(ptr: number): void {
    if (this.counters.owns(ptr)) {
      throw new InvalidFreeError(
        ptr,
        'owned-by-counter',
        "it is a percpu_counter's local part: counter.destroy() frees it",
      );
    }
  }

  /**
   * Robust mode's findings: writes after free seen so far, and live allocations with who made
   * them (at close: the leaks). null when robust mode is off.
   */
  robustReport(): { readonly writesAfterFree: readonly WriteAfterFree[]; readonly leaks: readonly Leak[] } | null {
    if (this.robust === null) return null;
    return { writesAfterFree: [...this.robust.writesAfterFree], leaks: this.robust.leaks() };
  }

  /** Robust mode: remember the owner of a new area; verify() when asked to after every operation. */
  private afterAllocatorOp(ptr: number | null, size: number, by: AllocationOwner | InternalOwner): void {
    if (this.robust === null) return;
    if (ptr !== null) this.robust.allocated(ptr, size, by);
    if (this.robust.verifyEveryOperation) this.allocator.verify();
  }

  /** CPU `cpu`'s value at `ptr` (64-bit values with an atomic load: they may not tear). */
  read<T extends PerCpuType>(ptr: number, cpu: number, type: T): ValueOf<T> {
    return this.memory.read(ptr, cpu, type);
  }

  /** Sets CPU `cpu`'s value at `ptr`. Racing with that CPU's own updates loses one of them. */
  write<T extends PerCpuType>(ptr: number, cpu: number, type: T, value: ValueOf<T>): void {
    this.assertUsable('write');
    this.memory.write(ptr, cpu, type, value);
  }

  /**
   * The sum of `ptr` over every possible CPU, online or not. Exact (bigint for 64-bit types);
   * with { wrap: true } it wraps at the type's width, as a modular per-CPU count needs.
   */
  sum<T extends PerCpuType>(ptr: number, type: T, options?: SumOptions): ValueOf<T> {
    checkOptionsObject(options, '{ wrap?: boolean }');
    checkOptionalBoolean('wrap', options?.wrap);
    return sumOverCpus(this.memory, ptr, type, options?.wrap === true);
  }

  /**
   * Every field of a structure of `length` elements of `type` at `ptr` (a MIB, a histogram's
   * buckets), each summed over every possible CPU, in one pass per CPU: exact.
   */
  sumArray<T extends PerCpuType>(ptr: number, type: T, length: number): ValueOf<T>[] {
    return sumArrayOverCpus(this.memory, ptr, type, length);
  }

  /** A snapshot (a copy) of CPU `cpu`'s `length` elements of `type` at `ptr`. */
  readArray<T extends PerCpuType>(ptr: number, cpu: number, type: T, length: number): CpuViews[T] {
    return readCpuArray(this.memory, ptr, cpu, type, length);
  }

  /** Offset of a static per-CPU variable declared in the start options (its name typed by `Statics`). */
  staticPtr(name: Statics): number {
    return staticOffset(this.statics, name);
  }

  /** Runs task `name` on CPU `cpu` (like smp_call_function_single). */
  async runOn<K extends TaskName<Tasks>>(
    cpu: number,
    name: K,
    ...[arg, options]: TaskArgs<Tasks, K>
  ): Promise<TaskResult<Tasks, K>> {
    this.assertUsable('run a task');
    const controller = this.cpuControllers[checkCpuId('cpu', cpu, this.cpus)]!;
    this.checkTaskName(name);
    const task = prepareTask(arg, options);
    return (await this.dispatch(controller, name, task.arg, task.controls)) as TaskResult<Tasks, K>;
  }

  /**
   * Runs task `name` on every online CPU at once (like on_each_cpu); results by CPU. Rejects with
   * the first failure; runOnEachSettled() keeps every CPU's outcome.
   */
  async runOnEach<K extends TaskName<Tasks>>(
    name: K,
    ...args: TaskArgs<Tasks, K>
  ): Promise<Map<number, TaskResult<Tasks, K>>> {
    const settled = await this.runOnEachSettled(name, ...args);
    const results = new Map<number, TaskResult<Tasks, K>>();
    for (const [cpu, outcome] of settled) {
      if (outcome.status === 'rejected') throw outcome.reason;
      results.set(cpu, outcome.value);
    }
    return results;
  }

  /** Runs task `name` on every online CPU at once; every CPU's outcome, fulfilled or rejected, by CPU. */
  async runOnEachSettled<K extends TaskName<Tasks>>(
    name: K,
    ...[arg, options]: TaskArgs<Tasks, K>
  ): Promise<Map<number, PromiseSettledResult<TaskResult<Tasks, K>>>> {
    this.assertUsable('run a task');
    this.checkTaskName(name);
    const online = this.cpuControllers.filter((c) => c.isOnline);
    if (options?.transferList !== undefined && options.transferList.length > 0 && online.length > 1) {
      throw new InvalidArgumentError(
        'options.transferList',
        options.transferList,
        'empty for runOnEach on more than one CPU (a buffer can move to one worker only)',
      );
    }
    const task = prepareTask(arg, options);
    const outcomes = await Promise.allSettled(
      online.map((controller) => this.dispatch(controller, name, task.arg, task.controls)),
    );
    return new Map(
      online.map((controller, i) => [controller.cpu, outcomes[i] as PromiseSettledResult<TaskResult<Tasks, K>>]),
    );
  }

  /** Runs task `name` on the online CPU with the fewest pending tasks. */
  async run<K extends TaskName<Tasks>>(name: K, ...[arg, options]: TaskArgs<Tasks, K>): Promise<TaskResult<Tasks, K>> {
    this.assertUsable('run a task');
    this.checkTaskName(name);
    const task = prepareTask(arg, options);
    let best: CpuController | null = null;
    for (let i = 0; i < this.cpus; i++) {
      const controller = this.cpuControllers[(this.nextCpu + i) % this.cpus]!;
      if (controller.isOnline && (best === null || controller.pending < best.pending)) best = controller;
    }
    if (best === null) throw new CpuOfflineError(-1);
    this.nextCpu = (best.cpu + 1) % this.cpus;
    return (await this.dispatch(best, name, task.arg, task.controls)) as TaskResult<Tasks, K>;
  }

  /**
   * Takes CPU `cpu` offline: its queued and running tasks finish, its worker stops, its data
   * stays; each counter's local part on it is folded into the global count (as Linux does).
   * Runs after the hotplug calls already queued for this CPU (see docs/api.md, "CPU states").
   */
  offline(cpu: number): Promise<void> {
    try {
      this.assertUsable('take a CPU offline');
      const controller = this.cpuControllers[checkCpuId('cpu', cpu, this.cpus)]!;
      if (controller.targetOnline && this.cpuControllers.filter((c) => c.targetOnline).length === 1) {
        throw new InvalidArgumentError('cpu', cpu, 'a CPU other than the last online one');
      }
      return controller.offline();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Brings CPU `cpu` online: a new worker bound to its unit, which kept its data. Runs after the
   * hotplug calls already queued for this CPU: online() while offline() is pending waits for it.
   */
  online(cpu: number): Promise<void> {
    try {
      this.assertUsable('bring a CPU online');
      return this.cpuControllers[checkCpuId('cpu', cpu, this.cpus)]!.online();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * @internal Fault injection, public as `killCpu(rt, cpu)` from 'percpu/testing': terminates
   * CPU `cpu`'s worker thread from outside, as a crash would. Its running task rejects with
   * CpuDiedError, a new worker takes the CPU over and its queued tasks run there. Resolves once
   * the replacement is up (or the CPU failed).
   */
  killCpu(cpu: number): Promise<void> {
    try {
      this.assertUsable('kill a CPU');
      return this.cpuControllers[checkCpuId('cpu', cpu, this.cpus)]!.kill();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A percpu_counter: an s32 per CPU plus an s64 global count. */
  counter(options?: CounterOptions): PercpuCounter {
    this.assertUsable('create a counter');
    checkOptionsObject(options, '{ batch?: number }');
    const batch = options?.batch === undefined ? Math.max(32, 2 * this.onlineCpus().length) : checkBatch(options.batch);
    return this.counters.create(batch);
  }

  /** The runtime's metrics registry (the same object on every call): see docs/metrics.md. */
  metrics(): MetricsRegistry {
    this.metricsRegistry ??= new MetricsRegistry({
      cpus: this.cpus,
      views: this.memory.views,
      // The allocator itself, not alloc()/free(): the registry frees removed label sets while the
      // runtime closes too.
      alloc: (size, align) => {
        const ptr = this.allocator.alloc(size, align);
        if (ptr !== null) this.afterAllocatorOp(ptr, size, 'metrics');
        return ptr;
      },
      free: (ptr) => {
        this.allocator.free(ptr);
        this.afterAllocatorOp(null, 0, 'metrics');
      },
      logger: this.logger,
      assertUsable: (what) => this.assertUsable(what),
    });
    return this.metricsRegistry;
  }

  stats(): RuntimeStats {
    return {
      allocator: this.allocator.stats(),
      cpus: this.activity.map((a, cpu) => {
        const controller = this.cpuControllers[cpu]!;
        return {
          cpu,
          online: controller.isOnline,
          state: controller.state,
          deaths: controller.deaths,
          ...a,
          taskWaitMs: { ...controller.waitMs },
          taskRunMs: { ...controller.runMs },
        };
      }),
      counters: this.counters.size,
    };
  }

  chunkStats(): ChunkStats[] {
    return this.allocator.chunkStats();
  }

  verify(): void {
    this.allocator.verify();
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /**
   * Closes the runtime: running and queued tasks finish, every worker stops, a per-CPU summary is
   * logged. Calling it again returns the same promise. Afterwards every method that would run,
   * allocate or write throws ClosedError; reads still work (the memory stays until collected).
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // Every CPU stops after the hotplug calls queued for it (an offline in progress finishes,
    // its tasks still served), while the allocation service still answers their requests.
    await Promise.allSettled(this.cpuControllers.map((controller) => controller.stopForClose()));
    this.service.stop();
    await this.metricsRegistry?.close();
    for (const [cpu, activity] of this.stats().cpus.entries()) {
      this.cpuLoggers[cpu]!.info(
        {
          tasksRun: activity.tasksRun,
          tasksFailed: activity.tasksFailed,
          deaths: activity.deaths,
          allocs: activity.allocs,
          frees: activity.frees,
        },
        'CPU summary',
      );
    }
    clearInterval(this.logDrainTimer);
    for (const reader of this.logReaders) reader.drain();
    this.trace.close();
    if (this.robust !== null) for (const leak of this.robust.leaks()) this.logger.warn(leak, 'leak at close');
    this.logger.info({ allocator: this.allocator.stats() }, 'runtime closed');
  }

  /** After a worker stopped or died: settle its mailbox and any fold it left half done. */
  private afterWorkerGone(cpu: number): void {
    const log = this.cpuLoggers[cpu]!;
    // Every line the worker logged before it ended, before anything is logged about its end.
    this.logReaders[cpu]!.drain();
    settleAbandonedRequest(this.requestHost, cpu, this.service.abandon(cpu));
    this.metricsRegistry?.cpuGone(cpu);
    for (const counterSlot of this.counters.releaseLocksOf(cpu)) {
      log.error({ counterSlot }, 'CPU died while folding a counter; its count may be off by one fold');
    }
  }

  private async dispatch(
    controller: CpuController,
    name: string,
    arg: unknown,
    controls: TaskControls,
  ): Promise<unknown> {
    const activity = this.activity[controller.cpu]!;
    let envelope: TaskEnvelope;
    // The task may hold a counter's handle until it ends: the quarantine waits for it.
    const task = this.counters.quarantine.taskStarted();
    try {
      envelope = await controller.submit({ name, arg }, controls);
    } catch (error) {
      // The worker died under the task (CpuDiedError) or the caller ended it while it ran
      // (started: true): a failed task. Refused or ended before it started: not a task run.
      const started =
        error instanceof CpuDiedError ||
        ((error instanceof TaskAbortedError || error instanceof TaskTimeoutError) && error.started);
      if (started) activity.tasksFailed++;
      throw error;
    } finally {
      this.counters.quarantine.taskEnded(task);
      // The lines the task logged, written before its outcome reaches the caller.
      this.logReaders[controller.cpu]!.drain();
    }
    activity.tasksRun++;
    if (envelope.ok) return envelope.value;
    activity.tasksFailed++;
    const failure = new TaskFailedError(controller.cpu, name, envelope.error);
    // Debug, not warn: the caller gets the error and decides; `err.type` names the class.
    this.cpuLoggers[controller.cpu]!.debug(
      { task: name, err: failure, remoteType: envelope.error.name },
      'task failed',
    );
    throw failure;
  }

  private checkTaskName(name: unknown): void {
    if (typeof name !== 'string' || name.startsWith(INTERNAL_TASK_PREFIX) || !this.taskNames.has(name)) {
      const names = [...this.taskNames];
      throw new InvalidArgumentError(
        'name',
        name,
        names.length === 0
          ? 'a task name, but no tasks module with exported functions was given'
          : `one of the tasks module's exports: ${names.map((n) => `'${n}'`).join(', ')}`,
      );
    }
  }

  /** @internal */
  assertUsable(what: string): void {
    if (this.closing !== null) throw new ClosedError(what);
  }
}

/** For error messages and tests: where the worker script lives. */
export const CPU_WORKER_PATH = fileURLToPath(WORKER_URL);
