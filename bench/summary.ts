/** The short console summary printed at the end of a benchmark run. */
import * as fmt from './lib/format.js';
import type { SavedRuns } from './groups.js';
import { aggregate, judgedCpus, perCpu } from './counters/lookup.js';
import { FAST_PATHS, VARIANT_SHORT, WORKLOADS } from './counters/model.js';
import { peerColumns } from './counters/shared-peer.js';
import { COUNTER_TARGETS } from './counters/targets.js';
import { kib, mib, times, us } from './lib/format.js';
import type { DocGroup } from './report.js';

export function printSummary(runs: SavedRuns, groups: readonly DocGroup[], print: (line: string) => void = console.log): void {
  print('\n== Summary ==');
  const c = runs.counters?.results;
  if (c !== undefined) {
    const k = judgedCpus(c, COUNTER_TARGETS.atCpus);
    for (const w of WORKLOADS) {
      for (const v of FAST_PATHS) {
        const vsLimit = c.cpuCounts.map((n) => times(perCpu(c, v, w, n) / perCpu(c, 'limit', w, n))).join('/');
        const vs = peerColumns(c, ['sharedAtomic', 'striped', 'promClient'], k)
          .map((col) => `${times(aggregate(c, v, w, k) / col.ops(w))} ${VARIANT_SHORT[col.peer]}${col.placement === null ? '' : ` (cores ${col.placement})`}`)
          .join(', ');
        print(
          `counters, ${w.padEnd(6)} ${VARIANT_SHORT[v].padEnd(12)}: per CPU ${vsLimit} × limit at ${c.cpuCounts.join('/')} CPUs; ` +
            `at ${k} CPUs ${vs}`,
        );
      }
    }
    const r = c.read;
    print(
      `reading ${fmt.int(r.counters)} counters over ${r.cpus} CPUs: percpu ${us(r.percpuSumUs.median)} µs, prom-client ${fmt.ms(r.promRoundTripMs)} ms ` +
        `(${times(r.speedup)}); while counting, ops behind: percpu ≤ ${fmt.int(r.staleness.percpu.staleOps.median)}, prom-client ${fmt.int(r.staleness.prom.staleOps.median)} (medians)`,
    );
  }
  const costs = runs.costs?.results;
  if (costs !== undefined) {
    print(
      `runtime: start ${costs.startup.map((s) => `${s.cpus} possible/${s.online} online ${fmt.ms(s.startMs)} ms (+${mib(s.rssDelta)})`).join(', ')}; ` +
        `CPU alloc round trip ${us(costs.allocUs.median)} µs (p99 ${us(costs.allocUs.p99)} µs)`,
    );
    const big = costs.memory[costs.memory.length - 1];
    if (big !== undefined) {
      print(
        `memory, ${big.cpus} possible CPUs: ${kib((big.rssAllocated - big.rssBefore) / big.cpus)} per CPU before any write, ` +
          `${kib((big.rssWrittenByAll - big.rssBefore) / big.cpus)} per CPU once all wrote (${kib(big.populatedBytesPerCpu)} populated)`,
      );
    }
  }
  const targets = groups.flatMap((g) => g.sections.flatMap((s) => s.targets.map((t) => ({ section: s.title, ...t }))));
  const missed = targets.filter((t) => t.met === false);
  print(`targets: ${targets.filter((t) => t.met === true).length} met, ${missed.length} missed, ${targets.filter((t) => t.met === null).length} not judged`);
  for (const t of missed) print(`  missed: ${t.section}: ${t.what}: ${t.target}, got ${t.actual}`);
}
