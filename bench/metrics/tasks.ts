/**
 * The CPU side of the metrics benchmark: update loops (percpu's metrics, the limit, prom-client's
 * children), and the peers' per-worker registries for the scrape comparison (prom-client's
 * Registry answering the coordinator's broadcast request, and @prometheus-io/client's
 * WorkerRegistry, which answers its primary itself).
 *
 * Context: a CPU's worker thread.
 */
import { BroadcastChannel } from 'node:worker_threads';
import * as promIo from '@prometheus-io/client';
import { Counter, Histogram, Registry } from 'prom-client';
import { type MetricHandle, thisCpu } from 'percpu/cpu';
import { awaitBarrier } from '../counters/timed.js';
import {
  type MetricsReply,
  type MetricsRequest,
  REQUEST_CHANNEL,
  replyChannelName,
} from '../counters/prom-registry.js';

/** Eight routes, cycled by the labelled loops of both libraries. */
export const ROUTES = ['/a', '/b', '/c', '/d', '/e', '/f', '/g', '/h'];

/** 1,024 observations spread over the default buckets and past them (0 to 12 s). */
const OBSERVATIONS = Array.from({ length: 1024 }, (_, i) => (((i * 7919) % 1024) / 1024) * 12);

// prom-client in this worker, for the per-update comparison.
const updateRegistry = new Registry();
const promCounter = new Counter({
  name: 'upd_requests_total',
  help: 'requests',
  labelNames: ['route'],
  registers: [updateRegistry],
});
const promHistogram = new Histogram({
  name: 'upd_latency_seconds',
  help: 'latency',
  labelNames: ['route'],
  registers: [updateRegistry],
});

export interface UpdateArg {
  readonly counter: MetricHandle<'counter'>;
  readonly labelled: MetricHandle<'counter'>;
  readonly histogram: MetricHandle<'histogram'>;
  /** Operations per loop for the fast variants; the slow ones (prom-client, labels objects) run `slowN`. */
  readonly n: number;
  readonly slowN: number;
}

export type UpdateVariant =
  'limit' | 'percpuChild' | 'promChild' | 'percpuLabels' | 'promLabels' | 'percpuObserve' | 'promObserve';
export type UpdateRound = Record<UpdateVariant, { readonly ns: number; readonly ops: number }>;

function clock(ops: number, loop: () => void): { ns: number; ops: number } {
  const start = process.hrtime.bigint();
  loop();
  return { ns: Number(process.hrtime.bigint() - start) / ops, ops };
}

function limit(n: number): { ns: number; ops: number } {
  const cells = new Int32Array(16);
  const r = clock(n, () => {
    for (let i = 0; i < n; i++) cells[3]!++;
  });
  if (cells[3] !== (n | 0)) throw new Error('limit: lost counts');
  return r;
}

function percpuChild(handle: MetricHandle<'counter'>, n: number): { ns: number; ops: number } {
  const child = thisCpu.metric(handle).labels();
  return clock(n, () => {
    for (let i = 0; i < n; i++) child.inc();
  });
}

function promChild(n: number): { ns: number; ops: number } {
  const child = promCounter.labels('/a');
  return clock(n, () => {
    for (let i = 0; i < n; i++) child.inc();
  });
}

function percpuLabels(handle: MetricHandle<'counter'>, n: number): { ns: number; ops: number } {
  const metric = thisCpu.metric(handle);
  return clock(n, () => {
    for (let i = 0; i < n; i++) metric.inc({ route: ROUTES[i & 7]! });
  });
}

function promLabels(n: number): { ns: number; ops: number } {
  return clock(n, () => {
    for (let i = 0; i < n; i++) promCounter.inc({ route: ROUTES[i & 7]! });
  });
}

function percpuObserve(handle: MetricHandle<'histogram'>, n: number): { ns: number; ops: number } {
  const child = thisCpu.metric(handle).labels('/a');
  return clock(n, () => {
    for (let i = 0; i < n; i++) child.observe(OBSERVATIONS[i & 1023]!);
  });
}

function promObserve(n: number): { ns: number; ops: number } {
  const child = promHistogram.labels('/a');
  return clock(n, () => {
    for (let i = 0; i < n; i++) child.observe(OBSERVATIONS[i & 1023]!);
  });
}

/** One round of every variant, one after another in this worker. */
export function updateRound(arg: UpdateArg): UpdateRound {
  return {
    limit: limit(arg.n),
    percpuChild: percpuChild(arg.counter, arg.n),
    promChild: promChild(arg.slowN),
    percpuLabels: percpuLabels(arg.labelled, arg.slowN),
    promLabels: promLabels(arg.slowN),
    percpuObserve: percpuObserve(arg.histogram, arg.slowN),
    promObserve: promObserve(arg.slowN),
  };
}

