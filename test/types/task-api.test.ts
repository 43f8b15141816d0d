/**
 * The typed task API: which names runOn / runOnEach / run accept, which argument they require and
 * what they resolve to, with `Runtime.start<typeof Tasks>` and without a type argument. The type
 * assertions (expectTypeOf, @ts-expect-error) are checked by `tsc -p tsconfig.test.json`, which
 * `npm test` runs before vitest: a wrong type fails the type check (an unused @ts-expect-error is
 * an error too). The last test runs the same calls on a real runtime, so the types describe what
 * the tasks really return.
 *
 * Context: main thread (the coordinator); the tasks run on the CPUs' worker threads.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Runtime,
  type TaskArg,
  type TaskArgs,
  type TaskModule,
  type TaskName,
  type TaskOptions,
  type TaskResult,
} from 'percpu';
import { thisCpu } from 'percpu/cpu';
import type * as Typed from '../fixtures/typed-tasks.js';
import { trackRuntimes } from '../runtime/helpers.js';

type Tasks = typeof Typed;
const TYPED_TASKS = new URL('../../dist/test/fixtures/typed-tasks.js', import.meta.url);

/**
 * Calls that must (or, under @ts-expect-error, must not) type-check. Never called: the calls are
 * here for the type checker; the runtime test below makes the same calls for real.
 */
function typedCalls(rt: Runtime<Tasks>): void {
  void rt.runOn(0, 'add', { a: 1, b: 2 });
  void rt.runOn(0, 'greet');
  void rt.runOn(0, 'greet', 'you');
  void rt.runOn(0, 'answer');
  void rt.runOn(0, 'whichCpu');
  void rt.runOnEach('add', { a: 1, b: 2 });
  void rt.run('greet');
  // @ts-expect-error a required argument left out
  void rt.runOn(0, 'add');
  // @ts-expect-error a required argument left out (runOnEach)
  void rt.runOnEach('add');
  // @ts-expect-error a required argument left out (run)
  void rt.run('add');
  // @ts-expect-error the wrong argument type
  void rt.runOn(0, 'add', { a: 1 });
  // @ts-expect-error the wrong argument type for an optional parameter
  void rt.run('greet', 7);
  // @ts-expect-error not a task of the module
  void rt.runOn(0, 'nope');
  // @ts-expect-error an export that is not a function
  void rt.run('VERSION');
}

function untypedCalls(rt: Runtime): void {
  void rt.runOn(0, 'anything');
  void rt.runOn(0, 'anything', { any: 'value' });
  void rt.runOnEach('other', 1);
  void rt.run('third');
  // @ts-expect-error a name is still a string
  void rt.run(42);
}

// No return type annotations: the checks above read what the calls are inferred to return.
const runAdd = (rt: Runtime<Tasks>) => rt.runOn(0, 'add', { a: 2, b: 3 });
const eachGreet = (rt: Runtime<Tasks>) => rt.runOnEach('greet', 'each');
const _untypedRun = (rt: Runtime) => rt.run('anything', 1);
const _untypedEach = (rt: Runtime) => rt.runOnEach('anything');

