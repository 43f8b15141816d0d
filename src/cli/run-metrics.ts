/**
 * `--metrics-port` of `percpu run` and `percpu stress`: the run's own metrics, served live on
 * 127.0.0.1 while it runs (docs/metrics.md lists them). Every value is read from the runtime at
 * scrape time (a beforeCollect hook), so serving them costs the CPUs nothing.
 *
 * Context: the coordinator.
 */
import type { Runtime, TaskModule } from '../runtime/runtime.js';
import type { MetricsServer } from '../metrics/server.js';

export interface RunMetricsSources {
  /** The workload's name in help texts ('run' or 'stress'). */
  readonly workload: string;
  /** Operations CPU `cpu` has done so far. */
  opsOf(cpu: number): number;
  /** The total of the workload's own counters so far. */
  counted(): bigint;
}

/** Serves the run's metrics on `port` (0: any free port) and says where on stderr. */
export async function serveRunMetrics<T extends TaskModule>(
  rt: Runtime<T>,
  port: number,
  sources: RunMetricsSources,
): Promise<MetricsServer> {
  const m = rt.metrics();
  const ops = m.counter({
    name: 'percpu_operations_total',
    help: `Operations of the ${sources.workload} workload, per CPU`,
    labelNames: ['cpu'],
  });
  const counted = m.counter({
    name: 'percpu_counted_total',
    help: `Sum of the ${sources.workload} workload's counters`,
  });
  const deaths = m.counter({
    name: 'percpu_cpu_deaths_total',
    help: 'Worker deaths of each CPU (a new worker took the CPU over each time)',
    labelNames: ['cpu'],
  });
  const online = m.gauge({ name: 'percpu_cpu_online', help: '1 while the CPU is online', labelNames: ['cpu'] });
  const live = m.gauge({ name: 'percpu_allocator_live_allocations', help: 'Live per-CPU allocations (nr_cur_alloc)' });
  const chunks = m.gauge({ name: 'percpu_allocator_chunks', help: 'Chunks of the per-CPU allocator (nr_chunks)' });
  const populated = m.gauge({
    name: 'percpu_allocator_populated_bytes',
    help: 'Populated bytes of every chunk, per CPU',
  });
  const liveBytes = m.gauge({ name: 'percpu_allocator_live_bytes', help: 'Bytes in live allocations, per CPU' });
  const allocs = m.counter({ name: 'percpu_allocator_allocations_total', help: 'Allocations made (nr_alloc)' });
  const frees = m.counter({ name: 'percpu_allocator_frees_total', help: 'Frees made (nr_dealloc)' });
  const failed = m.counter({
    name: 'percpu_allocator_failed_total',
    help: 'Allocations that found no space (nr_failed)',
  });
  // Counters move by the difference from what they showed last: they only go up.
  const raise = (counter: { inc(value: bigint): void }, shown: { value: bigint }, now: bigint): void => {
    if (now > shown.value) counter.inc(now - shown.value);
    shown.value = now;
  };
  const shownOps = Array.from({ length: rt.cpus }, () => ({ value: 0n }));
  const shownDeaths = Array.from({ length: rt.cpus }, () => ({ value: 0n }));
  const shownCounted = { value: 0n };
  const shownAllocs = { value: 0n };
  const shownFrees = { value: 0n };
  const shownFailed = { value: 0n };
  // Every CPU's series made now, before the workload: a scrape then allocates nothing, so the
  // workload's own allocation accounting (stress checks it) is not moved by scrapes.
  const perCpu = Array.from({ length: rt.cpus }, (_, cpu) => ({
    ops: ops.labels(String(cpu)),
    deaths: deaths.labels(String(cpu)),
    online: online.labels(String(cpu)),
  }));
  m.beforeCollect(() => {
    const stats = rt.stats();
    for (const cpu of stats.cpus) {
      const series = perCpu[cpu.cpu]!;
      raise(series.ops, shownOps[cpu.cpu]!, BigInt(sources.opsOf(cpu.cpu)));
      raise(series.deaths, shownDeaths[cpu.cpu]!, BigInt(cpu.deaths));
      series.online.set(cpu.online ? 1 : 0);
    }
    raise(counted, shownCounted, sources.counted());
    const a = stats.allocator;
    live.set(a.nrCurAlloc);
    chunks.set(a.nrChunks);
    populated.set(a.populatedBytes);
    liveBytes.set(a.liveBytes);
    raise(allocs, shownAllocs, BigInt(a.nrAlloc));
    raise(frees, shownFrees, BigInt(a.nrDealloc));
    raise(failed, shownFailed, BigInt(a.nrFailed));
  });
  const server = await m.serve({ port });
  console.error(`metrics: ${server.url}  (curl ${server.url})`);
  return server;
}
