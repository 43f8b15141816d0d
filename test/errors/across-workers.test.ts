/**
 * The worker boundary, as docs/api.md ("Errors") promises: on a CPU, the errors thisCpu throws are
 * instances of the classes 'percpu/cpu' exports there (checked inside the task, by the fixture
 * error-classes-tasks.ts); on the coordinator, a task that lets one escape rejects with
 * TaskFailedError, whose `remote` carries the name, code and message as plain data.
 */
import { describe, expect, it } from 'vitest';
import { InvalidFreeError, PercpuError, TaskFailedError } from 'percpu';
import type * as ErrorClassesTasks from '../fixtures/error-classes-tasks.js';
import { rejectionOf, trackRuntimes } from '../runtime/helpers.js';

const ERROR_CLASSES_TASKS = new URL('../../dist/test/fixtures/error-classes-tasks.js', import.meta.url);

const runtimes = trackRuntimes();

async function start() {
  const rt = await runtimes.start<typeof ErrorClassesTasks>({ cpus: 2, tasks: ERROR_CLASSES_TASKS });
  const counter = rt.counter();
  const destroyed = counter.handle;
  counter.destroy();
  const freed = rt.alloc(16)!;
  rt.free(freed);
  return { rt, destroyed, freed };
}

describe('errors across the worker boundary', () => {
  it('on a CPU, each error thisCpu throws is an instance of the class percpu/cpu exports, with its code and name', async () => {
    const { rt, destroyed, freed } = await start();
    const checks = await rt.runOn(1, 'provokeOnCpu', { destroyed, freed });
    expect(checks.map((c) => c.call)).toHaveLength(7);
    const codes: Record<string, string> = {
      InvalidArgumentError: 'PERCPU_INVALID_ARGUMENT',
      UnalignedAccessError: 'PERCPU_UNALIGNED_ACCESS',
      InvalidFreeError: 'PERCPU_INVALID_FREE',
      CounterDestroyedError: 'PERCPU_COUNTER_DESTROYED',
    };
    for (const check of checks) {
      expect(check, check.call).toMatchObject({
        instanceOfExpected: true,
        instanceOfPercpuError: true,
        name: check.expected,
        code: codes[check.expected],
      });
    }
    // The coordinator's rejection names the reason it found.
    expect(checks.find((c) => c.call.includes('(freed)'))?.message).toContain('not-allocated');
  });

  it('on the coordinator, the task rejects with TaskFailedError whose remote has the name and code (plain data, not the class)', async () => {
    const { rt, freed } = await start();
    const error = await rejectionOf(rt.runOn(0, 'freeTwice', { freed }));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toBeInstanceOf(PercpuError);
    const failed = error as TaskFailedError;
    expect(failed).toMatchObject({ code: 'PERCPU_TASK_FAILED', name: 'TaskFailedError', cpu: 0, task: 'freeTwice' });
    expect(failed.remote).toMatchObject({ name: 'InvalidFreeError', code: 'PERCPU_INVALID_FREE' });
    expect(failed.remote.message).toContain(`Cannot free offset ${freed}`);
    expect(failed.remote).not.toBeInstanceOf(InvalidFreeError);
  });
});
