/**
 * An adversarial review of the metrics (issue #12), with real workers: label sets first used on
 * several CPUs while scrapes run, remove()/reset() racing CPUs, a worker killed at each step of
 * the staging protocol, caps reached on several CPUs, histogram edge values, gauges' aggregates,
 * label values that need escaping, a scrape during close(), prom-client's registry beside ours.
 * Counts must be exact, counters never go backwards, and promtool must accept the exposition.
 */
import { execFileSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { killCpu } from 'percpu/testing';
import { CpuDiedError, InvalidArgumentError, TooManySeriesError } from 'percpu';
import { rejectionOf, trackRuntimes } from '../runtime/helpers.js';
import type * as Tasks from '../fixtures/adversarial-metric-tasks.js';
import { H_EVENTS } from '../../src/metrics/layout.js';
import { sampleKeys, sampleValue } from './helpers.js';

const TASKS = new URL('../../dist/test/fixtures/adversarial-metric-tasks.js', import.meta.url);
type TaskModule = typeof Tasks;
const tracker = trackRuntimes();
const start = (cpus = 2) => tracker.start<TaskModule>({ cpus, tasks: TASKS });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A GET over a fresh connection: its status and body, or status 0 when the connection failed. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = httpGet(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', () => resolve({ status: 0, body: '' }));
    });
    request.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** promtool check metrics on `text`: its exit status and output (0: no finding). */
function promtool(text: string): { status: number; output: string } {
  try {
    return { status: 0, output: execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' }) };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

describe('maxChildren', () => {
  it('lets a second CPU use a label set that already exists when the metric is at its cap', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'capped_total', help: 'c', labelNames: ['k'], maxChildren: 3 });
    const first = await rt.runOn(0, 'incEach', { handle: c.handle, label: 'k', values: ['a', 'b', 'c'] });
    expect(first.name).toBe('none');
    await rt.runOn(0, 'idle', { ms: 30 });
    expect(c.size).toBe(3);
    // CPU 1 counts into the same three label sets: none is new, so the cap does not apply.
    const second = await rt.runOn(1, 'incEach', { handle: c.handle, label: 'k', values: ['a', 'b', 'c'] });
    expect(second).toEqual({ done: 3, name: 'none', code: undefined });
    // A fourth label set is refused, on the CPU as on the coordinator.
    const fourth = await rt.runOn(1, 'incEach', { handle: c.handle, label: 'k', values: ['d'] });
    expect(fourth).toMatchObject({ done: 0, name: 'TooManySeriesError' });
    expect(() => c.inc({ k: 'd' })).toThrow(TooManySeriesError);
    for (const k of ['a', 'b', 'c']) expect(c.get(k)).toBe(2n);
    expect(c.size).toBe(3);
  });
});

