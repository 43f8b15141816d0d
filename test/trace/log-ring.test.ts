/**
 * thisCpu.log through the CPU's log ring (src/trace/log-ring.ts), tracing on or off: every line
 * reaches the root logger once, in order, with its cpu, also when the lines outrun the ring (they
 * then go as messages, and stay in order) and when one line is longer than the whole ring.
 */
import { describe, expect, it, vi } from 'vitest';
import { LOG_RING_BYTES } from '../../src/trace/log-ring.js';
import { captureLogger, trackRuntimes } from '../runtime/helpers.js';
import { TRACE_STATICS, TRACE_TASKS, type Tracing } from './helpers.js';

const runtimes = trackRuntimes();

describe.each([
  ['off', false],
  ['on', {}],
] as const)('tracing %s', (_label, trace) => {
  it('delivers every line once and in order, though they outrun the ring many times over', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start<Tracing>({
      cpus: 2,
      tasks: TRACE_TASKS,
      statics: TRACE_STATICS,
      logger: log.logger,
      trace,
    });
    // 3,000 lines of about 330 bytes: about 15 times the ring, written faster than it is drained.
    await rt.runOnEach('logLines', { n: 3000, bytes: 256 });
    await rt.runOn(0, 'logLines', { n: 1, bytes: LOG_RING_BYTES + 100 });
    // A line sent as a message travels beside the task's result: it may land just after it.
    await vi.waitFor(() => expect(log.count('ring line', 0)).toBe(3001), { timeout: 2000, interval: 10 });
    for (const cpu of [0, 1]) {
      const lines = log.records().filter((r) => r.msg === 'ring line' && r.cpu === cpu);
      const expected = Array.from({ length: 3000 }, (_, i) => i);
      if (cpu === 0) expected.push(0);
      expect(lines.map((r) => r.i)).toEqual(expected);
    }
    const long = log
      .records()
      .find((r) => r.msg === 'ring line' && typeof r.pad === 'string' && r.pad.length > LOG_RING_BYTES);
    expect(long).toMatchObject({ cpu: 0, level: 30 });
  });
});
