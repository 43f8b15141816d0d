/**
 * `thisCpu.metric(handle)`: a metric's side on this CPU. `inc()` / `observe(v)` update the
 * unlabelled metric; `inc(labels, v)` looks the label set up (one Map lookup by its value when
 * the metric has one label), and `labels(...)` returns the bound child for loops.
 *
 * A label set seen for the first time on this CPU is checked in full (names, values, size) and
 * staged (metric-store.ts). The lookup after that checks the values' types only (a string, or a
 * finite number, as the first use does): extra keys in a labels object are refused when a label
 * set is first used, not on every update.
 *
 * Context: a CPU's worker thread.
 */
import { InvalidArgumentError } from '../errors.js';
import type { CpuBinding } from './binding.js';
import { type MetricHandle, type MetricKind, checkMetricHandle } from '../metrics/handle.js';
import { KEY_SEPARATOR, keyOfObject, keyOfValues } from '../metrics/labels.js';
import { stagingSize } from '../metrics/layout.js';
import { CpuCounterChild, CpuGaugeChild, CpuHistogramChild, type CpuMetricChild } from './metric-child.js';
import { CpuMetricStore } from './metric-store.js';

export type { CpuCounterChild, CpuGaugeChild, CpuHistogramChild } from './metric-child.js';

type LabelsObject = Readonly<Record<string, string | number>>;

/** What the three kinds share: finding a label set's child. */
class CpuMetricBase<C extends CpuMetricChild> {
  readonly handle: MetricHandle;
  /** @internal */
  readonly store: CpuMetricStore<C>;
  private readonly firstLabel: string;
  private readonly labelCount: number;

  constructor(store: CpuMetricStore<C>) {
    this.store = store;
    this.handle = store.handle;
    this.labelCount = store.handle.labelNames.length;
    this.firstLabel = store.handle.labelNames[0] ?? '';
  }

  /** The bound child of positional values (`labels('GET', '/a')`) or of a labels object. */
  labels(...values: unknown[]): C {
    this.store.poll();
    if (values.length === 1 && typeof values[0] === 'object' && values[0] !== null)
      return this.childOf(values[0] as LabelsObject);
    if (this.labelCount === 0) {
      if (values.length === 0) return this.store.root();
      throw this.noLabels(values);
    }
    const key = keyOfValues(this.handle.labelNames, values);
    return this.store.children.get(key) ?? this.store.miss(key);
  }

  /** The child of a labels object: the fast lookup, or the checked first use. */
  protected childOf(labels: LabelsObject): C {
    if (this.labelCount === 1) {
      const value = labels[this.firstLabel];
      // A number as labelValue (metrics/labels.ts) takes it: finite only, so NaN never finds a 'NaN' series.
      const key =
        typeof value === 'string'
          ? value
          : typeof value === 'number' && Number.isFinite(value)
            ? String(value)
            : undefined;
      if (key !== undefined) {
        const child = this.store.children.get(key);
        if (child !== undefined) return child;
      }
    } else if (this.labelCount > 1) {
      let key = '';
      let clean = true;
      for (let i = 0; i < this.labelCount; i++) {
        const value = labels[this.handle.labelNames[i]!];
        const text =
          typeof value === 'string'
            ? value
            : typeof value === 'number' && Number.isFinite(value)
              ? String(value)
              : undefined;
        if (text === undefined || text.includes(KEY_SEPARATOR)) {
          clean = false;
          break;
        }
        key = i === 0 ? text : key + KEY_SEPARATOR + text;
      }
      if (clean) {
        const child = this.store.children.get(key);
        if (child !== undefined) return child;
      }
    } else throw this.noLabels(labels);
    return this.store.miss(keyOfObject(this.handle.labelNames, labels));
  }

  protected rootChild(): C {
    if (this.labelCount > 0) {
      throw new InvalidArgumentError(
        'labels',
        undefined,
        `label values for ${this.handle.labelNames.join(', ')} (metric '${this.handle.name}' has labels)`,
      );
    }
    return this.store.root();
  }

  private noLabels(given: unknown): InvalidArgumentError {
    return new InvalidArgumentError(
      'labels',
      given,
      `nothing: metric '${this.handle.name}' has no labels (call inc() / observe(v) on it)`,
    );
  }
}

export class CpuCounter extends CpuMetricBase<CpuCounterChild> {
  private root: CpuCounterChild | null = null;

