/** Formatting for the worker benchmarks' figures (the shared number formats are in src/util/format.ts). */
import * as fmt from '../../src/util/format.js';

/** Ops per second as millions: "412.3". */
export function mops(opsPerSecond: number): string {
  if (!Number.isFinite(opsPerSecond)) return '—';
  return opsPerSecond >= 1e8 ? fmt.int(opsPerSecond / 1e6) : (opsPerSecond / 1e6).toFixed(1);
}

/** Nanoseconds per op from ops per second: "2.41". */
export function nsPerOp(opsPerSecond: number): string {
  return Number.isFinite(opsPerSecond) && opsPerSecond > 0 ? (1e9 / opsPerSecond).toFixed(2) : '—';
}

/** Microseconds with a precision that suits their size. */
export function us(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return fmt.int(value);
}

/** A ratio with a precision that suits its size: "0.93×", "12.4×", "310×". */
export function times(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value < 10) return `${value.toFixed(2)}×`;
  if (value < 100) return `${value.toFixed(1)}×`;
  return `${fmt.int(value)}×`;
}

/** Signed bytes, as MiB with one decimal: "+12.3 MiB", "-0.1 MiB". */
export function mib(bytes: number): string {
  const value = bytes / 2 ** 20;
  return `${value < 0 ? '−' : ''}${Math.abs(value).toFixed(1)} MiB`;
}

/** Bytes as KiB with one decimal. */
export function kib(bytes: number): string {
  const value = bytes / 1024;
  return `${value < 0 ? '−' : ''}${fmt.int(Math.abs(value))} KiB`;
}
