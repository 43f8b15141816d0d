/** Report sections for counter updates: the set-up, and one section per workload. Context: main thread (the report). */
import { mops, nsPerOp, times } from '../lib/format.js';
import type { Table } from '../lib/table.js';
import type { DocSection } from '../report.js';
import { TARGETS } from '../targets.js';
import { aggregate, judgedCpus, perCpu } from './lookup.js';
import {
  FAST_PATHS,
  PEERS,
  VARIANTS,
  VARIANT_LABEL,
  type Variant,
  WORKLOAD_LABEL,
  type Workload,
  WORKLOADS,
} from './model.js';
import {
  CLOSE_FACTOR,
  peerColumns,
  placementSuffix,
  probedLatenciesNs,
  sharedPeer,
  splitsByPlacement,
} from './shared-peer.js';
import type { CounterResults } from './suite.js';

const HOW: Readonly<Record<Variant, string>> = {
  limit: 'a `new Int32Array(...)` made inside the worker, not shared: `cells[k]++`',
  sharedAtomic: 'one `SharedArrayBuffer` for all workers: `Atomics.add(cells, k, 1)`',
  striped:
    "one stripe per worker, stripes ≥ 128 bytes apart (Java's LongAdder): `Atomics.add(stripe, k, 1)`; a reader sums the stripes",
  promClient:
    'a prom-client `Registry` per worker with unlabeled `Counter`s: `counters[k].inc()`; a reader asks every worker and merges',
  percpuRef: "`const c = thisCpu.ref(ptr + 4 * k, 's32')` made once per counter, `c.inc()` in the loop",
  percpuCell: "`const { array, index } = thisCpu.cell(ptr, 's32')` once, `array[index + k]++` in the loop",
  percpuArray:
    "`const c = thisCpu.array(ptr, 's32', count)` once (this CPU's copy of the allocation as its own `Int32Array`), `c[k]++` in the loop",
  percpuGeneric: "`thisCpu.inc(ptr + 4 * k, 's32')`: pointer and type checked on every call",
};

function setupSection(results: CounterResults): DocSection {
  return {
    title: 'Counters: the variants and how they are run',
    intro: [
      'Each variant is a task on the same worker threads: the CPUs of one percpu runtime ' +
        `(${Math.max(...results.cpuCounts)} possible CPUs, one piscina pool of one thread each). percpu's variants update the CPU's own ` +
        'memory through `thisCpu`; the peers use the same threads as plain worker threads. Every variant runs the same loop: ' +
        'a 32-bit xorshift draws the counter (`x ^= x << 13; x ^= x >>> 17; x ^= x << 5; k = ((x >>> 16) * 1000) >>> 16`), ' +
        'then the variant updates it.',
      'Workloads: **one hot counter** (`+1` each op); **a random counter of 1,000** (one op: `+1` on the drawn counter); ' +
        '**a MIB of 32 counters** (one op is a received "packet": packets `+1`, octets `+ (64..1087)`, and `+1` on one field in each ' +
        'of four groups of 16, 8, 4 and 2 fields: six updates).',
      `Method: the CPUs start together (each counts itself in at a barrier, the coordinator releases them at once). The ops per ` +
        `measurement are calibrated per variant, workload and CPU count for about ${results.sizes.targetMs} ms; then one warm-up round, ` +
        `then ${results.sizes.rounds} rounds that interleave every configuration; each figure is the median over the rounds. Per-CPU ` +
        "ops/s is the mean of each CPU's own rate; aggregate ops/s is all CPUs' ops over the span from the first start to the last end. " +
        'Every measurement checks that each op was counted exactly once (a lost or doubled update fails the run).',
      ...placementMethod(results),
    ],
    tables: [
      {
        title: 'The variants',
        headers: ['Variant', 'What it is'],
        rows: VARIANTS.map((v) => [VARIANT_LABEL[v], HOW[v]]),
        align: ['left', 'left'],
      },
    ],
    notes: [],
  };
}

