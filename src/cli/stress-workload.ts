/**
 * `percpu stress`: every online CPU allocates and frees through the coordinator at once,
 * stamping and re-checking its areas (stress-tasks.ts). With faults, workers are killed at
 * random moments in different ways; each CPU resumes from the state kept in its own unit, and
 * the run must still verify: no violation, no leak, verify() clean.
 */
import type { Logger } from 'pino';
import type { PercpuAllocator } from '../allocator/allocator.js';
import type { AllocatorStats } from '../allocator/stats.js';
import { CpuDiedError } from '../errors.js';
import { Runtime } from '../runtime/runtime.js';
import { killCpu } from '../testing/index.js';
import { Prng } from '../util/prng.js';
import { type StopFlag, newStopFlag, stopRaised, stopView } from './stop-flag.js';
import type { TraceSession } from './trace-session.js';
import { serveRunMetrics } from './run-metrics.js';
import type * as StressTasks from './stress-tasks.js';
import { COUNT_PER_TASK, type FaultKind, STRESS_STATICS } from './stress-tasks.js';

export interface StressOptions {
  readonly cpus: number;
  /** Operations (an alloc or a free) per CPU. */
  readonly ops: number;
  readonly seed: number;
  /** Largest allocation in bytes (at most the unit size). */
  readonly maxSize: number;
  /** Worker deaths to inject over the run. */
  readonly faults: number;
  readonly logger: Logger;
  readonly onProgress?: (opsDone: number) => void;
  /** Trace the run (`--trace`, `percpu trace`): files and summary after it. */
  readonly trace?: TraceSession;
  /** Serve the run's metrics on this port while it runs (0: any free port). */
  readonly metricsPort?: number;
  /** Called with the allocator before the CPUs free the areas they still hold (for `map`). */
  readonly beforeCleanup?: (allocator: PercpuAllocator) => void;
  /** Raised to stop the CPUs early (SIGINT/SIGTERM); the report then covers what ran. */
  readonly stop?: StopFlag;
}

/** The ways a fault kills a worker: three from inside the task, one from outside. */
export const FAULT_KINDS = ['exit', 'throw', 'oom', 'terminate'] as const;
export type AnyFaultKind = (typeof FAULT_KINDS)[number];

export interface StressReport {
  readonly cpus: number;
  readonly opsPerCpu: number;
  readonly seed: number;
  readonly maxSize: number;
  /** Allocations and frees served to the CPUs, as the coordinator counted them (the sum of rt.stats().cpus). */
  readonly allocations: number;
  readonly frees: number;
  /**
   * The coordinator's own allocations and frees (the percpu_counter's per-CPU part). With the
   * CPUs' they make the allocator's counts: allocations + coordinatorAllocations =
   * allocator.nrAlloc, frees + coordinatorFrees = allocator.nrDealloc (checked: a difference
   * fails the run).
   */
  readonly coordinatorAllocations: number;
  readonly coordinatorFrees: number;
  readonly bytes: string;
  /** Most live allocations at once, over all CPUs (the allocator's nr_max_alloc). */
  readonly peakLive: number;
  readonly failedAllocations: number;
  readonly violations: number;
  readonly leaks: number;
  /**
   * The tasks' counting bursts: what the sums must be (COUNT_PER_TASK per task that ended, as the
   * coordinator saw them end), what the per-CPU u64 and the percpu_counter hold, and the counts
   * lost (expected minus the smaller of the two; a sum above expected is a failure too).
   */
  readonly counts: {
    readonly expected: string;
    readonly perCpu: string;
    readonly counter: string;
    readonly lost: string;
  };
  /** Faults asked for (--faults). */
  readonly faultsRequested: number;
  /** The same as faultsRequested (its older name, kept for scripts that read it). */
  readonly faultsPlanned: number;
  /** Faults injected, by kind, and in all; fewer than requested fails the run (unless stopped). */
  readonly faultsInjected: Readonly<Record<AnyFaultKind, number>>;
  readonly faultsInjectedTotal: number;
  readonly deaths: number;
  readonly verified: boolean;
  readonly verifyError: string | null;
  readonly seconds: number;
  readonly allocator: AllocatorStats;
  /** Operations the CPUs did (at most cpus × opsPerCpu; fewer when stopped). */
  readonly opsDone: number;
  /** The stop flag was raised before the CPUs finished: the report covers what they did. */
  readonly stopped: boolean;
  readonly ok: boolean;
  /** Why ok is false, one sentence each (empty when ok). */
  readonly problems: readonly string[];
}

const TASKS = new URL('./stress-tasks.js', import.meta.url);

