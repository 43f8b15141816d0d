/**
 * A metric as it travels to tasks: plain data (numbers, strings, arrays), so it can be passed as
 * a task argument; `thisCpu.metric(handle)` turns it into the CPU's side of the metric.
 *
 * Context: types and checks, used by the coordinator and by CPUs.
 */
import { InvalidArgumentError } from '../errors.js';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricHandle<K extends MetricKind = MetricKind> {
  readonly kind: K;
  readonly name: string;
  /** Unique in the runtime, for the CPU's cache of metric objects. */
  readonly id: number;
  readonly labelNames: readonly string[];
  /** Histograms: the finite upper bounds, increasing (+Inf is implied). Others: []. */
  readonly buckets: readonly number[];
  /** Bytes of one child's record on one CPU. */
  readonly recordSize: number;
  /** Offset of the metric's staging area (one per CPU, see layout.ts). */
  readonly staging: number;
  readonly maxChildren: number;
}

export function checkMetricHandle(value: unknown, what: string): MetricHandle {
  const h = value as Partial<MetricHandle> | null;
  if (
    typeof h !== 'object' ||
    h === null ||
    (h.kind !== 'counter' && h.kind !== 'gauge' && h.kind !== 'histogram') ||
    typeof h.name !== 'string' ||
    !Number.isInteger(h.id) ||
    !Array.isArray(h.labelNames) ||
    !Array.isArray(h.buckets) ||
    !Number.isInteger(h.recordSize) ||
    !Number.isInteger(h.staging) ||
    !Number.isInteger(h.maxChildren)
  ) {
    throw new InvalidArgumentError(
      what,
      value,
      'a metric handle from rt.metrics().counter(...).handle (or gauge, histogram)',
    );
  }
  return h as MetricHandle;
}
