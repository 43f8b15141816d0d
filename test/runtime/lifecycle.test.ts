/**
 * Runtime lifecycle: start (cpus / online, count and list forms), which CPU a task runs on,
 * runOn / runOnEach / run, task names, failing tasks, a tasks module that fails to load, close,
 * use after close, bad start options and two runtimes side by side.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  CpuOfflineError,
  InvalidArgumentError,
  MAX_CPUS,
  NotOnCpuError,
  PercpuError,
  Runtime,
  type RuntimeOptions,
  TaskFailedError,
  TasksLoadError,
} from 'percpu';
import { thisCpu } from 'percpu/cpu';
import {
  BROKEN_TASKS,
  COUNTING_TASKS,
  START_THEN_EXIT,
  captureLogger,
  mustAlloc,
  rejectionOf,
  thrownBy,
  trackRuntimes,
  untyped,
} from './helpers.js';

const runtimes = trackRuntimes();

describe('start', () => {
  it('starts every possible CPU by default', async () => {
    const rt = await runtimes.start({ cpus: 3 });
    expect(rt.cpus).toBe(3);
    expect(rt.onlineCpus()).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((cpu) => rt.isOnline(cpu))).toEqual([true, true, true]);
  });

  it('starts CPUs 0 .. n-1 for online: n', async () => {
    const rt = await runtimes.start({ cpus: 3, online: 2 });
    expect(rt.onlineCpus()).toEqual([0, 1]);
    expect(rt.isOnline(2)).toBe(false);
    expect(rt.stats().cpus.map((c) => c.online)).toEqual([true, true, false]);
  });

  it('starts exactly the listed CPUs for online: [ids], in any order', async () => {
    const rt = await runtimes.start({ cpus: 4, online: [3, 1] });
    expect(rt.onlineCpus()).toEqual([1, 3]);
    const results = await rt.runOnEach('whoAmI');
    expect([...results.keys()].sort()).toEqual([1, 3]);
  });
});

describe('a task knows its CPU', () => {
  it('whoAmI gives the same id through its argument and through the imported thisCpu', async () => {
    const rt = await runtimes.start({ cpus: 3, online: [0, 2] });
    for (const cpu of [0, 2]) {
      expect(await rt.runOn(cpu, 'whoAmI')).toEqual({ id: cpu, viaImport: cpu });
    }
  });

  it('runOnEach runs on every online CPU and answers by CPU', async () => {
    const rt = await runtimes.start({ cpus: 3 });
    const results = await rt.runOnEach('whoAmI');
    expect(results).toBeInstanceOf(Map);
    expect([...results.entries()]).toEqual([
      [0, { id: 0, viaImport: 0 }],
      [1, { id: 1, viaImport: 1 }],
      [2, { id: 2, viaImport: 2 }],
    ]);
  });

  it('run picks online CPUs only, and spreads tasks over them', async () => {
    const rt = await runtimes.start({ cpus: 3, online: [0, 2] });
    const sequential: number[] = [];
    for (let i = 0; i < 4; i++) sequential.push((await rt.run('whoAmI')).id);
    const concurrent = (await Promise.all(Array.from({ length: 6 }, () => rt.run('whoAmI')))).map((r) => r.id);
    for (const id of [...sequential, ...concurrent]) expect([0, 2]).toContain(id);
    expect(new Set(sequential)).toEqual(new Set([0, 2]));
    expect(new Set(concurrent)).toEqual(new Set([0, 2]));
  });

  it('runOn of a CPU id outside the possible CPUs is an argument error naming cpu', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    for (const cpu of [-1, 2, 0.5]) {
      const error = await rejectionOf(rt.runOn(cpu, 'whoAmI'));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('cpu');
    }
  });
});

describe('task names and failures', () => {
  it('an unknown task name is an InvalidArgumentError naming `name`, from runOn, runOnEach and run', async () => {
    const rt = untyped(await runtimes.start({ cpus: 2 }));
    const before = rt.stats().cpus.map((c) => c.tasksRun);
    const calls = [
      rt.runOn(0, 'noSuchTask'),
      rt.runOnEach('noSuchTask'),
      rt.run('noSuchTask'),
      rt.runOn(0, '__percpu:hello'),
    ];
    for (const call of calls) {
      const error = await rejectionOf(call);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).code).toBe('PERCPU_INVALID_ARGUMENT');
      expect((error as InvalidArgumentError).argument).toBe('name');
      expect((error as Error).message).toContain('`name`');
    }
    // The message lists what is allowed: the module's exports.
    const error = (await rejectionOf(rt.runOn(1, 'noSuchTask'))) as Error;
    expect(error.message).toContain("'whoAmI'");
    // Nothing was sent to a CPU.
    expect(rt.stats().cpus.map((c) => c.tasksRun)).toEqual(before);
  });

  it('a task that throws rejects with TaskFailedError and its CPU keeps serving', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const before = rt.stats().cpus[1]!;
    const error = await rejectionOf(rt.runOn(1, 'fail', { message: 'task says no' }));
    expect(error).toBeInstanceOf(TaskFailedError);
    const failed = error as TaskFailedError;
    expect(failed.code).toBe('PERCPU_TASK_FAILED');
    expect(failed.cpu).toBe(1);
    expect(failed.task).toBe('fail');
    expect(failed.remote.message).toBe('task says no');
    expect(failed.message).toContain('task says no');

    expect(await rt.runOn(1, 'whoAmI')).toEqual({ id: 1, viaImport: 1 });
    const after = rt.stats().cpus[1]!;
    expect(after.tasksRun - before.tasksRun).toBe(2);
    expect(after.tasksFailed - before.tasksFailed).toBe(1);
    expect(after).toMatchObject({ deaths: 0, online: true });
  });

  it('stats().cpus[i].tasksRun counts the tasks the caller ran, nothing else', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    expect(rt.stats().cpus.map((c) => [c.tasksRun, c.tasksFailed])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    await rt.runOn(1, 'whoAmI');
    await rejectionOf(rt.runOn(1, 'fail', { message: 'no' }));
    await rt.runOnEach('whoAmI');
    expect(rt.stats().cpus.map((c) => [c.tasksRun, c.tasksFailed])).toEqual([
      [1, 0],
      [3, 1],
    ]);
  });

  it('a failing task on one CPU does not disturb runOnEach on the others', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const [failure, results] = await Promise.all([
      rejectionOf(rt.runOn(0, 'fail', { message: 'x' })),
      rt.runOnEach('whoAmI'),
    ]);
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect(results.size).toBe(2);
  });
});

describe('results and thisCpu off a CPU', () => {
  it('a result that cannot be copied back fails the task, and the CPU keeps serving', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const error = await rejectionOf(rt.runOn(1, 'uncloneableResult'));
    expect(error).toBeInstanceOf(PercpuError);
    expect(rt.stats().cpus[1]!.deaths).toBe(0);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as PercpuError).message).not.toContain('[object Object]');
    expect(await rt.runOn(1, 'whoAmI')).toEqual({ id: 1, viaImport: 1 });
  });

  it('thisCpu outside a task throws NotOnCpuError', () => {
    for (const use of [
      () => thisCpu.id,
      () => thisCpu.read(0, 's32'),
      () => thisCpu.ref(0, 's32'),
      () => thisCpu.log,
    ]) {
      const error = thrownBy(use);
      expect(error).toBeInstanceOf(NotOnCpuError);
      expect((error as NotOnCpuError).code).toBe('PERCPU_NOT_ON_CPU');
    }
  });
});

describe('a tasks module that fails to load', () => {
  it('start() rejects with PERCPU_TASKS_LOAD_FAILED and the import error', async () => {
    const log = captureLogger('info');
    const error = await rejectionOf(Runtime.start({ cpus: 2, tasks: BROKEN_TASKS, logger: log.logger }));
    expect(error).toBeInstanceOf(TasksLoadError);
    expect((error as PercpuError).code).toBe('PERCPU_TASKS_LOAD_FAILED');
    expect((error as Error).message).toContain('broken-tasks: this module fails at import');
    // Neither CPU came online: each worker was stopped after it reported the failure.
    expect(log.count('CPU failed to come online')).toBe(2);
    expect(log.count('CPU online')).toBe(0);
    expect(log.count('runtime started')).toBe(0);
  });

  it('leaves no thread running: a process whose start() failed ends on its own', async () => {
    const run = (which: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [fileURLToPath(START_THEN_EXIT), which], {
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 20_000,
          killSignal: 'SIGKILL',
        });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ code, signal, stdout }));
      });
    const [broken, hang, counting] = await Promise.all([run('broken'), run('hang'), run('counting')]);
    for (const failed of [broken, hang]) {
      expect(failed.signal).toBeNull(); // not killed by the 20 s timeout: it exited by itself
      expect(failed.code).toBe(0);
      expect(JSON.parse(failed.stdout)).toMatchObject({ started: false, code: 'PERCPU_TASKS_LOAD_FAILED' });
    }
    // A module whose loading never finishes is stopped at startTimeoutMs (300 ms in the program).
    expect((JSON.parse(hang.stdout) as { message: string }).message).toContain('did not finish loading within 300 ms');
    expect(counting.signal).toBeNull();
    expect(counting.code).toBe(0);
    expect(JSON.parse(counting.stdout)).toMatchObject({ started: true });
  });
});

describe('close', () => {
  it('close() twice settles, and returns the same promise while closing', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const first = rt.close();
    const second = rt.close();
    expect(second).toBe(first);
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    await expect(rt.close()).resolves.toBeUndefined();
    expect(rt.closed).toBe(true);
    expect(rt.onlineCpus()).toEqual([]);
  });

  it('after close, alloc / write / runOn / runOnEach / run / counter / offline / online throw ClosedError; reads still work', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = mustAlloc(rt, 4);
    await rt.runOnEach('increment', { ptr, times: 5 });
    await rt.close();

    const syncCalls: (() => unknown)[] = [
      () => rt.alloc(8),
      () => rt.free(ptr),
      () => rt.write(ptr, 0, 's32', 1),
      () => rt.counter(),
    ];
    for (const call of syncCalls) {
      const error = thrownBy(call);
      expect(error).toBeInstanceOf(ClosedError);
      expect((error as ClosedError).code).toBe('PERCPU_CLOSED');
    }
    const asyncCalls = [rt.runOn(0, 'whoAmI'), rt.runOnEach('whoAmI'), rt.run('whoAmI'), rt.offline(1), rt.online(1)];
    for (const call of asyncCalls) {
      const error = await rejectionOf(call);
      expect(error).toBeInstanceOf(ClosedError);
      expect((error as ClosedError).code).toBe('PERCPU_CLOSED');
    }
    expect(rt.read(ptr, 1, 's32')).toBe(5);
    expect(rt.sum(ptr, 's32')).toBe(10);
  });

  it('close() lets running and queued tasks finish', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = mustAlloc(rt, 4);
    const running = rt.runOn(1, 'increment', { ptr, times: 200_000 });
    const queued = rt.runOn(1, 'increment', { ptr, times: 5 });
    const onEach = rt.runOnEach('increment', { ptr, times: 3 });
    await rt.close();
    await expect(running).resolves.toBe(200_000);
    await expect(queued).resolves.toBe(200_005);
    await expect(onEach).resolves.toEqual(
      new Map([
        [0, 3],
        [1, 200_008],
      ]),
    );
    expect(rt.sum(ptr, 's32')).toBe(200_011);
  });
});

describe('bad start options', () => {
  const cases: [string, Partial<Record<keyof RuntimeOptions, unknown>>, RegExp][] = [
    ['cpus 0', { cpus: 0 }, /^cpus$/],
    ['cpus -1', { cpus: -1 }, /^cpus$/],
    ['cpus 1.5', { cpus: 1.5 }, /^cpus$/],
    ["cpus 'x'", { cpus: 'x' }, /^cpus$/],
    ['cpus 2000', { cpus: 2000 }, /^cpus$/],
    [`cpus ${MAX_CPUS + 1}`, { cpus: MAX_CPUS + 1 }, /^cpus$/],
    ['cpus missing', {}, /^cpus$/],
    ['online 0', { cpus: 2, online: 0 }, /^online$/],
    ['online > cpus', { cpus: 2, online: 3 }, /^online$/],
    ['online list with a duplicate id', { cpus: 3, online: [1, 1] }, /^online$/],
    ['online empty list', { cpus: 3, online: [] }, /^online$/],
    ['online list with an id >= cpus', { cpus: 2, online: [0, 2] }, /^online\[1\]$/],
    ['online list with a negative id', { cpus: 2, online: [-1] }, /^online\[0\]$/],
    ['tasks: a missing file', { cpus: 2, tasks: new URL('./no-such-tasks.js', COUNTING_TASKS) }, /^tasks$/],
    ['tasks: a missing path', { cpus: 2, tasks: 'dist/test/fixtures/no-such-tasks.js' }, /^tasks$/],
    ['tasks: an empty string', { cpus: 2, tasks: '' }, /^tasks$/],
    ['maxCounters 0', { cpus: 2, maxCounters: 0 }, /^maxCounters$/],
  ];

  it.each(cases)('%s → InvalidArgumentError naming the option', async (_label, options, argument) => {
    const log = captureLogger('info');
    const error = await rejectionOf(Runtime.start({ ...options, logger: log.logger } as unknown as RuntimeOptions));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).code).toBe('PERCPU_INVALID_ARGUMENT');
    expect((error as InvalidArgumentError).argument).toMatch(argument);
    // No CPU was started for a rejected configuration.
    expect(log.count('CPU online')).toBe(0);
  });
});

describe('two runtimes at once', () => {
  it('are independent: one runtime’s values never show in the other', async () => {
    const [a, b] = await Promise.all([runtimes.start({ cpus: 2 }), runtimes.start({ cpus: 2 })]);
    const pa = mustAlloc(a, 4);
    const pb = mustAlloc(b, 4);
    expect(pb).toBe(pa); // same offset in both: only the memory differs
    await a.runOnEach('increment', { ptr: pa, times: 1000 });
    expect(a.sum(pa, 's32')).toBe(2000);
    expect(b.sum(pb, 's32')).toBe(0);
    await b.runOn(1, 'increment', { ptr: pb, times: 7 });
    expect(a.read(pa, 1, 's32')).toBe(1000);
    expect(b.read(pb, 1, 's32')).toBe(7);
    expect(await a.runOn(1, 'readLocal', { ptr: pa, type: 's32' })).toBe(1000);
    expect(await b.runOn(1, 'readLocal', { ptr: pb, type: 's32' })).toBe(7);
    expect(await b.runOn(0, 'readLocal', { ptr: pb, type: 's32' })).toBe(0);
    await a.close();
    // Closing one leaves the other running.
    expect(await b.runOn(0, 'whoAmI')).toEqual({ id: 0, viaImport: 0 });
  });
});

describe('CPU ids in runOn after a CPU is offline', () => {
  it('runOn of an offline CPU is a CpuOfflineError', async () => {
    const rt = await runtimes.start({ cpus: 3, online: [0, 1] });
    const error = await rejectionOf(rt.runOn(2, 'whoAmI'));
    expect(error).toBeInstanceOf(CpuOfflineError);
    expect((error as CpuOfflineError).code).toBe('PERCPU_CPU_OFFLINE');
    expect((error as CpuOfflineError).cpu).toBe(2);
  });
});
