/**
 * The metrics benchmark: per update (updates.ts), per scrape at 2 and 8 CPUs (scrape-one.ts, a
 * process per CPU count), the targets judged, printed and saved.
 *
 *   npm run bench:metrics              quick sizes: bench-results/metrics.quick.json
 *   npm run bench:metrics -- --full    full sizes:  bench-results/metrics.json
 *   (also `npm run bench -- --metrics`, after the other suites)
 *
 * Context: the coordinator.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeRepoFile } from '../lib/output.js';
import { machineInfo } from '../lib/machine.js';
import type { ScrapeResult } from './scrape-one.js';
import { type UpdateResults, type UpdateSizes, runUpdates } from './updates.js';

const SIZES: Record<'quick' | 'full', UpdateSizes & { readonly scrapeRounds: number }> = {
  quick: { rounds: 5, n: 20_000_000, slowN: 1_000_000, scalingN: 50_000_000, scalingRounds: 5, scrapeRounds: 15 },
  full: { rounds: 11, n: 100_000_000, slowN: 5_000_000, scalingN: 200_000_000, scalingRounds: 7, scrapeRounds: 30 },
};

export const SCRAPE_CPUS = [2, 8];

export interface MetricsBenchResults {
  readonly mode: 'quick' | 'full';
  readonly updates: UpdateResults;
  readonly scrapes: readonly ScrapeResult[];
  readonly targets: readonly { readonly target: string; readonly value: string; readonly met: boolean }[];
}

const SCRAPE_ONE = fileURLToPath(new URL('./scrape-one.js', import.meta.url));

function judge(updates: UpdateResults, scrapes: readonly ScrapeResult[]): MetricsBenchResults['targets'] {
  const ns = updates.nsPerOp;
  const t: { target: string; value: string; met: boolean }[] = [];
  const ratio = (target: string, value: number, min: number): void =>
    void t.push({ target, value: `${value.toFixed(2)}×`, met: value >= min });
  ratio('child inc() ≥ 0.9× the limit (speed: limit ns / child ns)', ns.limit / ns.percpuChild, 0.9);
  ratio("child inc() ≥ 20× prom-client's child inc()", ns.promChild / ns.percpuChild, 20);
  ratio("inc({ route }) ≥ 3× prom-client's", ns.promLabels / ns.percpuLabels, 3);
  ratio("histogram child observe() ≥ 20× prom-client's", ns.promObserve / ns.percpuObserve, 20);
  for (const s of scrapes) {
    ratio(
      `scrape of ${s.series} series at ${s.cpus} CPUs ≥ 10× prom-client per worker`,
      s.promClient.ms / s.percpu.ms,
      10,
    );
    if (s.promIoWorkerRegistry.error === undefined)
      ratio(
        `scrape of ${s.series} series at ${s.cpus} CPUs ≥ 10× @prometheus-io/client WorkerRegistry`,
        s.promIoWorkerRegistry.ms / s.percpu.ms,
        10,
      );
  }
  ratio('aggregate updates at 2 CPUs ≥ 1.8× 1 CPU', updates.scaling.ratio, 1.8);
  return t;
}

export async function runMetricsSuite(
  mode: 'quick' | 'full',
  log: (line: string) => void,
): Promise<MetricsBenchResults> {
  const sizes = SIZES[mode];
  const updates = await runUpdates(sizes, log);
  const scrapes: ScrapeResult[] = [];
  for (const cpus of SCRAPE_CPUS) {
    log(`metrics scrape: ${cpus} CPUs`);
    const out = execFileSync(process.execPath, [SCRAPE_ONE, String(cpus), String(sizes.scrapeRounds)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    scrapes.push(JSON.parse(out.trim().split('\n').pop()!) as ScrapeResult);
  }
  return { mode, updates, scrapes, targets: judge(updates, scrapes) };
}

export function printMetricsResults(r: MetricsBenchResults): void {
  const ns = r.updates.nsPerOp;
  console.log(`\nMetrics: per update in one worker (median ns of ${r.updates.rounds.limit.length} rounds)`);
  const rows: [string, number][] = [
    ['limit: plain Int32Array ++', ns.limit],
    ['percpu bound child inc()', ns.percpuChild],
    ['prom-client child inc()', ns.promChild],
    ['percpu inc({ route })', ns.percpuLabels],
    ['prom-client inc({ route })', ns.promLabels],
    ['percpu histogram child observe()', ns.percpuObserve],
    ['prom-client histogram child observe()', ns.promObserve],
  ];
  for (const [name, value] of rows) console.log(`  ${name.padEnd(40)} ${value.toFixed(2).padStart(9)} ns`);
  const s = r.updates.scaling;
  console.log(
    `  aggregate bound-child inc(): 1 CPU ${(s.oneCpu / 1e6).toFixed(0)} M/s, 2 CPUs ${(s.twoCpus / 1e6).toFixed(0)} M/s (${s.ratio.toFixed(2)}×, medians)`,
  );
  console.log(
    `    rounds (1 CPU / 2 CPUs, M/s): ${s.rounds.map(([o, t]) => `${(o / 1e6).toFixed(0)}/${(t / 1e6).toFixed(0)}`).join(', ')}; best round ${Math.max(...s.rounds.map(([o, t]) => t / o)).toFixed(2)}×`,
  );
  console.log(
    `    control (plain Int32Array loop, same workers; what the host gave), 2 CPUs / 1 CPU per round: ${s.control.map(([o, t]) => (t / o).toFixed(2)).join(', ')}`,
  );
  console.log(
    '\nMetrics: per scrape, rendered text (median ms; staleness: age of the oldest value when the text is ready)',
  );
  for (const x of r.scrapes) {
    const side = (name: string, v: { ms: number; stalenessMs: number; error?: string }): void =>
      console.log(
        `  ${x.cpus} CPUs, ${x.series} series, ${name.padEnd(38)} ${v.error !== undefined ? `failed: ${v.error}` : `${v.ms.toFixed(2).padStart(8)} ms  staleness ${v.stalenessMs.toFixed(2)} ms`}`,
      );
    side('percpu text()', x.percpu);
    side('prom-client per worker, merged', x.promClient);
    side('@prometheus-io/client WorkerRegistry', x.promIoWorkerRegistry);
  }
  console.log('\nTargets');
  for (const t of r.targets) console.log(`  ${t.met ? 'met    ' : 'MISSED '} ${t.target}: ${t.value}`);
}

export function saveMetricsResults(r: MetricsBenchResults, command: string): string {
  const file = r.mode === 'full' ? 'bench-results/metrics.json' : 'bench-results/metrics.quick.json';
  writeRepoFile(
    file,
    `${JSON.stringify({ machine: machineInfo(), command, loadAverageEnd: os.loadavg(), results: r }, null, 2)}\n`,
  );
  return file;
}

/** What bench/run.ts calls with --metrics: run, print, save. */
export async function runMetricsBench(
  mode: 'quick' | 'full',
  command: string,
  log: (line: string) => void,
): Promise<void> {
  const results = await runMetricsSuite(mode, log);
  printMetricsResults(results);
  console.log(`\nresults: ${saveMetricsResults(results, command)}`);
}
