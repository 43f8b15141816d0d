/**
 * The checks of an allocation's size and alignment, the same wherever it is asked for: on the
 * coordinator (PercpuAllocator.alloc) and on a CPU (thisCpu.alloc, before the request is posted),
 * so both reject the same values with the same message.
 *
 * Context: any thread; pure.
 */
import { InvalidArgumentError } from '../errors.js';
import { MAX_ALIGN, isPowerOfTwo } from '../memory/layout.js';

/** What `size` may be, for a message. */
export function sizeAllowed(unitSize: number): string {
  return `an integer from 1 to ${unitSize} (the unit size)`;
}

/** What `align` may be, for a message. */
export const ALIGN_ALLOWED = `a power of two from 1 to ${MAX_ALIGN}`;

/** Throws InvalidArgumentError naming `size` or `align` unless both are allowed. */
export function checkAllocArgs(size: unknown, align: unknown, unitSize: number): void {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > unitSize) {
    throw new InvalidArgumentError('size', size, sizeAllowed(unitSize));
  }
  if (typeof align !== 'number' || !isPowerOfTwo(align) || align > MAX_ALIGN) {
    throw new InvalidArgumentError('align', align, ALIGN_ALLOWED);
  }
}
