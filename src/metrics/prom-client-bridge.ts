/**
 * percpu's metrics inside a prom-client Registry. prom-client's registry asks each registered
 * metric for `get()` at scrape time and reads `name`, `help`, `type`, `aggregator` and `values`
 * (`{ value, labels, metricName? }`); an object of that shape is a metric as far as it is
 * concerned. So percpu needs no import of prom-client at all (it is an optional peer dependency):
 * any prom-client 13-15 Registry the user already has works, and there is no second copy.
 *
 * Context: the coordinator.
 */
import type { FamilySnapshot } from './host.js';
import { formatFloat } from './exposition.js';

/**
 * The part of prom-client's Registry that registerWith() uses. Its parameter is typed `never` so
 * that prom-client's own signature (which wants its Metric class) is assignable; what is passed
 * is a PromMetricLike, which prom-client's registry reads as a metric.
 */
export interface PromRegistryLike {
  registerMetric(metric: never): void;
}

export interface PromValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

export interface PromMetricLike {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: PromValue[] }>;
  reset(): void;
}

function labelsOf(pairs: readonly (readonly [string, string])[]): Record<string, string> {
  return Object.fromEntries(pairs);
}

/** One percpu family as prom-client's registry wants to read it. */
export function promValues(family: FamilySnapshot): PromValue[] {
  switch (family.kind) {
    case 'counter':
      return family.series.map((s) => ({ value: Number(s.value), labels: labelsOf(s.labels) }));
    case 'gauge':
      return family.series.map((s) => ({ value: s.value, labels: labelsOf(s.labels) }));
    case 'histogram': {
      const values: PromValue[] = [];
      for (const s of family.series) {
        const labels = labelsOf(s.labels);
        family.bounds.forEach((bound, i) =>
          values.push({
            value: Number(s.cumulative[i]),
            labels: { ...labels, le: formatFloat(bound) },
            metricName: `${family.name}_bucket`,
          }),
        );
        const count = Number(s.cumulative[family.bounds.length]);
        values.push({ value: count, labels: { ...labels, le: '+Inf' }, metricName: `${family.name}_bucket` });
        values.push({ value: s.sum, labels, metricName: `${family.name}_sum` });
        values.push({ value: count, labels, metricName: `${family.name}_count` });
      }
      return values;
    }
  }
}

/** The prom-client-shaped view of one percpu metric, collected from memory at each get(). */
export function promMetric(
  name: string,
  help: string,
  type: PromMetricLike['type'],
  collect: () => FamilySnapshot,
): PromMetricLike {
  const metric: PromMetricLike = {
    name,
    help,
    type,
    aggregator: 'sum',
    // metric.name, not the family's: prom-client renames a counter for OpenMetrics (drops _total).
    get: () =>
      Promise.resolve({ name: metric.name, help, type, aggregator: 'sum' as const, values: promValues(collect()) }),
    // prom-client's resetMetrics() resets its own metrics; percpu's are reset through percpu.
    reset: () => undefined,
  };
  return metric;
}
