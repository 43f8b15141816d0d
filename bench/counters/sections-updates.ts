/** Report sections for counter updates: the set-up, and one section per workload. */
import type { DocSection, TargetCheck } from '../report.js';
import type { Table } from '../lib/table.js';
import * as fmt from '../lib/format.js';
import { mops, nsPerOp, times } from '../lib/format.js';
import { CLOSE_FACTOR } from './core-latency.js';
import { aggregate, findConfig, judgedCpus, perCpu } from './lookup.js';
import { FAST_PATHS, PEERS, VARIANTS, VARIANT_LABEL, type Variant, WORKLOAD_LABEL, type Workload, WORKLOADS } from './model.js';
import type { CounterResults } from './suite.js';
import { describeRounds, peerColumns, placementSuffix, probedLatenciesNs, roundPlacements, sharedPeer, shortestLatencyNs, splitsByPlacement } from './shared-peer.js';
import { COUNTER_TARGETS } from './targets.js';

const HOW: Readonly<Record<Variant, string>> = {
  limit: 'a `new Int32Array(...)` made inside the worker, not shared: `cells[k]++`',
  sharedAtomic: 'one `SharedArrayBuffer` for all workers: `Atomics.add(cells, k, 1)`',
  striped: "one stripe per worker, stripes ≥ 128 bytes apart (Java's LongAdder): `Atomics.add(stripe, k, 1)`; a reader sums the stripes",
  promClient: 'a prom-client `Registry` per worker with unlabeled `Counter`s: `counters[k].inc()`; a reader asks every worker and merges',
  percpuRef: "`const c = thisCpu.ref(ptr + 4 * k, 's32')` made once per counter, `c.inc()` in the loop",
  percpuCell: "`const { array, index } = thisCpu.cell(ptr, 's32')` once, `array[index + k]++` in the loop",
  percpuArray: "`const c = thisCpu.array(ptr, 's32', count)` once (this CPU's copy of the allocation as its own `Int32Array`), `c[k]++` in the loop",
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
    targets: [],
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
  return { title: `${WORKLOAD_LABEL[workload]}: ops/s (an op: ${workload === 'mib' ? 'six field updates' : 'one increment'})`, headers, rows };
}

function peersTable(results: CounterResults, workload: Workload, cpus: number): Table {
  const subjects: Variant[] = [...FAST_PATHS, 'percpuGeneric', 'limit'];
  const columns = peerColumns(results, PEERS, cpus);
  return {
    title: `Aggregate ops/s at ${cpus} CPUs, as a multiple of each peer's`,
    headers: ['Variant', ...columns.map((c) => `× ${VARIANT_LABEL[c.peer]}${placementSuffix(c)}`)],
    rows: subjects.map((s) => [VARIANT_LABEL[s], ...columns.map((c) => (c.peer === s ? '1×' : times(aggregate(results, s, workload, cpus) / c.ops(workload))))]),
  };
}

/** The shared peer's rounds at `cpus`, each with the core-to-core latency probed around it; null without probes. */
function placementTable(results: CounterResults, workload: Workload, cpus: number): Table | null {
  const shared = findConfig(results, 'sharedAtomic', workload, cpus);
  const array = findConfig(results, 'percpuArray', workload, cpus);
  const latency = shared?.roundsCoreLatency;
  if (shared === undefined || array === undefined || latency === undefined) return null;
  const placements = splitsByPlacement(results) ? roundPlacements(results, workload, cpus) : null;
  return {
    title: `The shared Atomics.add peer's rounds at ${cpus} CPUs, and how far apart the cores were`,
    headers: [
      'Round',
      'CPU 0 ↔ CPU 1 before, ns one way',
      'after, ns',
      ...(placements === null ? [] : ['Cores']),
      'Shared peer: aggregate M ops/s',
      'percpu array() in the same round',
      'array() / shared',
    ],
    rows: latency.map((l, i) => {
      const peerOps = shared.roundsAggregateOps[i] ?? NaN;
      const arrayOps = array.roundsAggregateOps[i] ?? NaN;
      const placement = placements === null ? [] : [placements[i] ?? '—'];
      return [String(i + 1), l.beforeNs.toFixed(0), l.afterNs.toFixed(0), ...placement, mops(peerOps), mops(arrayOps), times(arrayOps / peerOps)];
    }),
  };
}

function placementNote(results: CounterResults, workload: Workload, cpus: number): string[] {
  const peer = sharedPeer(results, workload, cpus);
  if (!peer.split) return [];
  const moved = peer.movedRounds === 0 ? '' : `; the host moved the CPUs during ${peer.movedRounds} (in neither)`;
  return [
    `The shared peer at ${cpus} CPUs, in M ops/s: with the cores close ${describeRounds(peer.close, peer.closeRounds, mops)}; with them far ` +
      `${describeRounds(peer.far, peer.farRounds, mops)}${moved}.`,
  ];
}

