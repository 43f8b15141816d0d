/**
 * A histogram on the coordinator. Per label set and CPU: the sum of observations (f64) and each
 * bucket's own count (u64, +Inf last); the scrape adds the CPUs' sums as f64 and turns the counts
 * cumulative, so `+Inf` and `_count` are the same number by construction.
 *
 * Context: the coordinator.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Child } from './child.js';
import type { HistogramFamily, MetricsHost } from './host.js';
import { keyOfObject } from './labels.js';
import { histogramRecordSize } from './layout.js';
import { Metric, type MetricOptions } from './metric.js';

/** prom-client's default buckets (seconds, for request latencies): 11 bounds, 12 counts with +Inf. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const MAX_BUCKETS = 256;

export interface HistogramOptions extends MetricOptions {
  /** Finite upper bounds, increasing (default DEFAULT_BUCKETS); +Inf is always added. */
  readonly buckets?: readonly number[];
}

interface HistogramPart {
  /** Per bucket (+Inf last), not cumulative. */
  readonly counts: bigint[];
  sum: number;
}

export interface HistogramChild {
  observe(value: number): void;
}

export function checkBuckets(value: unknown): readonly number[] {
  if (value === undefined) return DEFAULT_BUCKETS;
  const ok =
    Array.isArray(value) &&
    value.length >= 1 &&
    value.length <= MAX_BUCKETS &&
    value.every((b, i) => typeof b === 'number' && Number.isFinite(b) && (i === 0 || b > (value[i - 1] as number)));
  if (!ok)
    throw new InvalidArgumentError(
      'buckets',
      value,
      `1 to ${MAX_BUCKETS} finite numbers, strictly increasing (+Inf is added)`,
    );
  return [...(value as number[])];
}

export function checkObservation(value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new InvalidArgumentError('value', value, 'a number (not NaN)');
  return value;
}

/** Index of the bucket `value` falls in: the first bound >= value, or bounds.length (+Inf). */
export function bucketOf(bounds: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value > bounds[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class Histogram extends Metric<'histogram', HistogramPart> {
  readonly bounds: readonly number[];

  constructor(host: MetricsHost, id: number, options: HistogramOptions) {
    const bounds = checkBuckets(options.buckets);
    super(host, 'histogram', id, options, histogramRecordSize(bounds.length), bounds, ['le']);
    this.bounds = bounds;
  }

  /** observe(value) or observe(labels, value). */
  observe(labelsOrValue: Readonly<Record<string, string | number>> | number, value?: number): void {
    if (typeof labelsOrValue === 'object' && labelsOrValue !== null) {
      const v = checkObservation(value);
      this.add(this.childOf(keyOfObject(this.labelNames, labelsOrValue).split('\u0000')), v);
      return;
    }
    const v = checkObservation(labelsOrValue);
    this.add(this.root('observe'), v);
  }

  labels(...values: unknown[]): HistogramChild {
    const isObject = values.length === 1 && typeof values[0] === 'object' && values[0] !== null;
    const child = this.childOf(isObject ? keyOfObject(this.labelNames, values[0]).split('\u0000') : values);
    return { observe: (value) => this.add(child, checkObservation(value)) };
  }

  private add(child: Child<HistogramPart>, value: number): void {
    child.folded.counts[bucketOf(this.bounds, value)]! += 1n;
    child.folded.sum += value;
  }

  protected newFolded(): HistogramPart {
    return { counts: new Array<bigint>(this.handle.buckets.length + 1).fill(0n), sum: 0 };
  }

  protected foldRecord(child: Child<HistogramPart>, cpu: number, byte: number): void {
    this.addRecord(child.folded.counts, child.folded, cpu, byte);
  }

  private addRecord(counts: bigint[], sum: { sum: number }, cpu: number, byte: number): void {
    const v = this.host.views[cpu]!;
    // An f64 read may tear while its CPU writes it (JavaScript has no atomic f64).
    sum.sum += v.f64[byte >>> 3]!;
    const first = (byte >>> 3) + 1;
    // Atomics.load: u64 counts written by their CPU may tear on a plain read.
    for (let b = 0; b < counts.length; b++) counts[b]! += Atomics.load(v.u64, first + b);
  }

  protected snapshot(children: Iterable<Child<HistogramPart>>): HistogramFamily {
    const series = [];
    const width = this.bounds.length + 1;
    const counts = new Float64Array(width);
    for (const child of children) {
      // Counts add up as doubles, exact while the total stays below 2^53; past it, as bigints.
      for (let b = 0; b < width; b++) counts[b] = Number(child.folded.counts[b]!);
      const sum = { sum: child.folded.sum };
      this.forEachPart(child, (cpu, byte) => {
        const v = this.host.views[cpu]!;
        // An f64 read may tear while its CPU writes it (JavaScript has no atomic f64).
        sum.sum += v.f64[byte >>> 3]!;
        const first = (byte >>> 3) + 1;
        // Atomics.load: u64 counts written by their CPU may tear on a plain read.
        for (let b = 0; b < width; b++) counts[b]! += Number(Atomics.load(v.u64, first + b));
      });
      let running = 0;
      let cumulative: (number | bigint)[] = Array.from(counts, (c) => (running += c));
      if (running > Number.MAX_SAFE_INTEGER) cumulative = this.exactCumulative(child);
      series.push({ labels: child.labels, text: child.labelText, cumulative, sum: sum.sum, created: child.created });
    }
    return { kind: 'histogram', name: this.name, help: this.help, bounds: this.bounds, series };
  }

  /** The cumulative counts in bigints, for a label set past 2^53 observations. */
  private exactCumulative(child: Child<HistogramPart>): bigint[] {
    const counts = [...child.folded.counts];
    this.forEachPart(child, (cpu, byte) => this.addRecord(counts, { sum: 0 }, cpu, byte));
    let running = 0n;
    return counts.map((c) => (running += c));
  }
}