describe('label sets first used on several CPUs at once, while scrapes run', () => {
  it('counts exactly, never backwards, each series once, in both formats and through prom-client', async () => {
    const rt = await start();
    const m = rt.metrics();
    const promRegistry = new Registry();
    m.registerWith(promRegistry);
    const c = m.counter({ name: 'race_total', help: 'race', labelNames: ['route'] });
    // The same 40 new label sets on both CPUs at once: more than the 8 staging slots of each.
    const routes = Array.from({ length: 40 }, (_, i) => `/r${i}`);
    const scrapes: string[] = [];
    const promScrapes: string[] = [];
    let scraping = true;
    const scraper = (async () => {
      for (let i = 0; scraping; i++) {
        if (i % 2 === 0) scrapes.push(await m.text({ openMetrics: i % 4 === 0 }));
        else promScrapes.push(await promRegistry.metrics());
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const done = await rt.runOnEach('countRounds', { handle: c.handle, routes, rounds: 5, times: 100 });
    scraping = false;
    await scraper;
    expect([...done.values()]).toEqual([20_000, 20_000]);
    const text = await m.text();
    for (const route of routes) expect(sampleValue(text, 'race_total', `route="${route}"`)).toBe(1000);
    expect(c.size).toBe(40);
    expect(scrapes.length + promScrapes.length).toBeGreaterThan(4);
    for (const scrape of [...scrapes, ...promScrapes, text]) {
      const keys = sampleKeys(scrape).filter((k) => !k.includes('_created'));
      expect(new Set(keys).size).toBe(keys.length);
    }
    for (const route of routes) {
      for (const [list, name] of [
        [scrapes, 'race'],
        [promScrapes, 'race_total'],
      ] as const) {
        const seen = list.map(
          (s) => sampleValue(s, `${name}_total`, `route="${route}"`) ?? sampleValue(s, name, `route="${route}"`) ?? 0,
        );
        for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
      }
    }
    const prom = await promRegistry.metrics();
    for (const route of routes) expect(sampleValue(prom, 'race_total', `route="${route}"`)).toBe(1000);
    expect(promtool(text).status).toBe(0);
    expect(promtool(prom).status).toBe(0);
  });
});

describe('a worker killed at each step of the staging protocol', () => {
  it('RESOLVED, never re-pointed (killCpu mid-loop): every count once, and the next worker counts on', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'k_total', help: 'k', labelNames: ['route'] });
    const task = rejectionOf(
      rt.runOn(1, 'stageThenSpin', { handle: c.handle, values: ['/s'], times: 777, spinMs: 5000 }),
    );
    const deadline = Date.now() + 5000;
    while (c.get('/s') < 777n && Date.now() < deadline) await sleep(5);
    await killCpu(rt, 1);
    expect(await task).toBeInstanceOf(CpuDiedError);
    expect(c.get('/s')).toBe(777n);
    await rt.runOn(1, 'countRounds', { handle: c.handle, routes: ['/s'], rounds: 1, times: 23 });
    await rt.runOn(1, 'idle', { ms: 30 });
    expect(c.get('/s')).toBe(800n);
    expect(c.allocations).toBe(2);
    rt.verify();
  });

  it('REVOKED (removed while resolved, then killed): the series stays gone, its memory is freed', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'k_total', help: 'k', labelNames: ['route'] });
    const task = rejectionOf(
      rt.runOn(1, 'stageThenSpin', { handle: c.handle, values: ['/r'], times: 50, spinMs: 5000 }),
    );
    const deadline = Date.now() + 5000;
    while (c.get('/r') < 50n && Date.now() < deadline) await sleep(5);
    c.remove('/r');
    await killCpu(rt, 1);
    expect(await task).toBeInstanceOf(CpuDiedError);
    expect(c.size).toBe(0);
    expect(await rt.metrics().text()).not.toContain('/r');
    expect(c.allocations).toBe(1); // the staging area only: the removed record is freed
    await rt.runOn(1, 'countRounds', { handle: c.handle, routes: ['/r'], rounds: 1, times: 9 });
    expect(c.get('/r')).toBe(9n);
    rt.verify();
  });

  for (const times of [0, 31]) {
    it(`a child held across remove(), re-staged, ${times} counts since, then killed: the series holds exactly them`, async () => {
      const rt = await start();
      const c = rt.metrics().counter({ name: 'k_total', help: 'k', labelNames: ['route'] });
      const task = rejectionOf(
        rt.runOn(1, 'holdCountSpin', { handle: c.handle, values: ['/h'], ms: 200, times, spinMs: 5000 }),
      );
      const deadline = Date.now() + 5000;
      while (c.get('/h') < 1n && Date.now() < deadline) await sleep(5);
      c.remove('/h'); // CPU 1 takes it in while it waits: its child moves to a re-staged slot
      await sleep(400); // it has counted `times` into that slot, and spins
      expect(c.get('/h')).toBe(BigInt(times));
      await killCpu(rt, 1);
      expect(await task).toBeInstanceOf(CpuDiedError);
      expect(c.get('/h')).toBe(BigInt(times));
      expect(c.size).toBe(times === 0 ? 0 : 1); // a re-staged slot that counted nothing brings no series back
      expect(c.allocations).toBe(1 + c.size);
      rt.verify();
    });
  }

  it('offline right after staging, then online: every count once', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'k_total', help: 'k', labelNames: ['route'] });
    const routes = Array.from({ length: 12 }, (_, i) => `/o${i}`);
    await rt.runOn(1, 'countRounds', { handle: c.handle, routes, rounds: 1, times: 10 });
    await rt.offline(1);
    for (const route of routes) expect(c.get(route)).toBe(10n);
    await rt.online(1);
    await rt.runOn(1, 'countRounds', { handle: c.handle, routes, rounds: 1, times: 5 });
    await rt.offline(1);
    for (const route of routes) expect(c.get(route)).toBe(15n);
    expect(c.allocations).toBe(1 + routes.length);
    rt.verify();
  });
});