/** How the core-to-core probe works and why: once, in the set-up section (empty without probes). */
function placementMethod(results: CounterResults): string[] {
  const shortest = shortestLatencyNs(results);
  if (!Number.isFinite(shortest)) return [];
  const verdict = splitsByPlacement(results)
    ? `A probe is close when within ${CLOSE_FACTOR}× of the run's shortest (${shortest.toFixed(0)} ns) and far otherwise; a round ran ` +
      'close or far when both of its probes agree, and the host moved the CPUs during it when they do not. This run saw both ' +
      "placements, so the tables and the README show percpu against the shared peer's close rounds and its far rounds; the targets " +
      'judge percpu against the faster of the two, and do not judge a workload whose shared peer ran in only one of them.'
    : `This run did not see both placements (no round with both probes within ${CLOSE_FACTOR}× of the shortest and another with ` +
      `both beyond it; the probes measured ${shortest.toFixed(0)} to ${Math.max(...probedLatenciesNs(results)).toFixed(0)} ns), so the shared peer's ` +
      'figures are medians over all its rounds.';
  return [
    "The shared peer and the distance between cores: two CPUs' updates to one shared counter move its cache line from core to " +
      "core, so the shared peer's speed depends on how fast the line moves; and a virtual machine's host may move its virtual CPUs " +
      'between cores that share a cache and cores that do not, and back, while the benchmark runs. So a probe (CPU 0 and CPU 1 passing ' +
      `one word back and forth, ${fmt.int(results.sizes.latencyTrips)} round trips) measures the one-way latency between their cores ` +
      `just before and just after each of the shared peer's rounds at two or more CPUs. ${verdict} percpu's paths share no cache ` +
      "line between CPUs and do not depend on the distance. The chart shows every variant's median over all rounds.",
  ];
}

function targets(results: CounterResults, workload: Workload, cpus: number): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const path of FAST_PATHS) {
    const ratios = results.cpuCounts.map((k) => perCpu(results, path, workload, k) / perCpu(results, 'limit', workload, k));
    checks.push({
      what: `${VARIANT_LABEL[path]} per CPU vs the limit`,
      target: `≥ ${COUNTER_TARGETS.perCpuVsLimit}× at ${results.cpuCounts.join(' and ')} CPUs`,
      actual: results.cpuCounts.map((k, i) => `${times(ratios[i] ?? NaN)} at ${k}`).join(', '),
      met: ratios.every((r) => r >= COUNTER_TARGETS.perCpuVsLimit),
    });
  }
  if (results.cpuCounts.includes(1) && cpus > 1) {
    for (const path of FAST_PATHS) {
      const scale = aggregate(results, path, workload, cpus) / aggregate(results, path, workload, 1);
      const goal = (COUNTER_TARGETS.twoCpusVsOne * cpus) / 2;
      checks.push({
        what: `${VARIANT_LABEL[path]}, aggregate at ${cpus} CPUs vs 1 CPU`,
        target: `≥ ${goal}×`,
        actual: times(scale),
        met: scale >= goal,
      });
    }
  }
  const shared = sharedPeer(results, workload, cpus);
  for (const path of FAST_PATHS) {
    const ops = aggregate(results, path, workload, cpus);
    const ratio = ops / shared.judgedAgainst;
    const seen = shared.closeRounds === 0 ? 'far' : 'close';
    checks.push({
      what: `${VARIANT_LABEL[path]} vs ${VARIANT_LABEL.sharedAtomic}${shared.split ? ' (the faster of its close and far rounds)' : ''}, aggregate at ${cpus} CPUs`,
      target: `≥ ${COUNTER_TARGETS.vsSharedAtomic}×`,
      actual: Number.isFinite(ratio) || !shared.split ? times(ratio) : `the shared peer ran only with the cores ${seen} (${times(ops / shared[seen])})`,
      met: Number.isFinite(ratio) ? ratio >= COUNTER_TARGETS.vsSharedAtomic : null,
    });
  }
  for (const path of FAST_PATHS) {
    const ratio = aggregate(results, path, workload, cpus) / aggregate(results, 'striped', workload, cpus);
    checks.push({
      what: `${VARIANT_LABEL[path]} vs ${VARIANT_LABEL.striped}, aggregate at ${cpus} CPUs`,
      target: `≥ ${COUNTER_TARGETS.vsStriped}×`,
      actual: times(ratio),
      met: ratio >= COUNTER_TARGETS.vsStriped,
    });
  }
  return checks;
}

function workloadSection(results: CounterResults, workload: Workload, intro: readonly string[]): DocSection {
  const cpus = judgedCpus(results, COUNTER_TARGETS.atCpus);
  const limit = aggregate(results, 'limit', workload, cpus);
  const shared = sharedPeer(results, workload, cpus);
  const vsShared = shared.split
    ? `${times(limit / shared.close)} the shared Atomics.add with the cores close (${times(limit / shared.far)} with them far)`
    : `${times(limit / shared.all)} the shared Atomics.add`;
  const placement = placementTable(results, workload, cpus);
  return {
    title: `Counters: ${WORKLOAD_LABEL[workload]}`,
    intro,
    tables: [opsTable(results, workload), peersTable(results, workload, cpus), ...(placement === null ? [] : [placement])],
    targets: targets(results, workload, cpus),
    notes: [
      `The "limit" row of the second table is the ceiling of any per-CPU scheme on this machine: at ${cpus} CPUs the limit itself is ` +
        `${vsShared} and ${times(limit / aggregate(results, 'striped', workload, cpus))} the striped peer.`,
      ...placementNote(results, workload, cpus),
    ],
  };
}

export function updateSections(results: CounterResults, chartLink: string): DocSection[] {
  return [
    setupSection(results),
    ...WORKLOADS.map((w, i) =>
      workloadSection(results, w, i === 0 ? [`![Aggregate ops/s per variant and workload](${chartLink})`, `The chart: aggregate ops/s per variant, per workload and CPU count ([SVG](${chartLink})).`] : []),
    ),
  ];
}
