/** Report sections for reading totals: the cost when idle, and staleness while the CPUs count. */
import * as fmt from '../lib/format.js';
import type { DocSection } from '../report.js';
import type { Summary } from '../lib/stats.js';
import { times, us } from '../lib/format.js';
import type { ReadResults } from './read.js';
import type { ServingResult } from './staleness.js';

function msRow(what: string, how: string, s: Summary): string[] {
  return [what, how, `${fmt.ms(s.median)} ms`, `${fmt.ms(s.p99)} ms`, fmt.int(s.samples)];
}

function readSection(read: ReadResults): DocSection {
  const all = `${fmt.int(read.counters)} counters over ${read.cpus} CPUs`;
  return {
    title: 'Counters: reading a total',
    intro: [
      `The cost of reading the totals of ${all}, with the CPUs idle. percpu: the coordinator sums every CPU's copy itself, ` +
        "`rt.sum(ptr + 4 * k, 's32')` for each counter: nothing is asked of the CPUs, and the totals are the CPUs' values at the " +
        'moment of reading (never stale). prom-client: the reader asks every worker for `registry.getMetricsAsJSON()` and merges ' +
        "the answers (prom-client's released versions aggregate only across `cluster` processes). Asking is measured two ways, " +
        'as a task on every worker (`rt.runOnEach`) and as a `BroadcastChannel` request each worker answers on its own reply ' +
        'channel; the round trip compared is the faster way plus the hand merge.',
    ],
    tables: [
      {
        title: `Reading ${all}`,
        headers: ['Read', 'How', 'Median', 'p99', 'Samples'],
        rows: [
          [
            'percpu',
            '`rt.sum` of each counter',
            `${us(read.percpuSumUs.median)} µs`,
            `${us(read.percpuSumUs.p99)} µs`,
            fmt.int(read.percpuSumUs.samples),
          ],
          msRow('prom-client: ask', 'a task on every worker (`rt.runOnEach`)', read.promAskTaskMs),
          msRow('prom-client: ask', 'a `BroadcastChannel` request', read.promAskBroadcastMs),
          msRow('prom-client: merge', 'by hand: a sum per metric name', read.promMergeMs),
          msRow('prom-client: merge', "`AggregatorRegistry.aggregate` (prom-client's own)", read.promAggregateMs),
          [
            'prom-client round trip',
            `ask (${read.promRoundTripVia === 'task' ? 'task' : 'broadcast'}) + merge by hand`,
            `${fmt.ms(read.promRoundTripMs)} ms`,
            '',
            '',
          ],
          ['percpu faster by', '', times(read.speedup), '', ''],
        ],
        align: ['left', 'left'],
      },
    ],
    notes: [
      `Both merges gave the same totals: ${read.totalsAgree ? 'yes' : 'NO'}. prom-client's snapshot holds one registry per worker ` +
        `with exactly the ${fmt.int(read.counters)} counters of this workload.`,
    ],
  };
}

function servingRow(name: string, s: ServingResult): string[] {
  return [
    name,
    fmt.int(s.opsPerSecond / 1e6),
    `${us(s.readUs.median)} / ${us(s.readUs.p99)}`,
    `${fmt.int(s.staleOps.median)} / ${fmt.int(s.staleOps.p99)}`,
    fmt.int(s.readUs.samples),
    fmt.int(s.inconsistent),
  ];
}

function stalenessSection(read: ReadResults): DocSection {
  const s = read.staleness;
  return {
    title: 'Counters: how stale is a total read while the CPUs count',
    intro: [
      `All ${s.cpus} CPUs count (a random counter of 1,000) for ${fmt.int(s.durationMs)} ms, in slices of ${fmt.int(s.slice)} ops; after ` +
        'each slice a CPU publishes how many ops it has done. Every ~' +
        `${s.intervalMs} ms the coordinator reads a total. percpu's CPUs never yield: the coordinator reads their memory. ` +
        "prom-client's workers yield to their event loop after every slice (as a server does between requests), because a worker " +
        'can only answer when its event loop turns; each answers with its snapshot and the ops it holds.',
      'Staleness is counted in ops: for prom-client, the ops the CPUs did after their snapshots and before the merged total was in ' +
        "hand; for percpu, the ops done while the coordinator was reading (an upper bound: each CPU's values are read at some " +
        'moment in that window). Exact to within one slice per CPU.',
    ],
    tables: [
      {
        title: `Reading a total of 1,000 counters while ${s.cpus} CPUs count`,
        headers: [
          'Reader',
          'M ops/s while reading',
          'µs to a total (median / p99)',
          'ops since the values were read (median / p99)',
          'Reads',
          'Inconsistent',
        ],
        rows: [
          servingRow('percpu: `rt.sum` of each counter', s.percpu),
          servingRow('prom-client: ask every worker, merge', s.prom),
        ],
      },
    ],
    notes: [
      '"Inconsistent" counts reads whose total disagreed with what the CPUs had published (percpu: fewer ops than were published ' +
        'before the read began, or more than could be done by its end; prom-client: a merged total other than the ops its snapshots ' +
        'held). Both should be 0.',
      'The prom-client workers pay for their yields: compare their ops/s here with the table above, where they never yield.',
    ],
  };
}

export function readSections(read: ReadResults): DocSection[] {
  return [readSection(read), stalenessSection(read)];
}
