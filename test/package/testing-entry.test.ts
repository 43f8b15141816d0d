/**
 * percpu/testing's killCpu checks what it is given before it touches anything: an `rt` that is
 * not a Runtime is an InvalidArgumentError naming `rt` (the kill itself, on real workers, is
 * tested in test/runtime/crashes.test.ts and test/runtime/cpu-states.test.ts).
 *
 * Context: the test runner's thread.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, type Runtime } from 'percpu';
import { killCpu } from 'percpu/testing';

describe("percpu/testing's killCpu", () => {
  it.each([null, undefined, {}, { killCpu: () => Promise.resolve() }])(
    'rejects rt = %o with InvalidArgumentError naming rt',
    async (notARuntime) => {
      const error: unknown = await killCpu(notARuntime as unknown as Runtime, 0).then(
        () => null,
        (rejected: unknown) => rejected,
      );
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('rt');
      expect((error as InvalidArgumentError).allowed).toBe('a Runtime');
    },
  );
});