describe('label values', () => {
  it('refuses a lone surrogate (it cannot be written as UTF-8): no two series with one label set', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'u_total', help: 'u', labelNames: ['k'] });
    expect(() => c.inc({ k: 'x\uD800' })).toThrow(InvalidArgumentError);
    const onCpu = await rt.runOn(0, 'incEach', { handle: c.handle, label: 'k', values: ['x\uD800'] });
    expect(onCpu).toMatchObject({ done: 0, name: 'InvalidArgumentError' });
    expect(c.size).toBe(0);
    const keys = sampleKeys(await rt.metrics().text());
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('a label value that is not finite, once a series of its text exists', () => {
  it("NaN and ±Infinity never count into the 'NaN' or 'Infinity' series, with one label or two", async () => {
    const rt = await start();
    const one = rt.metrics().counter({ name: 'nonfinite_total', help: 'n', labelNames: ['k'] });
    const two = rt.metrics().counter({ name: 'nonfinite2_total', help: 'n', labelNames: ['k', 'other'] });
    const texts = ['NaN', 'Infinity', '-Infinity'];
    // The series exist on this CPU (its fast lookup finds them by their text) ...
    expect(await rt.runOn(0, 'incEach', { handle: one.handle, label: 'k', values: texts })).toMatchObject({ done: 3 });
    expect(await rt.runOn(0, 'incEachTwo', { handle: two.handle, label: 'k', values: texts })).toMatchObject({
      done: 3,
    });
    // ... and the numbers are still refused, as on the coordinator.
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(() => one.inc({ k: bad })).toThrow(InvalidArgumentError);
      expect(await rt.runOn(0, 'incEach', { handle: one.handle, label: 'k', values: [bad] })).toMatchObject({
        done: 0,
        name: 'InvalidArgumentError',
      });
      expect(await rt.runOn(0, 'incEachTwo', { handle: two.handle, label: 'k', values: [bad] })).toMatchObject({
        done: 0,
        name: 'InvalidArgumentError',
      });
    }
    await rt.runOn(0, 'idle', { ms: 30 });
    for (const text of texts) {
      expect(one.get(text)).toBe(1n);
      expect(two.get(text, 'x')).toBe(1n);
    }
  });
});

