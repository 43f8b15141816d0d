/**
 * `percpu run`: a concurrent counter workload. The coordinator allocates a mix of single counters
 * and MIB-like structures, every online CPU updates them with thisCpu's fast path (and allocates
 * structures of its own while it runs), then the coordinator compares the per-CPU sums with what
 * the CPUs say they did: they must be exactly equal.
 */
import type { Logger } from 'pino';
import type { PercpuAllocator } from '../allocator/allocator.js';
import type { AllocatorStats } from '../allocator/stats.js';
import { OutOfSpaceError } from '../errors.js';
import { Runtime } from '../runtime/runtime.js';
import { Prng } from '../util/prng.js';
import { type StopFlag, newStopFlag, stopRaised, stopView } from './stop-flag.js';
import type { TraceSession } from './trace-session.js';
import { serveRunMetrics } from './run-metrics.js';
import type * as CountingTasks from './counting-tasks.js';
import type { CounterObject, CountResult } from './counting-tasks.js';

export interface RunOptions {
  readonly cpus: number;
  readonly online: number;
  /** Counter objects the coordinator allocates. */
  readonly counters: number;
  /** Operations per CPU, or 0 to run for `seconds`. */
  readonly ops: number;
  readonly seconds: number;
  readonly seed: number;
  readonly logger: Logger;
  /** Called about every 100 ms with the operations done so far (all CPUs). */
  readonly onProgress?: (opsDone: number) => void;
  /** Trace the run (`--trace`, `percpu trace`): files and summary after it. */
  readonly trace?: TraceSession;
  /** Serve the run's metrics on this port while it runs (0: any free port). */
  readonly metricsPort?: number;
  /** Called with the runtime after the workload, before anything is freed (for `map`). */
  readonly beforeCleanup?: (allocator: PercpuAllocator) => void;
  /** Raised to stop the CPUs early (SIGINT/SIGTERM); the report then covers what ran. */
  readonly stop?: StopFlag;
}

export interface CpuRunReport {
  readonly cpu: number;
  readonly ops: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
  /** This CPU's share of all operations, 0..1. */
  readonly share: number;
}

/** Who allocated a counter object: the coordinator, or a CPU while it ran (as the table says). */
export type CounterOwner = 'coordinator' | { readonly cpu: number };

export interface CounterCheck {
  readonly ptr: number;
  readonly fields: number;
  readonly allocatedBy: CounterOwner;
  /** Per field, as decimal strings (u64 totals may exceed 2^53). */
  readonly expected: string[];
  readonly actual: string[];
  readonly exact: boolean;
}

export interface RunReport {
  readonly cpus: number;
  readonly online: number;
  readonly opsPerCpu: number | null;
  readonly seconds: number | null;
  readonly seed: number;
  readonly totalOps: number;
  readonly wallSeconds: number;
  readonly perCpu: readonly CpuRunReport[];
  readonly counters: readonly CounterCheck[];
  /** Sums over every counter field. */
  readonly expected: string;
  readonly actual: string;
  readonly exact: boolean;
  readonly mismatches: number;
  readonly allocator: AllocatorStats;
  /** Live allocations left after freeing everything the workload allocated (must be 0). */
  readonly leaks: number;
  readonly verified: boolean;
  /** The stop flag was raised before the CPUs finished: the counts cover what they did. */
  readonly stopped: boolean;
}

/** Fields of a MIB-like structure (Linux's IP MIB has tens of u64 counters). */
export const MIB_FIELDS = 32;
/** Structures each CPU allocates for itself while the workload runs. */
export const OWN_OBJECTS_PER_CPU = 2;

const TASKS = new URL('./counting-tasks.js', import.meta.url);

