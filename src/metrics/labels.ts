/**
 * Metric and label names, label values and the key of a label set.
 *
 * A label set's key is its values in the order of the metric's labelNames, joined by NUL ('\0'):
 * NUL is refused in label values, so the key is unambiguous, and its UTF-8 bytes are what a CPU
 * writes into a staging slot for the coordinator to read (at most KEY_BYTES).
 *
 * Context: pure functions, used by the coordinator and by CPUs.
 */
import { InvalidArgumentError } from '../errors.js';
import { KEY_BYTES } from './layout.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const KEY_SEPARATOR = '\u0000';
/** A UTF-16 surrogate not part of a pair (in `u` mode, a pair is one code point, not matched). */
const LONE_SURROGATE = /\p{Cs}/u;

export function checkMetricName(value: unknown): string {
  if (typeof value !== 'string' || !METRIC_NAME.test(value)) {
    throw new InvalidArgumentError('name', value, 'a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*');
  }
  return value;
}

export function checkHelp(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new InvalidArgumentError('help', value, 'a non-empty string');
  return value;
}

/** Label names: valid, distinct, not reserved (`__*`), and none of `reserved` (le, cpu). */
export function checkLabelNames(value: unknown, reserved: readonly string[]): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidArgumentError('labelNames', value, 'an array of label names');
  const seen = new Set<string>();
  for (const name of value as unknown[]) {
    if (typeof name !== 'string' || !LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new InvalidArgumentError(
        'labelNames',
        name,
        'label names matching [a-zA-Z_][a-zA-Z0-9_]* and not starting with __',
      );
    }
    if (reserved.includes(name))
      throw new InvalidArgumentError(
        'labelNames',
        name,
        `a label name other than ${reserved.map((r) => `'${r}'`).join(' and ')} (added by percpu)`,
      );
    if (seen.has(name)) throw new InvalidArgumentError('labelNames', name, 'distinct label names');
    seen.add(name);
  }
  return [...seen];
}

/** One label value: a string without NUL, or a finite number (written as String(n)). */
export function labelValue(name: string, value: unknown): string {
  if (typeof value === 'string') {
    if (value.includes(KEY_SEPARATOR))
      throw new InvalidArgumentError(`labels.${name}`, value, 'a string without NUL characters');
    // A lone surrogate has no UTF-8 form: a CPU's key (and the exposition) would carry U+FFFD
    // instead, a second series that reads as the same label set.
    if (LONE_SURROGATE.test(value))
      throw new InvalidArgumentError(`labels.${name}`, value, 'a well-formed string (no lone surrogate)');
    return value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new InvalidArgumentError(`labels.${name}`, value, 'a string or a finite number');
}

const encoder = new TextEncoder();

/** The key of positional label values (`labels('GET', '/a')`), checked. */
export function keyOfValues(labelNames: readonly string[], values: readonly unknown[]): string {
  if (values.length !== labelNames.length) {
    throw new InvalidArgumentError(
      'labels',
      values,
      `${labelNames.length} label value(s), for ${labelNames.length === 0 ? 'no labels' : labelNames.join(', ')}`,
    );
  }
  const key = values.map((v, i) => labelValue(labelNames[i]!, v)).join(KEY_SEPARATOR);
  return checkKeyBytes(key);
}

/** The key of a labels object (`{ method: 'GET', route: '/a' }`), checked: exactly labelNames. */
export function keyOfObject(labelNames: readonly string[], labels: unknown): string {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new InvalidArgumentError('labels', labels, `an object with the labels ${labelNames.join(', ')}`);
  }
  const record = labels as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (!labelNames.includes(name)) {
      throw new InvalidArgumentError(
        'labels',
        name,
        labelNames.length === 0 ? 'no label (the metric has none)' : `one of the label names ${labelNames.join(', ')}`,
      );
    }
  }
  return keyOfValues(
    labelNames,
    labelNames.map((name) => {
      if (!Object.hasOwn(record, name))
        throw new InvalidArgumentError(
          `labels.${name}`,
          undefined,
          'a label value (every label of the metric must be given)',
        );
      return record[name];
    }),
  );
}

/** A key's UTF-8 bytes must fit a staging slot. */
export function checkKeyBytes(key: string): string {
  if (key.length * 3 > KEY_BYTES && encoder.encode(key).length > KEY_BYTES) {
    throw new InvalidArgumentError(
      'labels',
      key.split(KEY_SEPARATOR),
      `label values of at most ${KEY_BYTES} bytes of UTF-8 in all`,
    );
  }
  return key;
}

export function valuesOfKey(key: string, labelNames: readonly string[]): string[] {
  return labelNames.length === 0 ? [] : key.split(KEY_SEPARATOR);
}

export function encodeKey(key: string, into: Uint8Array): number {
  return encoder.encodeInto(key, into).written;
}

const decoder = new TextDecoder();

/** Decodes a key from (possibly shared) memory: copied first, as TextDecoder wants unshared bytes. */
export function decodeKey(bytes: Uint8Array): string {
  return decoder.decode(bytes.slice());
}
