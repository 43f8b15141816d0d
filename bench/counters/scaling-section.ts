/**
 * The "scaling on 16 cores" group: the counter section run by bench/scaling-16.sh at 1, 2, 4, 8
 * and 16 CPUs on a machine with that many cores, read from its saved JSON.
 */
import * as fmt from '../lib/format.js';
import type { Table } from '../lib/table.js';
import type { DocSection } from '../report.js';
import { mops, times, us } from '../lib/format.js';
import { aggregate, perCpu } from './lookup.js';
import { VARIANTS, VARIANT_LABEL, WORKLOAD_LABEL, type Workload, WORKLOADS } from './model.js';
import type { CounterResults } from './suite.js';

function scalingTable(results: CounterResults, workload: Workload): Table {
  const counts = results.cpuCounts;
  const first = counts[0] ?? 1;
  const last = counts[counts.length - 1] ?? 1;
  return {
    title: `${WORKLOAD_LABEL[workload]}: aggregate M ops/s`,
    headers: [
      'Variant',
      ...counts.map((k) => `${k} CPU${k === 1 ? '' : 's'}`),
      `${last} / ${first} CPU${first === 1 ? '' : 's'}`,
      `per CPU at ${last}, × limit`,
    ],
    rows: VARIANTS.map((v) => [
      VARIANT_LABEL[v],
      ...counts.map((k) => mops(aggregate(results, v, workload, k))),
      times(aggregate(results, v, workload, last) / aggregate(results, v, workload, first)),
      times(perCpu(results, v, workload, last) / perCpu(results, 'limit', workload, last)),
    ]),
  };
}

export function scalingSections(results: CounterResults, chartLink: string | null): DocSection[] {
  const read = results.read;
  const last = Math.max(...results.cpuCounts);
  return [
    {
      title: `Counters at ${results.cpuCounts.join(', ')} CPUs`,
      intro: [
        `The counter section (same variants, workloads and method as above; ${results.sizes.rounds} rounds of about ` +
          `${results.sizes.targetMs} ms each) on every CPU count up to ${last}, in one runtime of ${last} possible CPUs.`,
        ...(chartLink === null ? [] : [`![Aggregate ops/s at each CPU count](${chartLink})`]),
      ],
      tables: WORKLOADS.map((w) => scalingTable(results, w)),
      notes: [
        `Reading a total of ${fmt.int(read.counters)} counters over ${read.cpus} CPUs: percpu ${us(read.percpuSumUs.median)} µs, ` +
          `prom-client ${fmt.ms(read.promRoundTripMs)} ms (${times(read.speedup)}). While all ${read.staleness.cpus} CPUs count: ` +
          `percpu's total is at most ${fmt.int(read.staleness.percpu.staleOps.median)} ops behind (median), prom-client's ` +
          `${fmt.int(read.staleness.prom.staleOps.median)} ops.`,
      ],
    },
  ];
}
