/**
 * Every error percpu throws on purpose is a PercpuError with a stable `code`.
 *
 * Argument errors name the argument, quote the value received (and its type) and say what is
 * allowed, in the style "Expected `size` to be an integer from 1 to 65536, got `0` (number)".
 * Whoever throws one must not have changed any state before throwing.
 */

/** The stable codes. They are part of the public API: documented in docs/api.md. */
export type PercpuErrorCode =
  | 'PERCPU_INVALID_ARGUMENT'
  | 'PERCPU_INVALID_FREE'
  | 'PERCPU_UNALIGNED_ACCESS'
  | 'PERCPU_OUT_OF_SPACE'
  | 'PERCPU_VERIFY_FAILED';

export class PercpuError extends Error {
  readonly code: PercpuErrorCode;

  constructor(code: PercpuErrorCode, message: string) {
    super(message);
    this.name = 'PercpuError';
    this.code = code;
  }
}

/** Renders a received value for a message: `0` (number), `"4"` (string), `NaN` (number). */
export function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `\`${value}n\` (bigint)`;
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return `\`${String(value)}\` (${value === null ? 'null' : typeof value})`;
  }
  return `a value of type ${Array.isArray(value) ? 'array' : typeof value}`;
}

/** A bad argument: names it, the value received and what is allowed. */
export class InvalidArgumentError extends PercpuError {
  readonly argument: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(argument: string, value: unknown, allowed: string) {
    super('PERCPU_INVALID_ARGUMENT', `Expected \`${argument}\` to be ${allowed}, got ${describeValue(value)}`);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
    this.value = value;
    this.allowed = allowed;
  }
}

/** Why an offset cannot be freed. */
export type InvalidFreeReason =
  | 'outside-area' // not inside any chunk of the per-CPU area
  | 'unaligned' // not a multiple of the minimum allocation size
  | 'no-chunk' // inside the area, but in no live chunk
  | 'hidden' // inside the first chunk's static region (or another area that is never freed)
  | 'not-allocated' // in free space: never allocated, or already freed (a double free)
  | 'interior'; // inside a live allocation, but not at its start

/** `free(offset)` of anything but the start of a live allocation. */
export class InvalidFreeError extends PercpuError {
  readonly offset: number;
  readonly reason: InvalidFreeReason;

  constructor(offset: number, reason: InvalidFreeReason, detail: string) {
    super('PERCPU_INVALID_FREE', `Cannot free offset ${offset}: ${detail}`);
    this.name = 'InvalidFreeError';
    this.offset = offset;
    this.reason = reason;
  }
}

/** A typed access at an offset that is not a multiple of the type's width. */
export class UnalignedAccessError extends PercpuError {
  constructor(offset: number, type: string, width: number) {
    super(
      'PERCPU_UNALIGNED_ACCESS',
      `Expected \`ptr\` to be a multiple of ${width} for type '${type}', got \`${offset}\` (number)`,
    );
    this.name = 'UnalignedAccessError';
  }
}

/** Thrown by APIs that cannot return "no space" as a value (for example static declarations). */
export class OutOfSpaceError extends PercpuError {
  constructor(message: string) {
    super('PERCPU_OUT_OF_SPACE', message);
    this.name = 'OutOfSpaceError';
  }
}

/** `verify()` found a broken invariant: a bug in percpu, never a user error. */
export class VerifyError extends PercpuError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('PERCPU_VERIFY_FAILED', `percpu invariants broken:\n- ${problems.join('\n- ')}`);
    this.name = 'VerifyError';
    this.problems = problems;
  }
}
