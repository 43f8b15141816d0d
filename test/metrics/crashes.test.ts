/**
 * Crashes and hotplug: a worker's death (process.exit in a task, rt.killCpu) while label sets it
 * staged are pending, offline and online: no count lost or doubled, counters never backwards.
 * prom-client inside each worker, merged by asking the workers, loses the dead worker's counts.
 */
import { describe, expect, it } from 'vitest';
import { CpuDiedError } from 'percpu';
import { rejectionOf, trackRuntimes } from '../runtime/helpers.js';
import { METRIC_TASKS, type MetricTaskModule, sampleValue } from './helpers.js';

const tracker = trackRuntimes();
const start = () => tracker.start<MetricTaskModule>({ cpus: 2, tasks: METRIC_TASKS });

describe('a worker that dies', () => {
  it('loses nothing it counted into label sets still pending (process.exit), where prom-client per worker loses it all', async () => {
    const rt = await start();
    const metric = rt.metrics().counter({ name: 'hits_total', help: 'hits', labelNames: ['route'] });
    const routes = ['/a', '/b', '/c', '/d', '/e'];
    // CPU 1 counts 5 × 1000 into five label sets it never saw, then exits before the coordinator can resolve them.
    await rt.runOn(0, 'countRoutes', { handle: metric.handle, routes, times: 1000 });
    expect(
      await rejectionOf(rt.runOn(1, 'countThenExit', { handle: metric.handle, routes, times: 1000 })),
    ).toBeInstanceOf(CpuDiedError);
    // The contrast, in the same runtime: prom-client's own Counter inside each worker.
    await rt.runOn(0, 'promCount', { times: 1000 });
    expect(await rejectionOf(rt.runOn(1, 'promCountThenExit', { times: 1000 }))).toBeInstanceOf(CpuDiedError);
    const promMerged = [...(await rt.runOnEach('promTotal')).values()].reduce((a, b) => a + b, 0);
    expect(promMerged).toBe(1000); // CPU 1's 1,000 died with its worker's heap

    const text = await rt.metrics().text();
    for (const route of routes) expect(sampleValue(text, 'hits_total', `route="${route}"`)).toBe(2000);
    // The replacement worker of CPU 1 counts on into the same series.
    await rt.runOn(1, 'countRoutes', { handle: metric.handle, routes, times: 10 });
    for (const route of routes) expect(metric.get(route)).toBe(2010n);
    expect(rt.stats().cpus[1]!.deaths).toBe(2);
  });

  it('loses nothing when killed from outside (rt.killCpu) mid-task, and counters never go backwards', async () => {
    const rt = await start();
    const metric = rt.metrics().counter({ name: 'hits_total', help: 'hits', labelNames: ['route'] });
    const routes = ['/x', '/y', '/z'];
    const seen: number[] = [];
    const scraper = setInterval(() => seen.push(Number(metric.get('/x'))), 2);
    // Its rejection is taken at once: it comes before killCpu resolves (the replacement is up later).
    const task = rejectionOf(rt.runOn(1, 'countThenSpin', { handle: metric.handle, routes, times: 700, spinMs: 5000 }));
    // Kill it once it has counted (it spins after, with its label sets staged and never retired).
    const deadline = Date.now() + 10_000;
    while (metric.get('/z') < 700n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    await rt.killCpu(1);
    expect(await task).toBeInstanceOf(CpuDiedError);
    await rt.runOn(1, 'countRoutes', { handle: metric.handle, routes, times: 300 });
    clearInterval(scraper);
    for (const route of routes) expect(metric.get(route)).toBe(1000n);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  });
});

describe('offline and online', () => {
  it('keeps every count of an offline CPU, and its next worker counts on', async () => {
    const rt = await start();
    const metric = rt.metrics().counter({ name: 'hits_total', help: 'hits', labelNames: ['route'] });
    const h = rt.metrics().histogram({ name: 'lat', help: 'latency', buckets: [1] });
    await rt.runOn(1, 'countRoutes', { handle: metric.handle, routes: ['/p', '/q'], times: 400 });
    await rt.runOn(1, 'observeAll', { handle: h.handle, values: [0.5, 2] });
    await rt.offline(1);
    expect(metric.get('/p')).toBe(400n);
    await rt.online(1);
    await rt.runOn(1, 'countRoutes', { handle: metric.handle, routes: ['/p', '/r'], times: 100 });
    await rt.runOn(1, 'observeAll', { handle: h.handle, values: [0.5] });
    const text = await rt.metrics().text();
    expect(sampleValue(text, 'hits_total', 'route="/p"')).toBe(500);
    expect(sampleValue(text, 'hits_total', 'route="/q"')).toBe(400);
    expect(sampleValue(text, 'hits_total', 'route="/r"')).toBe(100);
    expect(sampleValue(text, 'lat_bucket', 'le="1"')).toBe(2);
    expect(sampleValue(text, 'lat_count')).toBe(3);
  });
});
