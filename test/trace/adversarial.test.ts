/**
 * An adversarial user of tracing, with real CPUs: rings at the smallest and largest sizes and
 * around the unit size, names that fill the table or sit at the length limits, values at the
 * edges of every kind, bad calls that must leave no trace, workers that die right after a write
 * (in a loop), log bursts past the ring with unicode followed by a crash, write() in both formats
 * while the CPUs write, drain() during close(), offline/online and a kill while tracing. Each
 * checks the outcome docs/tracing.md defines, and written = drained + lost + inRing throughout.
 */
import { readFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CpuDiedError } from 'percpu';
import { InvalidArgumentError } from '../../src/errors.js';
import type { TraceCpuStats, TraceEvent } from '../../src/trace/events.js';
import { resolveTraceOptions } from '../../src/trace/options.js';
import { LOG_RING_BYTES } from '../../src/trace/log-ring.js';
import { captureLogger, rejectionOf, trackRuntimes } from '../runtime/helpers.js';
import type * as Adversarial from '../fixtures/trace-adversarial-tasks.js';
import { TRACE_STATICS, TRACE_TASKS, type Tracing, ringEvents, seqGaps } from './helpers.js';

const ADVERSARIAL_TASKS = new URL('../../dist/test/fixtures/trace-adversarial-tasks.js', import.meta.url);
type Tasks = typeof Adversarial;
const runtimes = trackRuntimes();
/** src/cpu/trace.ts's TASK_NAME_NOT_INTERNED (that module runs in workers: not imported here). */
const TASK_NAME_NOT_INTERNED = '(task name not interned)';

const identity = (stats: readonly TraceCpuStats[]): void => {
  for (const s of stats) expect(s.written, `cpu ${s.cpu}`).toBe(s.drained + s.lost + s.inRing);
};

describe('ring sizes', () => {
  it('places the smallest, the unit-sized and the largest ring that fits, and rejects one more', () => {
    const unit = 64 * 1024;
    const area = 64 * 1024 * 1024;
    // 512 B header + 32 KiB names + 4 KiB events: one unit.
    expect(resolveTraceOptions({ bufferSize: 4096 }, unit, area)).toMatchObject({ slots: 64, regionSize: unit });
    // bufferSize = unitSize: the header and name table push it into a second unit.
    expect(resolveTraceOptions({ bufferSize: unit }, unit, area)).toMatchObject({
      slots: 1024,
      regionSize: 2 * unit,
      regionStart: area - 2 * unit,
    });
    // 32 MiB fits a 64 MiB area (513 units, the allocator keeps the rest); 64 MiB does not.
    expect(resolveTraceOptions({ bufferSize: 32 << 20 }, unit, area)?.regionSize).toBe((32 << 20) + unit);
    expect(() => resolveTraceOptions({ bufferSize: 64 << 20 }, unit, area)).toThrow(/from 4096 to 33554432/);
    for (const bad of [4095, 2048, 4096 + 64, 0, -4096, Number.NaN, 2 ** 31, '4096'])
      expect(() => resolveTraceOptions({ bufferSize: bad }, unit, area)).toThrow(InvalidArgumentError);
  });

  it('a ring that leaves the allocator exactly one unit: allocation and tracing both work', async () => {
    const rt = await runtimes.start<Tracing>({
      cpus: 1,
      tasks: TRACE_TASKS,
      statics: TRACE_STATICS,
      unitSize: 64 * 1024,
      areaSize: 128 * 1024,
      trace: { bufferSize: 4096 },
    });
    expect(rt.trace.config).toMatchObject({ regionStart: 64 * 1024, regionSize: 64 * 1024, slots: 64 });
    const ptrs = await rt.runOn(0, 'allocFree', { n: 8, size: 1024, align: 8 });
    for (const ptr of ptrs) expect(ptr + 1024).toBeLessThanOrEqual(64 * 1024);
    await rt.runOn(0, 'traceN', { n: 100, name: 'x' });
    identity(rt.trace.stats());
    expect(rt.trace.stats()[0]!.written).toBe(2 + 8 * 2 + 102);
  });

  it.each(['overwrite', 'discard'] as const)(
    'the largest ring of a small area works end to end (%s mode, the allocator keeps its one unit)',
    async (mode) => {
      // 32 KiB units, a 256 KiB area: 512 B + 32 KiB + 128 KiB = 160.5 KiB, 6 units; 256 KiB would not fit.
      const rt = await runtimes.start<Tracing>({
        cpus: 2,
        tasks: TRACE_TASKS,
        statics: TRACE_STATICS,
        unitSize: 32 * 1024,
        areaSize: 256 * 1024,
        trace: { bufferSize: 128 * 1024, mode },
      });
      expect(rt.trace.config).toMatchObject({ slots: 2048, regionSize: 6 * 32 * 1024 });
      const ptrs = await rt.runOn(0, 'allocFree', { n: 4, size: 64, align: 8 });
      for (const ptr of ptrs) expect(ptr).toBeLessThan(rt.trace.config!.regionStart);
      await rt.runOn(1, 'traceN', { n: 3000, name: 'fill' });
      const events = ringEvents(rt.trace.drain(), 1);
      const s = rt.trace.stats()[1]!;
      identity(rt.trace.stats());
      expect(s.written).toBe(3002);
      expect(s.lost).toBe(3002 - events.length);
      expect(seqGaps(events) + events[0]!.seq!).toBe(mode === 'overwrite' ? s.lost : 0);
      if (mode === 'discard') expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 2048 }, (_, i) => i));
    },
  );
});

