/** Summaries of repeated measurements. */
import { median } from './timing.js';

export interface Summary {
  readonly p10: number;
  readonly median: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
  readonly samples: number;
}

/** The p-quantile (0..1) by nearest rank of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))] ?? NaN;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { p10: NaN, median: NaN, p99: NaN, min: NaN, max: NaN, samples: 0 };
  return {
    p10: percentile(values, 0.1),
    median: median(values),
    p99: percentile(values, 0.99),
    min: Math.min(...values),
    max: Math.max(...values),
    samples: values.length,
  };
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