  /** inc(), inc(value), inc(labels), inc(labels, value). */
  inc(labelsOrValue?: LabelsObject | number | bigint, value?: number | bigint): void {
    if (typeof labelsOrValue === 'object' && labelsOrValue !== null) this.childOf(labelsOrValue).inc(value);
    else (this.root ??= this.rootChild()).inc(labelsOrValue);
  }
}

export class CpuGauge extends CpuMetricBase<CpuGaugeChild> {
  private root: CpuGaugeChild | null = null;

  inc(labelsOrValue?: LabelsObject | number, value?: number): void {
    if (typeof labelsOrValue === 'object' && labelsOrValue !== null) this.childOf(labelsOrValue).inc(value);
    else (this.root ??= this.rootChild()).inc(labelsOrValue);
  }

  dec(labelsOrValue?: LabelsObject | number, value?: number): void {
    if (typeof labelsOrValue === 'object' && labelsOrValue !== null) this.childOf(labelsOrValue).dec(value);
    else (this.root ??= this.rootChild()).dec(labelsOrValue);
  }

  set(labelsOrValue: LabelsObject | number, value?: number): void {
    if (typeof labelsOrValue === 'object' && labelsOrValue !== null) this.childOf(labelsOrValue).set(value as number);
    else (this.root ??= this.rootChild()).set(labelsOrValue);
  }
}

export class CpuHistogram extends CpuMetricBase<CpuHistogramChild> {
  private root: CpuHistogramChild | null = null;

  /** observe(value) or observe(labels, value). */
  observe(labelsOrValue: LabelsObject | number, value?: number): void {
    if (typeof labelsOrValue === 'object' && labelsOrValue !== null)
      this.childOf(labelsOrValue).observe(value as number);
    else (this.root ??= this.rootChild()).observe(labelsOrValue);
  }
}

export type CpuMetricOf<K extends MetricKind> = K extends 'counter'
  ? CpuCounter
  : K extends 'gauge'
    ? CpuGauge
    : CpuHistogram;
type AnyCpuMetric = CpuCounter | CpuGauge | CpuHistogram;

/** This worker's metric objects, by handle id (a task may call thisCpu.metric(handle) every time). */
const metrics = new Map<number, AnyCpuMetric>();
let pollTimer: NodeJS.Timeout | null = null;
let lastHandle: unknown = null;
let lastMetric: AnyCpuMetric | null = null;

/** How often a CPU's worker takes in resolved slots and removals while its event loop turns. */
const CPU_POLL_MS = 10;

export function cpuMetric(binding: CpuBinding, value: unknown): AnyCpuMetric {
  // A cached metric takes in what the coordinator did since (resolutions, removals, reset()) first,
  // so a task that starts after a reset() counts into the new series.
  // The same handle object as the last call (a task calling it in a loop): the object as it is.
  if (value === lastHandle && lastMetric !== null) return lastMetric;
  const cached = metrics.get((value as { id?: number } | null)?.id ?? -1);
  const handle = checkMetricHandle(value, 'handle');
  if (cached !== undefined && cached.handle.staging === handle.staging && cached.handle.name === handle.name) {
    cached.store.poll();
    lastHandle = value;
    lastMetric = cached;
    return cached;
  }
  if (
    handle.staging < 0 ||
    handle.staging % 8 !== 0 ||
    handle.staging + stagingSize(handle.recordSize) > binding.areaSize
  ) {
    throw new InvalidArgumentError(
      'handle',
      value,
      "a metric handle of this runtime (its staging area is outside this CPU's area)",
    );
  }
  const views = binding.views;
  let metric: AnyCpuMetric;
  switch (handle.kind) {
    case 'counter':
      metric = new CpuCounter(new CpuMetricStore(views, handle, (key, byte) => new CpuCounterChild(views, key, byte)));
      break;
    case 'gauge':
      metric = new CpuGauge(new CpuMetricStore(views, handle, (key, byte) => new CpuGaugeChild(views, key, byte)));
      break;
    case 'histogram': {
      const bounds = Float64Array.from(handle.buckets);
      metric = new CpuHistogram(
        new CpuMetricStore(views, handle, (key, byte) => new CpuHistogramChild(views, key, byte, bounds)),
      );
      break;
    }
  }
  metrics.set(handle.id, metric);
  lastHandle = value;
  lastMetric = metric;
  if (pollTimer === null) {
    pollTimer = setInterval(() => {
      for (const m of metrics.values()) m.store.poll();
    }, CPU_POLL_MS);
    pollTimer.unref();
  }
  return metric;
}
