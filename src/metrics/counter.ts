/**
 * A counter on the coordinator: per label set a u64 per CPU (counts may pass 2^53) plus the
 * coordinator's own part (a bigint). Counters only go up: inc() takes non-negative integers.
 *
 * Context: the coordinator.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Child } from './child.js';
import type { CounterFamily, MetricsHost } from './host.js';
import { keyOfObject } from './labels.js';
import { COUNTER_RECORD } from './layout.js';
import { Metric, type MetricOptions } from './metric.js';

export type CounterOptions = MetricOptions;

interface CounterPart {
  count: bigint;
}

/** A label set of a counter, bound once on the coordinator. */
export interface CounterChild {
  inc(value?: number | bigint): void;
  /** The value: the coordinator's part plus every CPU's (what a scrape shows). */
  get(): bigint;
}

const U64_MAX = 2n ** 64n - 1n;

/** A non-negative integer amount (a safe integer or a bigint below 2^64). */
export function checkCounterAmount(value: unknown): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'bigint' && value >= 0n && value <= U64_MAX) return value;
  throw new InvalidArgumentError('value', value, 'a non-negative integer (a counter only goes up, by whole counts)');
}

export class Counter extends Metric<'counter', CounterPart> {
  constructor(host: MetricsHost, id: number, options: CounterOptions) {
    super(host, 'counter', id, options, COUNTER_RECORD, [], []);
  }

  /** inc(), inc(value), inc(labels), inc(labels, value). */
  inc(labelsOrValue?: Readonly<Record<string, string | number>> | number | bigint, value?: number | bigint): void {
    if (typeof labelsOrValue === 'object' && labelsOrValue !== null) {
      const amount = checkCounterAmount(value ?? 1);
      this.childOf(this.valuesOf(labelsOrValue)).folded.count += amount;
      return;
    }
    const amount = checkCounterAmount(labelsOrValue ?? 1);
    this.root('inc').folded.count += amount;
  }

  /** The child of these label values (positional, or one labels object). */
  labels(...values: unknown[]): CounterChild {
    const child = this.childOf(
      values.length === 1 && typeof values[0] === 'object' && values[0] !== null ? this.valuesOf(values[0]) : values,
    );
    return {
      inc: (value = 1) => {
        this.check('inc');
        child.folded.count += checkCounterAmount(value);
      },
      get: () => this.valueOfChild(child),
    };
  }

  /** The value of the unlabelled counter, or of one label set (positional values). */
  get(...values: unknown[]): bigint {
    this.sync();
    if (values.length === 0) return this.valueOfChild(this.root('read'));
    const child = this.existing(values);
    return child === undefined ? 0n : this.valueOfChild(child);
  }

  private valuesOf(labels: unknown): string[] {
    return keyOfObject(this.labelNames, labels).split('\u0000');
  }

  private valueOfChild(child: Child<CounterPart>): bigint {
    let total = child.folded.count;
    const views = this.host.views;
    // Atomics.load: a u64 written by its CPU may tear on a plain read.
    this.forEachPart(child, (cpu, byte) => (total += Atomics.load(views[cpu]!.u64, byte >>> 3)));
    return total;
  }

  protected newFolded(): CounterPart {
    return { count: 0n };
  }

  protected foldRecord(child: Child<CounterPart>, cpu: number, byte: number): void {
    // Atomics.load: as in valueOf (the slot is retired: nobody writes it now).
    child.folded.count += Atomics.load(this.host.views[cpu]!.u64, byte >>> 3);
  }

  protected snapshot(children: Iterable<Child<CounterPart>>): CounterFamily {
    const series = [];
    for (const child of children) {
      series.push({
        labels: child.labels,
        text: child.labelText,
        value: this.valueOfChild(child),
        created: child.created,
      });
    }
    return { kind: 'counter', name: this.name, help: this.help, series };
  }
}
