/**
 * One scrape comparison at N CPUs, in a process of its own (@prometheus-io/client's WorkerRegistry
 * keeps every worker that ever announced itself in module state, so each CPU count starts fresh):
 * 1,000 series (500 counter and 500 histogram label sets) filled on every CPU, then rendered text
 * scraped repeatedly from
 *
 * - percpu: `await rt.metrics().text()`, memory read on this thread;
 * - prom-client per worker: a broadcast request, every worker's getMetricsAsJSON(), merged with
 *   prom-client's AggregatorRegistry.aggregate() and rendered (bench/counters/metrics-client.ts);
 * - @prometheus-io/client 0.16's WorkerRegistry.workerMetrics() (the same idea, built in).
 *
 * Staleness: how old the oldest value in the rendered text can be when the text is ready. percpu
 * and WorkerRegistry: the scrape's duration (each value is read during it); prom-client: the time
 * since the earliest worker snapshot.
 *
 *   node dist/bench/metrics/scrape-one.js <cpus> <rounds>   prints one JSON line
 *
 * Context: the coordinator of its own runtime.
 */
import * as promIo from '@prometheus-io/client';
import { AggregatorRegistry } from 'prom-client';
import { Runtime } from 'percpu';
import { MetricsClient } from '../counters/metrics-client.js';
import { median } from '../lib/timing.js';
import type * as Tasks from './tasks.js';

export const SCRAPE_SERIES = 1000;
/** Scrapes of each side before the measured ones. */
const WARM_UP = 5;

export interface ScrapeSide {
  /** Median milliseconds per scrape, and the median staleness in ms. */
  readonly ms: number;
  readonly stalenessMs: number;
  readonly bytes: number;
  readonly error?: string;
}

export interface ScrapeResult {
  readonly cpus: number;
  readonly series: number;
  readonly percpu: ScrapeSide;
  readonly promClient: ScrapeSide;
  readonly promIoWorkerRegistry: ScrapeSide;
}

function checkTotal(what: string, text: string, cpus: number, routes: number): void {
  const total = text
    .split('\n')
    .filter((l) => l.startsWith('bench_requests_total{'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  if (total !== cpus * routes)
    throw new Error(`${what}: bench_requests_total sums to ${total}, expected ${cpus * routes}`);
}

async function main(): Promise<void> {
  const cpus = Number(process.argv[2] ?? '2');
  const rounds = Number(process.argv[3] ?? '10');
  // The primary's listeners before any worker announces itself.
  const promIoPrimary = new promIo.WorkerRegistry();
  const rt = await Runtime.start<typeof Tasks>({ cpus, tasks: new URL('./tasks.js', import.meta.url) });
  const client = new MetricsClient(cpus);
  try {
    const m = rt.metrics();
    const routes = Array.from({ length: SCRAPE_SERIES / 2 }, (_, i) => `/route/${i}`);
    const counter = m.counter({ name: 'bench_requests_total', help: 'requests', labelNames: ['route'] });
    const histogram = m.histogram({ name: 'bench_latency_seconds', help: 'latency', labelNames: ['route'] });
    await rt.runOnEach('populate', { counter: counter.handle, histogram: histogram.handle, routes });

    const measure = async (
      what: string,
      scrape: () => Promise<{ text: string; stalenessMs: number }>,
    ): Promise<ScrapeSide> => {
      const times: number[] = [];
      const stale: number[] = [];
      let bytes = 0;
      try {
        for (let r = 0; r < WARM_UP + rounds; r++) {
          const start = performance.now();
          const { text, stalenessMs } = await scrape();
          const ms = performance.now() - start;
          checkTotal(what, text, cpus, routes.length);
          bytes = text.length;
          if (r < WARM_UP) continue; // the JIT compiles each side's code in these
          times.push(ms);
          stale.push(stalenessMs);
        }
      } catch (error) {
        return { ms: NaN, stalenessMs: NaN, bytes, error: error instanceof Error ? error.message : String(error) };
      }
      return { ms: median(times), stalenessMs: median(stale), bytes };
    };

    const percpu = await measure('percpu', async () => {
      const start = performance.now();
      const text = await m.text();
      return { text, stalenessMs: performance.now() - start };
    });
    const promClient = await measure('prom-client per worker', async () => {
      const replies = await client.ask('random');
      const text = await AggregatorRegistry.aggregate(replies.map((r) => r.metrics)).metrics();
      const now = process.hrtime.bigint();
      const oldest = replies.reduce((min, r) => (r.atNs < min ? r.atNs : min), replies[0]!.atNs);
      return { text, stalenessMs: Number(now - oldest) / 1e6 };
    });
    const promIoSide = await measure('@prometheus-io/client WorkerRegistry', async () => {
      const start = performance.now();
      const text = await promIoPrimary.workerMetrics();
      return { text, stalenessMs: performance.now() - start };
    });
    const result: ScrapeResult = { cpus, series: SCRAPE_SERIES, percpu, promClient, promIoWorkerRegistry: promIoSide };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    client.close();
    await rt.close();
  }
}

await main();
process.exit(0);
