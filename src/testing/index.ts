/**
 * percpu/testing: fault injection for tests of code built on percpu. Not for production: what
 * it does to a runtime is what a crash would do.
 *
 *   import { killCpu } from 'percpu/testing';
 *   await killCpu(rt, 1);
 *
 * Context: main thread (the coordinator).
 */
import { InvalidArgumentError } from '../errors.js';
import { Runtime } from '../runtime/runtime.js';
import type { TaskModule } from '../runtime/task-types.js';

/**
 * Terminates CPU `cpu`'s worker thread from outside, as a crash would. Its running task rejects
 * with CpuDiedError, a new worker takes the CPU over and its queued tasks run there. Resolves
 * once the replacement is up (or the CPU failed). Rejects with InvalidArgumentError for an `rt`
 * that is not a Runtime or a bad `cpu`, CpuOfflineError for an offline CPU, ClosedError after
 * close.
 */
export async function killCpu<Tasks extends TaskModule>(rt: Runtime<Tasks>, cpu: number): Promise<void> {
  if (!(rt instanceof Runtime)) throw new InvalidArgumentError('rt', rt, 'a Runtime');
  await rt.killCpu(cpu);
}