export async function runWorkload(options: RunOptions): Promise<RunReport> {
  const prng = new Prng(options.seed);
  const stop = options.stop ?? newStopFlag();
  const rt = await Runtime.start<typeof CountingTasks>({
    cpus: options.cpus,
    online: options.online,
    tasks: TASKS,
    logger: options.logger,
    statics: { ops_done: 'u64' },
    ...options.trace?.startOptions(),
  });
  options.trace?.attach(rt);
  try {
    // One object in three is a MIB-like structure, the rest single counters.
    const objects: CounterObject[] = [];
    for (let i = 0; i < options.counters; i++) {
      const fields = prng.int(0, 2) === 0 ? MIB_FIELDS : 1;
      const ptr = rt.alloc(fields * 8, 8);
      if (ptr === null)
        throw new OutOfSpaceError(
          `The per-CPU area is full after ${i} of ${options.counters} counter objects (option counters)`,
        );
      objects.push({ ptr, fields });
    }
    const progressPtr = rt.staticPtr('ops_done');
    if (options.metricsPort !== undefined) {
      await serveRunMetrics(rt, options.metricsPort, {
        workload: 'run',
        opsOf: (cpu) => Number(rt.read(progressPtr, cpu, 'u64')),
        counted: () =>
          objects.reduce(
            (sum, o) =>
              sum +
              Array.from({ length: o.fields }, (_, f) => rt.sum(o.ptr + f * 8, 'u64')).reduce((a, b) => a + b, 0n),
            0n,
          ),
      });
    }
    const started = performance.now();
    const timer =
      options.onProgress === undefined
        ? null
        : setInterval(() => options.onProgress?.(Number(rt.sum(progressPtr, 'u64'))), 100);
    let results: Map<number, CountResult>;
    try {
      results = await rt.runOnEach('count', {
        objects,
        ops: options.ops,
        seconds: options.seconds,
        seed: options.seed,
        ownObjects: OWN_OBJECTS_PER_CPU,
        ownFields: MIB_FIELDS,
        progressPtr,
        stop,
      });
    } finally {
      if (timer !== null) clearInterval(timer);
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const stopped = stopRaised(stopView(stop));
    const perCpuResults = [...results.values()];
    const totalOps = perCpuResults.reduce((sum, r) => sum + r.ops, 0);
    options.onProgress?.(totalOps);

    const checks: CounterCheck[] = [];
    const check = (object: CounterObject, allocatedBy: CounterOwner, expectedByField: bigint[]): void => {
      const actual = Array.from({ length: object.fields }, (_, f) => rt.sum(object.ptr + f * 8, 'u64'));
      const exact = actual.every((value, f) => value === expectedByField[f]);
      checks.push({
        ptr: object.ptr,
        fields: object.fields,
        allocatedBy,
        expected: expectedByField.map(String),
        actual: actual.map(String),
        exact,
      });
    };
    objects.forEach((object, i) => {
      const expected = Array.from({ length: object.fields }, (_, f) =>
        perCpuResults.reduce((sum, r) => sum + BigInt(r.expected[i]![f]!), 0n),
      );
      check(object, 'coordinator', expected);
    });
    for (const r of perCpuResults) {
      for (const own of r.own)
        check(
          own.object,
          { cpu: r.cpu },
          own.expected.map((value) => BigInt(value)),
        );
    }
    options.beforeCleanup?.(rt.allocator);

    for (const object of objects) rt.free(object.ptr);
    for (const r of perCpuResults) for (const own of r.own) rt.free(own.object.ptr);
    const allocator = rt.stats().allocator;
    rt.verify();
    const expectedTotal = checks.reduce((sum, c) => sum + c.expected.reduce((s, v) => s + BigInt(v), 0n), 0n);
    const actualTotal = checks.reduce((sum, c) => sum + c.actual.reduce((s, v) => s + BigInt(v), 0n), 0n);
    const mismatches = checks.filter((c) => !c.exact).length;
    return {
      cpus: options.cpus,
      online: options.online,
      opsPerCpu: options.ops > 0 ? options.ops : null,
      seconds: options.ops > 0 ? null : options.seconds,
      seed: options.seed,
      totalOps,
      wallSeconds,
      perCpu: perCpuResults.map((r) => ({
        cpu: r.cpu,
        ops: r.ops,
        seconds: r.ns / 1e9,
        opsPerSecond: r.ns > 0 ? r.ops / (r.ns / 1e9) : 0,
        share: totalOps === 0 ? 0 : r.ops / totalOps,
      })),
      counters: checks,
      expected: String(expectedTotal),
      actual: String(actualTotal),
      exact: mismatches === 0 && expectedTotal === actualTotal,
      mismatches,
      allocator,
      // The metrics served with --metrics-port keep their memory until the runtime closes.
      leaks: allocator.nrCurAlloc - (options.metricsPort === undefined ? 0 : rt.metrics().allocations),
      verified: true,
      stopped,
    };
  } finally {
    await rt.close();
    await options.trace?.finish(rt, `percpu run: ${options.online} CPUs, seed ${options.seed}`);
  }
}