describe('histogram edge values', () => {
  it('puts a value equal to a bound in that bucket, takes ±Infinity and negatives, refuses NaN, stays valid', async () => {
    const rt = await start();
    const h = rt.metrics().histogram({ name: 'edge', help: 'edge', labelNames: ['s'], buckets: [-1, 0, 1] });
    const values = [-1, -0.5, 0, -0, 1, 1.0000001, Infinity, NaN];
    expect(await rt.runOn(0, 'observeValues', { handle: h.handle, values, labels: { s: 'a' } })).toEqual([
      'InvalidArgumentError',
    ]);
    expect(await rt.runOn(1, 'observeValues', { handle: h.handle, values: [-Infinity], labels: { s: 'b' } })).toEqual(
      [],
    );
    for (const v of values.slice(0, -1)) h.observe({ s: 'a' }, v);
    expect(() => h.observe({ s: 'a' }, NaN)).toThrow(InvalidArgumentError);
    const text = await rt.metrics().text();
    const bucket = (s: string, le: string) => sampleValue(text, 'edge_bucket', `s="${s}",le="${le}"`);
    // Per side: -1 in le=-1; -0.5, 0, -0 in le=0; 1 in le=1; 1.0000001 and +Inf in +Inf.
    expect([bucket('a', '-1'), bucket('a', '0'), bucket('a', '1'), bucket('a', '+Inf')]).toEqual([2, 8, 10, 14]);
    expect(sampleValue(text, 'edge_count', 's="a"')).toBe(14);
    expect(text).toContain('edge_sum{s="a"} +Inf\n');
    expect([bucket('b', '-1'), bucket('b', '+Inf')]).toEqual([1, 1]);
    expect(text).toContain('edge_sum{s="b"} -Inf\n');
    expect(promtool(text).status).toBe(0);
    const om = await rt.metrics().text({ openMetrics: true });
    expect(om).toContain('edge_bucket{s="a",le="-1.0"} 2\n');
    expect(promtool(om).status).not.toBe(1); // parsed (lint findings only: docs/metrics.md#formats)
  });
});

describe('gauges set on several CPUs', () => {
  it('aggregates sum, max, min and cpu over CPUs and the coordinator, across a worker killed after set()', async () => {
    const rt = await start();
    const m = rt.metrics();
    const gauges = (['sum', 'max', 'min', 'cpu'] as const).map((aggregate) =>
      m.gauge({ name: `g_${aggregate}_value`, help: aggregate, labelNames: ['q'], aggregate }),
    );
    for (const g of gauges) {
      await rt.runOn(0, 'gaugeSet', { handle: g.handle, labels: { q: 'x' }, value: 3 });
      await rt.runOn(1, 'gaugeSet', { handle: g.handle, labels: { q: 'x' }, value: 5 });
    }
    await rt.runOn(1, 'idle', { ms: 30 }); // CPU 1 re-points to the records: its 5s are there
    await killCpu(rt, 1);
    // The replacement worker of CPU 1 sets again (staged first): its value replaces the dead worker's.
    for (const g of gauges) await rt.runOn(1, 'gaugeSet', { handle: g.handle, labels: { q: 'x' }, value: -2 });
    for (const g of gauges) g.set({ q: 'x' }, 10);
    for (let round = 0; round < 2; round++) {
      const text = await m.text();
      expect(sampleValue(text, 'g_sum_value', 'q="x"')).toBe(11);
      expect(sampleValue(text, 'g_max_value', 'q="x"')).toBe(10);
      expect(sampleValue(text, 'g_min_value', 'q="x"')).toBe(-2);
      expect(sampleValue(text, 'g_cpu_value', 'q="x",cpu="0"')).toBe(3);
      expect(sampleValue(text, 'g_cpu_value', 'q="x",cpu="1"')).toBe(-2);
      expect(sampleValue(text, 'g_cpu_value', 'q="x",cpu="coordinator"')).toBe(10);
      expect(promtool(text).status).toBe(0);
      await rt.runOn(1, 'idle', { ms: 30 }); // and again once CPU 1 has re-pointed from its slot
    }
  });
});

