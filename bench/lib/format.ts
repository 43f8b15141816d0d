/** Number formatting for the benchmark tables, the console and the generated markdown alike. */

/** 1234567 -> "1,234,567". */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 0.98712 -> "98.71%". */
export function pct(ratio: number, digits = 2): string {
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** Milliseconds with a precision that suits their size: "0.42", "12.3", "1,234". */
export function ms(value: number): string {
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return int(value);
}

/** A ratio such as ours/kernel: "0.37×". */
export function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** Bytes as B, KiB, MiB or GiB, one decimal above 1 KiB. */
export function bytes(n: number): string {
  if (n < 1024) return `${int(n)} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]!}`;
}

/** A count, as 2^k when it is a power of two: "2^20 (1,048,576)", else "1,000". */
export function count(n: number): string {
  const log = Math.log2(n);
  return Number.isInteger(log) && n >= 1024 ? `2^${log} (${int(n)})` : int(n);
}

/** A target check as a word. */
export function verdict(met: boolean | null): string {
  if (met === null) return 'not judged';
  return met ? 'met' : 'MISSED';
}

/** Ops per second as millions: "412.3". */
export function mops(opsPerSecond: number): string {
  if (!Number.isFinite(opsPerSecond)) return '—';
  return opsPerSecond >= 1e8 ? int(opsPerSecond / 1e6) : (opsPerSecond / 1e6).toFixed(1);
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
  return int(value);
}

/** A ratio with a precision that suits its size: "0.93×", "12.4×", "310×". */
export function times(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value < 10) return `${value.toFixed(2)}×`;
  if (value < 100) return `${value.toFixed(1)}×`;
  return `${int(value)}×`;
}

/** Signed bytes, as MiB with one decimal: "+12.3 MiB", "-0.1 MiB". */
export function mib(bytes: number): string {
  const value = bytes / 2 ** 20;
  return `${value < 0 ? '−' : ''}${Math.abs(value).toFixed(1)} MiB`;
}

/** Bytes as KiB with one decimal. */
export function kib(bytes: number): string {
  const value = bytes / 1024;
  return `${value < 0 ? '−' : ''}${int(Math.abs(value))} KiB`;
}
