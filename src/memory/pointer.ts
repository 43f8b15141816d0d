/**
 * Checking a per-CPU pointer (an offset valid in every CPU's area) before a typed access.
 */
import { InvalidArgumentError, UnalignedAccessError } from '../errors.js';
import { type PerCpuType, TYPE_WIDTH } from './types.js';

/** The element index of `ptr` in `type`'s view over an area of `areaSize` bytes. */
export function elementIndex(ptr: number, type: PerCpuType, areaSize: number): number {
  const width = TYPE_WIDTH[type];
  if (typeof ptr !== 'number' || !Number.isInteger(ptr) || ptr < 0 || ptr + width > areaSize) {
    throw new InvalidArgumentError('ptr', ptr, `an integer offset from 0 to ${areaSize - width}`);
  }
  if (ptr % width !== 0) throw new UnalignedAccessError(ptr, type, width);
  return ptr / width;
}
