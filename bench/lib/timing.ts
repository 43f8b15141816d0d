/** Wall-clock timing with process.hrtime.bigint (nanoseconds, monotonic). */

/** A start mark. */
export function now(): bigint {
  return process.hrtime.bigint();
}

/** Milliseconds since `start`. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >>> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
