/** metrics.serve(): HTTP with content negotiation, port 0, typed listen errors; registerWith() into prom-client. */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { InvalidArgumentError, ListenError } from 'percpu';
import { rejectionOf, trackRuntimes } from '../runtime/helpers.js';
import { METRIC_TASKS, type MetricTaskModule, sampleValue } from './helpers.js';

const tracker = trackRuntimes();
const start = () => tracker.start<MetricTaskModule>({ cpus: 2, tasks: METRIC_TASKS });

describe('serve()', () => {
  it('answers GET with 0.0.4 or OpenMetrics as Accept asks, on a port it picked', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'served_total', help: 'served' });
    await rt.runOnEach('countBound', { handle: c.handle, values: [], times: 21 });
    const server = await rt.metrics().serve({ port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const plain = await fetch(server.url);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(sampleValue(await plain.text(), 'served_total')).toBe(42);
    const prometheusAccept =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const om = await fetch(server.url, { headers: { accept: prometheusAccept } });
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const body = await om.text();
    expect(sampleValue(body, 'served_total')).toBe(42);
    expect(body.endsWith('# EOF\n')).toBe(true);
    expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it('reports a bad port, a busy port and a bad host as typed errors', async () => {
    const rt = await start();
    const m = rt.metrics();
    expect(await rejectionOf(m.serve({ port: 70000 }))).toBeInstanceOf(InvalidArgumentError);
    expect(await rejectionOf(m.serve({ port: -1 }))).toBeInstanceOf(InvalidArgumentError);
    expect(await rejectionOf(m.serve({ port: 0, path: 'metrics' }))).toBeInstanceOf(InvalidArgumentError);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const busy = await rejectionOf(m.serve({ port }));
    blocker.close();
    expect(busy).toBeInstanceOf(ListenError);
    expect((busy as ListenError).reason).toBe('EADDRINUSE');
    expect((busy as ListenError).code).toBe('PERCPU_LISTEN_FAILED');
    const badHost = await rejectionOf(m.serve({ port: 0, host: 'no-such-host.invalid' }));
    expect(badHost).toBeInstanceOf(ListenError);
    const notMine = await rejectionOf(m.serve({ port: 0, host: '192.0.2.1' }));
    expect((notMine as ListenError).reason).toBe('EADDRNOTAVAIL');
  });

  it('is closed with the runtime', async () => {
    const rt = await start();
    const server = await rt.metrics().serve({ port: 0 });
    await rt.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });
});

describe('registerWith()', () => {
  it("adds every percpu metric, present and future, to a prom-client Registry beside the user's own", async () => {
    const rt = await start();
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    new Counter({ name: 'user_total', help: "the user's own", registers: [registry] }).inc(2);
    const before = rt.metrics().counter({ name: 'early_total', help: 'made before', labelNames: ['route'] });
    rt.metrics().registerWith(registry);
    const after = rt.metrics().histogram({ name: 'late_seconds', help: 'made after', buckets: [1] });
    await rt.runOnEach('countRoutes', { handle: before.handle, routes: ['/a'], times: 5 });
    await rt.runOnEach('observeAll', { handle: after.handle, values: [0.5, 3] });
    const text = await registry.metrics();
    expect(sampleValue(text, 'user_total')).toBe(2);
    expect(sampleValue(text, 'early_total', 'route="/a"')).toBe(10);
    expect(sampleValue(text, 'late_seconds_bucket', 'le="1"')).toBe(2);
    expect(sampleValue(text, 'late_seconds_bucket', 'le="+Inf"')).toBe(4);
    expect(sampleValue(text, 'late_seconds_count')).toBe(4);
    expect(text).toContain('process_cpu_user_seconds_total');
    const openMetrics = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
    openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    rt.metrics().registerWith(openMetrics);
    const om = await openMetrics.metrics();
    expect(sampleValue(om, 'early_total', 'route="/a"')).toBe(10);
    expect(om).toContain('# TYPE early counter');
    expect(() => rt.metrics().registerWith({} as unknown as Registry)).toThrow(InvalidArgumentError);
  });
});