interface PlannedFault {
  readonly cpu: number;
  /** The operation count at which it strikes. */
  readonly at: number;
  readonly kind: AnyFaultKind;
}

/**
 * Spreads `faults` deaths over the CPUs and the run, cycling through the kinds. A fault strikes
 * between two of a CPU's operations, after operation 1 .. ops - 1: with one operation per CPU
 * there is no such point and none is planned (the run then fails: fewer injected than requested).
 */
function planFaults(faults: number, cpus: number, ops: number, prng: Prng): PlannedFault[][] {
  const plan: PlannedFault[][] = Array.from({ length: cpus }, () => []);
  if (ops < 2) return plan;
  for (let i = 0; i < faults; i++) {
    const cpu = i % cpus;
    plan[cpu]!.push({ cpu, at: prng.int(1, ops - 1), kind: FAULT_KINDS[i % FAULT_KINDS.length]! });
  }
  for (const list of plan) list.sort((a, b) => a.at - b.at);
  return plan;
}

export async function runStress(options: StressOptions): Promise<StressReport> {
  const prng = new Prng(options.seed);
  const plan = planFaults(options.faults, options.cpus, options.ops, prng);
  const stop = options.stop ?? newStopFlag();
  const started = performance.now();
  const rt = await Runtime.start<typeof StressTasks>({
    cpus: options.cpus,
    tasks: TASKS,
    logger: options.logger,
    statics: STRESS_STATICS,
    // A small heap, so an injected out-of-memory death comes quickly.
    ...(options.faults > 0 ? { workerResourceLimits: { maxOldGenerationSizeMb: 64 } } : {}),
    ...options.trace?.startOptions(),
  });
  options.trace?.attach(rt);
  const injected: Record<AnyFaultKind, number> = { exit: 0, throw: 0, oom: 0, terminate: 0 };
  let deaths = 0;
  // Tasks that ended (returned, or died of their planned fault): each made one counting burst.
  let tasksEnded = 0;
  const counter = rt.counter();
  const opsPtr = rt.staticPtr('stress_ops');
  const opsDone = (cpu: number): number => rt.read(opsPtr, cpu, 'u32');
  const killMePtr = rt.staticPtr('stress_kill_me');
  // No CPU has run a task yet: every allocation so far is the coordinator's (the counter's).
  let coordinatorAllocations = rt.stats().allocator.nrAlloc;
  try {
    if (options.metricsPort !== undefined) {
      await serveRunMetrics(rt, options.metricsPort, {
        workload: 'stress',
        opsOf: opsDone,
        counted: () => rt.sum(rt.staticPtr('stress_counted'), 'u64'),
      });
      // The metrics' series are made here, before any task runs: their memory is the coordinator's too.
      coordinatorAllocations = rt.stats().allocator.nrAlloc;
    }
    const timer =
      options.onProgress === undefined ? null : setInterval(() => options.onProgress?.(rt.sum(opsPtr, 'u32')), 100);

    const driveCpu = async (cpu: number): Promise<void> => {
      const faults = plan[cpu]!;
      for (;;) {
        const next = faults[0];
        let killer: NodeJS.Timeout | null = null;
        // No task runs on this CPU now: clear a kill request a killed worker left behind, so
        // the next worker is not killed while it starts.
        rt.write(killMePtr, cpu, 'u32', 0);
        if (next?.kind === 'terminate') {
          // From outside: kill the worker as soon as it raises stress_kill_me.
          killer = setInterval(() => {
            if (rt.read(killMePtr, cpu, 'u32') === 1) {
              if (killer !== null) clearInterval(killer);
              killer = null;
              void killCpu(rt, cpu).catch(() => undefined);
            }
          }, 1);
        }
        const inside = next !== undefined && next.kind !== 'terminate' ? next : null;
        try {
          await rt.runOn(cpu, 'stress', {
            ops: options.ops,
            seed: options.seed,
            maxSize: options.maxSize,
            faultAt: inside?.at ?? null,
            faultKind: (inside?.kind ?? null) as FaultKind | null,
            killAt: next?.kind === 'terminate' ? next.at : null,
            counter: counter.handle,
            stop,
          });
          tasksEnded++;
          if (killer !== null) clearInterval(killer);
          if (faults.length === 0 || opsDone(cpu) >= options.ops || stopRaised(stopView(stop))) return;
        } catch (error) {
          if (killer !== null) clearInterval(killer);
          if (!(error instanceof CpuDiedError)) throw error;
          deaths++;
          tasksEnded++;
          if (next !== undefined) {
            injected[next.kind]++;
            faults.shift();
          }
          // Stopped: the planned faults still to come are not injected, the CPU is not restarted.
          if (stopRaised(stopView(stop))) return;
        }
      }
    };
    try {
      await Promise.all(rt.onlineCpus().map(driveCpu));
    } finally {
      if (timer !== null) clearInterval(timer);
    }
    const stopped = stopRaised(stopView(stop));
    const opsTotal = rt.sum(opsPtr, 'u32');
    options.onProgress?.(opsTotal);
    options.beforeCleanup?.(rt.allocator);
    await rt.runOnEach('release');
    const expected = BigInt(tasksEnded * COUNT_PER_TASK);
    const perCpu = rt.sum(rt.staticPtr('stress_counted'), 'u64');
    const counterSum = counter.sum();
    const smaller = perCpu < counterSum ? perCpu : counterSum;
    const countsExact = perCpu === expected && counterSum === expected;
    // Its per-CPU part is an allocation: freed before the leak count.
    const freesBeforeDestroy = rt.stats().allocator.nrDealloc;
    counter.destroy();
    const coordinatorFrees = rt.stats().allocator.nrDealloc - freesBeforeDestroy;

    const allocator = rt.stats().allocator;
    let verifyError: string | null = null;
    try {
      rt.verify();
    } catch (error) {
      verifyError = error instanceof Error ? error.message : String(error);
    }
    const total = (name: keyof typeof STRESS_STATICS): number => rt.sum(rt.staticPtr(name), 'u32');
    const violations = total('stress_violations');
    // Served requests, as the coordinator counted them: a worker that dies after a request was
    // served cannot count it itself (an allocation it never received is undone and counted as a
    // free).
    const served = rt.stats().cpus;
    const allocations = served.reduce((sum, c) => sum + c.allocs, 0);
    const frees = served.reduce((sum, c) => sum + c.frees, 0);
    // The metrics served with --metrics-port keep their memory until the runtime closes.
    const leaks = allocator.nrCurAlloc - (options.metricsPort === undefined ? 0 : rt.metrics().allocations);
    const faultsInjectedTotal = FAULT_KINDS.reduce((sum, kind) => sum + injected[kind], 0);
    const problems: string[] = [];
    if (violations > 0) problems.push(`${violations} violations: areas overlapped or were not zeroed`);
    if (leaks > 0) problems.push(`${leaks} areas leaked after every CPU freed what it held`);
    if (!countsExact)
      problems.push(`counts: expected ${expected}, per-CPU u64 ${perCpu}, percpu_counter ${counterSum}`);
    if (verifyError !== null) problems.push(`verify() failed: ${verifyError}`);
    if (
      allocations + coordinatorAllocations !== allocator.nrAlloc ||
      frees + coordinatorFrees !== allocator.nrDealloc
    ) {
      problems.push(
        `allocation counts disagree: ${allocations} + ${coordinatorAllocations} allocations ` +
          `and ${frees} + ${coordinatorFrees} frees ` +
          `(CPUs + coordinator), the allocator's nr_alloc ${allocator.nrAlloc} and nr_dealloc ${allocator.nrDealloc}`,
      );
    }
    if (faultsInjectedTotal < options.faults && !stopped) {
      problems.push(
        `only ${faultsInjectedTotal} of ${options.faults} requested faults were injected` +
          (options.ops < 2
            ? ": a fault strikes between two of a CPU's operations, and --ops 1 has none (use --ops 2 or more)"
            : ''),
      );
    }
    return {
      cpus: options.cpus,
      opsPerCpu: options.ops,
      seed: options.seed,
      maxSize: options.maxSize,
      allocations,
      frees,
      coordinatorAllocations,
      coordinatorFrees,
      bytes: String(rt.sum(rt.staticPtr('stress_bytes'), 'u64')),
      peakLive: allocator.nrMaxAlloc,
      failedAllocations: total('stress_failed'),
      violations,
      leaks,
      counts: {
        expected: String(expected),
        perCpu: String(perCpu),
        counter: String(counterSum),
        lost: String(expected > smaller ? expected - smaller : 0n),
      },
      faultsRequested: options.faults,
      faultsPlanned: options.faults,
      faultsInjected: injected,
      faultsInjectedTotal,
      deaths,
      verified: verifyError === null,
      verifyError,
      seconds: (performance.now() - started) / 1000,
      allocator,
      opsDone: opsTotal,
      stopped,
      ok: problems.length === 0,
      problems,
    };
  } finally {
    await rt.close();
    await options.trace?.finish(
      rt,
      `percpu stress: ${options.cpus} CPUs, ${options.faults} faults, seed ${options.seed}`,
    );
  }
}
