/**
 * What metrics need from the runtime: the per-CPU memory, the allocator, a logger.
 *
 * Context: the coordinator.
 */
import type { Logger } from 'pino';
import type { CpuViews } from '../memory/percpu-memory.js';

export interface MetricsHost {
  readonly cpus: number;
  /** Every possible CPU's views (the coordinator reads them all, and writes only where noted). */
  readonly views: readonly CpuViews[];
  /** A percpu allocation, zero on every CPU; null when the area is full. */
  alloc(size: number, align: number): number | null;
  free(ptr: number): void;
  readonly logger: Logger;
  assertUsable(what: string): void;
}

/**
 * One label set of a family as a scrape read it; beside it in each series, `text`: the same
 * pairs escaped for the exposition (`a="x",b="y"`, no braces), made once per label set.
 */
export type Labels = readonly (readonly [string, string])[];

export interface CounterFamily {
  readonly kind: 'counter';
  readonly name: string;
  readonly help: string;
  readonly series: readonly {
    readonly labels: Labels;
    readonly text: string;
    readonly value: bigint;
    readonly created: number;
  }[];
}

export interface GaugeFamily {
  readonly kind: 'gauge';
  readonly name: string;
  readonly help: string;
  readonly series: readonly { readonly labels: Labels; readonly text: string; readonly value: number }[];
}

export interface HistogramFamily {
  readonly kind: 'histogram';
  readonly name: string;
  readonly help: string;
  /** Finite upper bounds; the cumulative counts have one more entry, +Inf. */
  readonly bounds: readonly number[];
  readonly series: readonly {
    readonly labels: Labels;
    readonly text: string;
    readonly cumulative: readonly (number | bigint)[];
    readonly sum: number;
    readonly created: number;
  }[];
}

export type FamilySnapshot = CounterFamily | GaugeFamily | HistogramFamily;