describe('names and values', () => {
  it('fills the name table with an OutOfSpaceError, and the names it took decode on the coordinator', async () => {
    const rt = await runtimes.start<Tasks>({ cpus: 1, tasks: ADVERSARIAL_TASKS, trace: { bufferSize: 128 * 1024 } });
    const { fitted, error } = await rt.runOn(0, 'fillNames', { n: 5000, prefix: 'name number ' });
    // 'name number 123' is 15 bytes: 20 an entry, minus the task's and the runtime's 4 names.
    expect(error).toBe('OutOfSpaceError PERCPU_OUT_OF_SPACE');
    expect(fitted).toBeGreaterThan(1500);
    const mine = ringEvents(rt.trace.drain(), 0).filter((e) => e.kind === 'event');
    expect(mine.map((e) => e.name)).toEqual(Array.from({ length: fitted }, (_, i) => `name number ${i}`));
    expect(mine.map((e) => e.args[0])).toEqual(Array.from({ length: fitted }, (_, i) => i));
    identity(rt.trace.stats());
    // A name already interned still works once the table is full; a new one keeps failing.
    const again = await rt.runOn(0, 'fillNames', { n: 3, prefix: 'name number ' });
    expect(again).toEqual({ fitted: 3, error: null });
  });

  it('a task whose name cannot be interned (table full, name too long) still runs, its events counted', async () => {
    const rt = await runtimes.start<Tasks>({ cpus: 1, tasks: ADVERSARIAL_TASKS, trace: {} });
    expect((await rt.runOn(0, 'fillNames', { n: 5000, prefix: 'name number ' })).error).toMatch(/OutOfSpaceError/);
    expect(await rt.runOn(0, 'runAfterTheTableIsFull')).toBe(42);
    const long = ('a_task_whose_name_is_far_longer_than_the_two_hundred_and_fifty_six_bytes_an_event_name_may_take' +
      '_in_the_trace_name_table_' +
      'x'.repeat(150)) as 'runAfterTheTableIsFull';
    expect(long.length).toBeGreaterThan(256);
    expect(await rt.runOn(0, long)).toBe(7);
    const mine = ringEvents(rt.trace.drain(), 0);
    const tail = mine.slice(-5).map((e) => [e.kind, e.name]);
    expect(tail).toEqual([
      ['task-begin', TASK_NAME_NOT_INTERNED],
      ['event', 'name number 0'],
      ['task-end', TASK_NAME_NOT_INTERNED],
      ['task-begin', TASK_NAME_NOT_INTERNED],
      ['task-end', TASK_NAME_NOT_INTERNED],
    ]);
    expect(mine.map((e) => e.seq)).toEqual(Array.from({ length: mine.length }, (_, i) => i));
    identity(rt.trace.stats());
    expect(rt.trace.stats()[0]).toMatchObject({ written: mine.length, lost: 0 });
  });

  it('a call that throws for a bad value interns nothing: bad calls cannot fill the name table', async () => {
    const rt = await runtimes.start<Tasks>({ cpus: 1, tasks: ADVERSARIAL_TASKS, trace: {} });
    const errors = await rt.runOn(0, 'badValuesNewNames', { n: 3000 });
    expect(errors.slice(0, -1).every((e) => e === 'InvalidArgumentError PERCPU_INVALID_ARGUMENT')).toBe(true);
    expect(errors.at(-1)).toBeNull();
    const mine = ringEvents(rt.trace.drain(), 0);
    // task-begin, the one good event, task-end: the bad calls wrote nothing.
    expect(mine.map((e) => e.name)).toEqual(['badValuesNewNames', 'fresh after bad calls', 'badValuesNewNames']);
    expect(rt.trace.stats()[0]).toMatchObject({ written: 3, drained: 3, lost: 0 });
  });

  it('takes names of 1 to 256 UTF-8 bytes, unicode included, and refuses empty and longer ones', async () => {
    const rt = await runtimes.start<Tasks>({ cpus: 1, tasks: ADVERSARIAL_TASKS, trace: {} });
    const names = [
      'a',
      'x'.repeat(256),
      'é'.repeat(128), // 256 bytes
      '😀'.repeat(64), // 256 bytes, surrogate pairs
      '\u0000nul inside',
      '',
      'x'.repeat(257),
      'é'.repeat(129), // 258 bytes from 129 characters
      '😀'.repeat(64) + 'x', // 257 bytes
    ];
    const errors = await rt.runOn(0, 'nameEdges', { names });
    const bad = 'InvalidArgumentError PERCPU_INVALID_ARGUMENT';
    expect(errors).toEqual([null, null, null, null, null, bad, bad, bad, bad]);
    const mine = ringEvents(rt.trace.drain(), 0).filter((e) => e.kind === 'event');
    expect(mine.map((e) => [e.name, e.args[0]])).toEqual(names.slice(0, 5).map((n) => [n, n.length]));
  });

  it('keeps numbers and bigints at every edge exactly, and refuses bigints outside -2^63 .. 2^64 - 1', async () => {
    const rt = await runtimes.start<Tasks>({ cpus: 1, tasks: ADVERSARIAL_TASKS, trace: {} });
    const good: (number | string)[] = [
      Number.NaN,
      Infinity,
      -Infinity,
      -0,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      -Number.MAX_SAFE_INTEGER,
      `${-(2n ** 63n)}n`,
      `${2n ** 63n - 1n}n`,
      `${2n ** 63n}n`,
      `${2n ** 64n - 1n}n`,
      '0n',
      '-1n',
    ];
    const bad = [`${2n ** 64n}n`, `${-(2n ** 63n) - 1n}n`];
    const errors = await rt.runOn(0, 'valueEdges', { values: [...good, ...bad] });
    expect(errors).toEqual([
      ...good.map(() => null),
      'InvalidArgumentError PERCPU_INVALID_ARGUMENT',
      'InvalidArgumentError PERCPU_INVALID_ARGUMENT',
    ]);
    const events = rt.trace.drain();
    const args = ringEvents(events, 0)
      .filter((e) => e.kind === 'event')
      .map((e) => e.args[0]);
    const expected = good.map((v) => (typeof v === 'string' ? BigInt(v.slice(0, -1)) : v));
    expect(args).toHaveLength(expected.length);
    // Object.is: NaN is NaN, -0 stays -0.
    args.forEach((a, i) => expect(Object.is(a, expected[i]), `value ${i}: ${String(a)}`).toBe(true));
    // NDJSON: bigints beyond 2^53 as strings, every line parses.
    const dir = mkdtempSync(join(tmpdir(), 'percpu-adv-'));
    await rt.trace.write(join(dir, 'e.ndjson'), { format: 'ndjson', events });
    const lines = (await readFile(join(dir, 'e.ndjson'), 'utf8')).trim().split('\n');
    const edge = lines.map((l) => JSON.parse(l) as { name: string; args: unknown[] }).filter((l) => l.name === 'edge');
    expect(edge.slice(7, 11).map((l) => l.args[0])).toEqual(good.slice(7, 11).map((v) => (v as string).slice(0, -1)));
    await rt.trace.write(join(dir, 'e.json'), { events });
    const chrome = JSON.parse(await readFile(join(dir, 'e.json'), 'utf8')) as { traceEvents: unknown[] };
    expect(chrome.traceEvents.length).toBeGreaterThan(good.length);
  });
});

