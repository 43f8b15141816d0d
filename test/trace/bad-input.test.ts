/**
 * Bad input to tracing gets a typed error naming the argument, and changes nothing: the trace
 * option at start (mode, bufferSize, sizes that cannot be placed, toLogger), thisCpu.trace and
 * traceCounter on a CPU (a name that is not a string, too many values, values of the wrong type
 * or range), tracing on or off, and rt.trace.write's options.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, Runtime } from 'percpu';
import type { CpuCallOutcome } from '../fixtures/reliability-tasks.js';
import { rejectionOf, trackRuntimes } from '../runtime/helpers.js';
import { TRACE_STATICS, TRACE_TASKS, type Tracing } from './helpers.js';

const runtimes = trackRuntimes();

describe('the trace option', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['an unknown mode', { trace: { mode: 'ring' } }, 'trace.mode'],
    ['a bufferSize that is not a power of two', { trace: { bufferSize: 5000 } }, 'trace.bufferSize'],
    ['a bufferSize below 4 KiB', { trace: { bufferSize: 2048 } }, 'trace.bufferSize'],
    ['a bufferSize as a string', { trace: { bufferSize: '4096' } }, 'trace.bufferSize'],
    ['a bufferSize above 1 GiB', { trace: { bufferSize: 2 ** 31 } }, 'trace.bufferSize'],
    [
      'a ring that leaves the allocator no unit',
      { unitSize: 64 * 1024, areaSize: 128 * 1024, trace: { bufferSize: 64 * 1024 } },
      'trace.bufferSize',
    ],
    ['a ring in an area of one unit', { unitSize: 64 * 1024, areaSize: 64 * 1024, trace: {} }, 'trace.bufferSize'],
    ['trace as a string', { trace: 'yes' }, 'trace'],
    ['an unknown trace option', { trace: { size: 4096 } }, 'trace'],
    ['toLogger as a number', { trace: { toLogger: 1 } }, 'trace.toLogger'],
    ['a toLogger interval of 0', { trace: { toLogger: { intervalMs: 0 } } }, 'trace.toLogger.intervalMs'],
    ['a toLogger level of warn', { trace: { toLogger: { level: 'warn' } } }, 'trace.toLogger.level'],
  ];
  it.each(cases)('rejects %s with InvalidArgumentError naming it', async (_what, options, argument) => {
    const error = await rejectionOf(Runtime.start({ cpus: 1, ...options }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ argument });
  });

  it('names the largest ring that fits', async () => {
    const error = await rejectionOf(
      Runtime.start({ cpus: 1, unitSize: 64 * 1024, areaSize: 1024 * 1024, trace: { bufferSize: 1024 * 1024 } }),
    );
    expect((error as Error).message).toContain('a power of two from 4096 to 524288');
  });
});

describe.each([
  ['on', { bufferSize: 4096 }],
  ['off', false],
] as const)('thisCpu.trace with tracing %s', (_label, trace) => {
  const calls: [string, string, unknown[], string][] = [
    ['a number as the name', 'trace', [5], 'name'],
    ['no name', 'trace', [], 'name'],
    ['five values', 'trace', ['x', 1, 2, 3, 4, 5], 'values'],
    ['a string value', 'trace', ['x', 1, 'two'], 'values[1]'],
    ['a bigint above 2^64 - 1', 'trace', ['x', 2n ** 64n], 'values[0]'],
    ['a bigint below -2^63', 'trace', ['x', -(2n ** 63n) - 1n], 'values[0]'],
    ['an object as a counter value', 'traceCounter', ['depth', {}], 'values[0]'],
  ];
  it.each(calls)('rejects %s with InvalidArgumentError', async (_what, method, args, argument) => {
    const rt = await runtimes.start<Tracing>({ cpus: 1, tasks: TRACE_TASKS, statics: TRACE_STATICS, trace });
    const outcome: CpuCallOutcome = await rt.runOn(0, 'tryCpuCall', { on: 'thisCpu', method, args });
    expect(outcome).toMatchObject({ threw: true, percpu: true, name: 'InvalidArgumentError', argument });
    // Nothing was written: the ring holds only the task's own begin and end.
    if (trace !== false) expect(rt.trace.drain().filter((e) => e.kind === 'event')).toEqual([]);
  });

  it('rejects an empty name with InvalidArgumentError (tracing on: names are interned)', async () => {
    const rt = await runtimes.start<Tracing>({ cpus: 1, tasks: TRACE_TASKS, statics: TRACE_STATICS, trace });
    const outcome: CpuCallOutcome = await rt.runOn(0, 'tryCpuCall', { on: 'thisCpu', method: 'trace', args: [''] });
    if (trace === false) expect(outcome).toMatchObject({ threw: false });
    else expect(outcome).toMatchObject({ threw: true, name: 'InvalidArgumentError', argument: 'name' });
  });
});

describe('rt.trace.write', () => {
  it('rejects an unknown format, a missing path and bad options, writing nothing', async () => {
    const rt = await runtimes.start<Tracing>({ cpus: 1, tasks: TRACE_TASKS, statics: TRACE_STATICS, trace: {} });
    await rt.runOn(0, 'traceN', { n: 3, name: 'kept' });
    for (const [file, options, argument] of [
      ['/tmp/percpu-bad.json', { format: 'xml' }, 'format'],
      ['', undefined, 'file'],
      ['/tmp/percpu-bad.json', 'perfetto', 'options'],
      ['/tmp/percpu-bad.json', { events: 'all' }, 'events'],
    ] as const) {
      const error = await rejectionOf(rt.trace.write(file, options as never));
      expect(error).toMatchObject({ argument });
    }
    // Nothing was drained by the rejected calls.
    expect(rt.trace.drain().filter((e) => e.name === 'kept')).toHaveLength(3);
  });
});
