/**
 * Nothing written is lost to a crash: a CPU traces events and logs lines, then its worker dies
 * (every way a worker can die); once its replacement has started, drain() returns every event
 * the dead worker wrote (seq without a gap, none lost), the replacement goes on numbering after
 * them, and the root logger has every line the dead worker logged, with its cpu, before the death.
 */
import { describe, expect, it, vi } from 'vitest';
import { CpuDiedError } from 'percpu';
import { captureLogger, rejectionOf, trackRuntimes } from '../runtime/helpers.js';
import { type DeathWay } from '../fixtures/trace-tasks.js';
import { TRACE_STATICS, TRACE_TASKS, type Tracing, ringEvents } from './helpers.js';

const runtimes = trackRuntimes();

const WAYS: readonly [DeathWay, string][] = [
  ['exit', 'process.exit'],
  ['uncaught', 'an uncaught exception'],
  ['rejection', 'an unhandled rejection'],
  ['timer', 'an exception in a timer'],
  ['oom', 'running out of heap'],
  ['kill', 'rt.killCpu'],
];

describe.each(WAYS)('a CPU whose worker dies by %s (%s)', (way) => {
  it('keeps every event and log line it wrote before dying', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start<Tracing>({
      cpus: 2,
      tasks: TRACE_TASKS,
      statics: TRACE_STATICS,
      logger: log.logger,
      trace: { bufferSize: 64 * 1024 },
      ...(way === 'oom' ? { workerResourceLimits: { maxOldGenerationSizeMb: 32 } } : {}),
    });
    await rt.runOn(1, 'traceN', { n: 5, name: 'earlier' });
    // Its rejection is taken at once: it comes before killCpu resolves (the replacement is up later).
    const dying = rejectionOf(rt.runOn(1, 'traceThenDie', { n: 200, lines: 3, way }));
    if (way === 'kill') {
      const marker = rt.staticPtr('trace_dying');
      await vi.waitFor(() => expect(rt.read(marker, 1, 'u32')).toBe(1), { timeout: 5000, interval: 2 });
      await rt.killCpu(1);
    }
    expect(await dying).toBeInstanceOf(CpuDiedError);
    expect(await rt.runOn(1, 'traceN', { n: 2, name: 'after' })).toBe(2);

    const events = rt.trace.drain();
    const mine = ringEvents(events, 1);
    // earlier: begin, 5, end (seq 0-6); the dying task: begin, 200 (7-207); the replacement's task: 208-211.
    expect(mine.map((e) => e.seq)).toEqual(Array.from({ length: 212 }, (_, i) => i));
    expect(mine.filter((e) => e.name === 'before death').map((e) => e.args[0])).toEqual(
      Array.from({ length: 200 }, (_, i) => i),
    );
    expect(mine.filter((e) => e.name === 'after')).toHaveLength(2);
    expect(rt.trace.stats()[1]).toMatchObject({ written: 212, drained: 212, lost: 0, inRing: 0 });
    const life = events.filter((e) => e.cpu === 1 && e.seq === null).map((e) => e.kind);
    expect(life).toEqual(['online', 'died', 'replaced']);
    // The death comes after the dead worker's last event, the replacement before its first.
    const died = events.find((e) => e.kind === 'died')!;
    expect(died.ts).toBeGreaterThanOrEqual(mine[207]!.ts);
    expect(events.find((e) => e.kind === 'replaced')!.ts).toBeLessThanOrEqual(mine[208]!.ts);

    const records = log.records();
    const words = records.filter((r) => r.msg === 'last words');
    expect(words.map((r) => [r.cpu, r.i])).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    expect(records.findIndex((r) => r.msg === 'last words')).toBeLessThan(
      records.findIndex((r) => r.msg === 'CPU worker died'),
    );
  });
});