describe('deaths while tracing', () => {
  it('a worker that exits right after its k-th event, k = 0 .. 7 in a loop, loses none of them', async () => {
    const rt = await runtimes.start<Tasks>({ cpus: 2, tasks: ADVERSARIAL_TASKS, trace: { bufferSize: 4096 } });
    const drained: TraceEvent[] = [];
    let expected = 0;
    for (let k = 0; k <= 7; k++) {
      expect(await rejectionOf(rt.runOn(1, 'traceThenExit', { n: k }))).toBeInstanceOf(CpuDiedError);
      expected += k + 1; // task-begin and k events; the task never ended
      // Drain between some deaths, not others: what the ring holds stays across replacements.
      if (k % 2 === 1) drained.push(...rt.trace.drain());
      identity(rt.trace.stats());
    }
    drained.push(...rt.trace.drain());
    const mine = ringEvents(drained, 1);
    expect(mine.map((e) => e.seq)).toEqual(Array.from({ length: expected }, (_, i) => i));
    const lasts = mine.filter((e) => e.name === 'last').map((e) => e.args[0]);
    expect(lasts).toEqual(Array.from({ length: 8 }, (_, k) => Array.from({ length: k }, (_, i) => i)).flat());
    expect(rt.trace.stats()[1]).toMatchObject({ written: expected, drained: expected, lost: 0, inRing: 0 });
    expect(drained.filter((e) => e.cpu === 1 && e.kind === 'died')).toHaveLength(8);
  });

  it('offline, online and a kill while the other CPU traces: seq goes on, the identity holds', async () => {
    const rt = await runtimes.start<Tracing>({
      cpus: 2,
      tasks: TRACE_TASKS,
      statics: TRACE_STATICS,
      trace: { bufferSize: 4096, mode: 'discard' },
    });
    const drained: TraceEvent[] = [];
    const flat = rt.runOn(0, 'flatOut', { ms: 300 });
    await rt.runOn(1, 'traceN', { n: 10, name: 'a' });
    await rt.offline(1);
    drained.push(...rt.trace.drain());
    identity(rt.trace.stats());
    await rt.online(1);
    await rt.runOn(1, 'traceN', { n: 10, name: 'b' });
    await rt.killCpu(1);
    await rt.runOn(1, 'traceN', { n: 10, name: 'c' });
    const wrote = await flat;
    drained.push(...rt.trace.drain());
    const stats = rt.trace.stats();
    identity(stats);
    const one = ringEvents(drained, 1);
    expect(one.map((e) => e.seq)).toEqual(Array.from({ length: 36 }, (_, i) => i));
    expect(stats[1]).toMatchObject({ written: 36, lost: 0 });
    // CPU 0 wrote flat out into 64 slots: what the reader drained plus what it lost is all of it.
    expect(stats[0]!.written).toBe(wrote + 2);
    const zero = ringEvents(drained, 0);
    expect(zero.length + stats[0]!.lost).toBe(wrote + 2);
    const life = drained.filter((e) => e.cpu === 1 && e.seq === null).map((e) => e.kind);
    expect(life).toEqual(['online', 'offline', 'online', 'died', 'replaced']);
  });
});