describe('label values that need escaping', () => {
  it('escapes quotes, backslashes and newlines, keeps unicode, one series whether counted on a CPU or not', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'esc_total', help: 'help with \\ and\nnewline', labelNames: ['v'] });
    const values = ['a"b', 'back\\slash', 'new\nline', 'ünï 😀 中', '\\"\n', ''];
    await rt.runOnEach('incEach', { handle: c.handle, label: 'v', values });
    for (const v of values) c.inc({ v });
    const text = await rt.metrics().text();
    expect(text).toContain('# HELP esc_total help with \\\\ and\\nnewline\n');
    expect(text).toContain('esc_total{v="a\\"b"} 3\n');
    expect(text).toContain('esc_total{v="back\\\\slash"} 3\n');
    expect(text).toContain('esc_total{v="new\\nline"} 3\n');
    expect(text).toContain('esc_total{v="ünï 😀 中"} 3\n');
    expect(text).toContain('esc_total{v="\\\\\\"\\n"} 3\n');
    expect(text).toContain('esc_total{v=""} 3\n');
    expect(c.size).toBe(values.length);
    expect(promtool(text)).toEqual({ status: 0, output: '' });
    const prom = new Registry();
    rt.metrics().registerWith(prom);
    const promText = await prom.metrics();
    for (const v of values) expect(c.get(v)).toBe(3n);
    expect(promtool(promText).status).toBe(0);
    expect(sampleKeys(promText).sort()).toEqual(sampleKeys(text).sort());
  });
});

describe('a scrape during close()', () => {
  it('answers or fails cleanly, and the registry refuses new work after', async () => {
    const rt = await start();
    const m = rt.metrics();
    const c = m.counter({ name: 'close_total', help: 'c' });
    await rt.runOnEach('countRounds', { handle: c.handle, routes: [], rounds: 0, times: 0 });
    c.inc(5);
    const server = await m.serve({ port: 0 });
    const gets = Array.from({ length: 20 }, () => get(server.url));
    const texts = Array.from({ length: 5 }, () => m.text().catch((e: unknown) => e));
    await rt.close();
    for (const answer of await Promise.all(gets)) {
      if (answer.status === 200) expect(sampleValue(answer.body, 'close_total')).toBe(5);
      else expect(answer.status).toBe(0);
    }
    for (const t of await Promise.all(texts)) expect(sampleValue(t as string, 'close_total')).toBe(5);
    expect(() => c.inc()).toThrow();
    expect((await get(server.url)).status).toBe(0); // refused: the server is closed
  });
});

describe('remove() and reset() racing CPUs that count into the same label sets', () => {
  it('never crashes, keeps every scrape valid, frees what it removed, and counts exactly after', async () => {
    const rt = await start();
    const m = rt.metrics();
    const c = m.counter({ name: 'rr_total', help: 'rr', labelNames: ['route'] });
    const root = m.counter({ name: 'root_total', help: 'root' });
    const routes = Array.from({ length: 12 }, (_, i) => `/q${i}`);
    let racing = true;
    const scrapes: string[] = [];
    const remover = (async () => {
      for (let i = 0; racing; i++) {
        if (i % 5 === 4) c.reset();
        else c.remove(routes[i % routes.length]!);
        if (i % 7 === 0) root.reset();
        scrapes.push(await m.text());
        await sleep(1);
      }
    })();
    // 400 rounds, each ending in a turn of the CPU's event loop: long enough, even on a fast
    // machine, for the remover's scrapes to overlap the counting.
    const counting = rt.runOnEach('countRounds', { handle: c.handle, routes, rounds: 400, times: 50 });
    const rootCounting = rt.runOnEach('countRounds', { handle: root.handle, routes: [], rounds: 0, times: 0 });
    await Promise.all([counting, rootCounting]);
    racing = false;
    await remover;
    expect(scrapes.length).toBeGreaterThan(2);
    for (const scrape of scrapes) {
      const keys = sampleKeys(scrape);
      expect(new Set(keys).size).toBe(keys.length);
      for (const route of routes)
        expect(sampleValue(scrape, 'rr_total', `route="${route}"`) ?? 0).toBeLessThanOrEqual(400 * 50 * 2);
    }
    expect(promtool(scrapes.at(-1)!).status).toBe(0);
    // Quiet now: one reset taken in by both CPUs, then exact counts into the children they still hold.
    c.reset();
    await rt.runOnEach('idle', { ms: 40 });
    await sleep(20);
    await rt.runOnEach('countRounds', { handle: c.handle, routes, rounds: 1, times: 10 });
    await rt.runOnEach('idle', { ms: 40 });
    await sleep(20);
    for (const route of routes) expect(c.get(route)).toBe(20n);
    expect(c.size).toBe(routes.length);
    expect(c.allocations).toBe(1 + routes.length);
    rt.verify();
  });
});