describe('the typed task API (types)', () => {
  it('a typed runtime accepts exactly the module’s function names', () => {
    expectTypeOf<TaskName<Tasks>>().toEqualTypeOf<'add' | 'greet' | 'answer' | 'whichCpu'>();
  });

  it('an untyped runtime accepts any string, with unknown argument and result', () => {
    expectTypeOf<TaskName<Record<string, unknown>>>().toEqualTypeOf<string>();
    expectTypeOf<TaskArgs<Record<string, unknown>, 'x'>>().toEqualTypeOf<[arg?: unknown, options?: TaskOptions]>();
    expectTypeOf<TaskArg<Record<string, unknown>, 'x'>>().toEqualTypeOf<unknown>();
    expectTypeOf<TaskResult<Record<string, unknown>, 'x'>>().toEqualTypeOf<unknown>();
    expectTypeOf<ReturnType<typeof _untypedRun>>().toEqualTypeOf<Promise<unknown>>();
    expectTypeOf<ReturnType<typeof _untypedEach>>().toEqualTypeOf<Promise<Map<number, unknown>>>();
  });

  it('the argument: required, optional, absent, unknown', () => {
    // Each tuple ends with the task's options (signal, timeout, transferList), always optional.
    expectTypeOf<TaskArgs<Tasks, 'add'>>().toEqualTypeOf<[arg: { a: number; b: number }, options?: TaskOptions]>();
    expectTypeOf<TaskArgs<Tasks, 'greet'>>().toEqualTypeOf<[arg?: string | undefined, options?: TaskOptions]>();
    expectTypeOf<TaskArgs<Tasks, 'answer'>>().toEqualTypeOf<[arg?: unknown, options?: TaskOptions]>();
    expectTypeOf<TaskArgs<Tasks, 'whichCpu'>>().toEqualTypeOf<[arg?: unknown, options?: TaskOptions]>();
    expectTypeOf<TaskArg<Tasks, 'add'>>().toEqualTypeOf<{ a: number; b: number }>();
  });

  it('the result: the awaited return type, per CPU for runOnEach', () => {
    expectTypeOf<TaskResult<Tasks, 'add'>>().toEqualTypeOf<number>();
    expectTypeOf<TaskResult<Tasks, 'greet'>>().toEqualTypeOf<string>();
    expectTypeOf<TaskResult<Tasks, 'answer'>>().toEqualTypeOf<42>();
    expectTypeOf<ReturnType<typeof runAdd>>().toEqualTypeOf<Promise<number>>();
    expectTypeOf<ReturnType<typeof eachGreet>>().toEqualTypeOf<Promise<Map<number, string>>>();
  });

  it('the call sites above are type-checked, not run', () => {
    expectTypeOf(typedCalls).parameter(0).toEqualTypeOf<Runtime<Tasks>>();
    expectTypeOf(untypedCalls).parameter(0).toEqualTypeOf<Runtime>();
  });
});

describe('the typed task API (on real workers)', () => {
  const runtimes = trackRuntimes();

  it('the tasks return what their types say, typed and untyped', async () => {
    const rt = await runtimes.start<Tasks>({ cpus: 2, tasks: TYPED_TASKS });
    expect(await runAdd(rt)).toBe(5);
    expect(await rt.run('greet')).toBe('hello world');
    expect(await rt.runOn(1, 'greet', 'you')).toBe('hello you');
    expect(await rt.runOn(1, 'answer')).toBe(42);
    expect(await rt.runOn(1, 'whichCpu')).toBe(1);
    expect([...(await eachGreet(rt))]).toEqual([
      [0, 'hello each'],
      [1, 'hello each'],
    ]);
    const untyped: Runtime = rt;
    expect(await untyped.runOn(0, 'add', { a: 1, b: 1 })).toBe(2);
  });
});

describe('static variable names (types)', () => {
  const STATICS = { hits: 'u32', table: { size: 64, align: 8 } } as const;

  it('start() infers the names from `statics`; staticPtr accepts only those', () => {
    // No type arguments: the names are inferred from the option.
    const _started = () => Runtime.start({ cpus: 1, statics: STATICS });
    expectTypeOf<Awaited<ReturnType<typeof _started>>>().toEqualTypeOf<Runtime<TaskModule, 'hits' | 'table'>>();
    const lookUp = (rt: Runtime<TaskModule, 'hits' | 'table'>): number => {
      // @ts-expect-error: not a declared static
      rt.staticPtr('misses');
      return rt.staticPtr('hits') + rt.staticPtr('table');
    };
    expectTypeOf(lookUp).returns.toEqualTypeOf<number>();
  });

  it('without a declaration any name type-checks (and is checked when called)', () => {
    expectTypeOf<Parameters<Runtime['staticPtr']>[0]>().toEqualTypeOf<string>();
  });

  it('on a CPU, thisCpu.staticPtr<typeof STATICS>(name) takes only its names', () => {
    const onCpu = (): number => {
      // @ts-expect-error: not a declared static
      thisCpu.staticPtr<typeof STATICS>('misses');
      return thisCpu.staticPtr<typeof STATICS>('hits');
    };
    expectTypeOf(onCpu).returns.toEqualTypeOf<number>();
    expectTypeOf<Parameters<typeof thisCpu.staticPtr<typeof STATICS>>[0]>().toEqualTypeOf<'hits' | 'table'>();
  });
});