/** prom-client's totals in this worker (checked by the coordinator against the ops it asked for). */
export async function promUpdateTotals(): Promise<{ counter: number; histogramCount: number }> {
  const json = await updateRegistry.getMetricsAsJSON();
  const sum = (name: string, metricName?: string): number =>
    json
      .find((m) => m.name === name)!
      .values.filter((v) => metricName === undefined || (v as { metricName?: string }).metricName === metricName)
      .reduce((s, v) => s + v.value, 0);
  return {
    counter: sum('upd_requests_total'),
    histogramCount: sum('upd_latency_seconds', 'upd_latency_seconds_count'),
  };
}

/** Aggregate throughput: `n` bound-child increments after the start barrier, timed. */
export function scalingLoop(arg: { handle: MetricHandle<'counter'>; n: number; barrier: SharedArrayBuffer }): {
  startNs: bigint;
  endNs: bigint;
} {
  const child = thisCpu.metric(arg.handle).labels();
  const n = arg.n;
  awaitBarrier(arg.barrier);
  const startNs = process.hrtime.bigint();
  for (let i = 0; i < n; i++) child.inc();
  return { startNs, endNs: process.hrtime.bigint() };
}

/**
 * The control of the scaling measurement: the limit's loop (an unshared Int32Array) in the same
 * workers, after the same barrier. What it gains at 2 CPUs is what the host gave: on a shared
 * machine another job may hold one of the cores.
 */
export function scalingControl(arg: { n: number; barrier: SharedArrayBuffer }): { startNs: bigint; endNs: bigint } {
  const cells = new Int32Array(16);
  const n = arg.n;
  awaitBarrier(arg.barrier);
  const startNs = process.hrtime.bigint();
  for (let i = 0; i < n; i++) cells[3]!++;
  const endNs = process.hrtime.bigint();
  if (cells[3] !== (n | 0)) throw new Error('scaling control: lost counts');
  return { startNs, endNs };
}

// The scrape comparison: 1,000 series in each library, the same values on every CPU.
const scrapeRegistry = new Registry();
let scrapeSet: { counter: Counter<'route'>; histogram: Histogram<'route'> } | null = null;
let promIoSet: { counter: promIo.Counter<'route'>; histogram: promIo.Histogram<'route'> } | null = null;
let listening: BroadcastChannel[] = [];

/**
 * Fills percpu's counter and histogram (`routes` label sets each) and the peers' same metrics
 * with one inc and one observation per route; starts answering the coordinator's requests.
 */
export function populate(arg: {
  counter: MetricHandle<'counter'>;
  histogram: MetricHandle<'histogram'>;
  routes: string[];
}): number {
  const counter = thisCpu.metric(arg.counter);
  const histogram = thisCpu.metric(arg.histogram);
  scrapeSet ??= {
    counter: new Counter({
      name: 'bench_requests_total',
      help: 'requests',
      labelNames: ['route'],
      registers: [scrapeRegistry],
    }),
    histogram: new Histogram({
      name: 'bench_latency_seconds',
      help: 'latency',
      labelNames: ['route'],
      registers: [scrapeRegistry],
    }),
  };
  if (promIoSet === null) {
    // The worker side of WorkerRegistry: constructing it announces this worker to the primary.
    new promIo.WorkerRegistry();
    promIoSet = {
      counter: new promIo.Counter({ name: 'bench_requests_total', help: 'requests', labelNames: ['route'] }),
      histogram: new promIo.Histogram({ name: 'bench_latency_seconds', help: 'latency', labelNames: ['route'] }),
    };
  }
  arg.routes.forEach((route, i) => {
    const value = OBSERVATIONS[i & 1023]!;
    counter.inc({ route });
    histogram.observe({ route }, value);
    scrapeSet!.counter.inc({ route });
    scrapeSet!.histogram.observe({ route }, value);
    promIoSet!.counter.inc({ route });
    promIoSet!.histogram.observe({ route }, value);
  });
  listen();
  return arg.routes.length;
}

/** Answers MetricsClient's broadcast (bench/counters/metrics-client.ts) with this worker's registry. */
function listen(): void {
  if (listening.length > 0) return;
  const requests = new BroadcastChannel(REQUEST_CHANNEL);
  const replies = new BroadcastChannel(replyChannelName(thisCpu.id));
  requests.unref();
  replies.unref();
  requests.onmessage = (event: unknown): void => {
    const request = (event as { data: MetricsRequest }).data;
    const atNs = process.hrtime.bigint();
    void scrapeRegistry.getMetricsAsJSON().then((metrics) => {
      const reply: MetricsReply = { id: request.id, cpu: thisCpu.id, atNs, done: 0, metrics };
      replies.postMessage(reply);
    });
  };
  listening = [requests, replies];
}
