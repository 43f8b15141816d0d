/**
 * Tracing with real CPUs: thisCpu.trace's events come back from drain() once each, with their
 * CPU, a seq numbering every event, the values as written and a time on the coordinator's clock;
 * the runtime's own activity is on each CPU's track (tasks, allocation and free requests, folds,
 * online/offline/deaths/replacements); write() produces Perfetto JSON and NDJSON; toLogger
 * drains into the logger; with tracing off nothing is reserved and rt.trace refuses.
 */
import { readFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TracingOffError } from 'percpu';
import type { ChromeTrace } from '../../src/trace/perfetto.js';
import { captureLogger, trackRuntimes } from '../runtime/helpers.js';
import { TRACE_STATICS, TRACE_TASKS, type Tracing, ringEvents } from './helpers.js';

const runtimes = trackRuntimes();
const start = (trace: unknown, extra: Record<string, unknown> = {}) =>
  runtimes.start<Tracing>({ cpus: 2, tasks: TRACE_TASKS, statics: TRACE_STATICS, trace: trace as never, ...extra });

describe('thisCpu.trace', () => {
  it('returns every event once, by CPU, with seq, values and a time on the coordinator’s clock', async () => {
    const rt = await start({});
    const before = performance.now();
    await rt.runOnEach('traceN', { n: 500, name: 'step' });
    const after = performance.now();
    const events = rt.trace.drain();
    for (const cpu of [0, 1]) {
      const mine = ringEvents(events, cpu);
      // task-begin, 500 events, task-end: seq 0 .. 501, no gap.
      expect(mine.map((e) => e.seq)).toEqual(Array.from({ length: 502 }, (_, i) => i));
      expect(mine[0]).toMatchObject({ kind: 'task-begin', name: 'traceN' });
      expect(mine[501]).toMatchObject({ kind: 'task-end', name: 'traceN' });
      const steps = mine.filter((e) => e.name === 'step');
      expect(steps.map((e) => e.args)).toEqual(Array.from({ length: 500 }, (_, i) => [i, i * 2, BigInt(i), cpu]));
      for (const e of mine) {
        expect(e.ts).toBeGreaterThanOrEqual(before);
        expect(e.ts).toBeLessThanOrEqual(after);
      }
      const duration = Number(mine[501]!.args[0]);
      expect(duration).toBeGreaterThan(0);
      expect(duration).toBeCloseTo(mine[501]!.ts - mine[0]!.ts, 1);
    }
    // Merged by time.
    for (let i = 1; i < events.length; i++) expect(events[i]!.ts).toBeGreaterThanOrEqual(events[i - 1]!.ts);
    expect(rt.trace.drain()).toEqual([]);
    expect(rt.trace.stats().map((s) => [s.written, s.drained, s.lost, s.inRing])).toEqual([
      [502, 502, 0, 0],
      [502, 502, 0, 0],
    ]);
  });

  it('keeps every value shape, names with any characters, and counter values', async () => {
    const rt = await start(true);
    await rt.runOn(1, 'traceShapes');
    const mine = ringEvents(rt.trace.drain(), 1).filter((e) => e.kind === 'event' || e.kind === 'counter');
    expect(mine.map((e) => [e.name, e.kind, e.args])).toEqual([
      ['none', 'event', []],
      ['one', 'event', [1.5]],
      ['big', 'event', [-(2n ** 63n), 2n ** 64n - 1n, 2n ** 63n]],
      ['four', 'event', [1, 2, 3, 4]],
      ['caché ✓', 'event', [0]],
      ['queue depth', 'counter', [7]],
    ]);
  });
});

describe('the runtime’s own activity', () => {
  it('allocation and free requests carry size, align, offset and wait; folds the global count', async () => {
    const rt = await start({});
    const ptrs = await rt.runOn(0, 'allocFree', { n: 3, size: 100, align: 16 });
    const counter = rt.counter({ batch: 8 });
    await rt.runOn(1, 'countUp', { handle: counter.handle, times: 20 });
    const events = rt.trace.drain();
    const allocs = ringEvents(events, 0).filter((e) => e.kind === 'alloc');
    expect(allocs.map((e) => e.args.slice(0, 3))).toEqual(ptrs.map((ptr) => [100, 16, ptr]));
    for (const e of allocs) expect(Number(e.args[3])).toBeGreaterThan(0);
    const frees = ringEvents(events, 0).filter((e) => e.kind === 'free');
    expect(frees.map((e) => [e.args[0], e.args[2]])).toEqual(ptrs.map((ptr) => [ptr, 1]));
    const folds = ringEvents(events, 1).filter((e) => e.kind === 'fold');
    expect(folds.map((e) => e.args)).toEqual([
      [counter.handle.slot, 8, 8],
      [counter.handle.slot, 8, 16],
    ]);
    expect(counter.sum()).toBe(20n);
  });

  it('a task that throws ends with ok 0; lifecycle events are on the CPU’s track, by time', async () => {
    const rt = await start({});
    await expect(rt.runOn(1, 'traceThenThrow')).rejects.toThrow('task failure');
    await rt.killCpu(0);
    expect(await rt.runOn(0, 'whoAmI')).toBe(0);
    await rt.offline(1);
    await rt.online(1);
    const events = rt.trace.drain();
    const end = ringEvents(events, 1).find((e) => e.kind === 'task-end');
    expect(end).toMatchObject({ name: 'traceThenThrow', args: [expect.any(Number), 0] });
    const life = (cpu: number) => events.filter((e) => e.cpu === cpu && e.seq === null).map((e) => e.kind);
    expect(life(0)).toEqual(['online', 'died', 'replaced']);
    expect(life(1)).toEqual(['online', 'offline', 'online']);
    await rt.close();
    // At close: each CPU goes offline (in either order), and drain() still works on the closed runtime.
    expect(
      rt.trace
        .drain()
        .map((e) => `${e.cpu} ${e.kind}`)
        .sort(),
    ).toEqual(['0 offline', '1 offline']);
  });
});

