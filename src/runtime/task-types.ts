/**
 * The types that tie a runtime to its tasks module: `Runtime.start<typeof Tasks>(...)` makes
 * runOn / runOnEach / run accept only the module's exported function names, with their argument
 * and (awaited) result types.
 */

/** A tasks module's type: its exported functions, each (arg, cpu) => result. */
export type TaskModule = Record<string, unknown>;

/** The names of a tasks module's exported functions. */
export type TaskName<Tasks extends TaskModule> = {
  [K in keyof Tasks & string]: Tasks[K] extends (...args: never[]) => unknown ? K : never;
}[keyof Tasks & string];

/** The argument of task K (its first parameter), or unknown for an untyped module. */
export type TaskArg<Tasks extends TaskModule, K extends string> = K extends keyof Tasks
  ? Tasks[K] extends (arg: infer A, ...rest: never[]) => unknown
    ? A
    : never
  : unknown;

/** The resolved result of task K, or unknown for an untyped module. */
export type TaskResult<Tasks extends TaskModule, K extends string> = K extends keyof Tasks
  ? Tasks[K] extends (...args: never[]) => infer R
    ? Awaited<R>
    : never
  : unknown;