describe('thisCpu.log under pressure', () => {
  it('rt.killCpu in the middle of a burst of lines and events: what was written arrives, once, in order', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start<Tasks>({
      cpus: 2,
      tasks: ADVERSARIAL_TASKS,
      logger: log.logger,
      statics: { adv_marker: 'u32' },
      trace: { bufferSize: 1 << 20, mode: 'discard' },
    });
    const text = 'ünïcødé ✓ '.repeat(30);
    const dying = rejectionOf(rt.runOn(1, 'logAndTraceForever', { after: 2000, text }));
    const marker = rt.staticPtr('adv_marker');
    await vi.waitFor(() => expect(rt.read(marker, 1, 'u32')).toBe(1), { timeout: 5000, interval: 2 });
    await rt.killCpu(1);
    expect(await dying).toBeInstanceOf(CpuDiedError);
    await rt.runOn(1, 'logBurst', { n: 3, text: 'after', exit: false });
    await vi.waitFor(() => expect(log.count('burst', 1)).toBe(3), { timeout: 3000, interval: 10 });
    const lines = log.records().filter((r) => r.cpu === 1 && (r.msg === 'endless' || r.msg === 'burst'));
    const endless = lines.filter((r) => r.msg === 'endless');
    expect(endless.length).toBeGreaterThan(2000);
    expect(endless.map((r) => r.i)).toEqual(Array.from({ length: endless.length }, (_, i) => i));
    expect(lines.slice(-3).map((r) => [r.msg, r.i])).toEqual([
      ['burst', 0],
      ['burst', 1],
      ['burst', 2],
    ]);
    const events = ringEvents(rt.trace.drain(), 1);
    const traced = events.filter((e) => e.name === 'endless').map((e) => e.args[0]);
    const s = rt.trace.stats()[1]!;
    identity([s]);
    // Discard mode: the oldest are kept, in order; every dropped one is counted.
    expect(traced).toEqual(Array.from({ length: traced.length }, (_, i) => i));
    expect(events.map((e) => e.seq)).toEqual(
      Array.from({ length: events.length }, (_, i) => (i < traced.length + 1 ? i : i + s.dropped)),
    );
  });

  it('a burst of unicode lines past the ring, then process.exit: every line once, in order', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start<Tasks>({ cpus: 2, tasks: ADVERSARIAL_TASKS, logger: log.logger });
    const text = 'Grüße, 世界 😀 '.repeat(20);
    // About 1,500 lines of 500 bytes: 11 times the ring, so most go as messages, then the worker dies.
    expect(await rejectionOf(rt.runOn(1, 'logBurst', { n: 1500, text, exit: true }))).toBeInstanceOf(CpuDiedError);
    // The replacement logs too, after the dead worker's lines.
    await rt.runOn(1, 'logBurst', { n: 200, text, exit: false });
    await rt.runOn(1, 'logBurst', { n: 1, text: 'y'.repeat(LOG_RING_BYTES * 2), exit: false });
    const deadline = Date.now() + 3000;
    while (log.count('burst', 1) < 1701 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const lines = log.records().filter((r) => r.msg === 'burst' && r.cpu === 1);
    const want = [...Array.from({ length: 1500 }, (_, i) => i), ...Array.from({ length: 200 }, (_, i) => i), 0];
    expect(lines.map((r) => r.i)).toEqual(want);
    expect(lines.slice(0, -1).every((r) => r.text === text)).toBe(true);
  });
});