describe('write()', () => {
  it('writes Perfetto JSON: a named track per CPU, tasks as complete events, folds and counters as counter tracks', async () => {
    const rt = await start({});
    await rt.runOn(0, 'traceShapes');
    await rt.runOn(1, 'allocFree', { n: 2, size: 64, align: 8 });
    const counter = rt.counter({ batch: 4 });
    await rt.runOn(1, 'countUp', { handle: counter.handle, times: 8 });
    const dir = mkdtempSync(join(tmpdir(), 'percpu-trace-'));
    const count = await rt.trace.write(join(dir, 't.json'));
    const trace = JSON.parse(await readFile(join(dir, 't.json'), 'utf8')) as ChromeTrace;
    expect(count).toBeGreaterThan(10);
    const byPh = (ph: string) => trace.traceEvents.filter((e) => e.ph === ph);
    expect(
      byPh('M')
        .filter((e) => e.name === 'thread_name')
        .map((e) => [e.tid, e.args?.name]),
    ).toEqual([
      [0, 'CPU 0'],
      [1, 'CPU 1'],
    ]);
    const tasks = byPh('X').filter((e) => e.cat === 'task');
    expect(tasks.map((e) => [e.tid, e.name])).toEqual([
      [0, 'traceShapes'],
      [1, 'allocFree'],
      [1, 'countUp'],
    ]);
    for (const t of tasks) expect(t.dur).toBeGreaterThan(0);
    expect(
      byPh('X')
        .filter((e) => e.cat === 'alloc')
        .map((e) => e.name),
    ).toEqual(['alloc', 'alloc', 'free', 'free']);
    expect(byPh('C').map((e) => [e.name, e.args])).toEqual([
      ['queue depth (CPU 0)', { value: 7 }],
      [`percpu_counter ${counter.handle.slot}`, { count: 4 }],
      [`percpu_counter ${counter.handle.slot}`, { count: 8 }],
    ]);
    expect(byPh('i').some((e) => e.name === 'big' && JSON.stringify(e.args).includes('18446744073709551615'))).toBe(
      true,
    );
    // Complete events on one track nest (Perfetto requires it): each starts inside the open ones and ends before them.
    for (const tid of [0, 1]) {
      const spans = byPh('X')
        .filter((e) => e.tid === tid)
        .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
      const open: number[] = [];
      for (const span of spans) {
        while (open.length > 0 && open.at(-1)! <= span.ts) open.pop();
        if (open.length > 0) expect(span.ts + span.dur!).toBeLessThanOrEqual(open.at(-1)! + 0.001);
        open.push(span.ts + span.dur!);
      }
    }

    await rt.runOn(0, 'traceN', { n: 3, name: 'n' });
    expect(await rt.trace.write(join(dir, 't.ndjson'), { format: 'ndjson' })).toBe(5);
    const lines = (await readFile(join(dir, 't.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; seq: number });
    expect(lines.map((l) => l.name)).toEqual(['traceN', 'n', 'n', 'n', 'traceN']);
  });
});

describe('toLogger', () => {
  it('drains into the runtime’s logger while it runs: one line per event, with its CPU', async () => {
    const log = captureLogger('info');
    const rt = await start({ toLogger: { intervalMs: 5 } }, { logger: log.logger });
    await rt.runOn(1, 'traceN', { n: 20, name: 'to logger' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = log.records().filter((r) => r.msg === 'trace event' && r.name === 'to logger');
    expect(lines.map((r) => [r.cpu, (r.args as number[])[0]])).toEqual(Array.from({ length: 20 }, (_, i) => [1, i]));
    await rt.close();
    expect(log.records().filter((r) => r.msg === 'trace event' && r.kind === 'offline')).toHaveLength(2);
  });
});

describe('tracing off', () => {
  it('reserves nothing and rt.trace refuses with TracingOffError', async () => {
    const off = await start(undefined);
    const on = await start({ bufferSize: 64 * 1024 });
    expect(off.trace.enabled).toBe(false);
    expect(off.allocator.areaSize).toBe(64 * 1024 * 1024);
    // 64 KiB of events + 32.5 KiB of header and names: two 64 KiB units at the top of the area.
    expect(on.allocator.areaSize).toBe(64 * 1024 * 1024 - 2 * 64 * 1024);
    expect(on.trace.config?.regionStart).toBe(64 * 1024 * 1024 - 2 * 64 * 1024);
    expect(() => off.trace.drain()).toThrow(TracingOffError);
    expect(() => off.trace.stats()).toThrow(TracingOffError);
    await expect(off.trace.write('/tmp/x.json')).rejects.toThrow(TracingOffError);
    // thisCpu.trace is accepted (and stores nothing).
    expect(await off.runOn(0, 'traceN', { n: 10, name: 'nothing' })).toBe(10);
  });
});
