import { escapeLabelValue } from './exposition.js';
import type { Labels } from './host.js';

/**
 * One label set of a metric, on the coordinator: where its per-CPU records are, when it was
 * created, what was folded into it from staging slots and dead CPUs (its coordinator-side part,
 * `F`, which the coordinator alone writes), and which staging slots still hold its counts.
 *
 * Context: the coordinator.
 */
export class Child<F> {
  readonly key: string;
  readonly values: readonly string[];
  /** Offset of its record, the same on every CPU. */
  readonly ptr: number;
  /** Seconds since the epoch when it started from zero (OpenMetrics `_created`). */
  readonly created: number;
  /** Counts folded in on the coordinator: the coordinator's own updates and retired staging slots. */
  readonly folded: F;
  /** Staging slots (cpu × STAGING_SLOTS + slot) resolved to this child and not yet folded. */
  readonly staged = new Set<number>();

  private pairs: Labels | null = null;
  private escaped: string | null = null;
  private readonly labelNames: readonly string[];

  constructor(key: string, labelNames: readonly string[], values: readonly string[], ptr: number, folded: F) {
    this.labelNames = labelNames;
    this.key = key;
    this.values = values;
    this.ptr = ptr;
    this.created = Date.now() / 1000;
    this.folded = folded;
  }

  /** Its labels as (name, value) pairs, made once. */
  get labels(): Labels {
    this.pairs ??= this.labelNames.map((name, i) => [name, this.values[i]!] as const);
    return this.pairs;
  }

  /** Its labels escaped for the exposition, `a="x",b="y"` (no braces), made once. */
  get labelText(): string {
    this.escaped ??= this.labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',');
    return this.escaped;
  }
}
