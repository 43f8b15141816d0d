/** Metrics updated on CPUs: exact totals across CPUs, label sets first used on a CPU, histograms, gauges. */
import { describe, expect, it } from 'vitest';
import { trackRuntimes } from '../runtime/helpers.js';
import { METRIC_TASKS, type MetricTaskModule, sampleKeys, sampleValue } from './helpers.js';

const tracker = trackRuntimes();
const start = () => tracker.start<MetricTaskModule>({ cpus: 2, tasks: METRIC_TASKS });

describe('counters on CPUs', () => {
  it('sums an unlabelled counter over CPUs exactly, 64-bit', async () => {
    const rt = await start();
    const requests = rt.metrics().counter({ name: 'requests_total', help: 'requests' });
    await rt.runOnEach('countBound', { handle: requests.handle, values: [], times: 100_000 });
    await rt.runOn(0, 'countBound', { handle: requests.handle, values: [], times: 2, by: 2 ** 52 });
    await rt.runOn(1, 'countBound', { handle: requests.handle, values: [], times: 2, by: 2 ** 52 });
    requests.inc(5);
    expect(requests.get()).toBe(200_005n + 4n * 2n ** 52n);
    const text = await rt.metrics().text();
    expect(text).toContain(`requests_total ${200_005n + 4n * 2n ** 52n}\n`);
  });

  it('counts label sets first used on CPUs while their memory is pending, none lost, each series once', async () => {
    const rt = await start();
    const metric = rt.metrics().counter({ name: 'hits_total', help: 'hits', labelNames: ['route'] });
    const routes = Array.from({ length: 20 }, (_, i) => `/r${i}`);
    const scrapes: string[] = [];
    const scraper = setInterval(
      () =>
        void rt
          .metrics()
          .text()
          .then((t) => scrapes.push(t)),
      1,
    );
    const done = await rt.runOnEach('countRoutes', { handle: metric.handle, routes, times: 500 });
    clearInterval(scraper);
    expect([...done.values()]).toEqual([10_000, 10_000]);
    const text = await rt.metrics().text();
    for (const route of routes) expect(sampleValue(text, 'hits_total', `route="${route}"`)).toBe(1000);
    expect(metric.size).toBe(20);
    for (const scrape of [...scrapes, text]) {
      const keys = sampleKeys(scrape);
      expect(new Set(keys).size).toBe(keys.length);
    }
    // Scrapes taken while the CPUs counted never went backwards, series by series.
    for (const route of routes) {
      const seen = scrapes.map((s) => sampleValue(s, 'hits_total', `route="${route}"`) ?? 0);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    }
  });

  it('binds a child once with labels(...) and keeps it across the resolution of its memory', async () => {
    const rt = await start();
    const metric = rt.metrics().counter({ name: 'jobs_total', help: 'jobs', labelNames: ['queue', 'kind'] });
    await rt.runOnEach('countBound', { handle: metric.handle, values: ['q1', 'fast'], times: 1000 });
    await rt.runOnEach('idle', { ms: 30 });
    await rt.runOnEach('countBound', { handle: metric.handle, values: ['q1', 'fast'], times: 1000 });
    metric.labels('q1', 'fast').inc(3);
    expect(metric.get('q1', 'fast')).toBe(4003n);
    expect(sampleValue(await rt.metrics().text(), 'jobs_total', 'queue="q1",kind="fast"')).toBe(4003);
  });
});

describe('histograms and gauges on CPUs', () => {
  it('keeps histograms cumulative with +Inf equal to _count and sums in f64', async () => {
    const rt = await start();
    const h = rt
      .metrics()
      .histogram({ name: 'latency_seconds', help: 'latency', labelNames: ['route'], buckets: [0.1, 1, 10] });
    await rt.runOnEach('observeAll', { handle: h.handle, values: [0.05, 0.5, 5, 50, 1], labels: { route: '/a' } });
    h.observe({ route: '/a' }, 0.1);
    const text = await rt.metrics().text();
    expect(sampleValue(text, 'latency_seconds_bucket', 'route="/a",le="0.1"')).toBe(3);
    expect(sampleValue(text, 'latency_seconds_bucket', 'route="/a",le="1"')).toBe(7);
    expect(sampleValue(text, 'latency_seconds_bucket', 'route="/a",le="10"')).toBe(9);
    expect(sampleValue(text, 'latency_seconds_bucket', 'route="/a",le="+Inf"')).toBe(11);
    expect(sampleValue(text, 'latency_seconds_count', 'route="/a"')).toBe(11);
    expect(sampleValue(text, 'latency_seconds_sum', 'route="/a"')).toBeCloseTo(2 * 56.55 + 0.1, 9);
  });

  it('sums gauge deltas over CPUs, and aggregates set() by max, min or per CPU', async () => {
    const rt = await start();
    const m = rt.metrics();
    const inflight = m.gauge({ name: 'inflight', help: 'in flight' });
    const high = m.gauge({ name: 'temp_max', help: 'max', aggregate: 'max' });
    const low = m.gauge({ name: 'temp_min', help: 'min', aggregate: 'min' });
    const perCpu = m.gauge({ name: 'queue_depth', help: 'per CPU', aggregate: 'cpu', labelNames: ['queue'] });
    await rt.runOn(0, 'gaugeOps', {
      handle: inflight.handle,
      ops: [
        { op: 'inc', value: 5 },
        { op: 'dec', value: 1 },
      ],
    });
    await rt.runOn(1, 'gaugeOps', { handle: inflight.handle, ops: [{ op: 'inc', value: 2 }] });
    await rt.runOn(0, 'gaugeOps', { handle: high.handle, ops: [{ op: 'set', value: 30 }] });
    await rt.runOn(1, 'gaugeOps', {
      handle: high.handle,
      ops: [
        { op: 'set', value: 40 },
        { op: 'inc', value: 1 },
      ],
    });
    await rt.runOn(0, 'gaugeOps', { handle: low.handle, ops: [{ op: 'set', value: -3 }] });
    await rt.runOn(1, 'gaugeOps', { handle: low.handle, ops: [{ op: 'set', value: 7 }] });
    await rt.runOn(1, 'gaugeOps', { handle: perCpu.handle, ops: [{ op: 'set', value: 9, labels: { queue: 'a' } }] });
    perCpu.set({ queue: 'a' }, 1);
    const text = await m.text();
    expect(sampleValue(text, 'inflight')).toBe(6);
    expect(sampleValue(text, 'temp_max')).toBe(41);
    expect(sampleValue(text, 'temp_min')).toBe(-3);
    expect(sampleValue(text, 'queue_depth', 'queue="a",cpu="1"')).toBe(9);
    expect(sampleValue(text, 'queue_depth', 'queue="a",cpu="coordinator"')).toBe(1);
    expect(sampleValue(text, 'queue_depth', 'queue="a",cpu="0"')).toBeUndefined();
  });
});
