/**
 * Where a metric's memory comes from and goes: every per-CPU part is a percpu allocation, freed
 * by remove() and reset() once no CPU can write it any more; and a scrape reads memory only, so
 * it answers while every CPU is busy.
 */
import { describe, expect, it } from 'vitest';
import { trackRuntimes } from '../runtime/helpers.js';
import { METRIC_TASKS, type MetricTaskModule, sampleValue } from './helpers.js';

const tracker = trackRuntimes();
const start = () => tracker.start<MetricTaskModule>({ cpus: 2, tasks: METRIC_TASKS });
const live = (rt: { stats(): { allocator: { nrCurAlloc: number } } }) => rt.stats().allocator.nrCurAlloc;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition()` holds (checked every 5 ms), at most 10 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in 10 s');
    await sleep(5);
  }
}

describe('per-CPU memory of metrics', () => {
  it('allocates a staging area per metric and a record per label set, and frees removed ones', async () => {
    const rt = await start();
    const before = live(rt);
    const c = rt.metrics().counter({ name: 'c_total', help: 'c', labelNames: ['route'] });
    expect(live(rt)).toBe(before + 1); // the staging area
    for (let i = 0; i < 50; i++) c.inc({ route: `/${i}` });
    expect(live(rt)).toBe(before + 51);
    const h = rt.metrics().histogram({ name: 'h', help: 'h' }); // staging + its one unlabelled record
    expect(live(rt)).toBe(before + 53);
    expect(rt.chunkStats().length).toBeGreaterThan(0);
    c.remove('/0');
    expect(live(rt)).toBe(before + 52); // no CPU ever used the metric: freed at once
    c.reset();
    h.reset();
    expect(live(rt)).toBe(before + 3);
    expect(c.size).toBe(0);
    rt.verify();
  });

  it('frees a removed label set only after the CPU that holds it has let go, and loses no count of the new series', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'c_total', help: 'c', labelNames: ['route'] });
    const task = rt.runOn(0, 'holdThenCount', { handle: c.handle, values: ['/held'], ms: 300, times: 10 });
    await until(() => c.get('/held') === 1n); // CPU 0 holds the bound child, waiting
    const before = live(rt);
    c.remove('/held');
    expect(c.size).toBe(0);
    expect(live(rt)).toBe(before); // quarantined: CPU 0 may still write it
    await task;
    await sleep(50);
    // CPU 0 took the removal in (its poll) and re-staged the held child: its 10 later counts are the new series.
    expect(c.get('/held')).toBe(10n);
    expect(c.size).toBe(1);
    await rt.runOnEach('idle', { ms: 30 });
    expect(live(rt)).toBe(before); // the old record freed, the new one allocated
    rt.verify();
  });

  it('keeps a removed record while a CPU busy in a loop writes it, and frees it after', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'c_total', help: 'c', labelNames: ['route'] });
    await rt.runOn(1, 'countBound', { handle: c.handle, values: ['/busy'], times: 1 });
    await rt.runOn(1, 'idle', { ms: 30 });
    const task = rt.runOn(1, 'holdBusy', { handle: c.handle, values: ['/busy'], ms: 400 });
    await until(() => c.get('/busy') > 1000n); // CPU 1 is in its loop
    const before = live(rt);
    c.remove('/busy');
    await sleep(100);
    expect(live(rt)).toBe(before); // CPU 1 is still in its loop: nothing freed under it
    await task;
    await rt.runOn(1, 'idle', { ms: 30 });
    await sleep(20);
    expect(live(rt)).toBe(before - 1);
    rt.verify();
  });
});

describe('remove() of a label set whose memory a busy CPU has not picked up yet', () => {
  it('takes the series out of the next scrape, and the CPU never writes the removed record', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'c_total', help: 'c', labelNames: ['route'] });
    // First use on CPU 1 inside a long loop: staged, resolved by the coordinator, never re-pointed.
    const task = rt.runOn(1, 'holdBusy', { handle: c.handle, values: ['/k'], ms: 500 });
    await until(() => c.get('/k') > 0n); // staged and resolved, CPU 1 still in its loop
    c.remove('/k');
    await sleep(30);
    expect(c.size).toBe(0);
    expect(await rt.metrics().text()).not.toContain('route="/k"');
    await task;
    await rt.runOn(1, 'idle', { ms: 30 });
    expect(c.size).toBe(0); // what the loop counted went with the removed series
    await rt.runOn(1, 'countBound', { handle: c.handle, values: ['/k'], times: 5 });
    await rt.runOn(1, 'idle', { ms: 30 });
    expect(c.get('/k')).toBe(5n);
    rt.verify();
  });
});

describe('reset() of many label sets a CPU holds', () => {
  it('frees them all, and the CPU counts into new label sets after', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'c_total', help: 'c', labelNames: ['route'] });
    const base = live(rt);
    const routes = Array.from({ length: 30 }, (_, i) => `/old/${i}`);
    await rt.runOn(0, 'bindMany', { handle: c.handle, routes });
    await rt.runOn(0, 'idle', { ms: 30 });
    expect(c.size).toBe(30);
    c.reset();
    expect(c.size).toBe(0);
    // CPU 0 takes the 30 removals in (re-staging some, detaching the rest), then needs slots for new label sets.
    const fresh = Array.from({ length: 20 }, (_, i) => `/new/${i}`);
    await rt.runOn(0, 'countRoutes', { handle: c.handle, routes: fresh, times: 3 });
    await rt.runOn(0, 'idle', { ms: 50 });
    await sleep(20);
    for (const route of fresh) expect(c.get(route)).toBe(3n);
    expect(c.size).toBe(20); // the removed label sets did not come back
    expect(live(rt)).toBe(base + 20);
    rt.verify();
  });
});

describe('a scrape', () => {
  it('answers promptly and exactly while every CPU is busy in a long synchronous loop', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'spins_total', help: 'spins' });
    await rt.runOnEach('countBound', { handle: c.handle, values: [], times: 1 });
    let finished = false;
    const tasks = rt.runOnEach('busyCount', { handle: c.handle, ms: 2000 });
    void tasks.then(() => (finished = true));
    await until(() => c.get() > 10_000n); // both CPUs are in their loops
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(sampleValue(await rt.metrics().text(), 'spins_total')!);
      await sleep(50);
    }
    // Five scrapes answered while both CPUs were still in their synchronous loops.
    expect(finished).toBe(false);
    for (let i = 1; i < samples.length; i++) expect(samples[i]!).toBeGreaterThan(samples[i - 1]!);
    const done = await tasks;
    expect(c.get()).toBe(BigInt([...done.values()].reduce((a, b) => a + b, 0) + 2));
  });
});
