/**
 * A task's argument and options, checked and copied on the coordinator before the task is
 * queued (runOn, run, runOnEach, runOnEachSettled).
 *
 * Context: the coordinator.
 */
import type { TransferListItem } from 'node:worker_threads';
import { InvalidArgumentError } from '../errors.js';
import { checkOptionsObject } from '../util/check.js';
import type { TaskControls } from './cpu-controller.js';
import type { TaskOptions } from './task-types.js';

/**
 * A task argument as it will reach the worker: a structured-clone copy made here, before
 * dispatch, so an argument that cannot be copied (a function, a getter that throws) is an
 * InvalidArgumentError with nothing started or counted, and the copy sent cannot fail (its
 * getters were read once, here). Transferables in `transferList` move into the copy (and from it
 * to the worker) instead of being copied.
 */
export function prepareTask(arg: unknown, options: TaskOptions | undefined): { arg: unknown; controls: TaskControls } {
  checkOptionsObject(options, '{ signal?, timeout?, transferList? }');
  const signal: unknown = options?.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new InvalidArgumentError('options.signal', signal, 'an AbortSignal');
  const timeout: unknown = options?.timeout;
  if (
    timeout !== undefined &&
    (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 2 ** 31 - 1)
  ) {
    throw new InvalidArgumentError(
      'options.timeout',
      timeout,
      `an integer number of milliseconds from 1 to ${2 ** 31 - 1}`,
    );
  }
  const transfer: unknown = options?.transferList;
  if (transfer !== undefined && !Array.isArray(transfer))
    throw new InvalidArgumentError('options.transferList', transfer, 'an array of ArrayBuffers or MessagePorts');
  const transferList = transfer as TransferListItem[] | undefined;
  let copy: { arg: unknown; transferList: TransferListItem[] | undefined };
  try {
    // The list is cloned with the argument, so it names the copy's transferred buffers.
    copy = structuredClone({ arg, transferList }, transferList !== undefined ? { transfer: transferList } : undefined);
  } catch (error) {
    throw new InvalidArgumentError(
      'arg',
      arg,
      'a value structured clone can copy to a worker (no functions, symbols or throwing getters)',
      { cause: error },
    );
  }
  return {
    arg: copy.arg,
    controls: { signal: options?.signal, timeoutMs: options?.timeout, transferList: copy.transferList },
  };
}
