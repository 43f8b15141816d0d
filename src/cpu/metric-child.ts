/**
 * A metric's label set on a CPU, bound once: the fast path. Each holds one-element views of its
 * record in this CPU's own unit (a staging slot's record while the coordinator has not allocated
 * the label set's memory yet, then the child's own record), so an update is a plain typed-array
 * store that V8 inlines: no lookup, no lock, no atomic. `rebind` re-points the views; only this
 * CPU's metric store calls it, between the user's updates (this thread is the only writer).
 *
 * Classes, not closures, so that call sites stay monomorphic.
 *
 * Context: a CPU's worker thread.
 */
import { InvalidArgumentError } from '../errors.js';
import type { CpuViews } from '../memory/percpu-memory.js';
import { GAUGE_FLAGS_BYTE, GAUGE_SET, GAUGE_TOUCHED } from '../metrics/layout.js';

/*
 * Every view field starts as an empty array of its own kind, not undefined: with class fields
 * (ES2022), a field declared without an initializer first holds undefined, and V8 then widens its
 * field type, so each inc() in a loop re-checks what the field holds. That alone kept a bound
 * child's inc() below 0.9× the limit in the metrics benchmark (`npm run bench:metrics`).
 */
const NO_U64 = new BigUint64Array(0);
const NO_F64 = new Float64Array(0);
const NO_U32 = new Uint32Array(0);

export interface CpuMetricChild {
  readonly key: string;
  /** @internal Points the child at the record at byte `byte` of this CPU's area. */
  rebind(byte: number): void;
  /**
   * @internal Points the child at a private record no scrape reads: its label set was removed
   * and this CPU has no staging slot to carry its later counts (see metric-store.ts).
   */
  detach(): void;
}

/** A counter's label set on this CPU: inc() adds to its u64. */
export class CpuCounterChild implements CpuMetricChild {
  readonly key: string;
  private readonly views: CpuViews;
  private count: BigUint64Array = NO_U64;

  constructor(views: CpuViews, key: string, byte: number) {
    this.views = views;
    this.key = key;
    this.count = views.u64.subarray(byte >>> 3, (byte >>> 3) + 1);
  }

  rebind(byte: number): void {
    this.count = this.views.u64.subarray(byte >>> 3, (byte >>> 3) + 1);
  }

  detach(): void {
    this.count = new BigUint64Array(1);
  }

  /** Adds 1, or `value` (a non-negative integer: counters only go up). */
  inc(value?: number | bigint): void {
    // The `inc()` path kept this small so that V8 inlines it whole into the caller's loop.
    if (value === undefined) this.count[0]! += 1n;
    else this.add(value);
  }

  private add(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) this.count[0]! += BigInt(value);
    else if (typeof value === 'bigint' && value >= 0n && value < 2n ** 64n) this.count[0]! += value;
    else
      throw new InvalidArgumentError(
        'value',
        value,
        'a non-negative integer (a counter only goes up, by whole counts)',
      );
  }
}

/** A gauge's label set on this CPU: its own value (an f64) and flags. */
export class CpuGaugeChild implements CpuMetricChild {
  readonly key: string;
  private readonly views: CpuViews;
  private value: Float64Array = NO_F64;
  private flags: Uint32Array = NO_U32;

  constructor(views: CpuViews, key: string, byte: number) {
    this.views = views;
    this.key = key;
    this.value = views.f64.subarray(byte >>> 3, (byte >>> 3) + 1);
    this.flags = views.u32.subarray((byte + GAUGE_FLAGS_BYTE) >>> 2, ((byte + GAUGE_FLAGS_BYTE) >>> 2) + 1);
  }

  rebind(byte: number): void {
    this.value = this.views.f64.subarray(byte >>> 3, (byte >>> 3) + 1);
    this.flags = this.views.u32.subarray((byte + GAUGE_FLAGS_BYTE) >>> 2, ((byte + GAUGE_FLAGS_BYTE) >>> 2) + 1);
  }

  detach(): void {
    this.value = new Float64Array(1);
    this.flags = new Uint32Array(1);
  }

  inc(value = 1): void {
    this.value[0]! += checkNumber(value);
    this.flags[0]! |= GAUGE_TOUCHED;
  }

  dec(value = 1): void {
    this.value[0]! -= checkNumber(value);
    this.flags[0]! |= GAUGE_TOUCHED;
  }

  set(value: number): void {
    this.value[0] = checkNumber(value);
    this.flags[0]! |= GAUGE_TOUCHED | GAUGE_SET;
  }
}

/** A histogram's label set on this CPU: bucket counts (u64, +Inf last) and the sum (f64). */
export class CpuHistogramChild implements CpuMetricChild {
  readonly key: string;
  private readonly views: CpuViews;
  private readonly bounds: Float64Array = NO_F64;
  private counts: BigUint64Array = NO_U64;
  private sum: Float64Array = NO_F64;

  constructor(views: CpuViews, key: string, byte: number, bounds: Float64Array) {
    this.views = views;
    this.key = key;
    this.bounds = bounds;
    this.counts = views.u64.subarray((byte >>> 3) + 1, (byte >>> 3) + 2 + bounds.length);
    this.sum = views.f64.subarray(byte >>> 3, (byte >>> 3) + 1);
  }

  rebind(byte: number): void {
    this.counts = this.views.u64.subarray((byte >>> 3) + 1, (byte >>> 3) + 2 + this.bounds.length);
    this.sum = this.views.f64.subarray(byte >>> 3, (byte >>> 3) + 1);
  }

  detach(): void {
    this.counts = new BigUint64Array(this.bounds.length + 1);
    this.sum = new Float64Array(1);
  }

  observe(value: number): void {
    if (typeof value !== 'number' || value !== value)
      throw new InvalidArgumentError('value', value, 'a number (not NaN)');
    // Binary search: 4 comparisons for the 11 default bounds (NaN was refused above).
    const bounds = this.bounds;
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (value > bounds[mid]!) lo = mid + 1;
      else hi = mid;
    }
    this.counts[lo]! += 1n;
    this.sum[0]! += value;
  }
}

function checkNumber(value: unknown): number {
  if (typeof value !== 'number' || value !== value)
    throw new InvalidArgumentError('value', value, 'a number (not NaN)');
  return value;
}
