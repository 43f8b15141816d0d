/** Shared helpers of the trace tests (not a test file itself). */
import type { TraceEvent } from '../../src/trace/events.js';
import type * as TraceTasks from '../fixtures/trace-tasks.js';

/** The compiled tasks module (`npx tsc -p tsconfig.json` builds it from test/fixtures/). */
export const TRACE_TASKS = new URL('../../dist/test/fixtures/trace-tasks.js', import.meta.url);
export type Tracing = typeof TraceTasks;
export const TRACE_STATICS = { trace_dying: 'u32' } as const;

/** CPU `cpu`'s ring events (seq not null), in drain order. */
export function ringEvents(events: readonly TraceEvent[], cpu: number): TraceEvent[] {
  return events.filter((e) => e.cpu === cpu && e.seq !== null);
}

/** The seqs missing between consecutive events (what a reader can tell was lost). */
export function seqGaps(events: readonly TraceEvent[]): number {
  let gaps = 0;
  for (let i = 1; i < events.length; i++) gaps += events[i]!.seq! - events[i - 1]!.seq! - 1;
  return gaps;
}
