/** The counters chart: aggregate ops/s per variant, one panel per workload, one bar per CPU count. */
import { type BarSeries, renderBarChart } from '../lib/chart.js';
import type { MachineInfo } from '../lib/machine.js';
import { mops } from '../lib/format.js';
import { aggregate } from './lookup.js';
import { PERCPU_PATHS, VARIANTS, VARIANT_SHORT, WORKLOAD_LABEL, WORKLOADS } from './model.js';
import type { CounterResults } from './suite.js';

const BLUES = ['#9ecae1', '#4292c6', '#2171b5', '#08519c', '#08306b', '#041c40'];

export function counterChartSvg(
  results: Pick<CounterResults, 'configs' | 'cpuCounts'>,
  machine: MachineInfo,
  title: string,
): string {
  const series: BarSeries[] = results.cpuCounts.map((cpus, i) => ({
    name: `${cpus} CPU${cpus === 1 ? '' : 's'}`,
    color: BLUES[i % BLUES.length]!,
  }));
  return renderBarChart({
    title,
    subtitle: `Aggregate M ops/s (median of rounds), ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.nodeVersion}. Longer is better.`,
    series,
    panels: WORKLOADS.map((workload) => ({
      title: WORKLOAD_LABEL[workload],
      groups: VARIANTS.map((variant) => ({
        label: VARIANT_SHORT[variant],
        values: results.cpuCounts.map((cpus) => aggregate(results, variant, workload, cpus)),
        emphasis: PERCPU_PATHS.includes(variant),
      })),
    })),
    format: (value) => mops(value),
  });
}