describe('reset() while a CPU has counts staged that the coordinator has not looked at yet', () => {
  it('takes those counts out with the series instead of bringing the series back with them', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'st_total', help: 'st', labelNames: ['route'] });
    c.inc({ route: '/p' }, 2);
    const events = rt.memory.views[1]!.s32;
    const index = c.handle.staging / 4 + H_EVENTS;
    const before = Atomics.load(events, index);
    const task = rt.runOn(1, 'stageThenSpin', { handle: c.handle, values: ['/p'], times: 50, spinMs: 300 });
    // This thread blocks (no timer of the registry runs) until CPU 1 has staged '/p' and counted.
    const deadline = Date.now() + 5000;
    while (Atomics.load(events, index) === before && Date.now() < deadline);
    const counted = Date.now() + 50;
    while (Date.now() < counted);
    c.reset();
    expect(c.size).toBe(0);
    expect(await rt.metrics().text()).not.toContain('/p');
    await task;
    await rt.runOn(1, 'idle', { ms: 30 });
    expect(c.size).toBe(0);
    await rt.runOn(1, 'countRounds', { handle: c.handle, routes: ['/p'], rounds: 1, times: 4 });
    await rt.runOn(1, 'idle', { ms: 30 });
    expect(c.get('/p')).toBe(4n);
    rt.verify();
  });
});

describe('maxChildren reached concurrently on several CPUs', () => {
  it('passes the cap by at most the staging slots, refuses with a typed error, and counts every accepted update', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'cap_total', help: 'c', labelNames: ['k'], maxChildren: 10 });
    const results = await rt.runOnEach('incEach', {
      handle: c.handle,
      label: 'k',
      values: Array.from({ length: 40 }, (_, i) => `v${i}`),
    });
    // The same 40 label sets on both CPUs: what one CPU made, the other may use.
    for (const r of results.values()) expect(r.name).toBe('TooManySeriesError');
    const text = await rt.metrics().text();
    expect(c.size).toBeGreaterThanOrEqual(10);
    expect(c.size).toBeLessThanOrEqual(10 + 2 * 8);
    let total = 0;
    for (const line of text.split('\n')) if (line.startsWith('cap_total{')) total += Number(line.split(' ')[1]);
    expect(total).toBe([...results.values()].reduce((s, r) => s + r.done, 0));
    expect(() => c.inc({ k: 'new' })).toThrow(TooManySeriesError);
    expect(c.allocations).toBe(1 + c.size);
  });
});

describe('metric names whose series would clash', () => {
  it('refuses a name that another family prints, so the exposition stays parseable', async () => {
    const rt = await start();
    const m = rt.metrics();
    m.histogram({ name: 'lat', help: 'h', buckets: [1] }).observe(0.5);
    m.counter({ name: 'req_total', help: 'c' }).inc();
    const allocations = m.allocations;
    // Each would print a sample or family name already printed: a second HELP for one family.
    for (const [kind, name] of [
      ['gauge', 'lat_count'],
      ['counter', 'lat_bucket'],
      ['gauge', 'lat_sum'],
      ['counter', 'req'], // OpenMetrics family 'req' with 'req_total' samples
      ['gauge', 'req_created'],
    ] as const) {
      expect(() => m[kind]({ name, help: 'x' })).toThrow(InvalidArgumentError);
    }
    expect(m.allocations).toBe(allocations); // nothing was taken
    expect(m.get('lat_count')).toBeUndefined();
    m.gauge({ name: 'lat_seconds', help: 'a distinct name is fine' }).set(1);
    expect(promtool(await m.text()).status).toBe(0);
    expect(promtool(await m.text({ openMetrics: true })).status).not.toBe(1);
  });
});
