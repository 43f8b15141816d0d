/**
 * The types that tie a runtime to its tasks module. Context: types only (no code runs).
 *
 * - Untyped (`Runtime.start(...)`, no type argument): any string names a task; its argument is
 *   `unknown` and optional, its result `unknown`. The name is checked at the call (the runtime
 *   knows the module's exports).
 * - Typed (`Runtime.start<typeof Tasks>(...)`): runOn / runOnEach / run accept only the module's
 *   exported function names; the argument has the type of the task's first parameter and must be
 *   passed when that parameter is required (a task with no parameter, an optional one or one
 *   that accepts undefined may be called without); the result is the task's awaited return type.
 */

import type { TransferListItem } from 'node:worker_threads';

/** What a caller may attach to one task (runOn, run, runOnEach, runOnEachSettled). */
export interface TaskOptions {
  /** Aborts the task: a queued one leaves the queue; a running one ends with its worker (TaskAbortedError). */
  readonly signal?: AbortSignal;
  /** Milliseconds from the call, queueing included, after which the task ends as with `signal` (TaskTimeoutError). */
  readonly timeout?: number;
  /** ArrayBuffers or MessagePorts inside `arg` to move to the worker instead of copying them. */
  readonly transferList?: readonly TransferListItem[];
}

/** A tasks module's type: its exported functions, each (arg, cpu) => result. */
export type TaskModule = Record<string, unknown>;

/** True for the untyped module (string keys, as `TaskModule` itself has), false for a module's own type. */
type IsUntyped<Tasks extends TaskModule> = string extends keyof Tasks ? true : false;

/** The names of a tasks module's exported functions; any string for an untyped runtime. */
export type TaskName<Tasks extends TaskModule> =
  IsUntyped<Tasks> extends true
    ? string
    : {
        [K in keyof Tasks & string]: Tasks[K] extends (...args: never[]) => unknown ? K : never;
      }[keyof Tasks & string];

/** The parameters of task K, or none when K is not a function of the module. */
type TaskParameters<Tasks extends TaskModule, K extends string> = K extends keyof Tasks
  ? Tasks[K] extends (...args: infer P) => unknown
    ? P
    : never
  : never;

/**
 * What runOn / runOnEach / run take after the name (each tuple ends with the optional
 * TaskOptions): `[arg: A]` when the task's first parameter is required and its type does not
 * accept undefined; `[arg?: A]` when the parameter is optional, or accepts undefined
 * (`_arg: unknown`, as a task that only wants its second parameter, the CPU, declares), or is a
 * rest parameter; `[arg?: unknown]` for a task with no parameter (it ignores what it is given)
 * and for an untyped runtime.
 */
export type TaskArgs<Tasks extends TaskModule, K extends string> =
  IsUntyped<Tasks> extends true ? [arg?: unknown, options?: TaskOptions] : FirstParameter<TaskParameters<Tasks, K>>;

/** The argument as the first parameter asks for it, then the task's options (always optional). */
type FirstParameter<P extends readonly unknown[]> = P extends readonly []
  ? [arg?: unknown, options?: TaskOptions]
  : P extends readonly [infer A, ...unknown[]]
    ? undefined extends A
      ? [arg?: A, options?: TaskOptions]
      : [arg: A, options?: TaskOptions]
    : P extends readonly [(infer A)?, ...unknown[]]
      ? [arg?: A, options?: TaskOptions]
      : [arg?: P[number], options?: TaskOptions];

/** The argument of task K (its first parameter), or unknown for an untyped runtime. */
export type TaskArg<Tasks extends TaskModule, K extends string> =
  IsUntyped<Tasks> extends true
    ? unknown
    : TaskParameters<Tasks, K> extends readonly []
      ? unknown
      : TaskParameters<Tasks, K>[0];

/** The resolved result of task K, or unknown for an untyped runtime. */
export type TaskResult<Tasks extends TaskModule, K extends string> =
  IsUntyped<Tasks> extends true
    ? unknown
    : K extends keyof Tasks
      ? Tasks[K] extends (...args: never[]) => infer R
        ? Awaited<R>
        : never
      : never;