describe('the coordinator’s calls while CPUs write', () => {
  it('write() in both formats while two CPUs trace flat out, then drain() during close()', async () => {
    const rt = await runtimes.start<Tracing>({
      cpus: 2,
      tasks: TRACE_TASKS,
      statics: TRACE_STATICS,
      trace: { bufferSize: 8192 },
    });
    const dir = mkdtempSync(join(tmpdir(), 'percpu-adv-'));
    const flat = rt.runOnEach('flatOut', { ms: 250 });
    let written = 0;
    const all: TraceEvent[] = [];
    for (let i = 0; i < 6; i++) {
      const events = rt.trace.drain();
      all.push(...events);
      const format = i % 2 === 0 ? 'perfetto' : 'ndjson';
      written += await rt.trace.write(join(dir, `t${i}`), { format, events });
      identity(rt.trace.stats());
      await new Promise((r) => setTimeout(r, 20));
    }
    // write() without events drains itself.
    const self = await rt.trace.write(join(dir, 'self.ndjson'), { format: 'ndjson' });
    const selfLines = (await readFile(join(dir, 'self.ndjson'), 'utf8')).split('\n').filter((l) => l !== '');
    expect(selfLines).toHaveLength(self);
    const wrote = await flat;
    const closing = rt.close();
    const during = rt.trace.drain();
    await closing;
    const after = rt.trace.drain();
    expect(rt.trace.drain()).toEqual([]);
    const stats = rt.trace.stats();
    identity(stats);
    const selfEvents = selfLines.map((l) => JSON.parse(l) as { cpu: number; seq: number | null });
    for (const cpu of [0, 1]) {
      const s = stats[cpu]!;
      expect(s.written).toBe(wrote.get(cpu)! + 2);
      expect(s.inRing).toBe(0);
      const seqs = [
        ...ringEvents(all, cpu).map((e) => e.seq!),
        ...selfEvents.filter((e) => e.cpu === cpu && e.seq !== null).map((e) => e.seq!),
        ...ringEvents(during, cpu).map((e) => e.seq!),
        ...ringEvents(after, cpu).map((e) => e.seq!),
      ];
      // Every event once, in order; drained + lost = written.
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
      expect(seqs.length).toBe(s.drained);
      expect(s.drained + s.lost).toBe(s.written);
    }
    expect(written).toBe(all.length);
  });
});

