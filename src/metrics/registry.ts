/**
 * The runtime's metrics registry (`rt.metrics()`): creates counters, gauges and histograms whose
 * per-CPU parts live in percpu memory, renders the exposition formats, serves them over HTTP and
 * plugs into a prom-client Registry. A scrape reads memory on this thread and never waits on a
 * CPU: a busy or dead worker cannot stall it.
 *
 * A timer (every SYNC_INTERVAL_MS, unref'd) resolves the label sets CPUs stage and frees the
 * memory of removed ones; every scrape does the same first.
 *
 * Context: the coordinator.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkOptionsObject } from '../util/check.js';
import { Counter, type CounterOptions } from './counter.js';
import { renderFamilies } from './exposition.js';
import { Gauge, type GaugeOptions } from './gauge.js';
import { Histogram, type HistogramOptions } from './histogram.js';
import type { MetricKind } from './handle.js';
import type { FamilySnapshot, MetricsHost } from './host.js';
import { type PromRegistryLike, promMetric } from './prom-client-bridge.js';
import { type MetricsServer, serveMetrics } from './server.js';

/** How often the coordinator looks at the CPUs' staging areas between scrapes. */
export const SYNC_INTERVAL_MS = 5;

export interface TextOptions {
  /** OpenMetrics 1.0 instead of the Prometheus text format 0.0.4. */
  readonly openMetrics?: boolean;
}

type AnyMetric = Counter | Gauge | Histogram;

/**
 * The family and sample names a metric takes in either format: a histogram `h` prints `h_bucket`,
 * `h_sum`, `h_count` (and `h_created`); a counter `c_total` is the family `c` in OpenMetrics with
 * `c_total` and `c_created`. Two metrics sharing one of them would make an invalid exposition (a
 * second HELP for one family, or one sample name in two families).
 */
function exposedNames(kind: MetricKind, name: string): string[] {
  switch (kind) {
    case 'gauge':
      return [name];
    case 'histogram':
      return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`, `${name}_created`];
    case 'counter': {
      const base = name.endsWith('_total') ? name.slice(0, -6) : name;
      return [...new Set([name, base, `${base}_total`, `${base}_created`])];
    }
  }
}

export class MetricsRegistry {
  private readonly host: MetricsHost;
  private readonly metrics = new Map<string, AnyMetric>();
  /** Every family and sample name the formats print for a metric (exposedNames), to its metric's name. */
  private readonly exposed = new Map<string, string>();
  private readonly bridges: PromRegistryLike[] = [];
  private readonly servers = new Set<MetricsServer>();
  private readonly collectHooks: (() => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  private nextId = 1;

  /** @internal The runtime makes the one registry. */
  constructor(host: MetricsHost) {
    this.host = host;
    this.timer = setInterval(() => this.sync(), SYNC_INTERVAL_MS);
    this.timer.unref();
  }

  counter(options: CounterOptions): Counter {
    return this.add('counter', options, (id) => new Counter(this.host, id, options));
  }

  gauge(options: GaugeOptions): Gauge {
    return this.add('gauge', options, (id) => new Gauge(this.host, id, options));
  }

  histogram(options: HistogramOptions): Histogram {
    return this.add('histogram', options, (id) => new Histogram(this.host, id, options));
  }

  /** The metric registered under `name`, if any. */
  get(name: string): AnyMetric | undefined {
    return this.metrics.get(name);
  }

  /**
   * Runs `hook` (synchronously) before every collection: text(), serve()'s answers and
   * prom-client's scrapes. For values that are read from elsewhere at scrape time.
   */
  beforeCollect(hook: () => void): void {
    if (typeof hook !== 'function') throw new InvalidArgumentError('hook', hook, 'a function');
    this.collectHooks.push(hook);
  }

  /** Per-CPU allocations all metrics hold (staging areas, label sets' records, removed records not freed yet). */
  get allocations(): number {
    let total = 0;
    for (const metric of this.metrics.values()) total += metric.allocations;
    return total;
  }

  /** Every family as the memory holds it now. */
  collect(): FamilySnapshot[] {
    for (const hook of this.collectHooks) hook();
    return [...this.metrics.values()].map((metric) => metric.collect());
  }

  /** The exposition: Prometheus text 0.0.4, or OpenMetrics 1.0 with { openMetrics: true }. */
  text(options?: TextOptions): Promise<string> {
    try {
      checkOptionsObject(options, '{ openMetrics?: boolean }');
      const openMetrics = options?.openMetrics ?? false;
      if (typeof openMetrics !== 'boolean') throw new InvalidArgumentError('openMetrics', openMetrics, 'a boolean');
      return Promise.resolve(renderFamilies(this.collect(), openMetrics));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Serves the exposition over HTTP (see server.ts); closed with the runtime. */
  async serve(options: {
    readonly port: number;
    readonly host?: string;
    readonly path?: string;
  }): Promise<MetricsServer> {
    this.host.assertUsable('serve metrics');
    const server = await serveMetrics(options, (openMetrics) => this.text({ openMetrics }));
    const tracked: MetricsServer = {
      url: server.url,
      port: server.port,
      close: () => {
        this.servers.delete(tracked);
        return server.close();
      },
    };
    this.servers.add(tracked);
    return tracked;
  }

  /** Adds every percpu metric, present and future, to a prom-client Registry. */
  registerWith(registry: PromRegistryLike): void {
    if (typeof registry !== 'object' || registry === null || typeof registry.registerMetric !== 'function') {
      throw new InvalidArgumentError('registry', registry, 'a prom-client Registry (an object with registerMetric())');
    }
    for (const metric of this.metrics.values()) this.bridge(registry, metric);
    this.bridges.push(registry);
  }

  /** @internal The runtime tells the registry when a CPU's worker stopped or died. */
  cpuGone(cpu: number): void {
    for (const metric of this.metrics.values()) metric.cpuGone(cpu);
  }

  /** @internal Stops the timer and the servers (the runtime closes). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.sync();
    await Promise.all([...this.servers].map((server) => server.close()));
  }

  private sync(): void {
    for (const metric of this.metrics.values()) metric.sync();
  }

  private add<M extends AnyMetric>(kind: MetricKind, options: unknown, make: (id: number) => M): M {
    this.host.assertUsable('create a metric');
    if (typeof options !== 'object' || options === null)
      throw new InvalidArgumentError('options', options, 'an object { name, help, labelNames?, ... }');
    const name = (options as { name?: unknown }).name;
    if (typeof name === 'string' && this.metrics.has(name))
      throw new InvalidArgumentError('name', name, 'a name not registered yet in this runtime');
    const names = typeof name === 'string' ? exposedNames(kind, name) : [];
    for (const exposed of names) {
      const owner = this.exposed.get(exposed);
      if (owner !== undefined)
        throw new InvalidArgumentError(
          'name',
          name,
          `a name whose families and samples do not clash with metric '${owner}' ('${exposed}' is taken)`,
        );
    }
    const metric = make(this.nextId++);
    this.metrics.set(metric.name, metric);
    for (const exposed of names) this.exposed.set(exposed, metric.name);
    for (const registry of this.bridges) this.bridge(registry, metric);
    return metric;
  }

  private bridge(registry: PromRegistryLike, metric: AnyMetric): void {
    const adapter = promMetric(metric.name, metric.help, metric.handle.kind, () => {
      for (const hook of this.collectHooks) hook();
      return metric.collect();
    });
    registry.registerMetric(adapter as never);
  }
}