function opsTable(results: CounterResults, workload: Workload): Table {
  const headers = ['Variant'];
  for (const cpus of results.cpuCounts) {
    const at = `${cpus} CPU${cpus === 1 ? '' : 's'}`;
    if (cpus === 1) headers.push(`${at}: M ops/s`, 'ns/op', '× limit');
    else headers.push(`${at}: M ops/s per CPU`, '× limit per CPU', `${at}: aggregate M ops/s`, `aggregate / 1 CPU`);
  }
  const rows = VARIANTS.map((variant) => {
    const row = [VARIANT_LABEL[variant]];
    for (const cpus of results.cpuCounts) {
      const own = perCpu(results, variant, workload, cpus);
      const ratio = times(own / perCpu(results, 'limit', workload, cpus));
      if (cpus === 1) row.push(mops(own), nsPerOp(own), ratio);
      else {
        const agg = aggregate(results, variant, workload, cpus);
        row.push(mops(own), ratio, mops(agg), times(agg / aggregate(results, variant, workload, 1)));
      }
    }
    return row;
  });
  return {
    title: `${WORKLOAD_LABEL[workload]}: ops/s (an op: ${workload === 'mib' ? 'six field updates' : 'one increment'})`,
    headers,
    rows,
  };
}

/** " (7 rounds)": how many of the shared peer's rounds ran in a placement. */
function roundsNote(
  results: CounterResults,
  workload: Workload,
  cpus: number,
  placement: 'close' | 'far' | null,
): string {
  if (placement === null) return '';
  const peer = sharedPeer(results, workload, cpus);
  const n = placement === 'close' ? peer.closeRounds : peer.farRounds;
  return ` (${n} round${n === 1 ? '' : 's'})`;
}

function peersTable(results: CounterResults, workload: Workload, cpus: number): Table {
  const subjects: Variant[] = [...FAST_PATHS, 'percpuGeneric', 'limit'];
  const columns = peerColumns(results, PEERS, cpus);
  return {
    title: `Aggregate ops/s at ${cpus} CPUs, as a multiple of each peer's`,
    headers: [
      'Variant',
      ...columns.map(
        (c) => `× ${VARIANT_LABEL[c.peer]}${placementSuffix(c)}${roundsNote(results, workload, cpus, c.placement)}`,
      ),
    ],
    rows: subjects.map((s) => [
      VARIANT_LABEL[s],
      ...columns.map((c) => (c.peer === s ? '1×' : times(aggregate(results, s, workload, cpus) / c.ops(workload)))),
    ]),
  };
}

/** The shared peer and the distance between cores, in a few sentences (empty without probes). */
function placementMethod(results: CounterResults): string[] {
  const probes = probedLatenciesNs(results);
  if (probes.length === 0) return [];
  const range = `${Math.min(...probes).toFixed(0)} to ${Math.max(...probes).toFixed(0)} ns`;
  return [
    "The shared Atomics.add peer's speed depends on how far apart the host put the two CPUs' cores (every update moves the " +
      `counter's cache line between them), so a probe measures the one-way core-to-core latency just before and after each of its ` +
      `rounds (${range} in this run). ` +
      (splitsByPlacement(results)
        ? `This virtual machine's host moved the CPUs between close cores and far ones (over ${CLOSE_FACTOR}× the shortest probe) ` +
          'while the run went on, so the peer is shown twice: its median over the rounds with the cores close, and over those with ' +
          'them far (a round whose probes disagree is in neither); the chart shows its median over all rounds. '
        : 'The run saw one placement, so its figure is the median over all rounds. ') +
      "percpu's paths share no cache line between CPUs and do not depend on the distance.",
  ];
}

function peerNote(results: CounterResults, workload: Workload, cpus: number): string[] {
  const peer = sharedPeer(results, workload, cpus);
  if (!peer.split) return [];
  return [
    `The shared Atomics.add peer at ${cpus} CPUs: ${mops(peer.close)} M ops/s with the cores close, ${mops(peer.far)} with them far (median over all rounds: ${mops(peer.all)}).`,
  ];
}

function workloadSection(results: CounterResults, workload: Workload, intro: readonly string[]): DocSection {
  const cpus = judgedCpus(results, TARGETS.atCpus);
  return {
    title: `Counters: ${WORKLOAD_LABEL[workload]}`,
    intro,
    tables: [opsTable(results, workload), peersTable(results, workload, cpus)],
    notes: peerNote(results, workload, cpus),
  };
}

export function updateSections(results: CounterResults, chartLink: string): DocSection[] {
  return [
    setupSection(results),
    ...WORKLOADS.map((w, i) =>
      workloadSection(
        results,
        w,
        i === 0 ? [`![Aggregate ops/s per variant, workload and CPU count](${chartLink})`] : [],
      ),
    ),
  ];
}
