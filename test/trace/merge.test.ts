/**
 * drain()'s merge of the CPUs' runs (each in time order) and the coordinator's: a stable merge,
 * property-tested against sorting everything.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { TraceEvent } from '../../src/trace/events.js';
import { mergeByTime } from '../../src/trace/runtime-trace.js';

it('merges runs in time order into one in time order, every event once, ties in run order', () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }), { maxLength: 7 }), (times) => {
      const runs: TraceEvent[][] = times.map((ts, cpu) =>
        [...ts]
          .sort((a, b) => a - b)
          .map((t, seq) => ({ cpu, seq, ts: t, name: 'e', kind: 'event' as const, args: [] })),
      );
      const all = runs.flat();
      const merged = mergeByTime(runs.map((run) => [...run]));
      // Array.prototype.sort is stable: ties stay in run (CPU) order, as the merge keeps them.
      expect(merged).toEqual([...all].sort((a, b) => a.ts - b.ts));
    }),
    { numRuns: 300 },
  );
});
