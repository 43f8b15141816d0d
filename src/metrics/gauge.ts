/**
 * A gauge on the coordinator. Each CPU keeps its own value per label set (an f64 and flags); inc
 * and dec are deltas on it, set() makes it absolute. A scrape combines the CPUs' values (and the
 * coordinator's own) as the gauge's `aggregate` says:
 *
 * - 'sum' (default): the sum over CPUs, so inc/dec on many CPUs add up (in-flight requests).
 * - 'max' / 'min': the largest / smallest value among the CPUs that wrote one.
 * - 'cpu': one series per CPU that wrote a value, with a `cpu` label ("coordinator" for the
 *   coordinator's own updates).
 *
 * A CPU's value may be spread over parts written one after another: what was folded on the
 * coordinator (a dead worker's record, a retired staging slot), then staging slots, then its
 * record. They combine in that order: a later part that was set() replaces what came before, a
 * later part of deltas adds to it.
 *
 * Context: the coordinator.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Child } from './child.js';
import type { GaugeFamily, Labels, MetricsHost } from './host.js';
import { keyOfObject } from './labels.js';
import { GAUGE_FLAGS_BYTE, GAUGE_RECORD, GAUGE_SET, GAUGE_TOUCHED } from './layout.js';
import { Metric, type MetricOptions } from './metric.js';

export const GAUGE_AGGREGATES = ['sum', 'max', 'min', 'cpu'] as const;
export type GaugeAggregate = (typeof GAUGE_AGGREGATES)[number];

export interface GaugeOptions extends MetricOptions {
  /** How the CPUs' values combine into the exposed value (default 'sum'). */
  readonly aggregate?: GaugeAggregate;
}

/** One contributor's value: an f64 and GAUGE_TOUCHED / GAUGE_SET flags. */
export interface GaugePart {
  value: number;
  flags: number;
}

interface GaugeFolded {
  /** The coordinator's own updates. */
  readonly own: GaugePart;
  /** Per CPU, what was folded from its records and retired slots. */
  readonly cpus: GaugePart[];
}

/** `later` applied after `earlier`, into `earlier`. */
export function combineGauge(earlier: GaugePart, value: number, flags: number): void {
  if ((flags & GAUGE_SET) !== 0) earlier.value = value;
  else earlier.value += value;
  earlier.flags |= flags;
}

export interface GaugeChild {
  inc(value?: number): void;
  dec(value?: number): void;
  set(value: number): void;
}

function checkGaugeValue(value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new InvalidArgumentError('value', value, 'a number (not NaN)');
  return value;
}

export class Gauge extends Metric<'gauge', GaugeFolded> {
  readonly aggregate: GaugeAggregate;

  constructor(host: MetricsHost, id: number, options: GaugeOptions) {
    const aggregate = options.aggregate ?? 'sum';
    if (!GAUGE_AGGREGATES.includes(aggregate))
      throw new InvalidArgumentError('aggregate', aggregate, "'sum', 'max', 'min' or 'cpu'");
    super(host, 'gauge', id, options, GAUGE_RECORD, [], aggregate === 'cpu' ? ['cpu'] : []);
    this.aggregate = aggregate;
  }

  inc(labelsOrValue?: Readonly<Record<string, string | number>> | number, value?: number): void {
    this.apply('inc', labelsOrValue, value, 1, GAUGE_TOUCHED);
  }

  dec(labelsOrValue?: Readonly<Record<string, string | number>> | number, value?: number): void {
    this.apply('dec', labelsOrValue, value, -1, GAUGE_TOUCHED);
  }

  set(labelsOrValue: Readonly<Record<string, string | number>> | number, value?: number): void {
    this.apply('set', labelsOrValue, value, 1, GAUGE_TOUCHED | GAUGE_SET);
  }

  labels(...values: unknown[]): GaugeChild {
    const child = this.childOf(
      values.length === 1 && typeof values[0] === 'object' && values[0] !== null ? this.valuesOf(values[0]) : values,
    );
    const own = child.folded.own;
    return {
      inc: (value = 1) => combineGauge(own, checkGaugeValue(value), GAUGE_TOUCHED),
      dec: (value = 1) => combineGauge(own, -checkGaugeValue(value), GAUGE_TOUCHED),
      set: (value) => combineGauge(own, checkGaugeValue(value), GAUGE_TOUCHED | GAUGE_SET),
    };
  }