describe('write() that fails', () => {
  it('a write that fails gives the events it drained back to the next drain(): none lost', async () => {
    const rt = await runtimes.start<Tracing>({ cpus: 2, tasks: TRACE_TASKS, statics: TRACE_STATICS, trace: {} });
    await rt.runOnEach('traceN', { n: 50, name: 'kept' });
    const error = await rejectionOf(rt.trace.write('/nonexistent-dir-percpu/t.json'));
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    await rt.runOn(0, 'traceN', { n: 1, name: 'later' });
    const events = rt.trace.drain();
    for (const cpu of [0, 1]) {
      const mine = ringEvents(events, cpu);
      const n = cpu === 0 ? 55 : 52;
      expect(mine.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    for (let i = 1; i < events.length; i++) expect(events[i]!.ts).toBeGreaterThanOrEqual(events[i - 1]!.ts);
    const stats = rt.trace.stats();
    identity(stats);
    expect(stats.map((s) => [s.written, s.drained, s.lost])).toEqual([
      [55, 55, 0],
      [52, 52, 0],
    ]);
  });

  it('events that are not drain()’s records are an InvalidArgumentError, not a TypeError', async () => {
    const rt = await runtimes.start<Tracing>({ cpus: 1, tasks: TRACE_TASKS, statics: TRACE_STATICS, trace: {} });
    const dir = mkdtempSync(join(tmpdir(), 'percpu-adv-'));
    const good = { cpu: 0, seq: 0, ts: 1, name: 'x', kind: 'event', args: [1] };
    for (const bad of [[null], [1], [{ ...good, args: 'no' }], [{ ...good, ts: 'late' }], [{ ...good, cpu: 0.5 }]]) {
      for (const format of ['perfetto', 'ndjson'] as const) {
        const error = await rejectionOf(rt.trace.write(join(dir, 'bad'), { format, events: bad as never }));
        // The runtime is percpu's build (dist): its error classes are not src's.
        expect(error).toMatchObject({ name: 'InvalidArgumentError', argument: 'events[0]' });
      }
    }
    expect(await rt.trace.write(join(dir, 'good'), { events: [good as TraceEvent] })).toBe(1);
  });
});
