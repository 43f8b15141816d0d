/**
 * Two CPUs trace flat out while the coordinator drains beside them, in both modes and with a ring
 * small enough to overflow and one of the default size: at every stats() written = drained +
 * lost + inRing exactly, the counts never go back, and at the end every event a CPU says it wrote
 * is either drained or counted lost, with the seq gaps in what was drained adding up to the
 * losses (discard mode loses the newest, so a gap; overwrite mode the oldest).
 */
import { describe, expect, it } from 'vitest';
import type { TraceCpuStats, TraceEvent } from '../../src/trace/events.js';
import { trackRuntimes } from '../runtime/helpers.js';
import { TRACE_STATICS, TRACE_TASKS, type Tracing, ringEvents, seqGaps } from './helpers.js';

const runtimes = trackRuntimes();

describe.each([
  ['overwrite', 4096],
  ['discard', 4096],
  ['overwrite', 1024 * 1024],
  ['discard', 1024 * 1024],
] as const)('%s mode, %d bytes per CPU', (mode, bufferSize) => {
  it('accounts for every event exactly while the CPUs write flat out', async () => {
    const rt = await runtimes.start<Tracing>({
      cpus: 2,
      tasks: TRACE_TASKS,
      statics: TRACE_STATICS,
      trace: { mode, bufferSize },
    });
    const drained: TraceEvent[] = [];
    let done = false;
    let checks = 0;
    const previous: TraceCpuStats[] = rt.trace.stats();
    const drainer = (async () => {
      while (!done) {
        for (const e of rt.trace.drain()) drained.push(e);
        const stats = rt.trace.stats();
        for (const s of stats) {
          expect(s.written).toBe(s.drained + s.lost + s.inRing);
          const p = previous[s.cpu]!;
          expect(s.written).toBeGreaterThanOrEqual(p.written);
          expect(s.drained).toBeGreaterThanOrEqual(p.drained);
          expect(s.lost).toBeGreaterThanOrEqual(p.lost);
          previous[s.cpu] = s;
        }
        checks++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const wrote = await rt.runOnEach('flatOut', { ms: 100 });
    done = true;
    await drainer;
    for (const e of rt.trace.drain()) drained.push(e);
    expect(checks).toBeGreaterThan(5);
    for (const s of rt.trace.stats()) {
      const mine = ringEvents(drained, s.cpu);
      // The task's events plus its begin and end.
      expect(s.written).toBe(wrote.get(s.cpu)! + 2);
      expect(s.inRing).toBe(0);
      expect(s.drained).toBe(mine.length);
      expect(s.written).toBe(s.drained + s.lost);
      expect(new Set(mine.map((e) => e.seq)).size).toBe(mine.length);
      // What drained shows missing, plus what was lost before the first or after the last event drained.
      const first = mine[0]?.seq ?? s.written;
      const last = mine.at(-1)?.seq ?? s.written - 1;
      expect(first + seqGaps(mine) + (s.written - 1 - last)).toBe(s.lost);
      if (mode === 'discard') expect(s.overwritten).toBe(0);
      else expect(s.dropped).toBe(0);
      const values = mine.filter((e) => e.name === 'flat out').map((e) => e.args[0] as number);
      for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
    }
    if (bufferSize === 4096) expect(rt.trace.stats().some((s) => s.lost > 0)).toBe(true);
  });
});
