/** The coordinator's API and both exposition formats, exactly; bad input gets typed errors. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, TooManySeriesError } from 'percpu';
import { thrownBy, trackRuntimes } from '../runtime/helpers.js';
import { METRIC_TASKS, type MetricTaskModule } from './helpers.js';

const tracker = trackRuntimes();
const start = () => tracker.start<MetricTaskModule>({ cpus: 2, tasks: METRIC_TASKS });

/** `_created` values are times: replaced by a placeholder so the rest can be compared exactly. */
const withoutCreated = (text: string): string => text.replace(/(_created(\{[^}]*\})?) [0-9.e+]+/g, '$1 T');

describe('exposition formats', () => {
  it('renders the Prometheus text format 0.0.4 and OpenMetrics 1.0', async () => {
    const rt = await start();
    const m = rt.metrics();
    expect(rt.metrics()).toBe(m);
    const c = m.counter({
      name: 'http_requests_total',
      help: 'Requests "served"\nby route \\ method',
      labelNames: ['route'],
    });
    c.inc({ route: '/a"b\\c\nd' }, 3);
    c.labels('/plain').inc();
    const g = m.gauge({ name: 'temperature', help: 'degrees' });
    g.set(-1.5);
    const h = m.histogram({ name: 'size_bytes', help: 'sizes', buckets: [1, 2.5] });
    h.observe(2);
    h.observe(Infinity);
    expect(await m.text()).toBe(
      [
        '# HELP http_requests_total Requests "served"\\nby route \\\\ method',
        '# TYPE http_requests_total counter',
        'http_requests_total{route="/a\\"b\\\\c\\nd"} 3',
        'http_requests_total{route="/plain"} 1',
        '# HELP temperature degrees',
        '# TYPE temperature gauge',
        'temperature -1.5',
        '# HELP size_bytes sizes',
        '# TYPE size_bytes histogram',
        'size_bytes_bucket{le="1"} 0',
        'size_bytes_bucket{le="2.5"} 1',
        'size_bytes_bucket{le="+Inf"} 2',
        'size_bytes_sum +Inf',
        'size_bytes_count 2',
        '',
      ].join('\n'),
    );
    expect(withoutCreated(await m.text({ openMetrics: true }))).toBe(
      [
        '# HELP http_requests Requests \\"served\\"\\nby route \\\\ method',
        '# TYPE http_requests counter',
        'http_requests_total{route="/a\\"b\\\\c\\nd"} 3',
        'http_requests_created{route="/a\\"b\\\\c\\nd"} T',
        'http_requests_total{route="/plain"} 1',
        'http_requests_created{route="/plain"} T',
        '# HELP temperature degrees',
        '# TYPE temperature gauge',
        'temperature -1.5',
        '# HELP size_bytes sizes',
        '# TYPE size_bytes histogram',
        'size_bytes_bucket{le="1.0"} 0',
        'size_bytes_bucket{le="2.5"} 1',
        'size_bytes_bucket{le="+Inf"} 2',
        'size_bytes_sum +Inf',
        'size_bytes_count 2',
        'size_bytes_created T',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('gives a reset counter a new _created and starts it from zero', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'n_total', help: 'n' });
    c.inc(5);
    await rt.runOnEach('countBound', { handle: c.handle, values: [], times: 10 });
    const before = Number(/n_created (\S+)/.exec(await rt.metrics().text({ openMetrics: true }))![1]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    c.reset();
    expect(c.get()).toBe(0n);
    await rt.runOnEach('countBound', { handle: c.handle, values: [], times: 7 });
    expect(c.get()).toBe(14n);
    const after = Number(/n_created (\S+)/.exec(await rt.metrics().text({ openMetrics: true }))![1]);
    expect(after).toBeGreaterThan(before);
  });
});

describe('bad input', () => {
  it('refuses bad names, labels, values and options with typed errors that change nothing', async () => {
    const rt = await start();
    const m = rt.metrics();
    const allocs = rt.stats().allocator.nrCurAlloc;
    expect(thrownBy(() => m.counter({ name: '1bad', help: 'x' }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => m.counter({ name: 'ok', help: '' }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => m.counter({ name: 'ok', help: 'x', labelNames: ['__reserved'] }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(thrownBy(() => m.counter({ name: 'ok', help: 'x', labelNames: ['a', 'a'] }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(thrownBy(() => m.histogram({ name: 'ok', help: 'x', labelNames: ['le'] }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(thrownBy(() => m.histogram({ name: 'ok', help: 'x', buckets: [2, 1] }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(thrownBy(() => m.gauge({ name: 'ok', help: 'x', aggregate: 'avg' as 'sum' }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(thrownBy(() => m.gauge({ name: 'ok', help: 'x', aggregate: 'cpu', labelNames: ['cpu'] }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(thrownBy(() => m.counter({ name: 'ok', help: 'x', maxChildren: 0 }))).toBeInstanceOf(InvalidArgumentError);
    expect(rt.stats().allocator.nrCurAlloc).toBe(allocs);

    const c = m.counter({ name: 'c_total', help: 'c', labelNames: ['route'], maxChildren: 2 });
    expect(thrownBy(() => m.counter({ name: 'c_total', help: 'again' }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => c.inc({ route: '/a' }, -1))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => c.inc({ route: '/a' }, 0.5))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => c.inc({ route: '/a', extra: 'x' }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => c.inc({ route: 'a\u0000b' }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => c.inc({ route: 'x'.repeat(300) }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => c.inc())).toBeInstanceOf(InvalidArgumentError);
    expect(c.size).toBe(0);
    c.inc({ route: '/a' });
    c.inc({ route: '/b' });
    const error = thrownBy(() => c.inc({ route: '/c' }));
    expect(error).toBeInstanceOf(TooManySeriesError);
    expect((error as TooManySeriesError).code).toBe('PERCPU_TOO_MANY_SERIES');
    expect(c.size).toBe(2);
    expect(thrownBy(() => m.histogram({ name: 'h', help: 'h' }).observe(NaN))).toBeInstanceOf(InvalidArgumentError);
    await expect(m.text({ openMetrics: 'yes' as unknown as boolean })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('refuses bad input on a CPU with typed errors, the cap included', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'c_total', help: 'c', labelNames: ['route'], maxChildren: 10 });
    const plain = rt.metrics().counter({ name: 'p_total', help: 'p' });
    const code = async (handle: unknown, how: string) => (await rt.runOn(0, 'misuse', { handle, how })).code;
    expect(await code(plain.handle, 'negative')).toBe('PERCPU_INVALID_ARGUMENT');
    expect(await code(plain.handle, 'fraction')).toBe('PERCPU_INVALID_ARGUMENT');
    expect(await code(c.handle, 'extra-label')).toBe('PERCPU_INVALID_ARGUMENT');
    expect(await code(c.handle, 'missing-label')).toBe('PERCPU_INVALID_ARGUMENT');
    expect(await code(c.handle, 'nul')).toBe('PERCPU_INVALID_ARGUMENT');
    expect(await code(c.handle, 'long')).toBe('PERCPU_INVALID_ARGUMENT');
    expect(await code({ kind: 'counter' }, 'negative')).toBe('PERCPU_INVALID_ARGUMENT');
    expect(await code(c.handle, 'cap')).toBe('PERCPU_TOO_MANY_SERIES');
    expect(c.size).toBeLessThanOrEqual(10);
    expect(plain.get()).toBe(0n);
  });
});
