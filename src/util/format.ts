/** Number formatting shared by the console tables and the generated markdown. */

/** 1234567 -> "1,234,567". */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * A count and its noun: (1, 'CPU') -> "1 CPU", (2, 'CPU') -> "2 CPUs", (1234, 'entry', 'entries')
 * -> "1,234 entries".
 */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${int(n)} ${n === 1 ? singular : plural}`;
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
