/**
 * Checks of an options argument a caller may omit. Without them a wrong type would be read as
 * the default without a word: `{ reserved: 'yes' }` is not `true`, so it would allocate from the
 * dynamic chunks.
 */
import { InvalidArgumentError } from '../errors.js';

/** `options` must be undefined or an object (of the `shape` named in the message). */
export function checkOptionsObject(options: unknown, shape: string): void {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new InvalidArgumentError('options', options, `an object ${shape} or nothing`);
  }
}

/** An optional flag: undefined or a boolean. */
export function checkOptionalBoolean(argument: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw new InvalidArgumentError(argument, value, 'a boolean');
}

/** An optional callback: undefined or a function. */
export function checkOptionalFunction(argument: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new InvalidArgumentError(argument, value, 'a function');
}