  private apply(what: string, labelsOrValue: unknown, value: number | undefined, sign: number, flags: number): void {
    let child: Child<GaugeFolded>;
    let amount: unknown;
    if (typeof labelsOrValue === 'object' && labelsOrValue !== null) {
      child = this.childOf(this.valuesOf(labelsOrValue));
      amount = value ?? (what === 'set' ? undefined : 1);
    } else {
      child = this.root(what);
      amount = labelsOrValue ?? (what === 'set' ? undefined : 1);
    }
    combineGauge(child.folded.own, sign * checkGaugeValue(amount), flags);
  }

  private valuesOf(labels: unknown): string[] {
    return keyOfObject(this.labelNames, labels).split('\u0000');
  }

  /** Every contributor's value for one child: CPUs 0 .. n-1, then the coordinator. */
  private parts(child: Child<GaugeFolded>): GaugePart[] {
    const parts = child.folded.cpus.map((p) => ({ ...p }));
    const { f64, u32 } = {
      f64: (cpu: number) => this.host.views[cpu]!.f64,
      u32: (cpu: number) => this.host.views[cpu]!.u32,
    };
    // Staged parts come before the CPU's record (forEachPart's order). An f64 read may tear
    // while its CPU writes it (JavaScript has no atomic f64).
    this.forEachPart(child, (cpu, byte) =>
      combineGauge(parts[cpu]!, f64(cpu)[byte >>> 3]!, u32(cpu)[(byte + GAUGE_FLAGS_BYTE) >>> 2]!),
    );
    parts.push({ ...child.folded.own });
    return parts;
  }

  /** The exposed value of one label set (without the 'cpu' split). */
  get(...values: unknown[]): number {
    this.sync();
    const child = values.length === 0 ? this.root('read') : this.existing(values);
    if (child === undefined) return 0;
    return this.aggregated(this.parts(child));
  }

  private aggregated(parts: readonly GaugePart[]): number {
    if (this.aggregate === 'sum' || this.aggregate === 'cpu') return parts.reduce((s, p) => s + p.value, 0);
    const touched = parts.filter((p) => (p.flags & GAUGE_TOUCHED) !== 0).map((p) => p.value);
    if (touched.length === 0) return 0;
    return this.aggregate === 'max' ? Math.max(...touched) : Math.min(...touched);
  }

  protected newFolded(): GaugeFolded {
    return {
      own: { value: 0, flags: 0 },
      cpus: Array.from({ length: this.host.cpus }, () => ({ value: 0, flags: 0 })),
    };
  }

  protected foldRecord(child: Child<GaugeFolded>, cpu: number, byte: number): void {
    const v = this.host.views[cpu]!;
    combineGauge(child.folded.cpus[cpu]!, v.f64[byte >>> 3]!, v.u32[(byte + GAUGE_FLAGS_BYTE) >>> 2]!);
  }

  /**
   * A CPU's staging slot was resolved to `child`: the CPU's record of it was written before the
   * slot (by an earlier worker of the CPU), so it is folded now, and zeroed while nobody writes
   * it: the CPU writes it only after it re-points from the slot.
   */
  protected override onResolved(child: Child<GaugeFolded>, cpu: number): void {
    this.foldRecord(child, cpu, child.ptr);
    this.host.views[cpu]!.u8.fill(0, child.ptr, child.ptr + GAUGE_RECORD);
  }

  protected snapshot(children: Iterable<Child<GaugeFolded>>): GaugeFamily {
    const series: { labels: Labels; text: string; value: number }[] = [];
    for (const child of children) {
      const parts = this.parts(child);
      if (this.aggregate !== 'cpu') {
        series.push({ labels: child.labels, text: child.labelText, value: this.aggregated(parts) });
        continue;
      }
      parts.forEach((part, cpu) => {
        if ((part.flags & GAUGE_TOUCHED) === 0) return;
        const name = cpu === this.host.cpus ? 'coordinator' : String(cpu);
        const text = child.labelText === '' ? `cpu="${name}"` : `${child.labelText},cpu="${name}"`;
        series.push({ labels: [...child.labels, ['cpu', name]], text, value: part.value });
      });
    }
    return { kind: 'gauge', name: this.name, help: this.help, series };
  }
}
