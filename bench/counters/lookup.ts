/** Finding one configuration's figures in counter results. */
import type { Variant, Workload } from './model.js';
import type { ConfigResult, CounterResults } from './suite.js';

export function findConfig(
  results: Pick<CounterResults, 'configs'>,
  variant: Variant,
  workload: Workload,
  cpus: number,
): ConfigResult | undefined {
  return results.configs.find((c) => c.variant === variant && c.workload === workload && c.cpus === cpus);
}

export function perCpu(
  results: Pick<CounterResults, 'configs'>,
  variant: Variant,
  workload: Workload,
  cpus: number,
): number {
  return findConfig(results, variant, workload, cpus)?.perCpuOps ?? NaN;
}

export function aggregate(
  results: Pick<CounterResults, 'configs'>,
  variant: Variant,
  workload: Workload,
  cpus: number,
): number {
  return findConfig(results, variant, workload, cpus)?.aggregateOps ?? NaN;
}

/** The CPU count the peer targets are judged at: 2 if measured, else the largest. */
export function judgedCpus(results: Pick<CounterResults, 'cpuCounts'>, preferred: number): number {
  return results.cpuCounts.includes(preferred) ? preferred : Math.max(...results.cpuCounts);
}
