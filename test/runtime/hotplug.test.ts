/**
 * CPU hotplug: offline(cpu) keeps the CPU's data (read and sum still see it), refuses tasks for it
 * and refuses to take the last online CPU down; online(cpu) brings back a CPU whose tasks see their
 * old values; a percpu_counter's local part on a CPU going offline is folded into its count.
 */
import { describe, expect, it } from 'vitest';
import { CpuOfflineError, InvalidArgumentError } from 'percpu';
import { captureLogger, mustAlloc, rejectionOf, trackRuntimes } from './helpers.js';

const runtimes = trackRuntimes();

describe('offline', () => {
  it('keeps the CPU’s data: read and sum still include it', async () => {
    const rt = await runtimes.start({ cpus: 3 });
    const ptr = mustAlloc(rt, 4);
    await Promise.all([0, 1, 2].map((cpu) => rt.runOn(cpu, 'increment', { ptr, times: 100 * (cpu + 1) })));
    await rt.offline(1);
    expect(rt.onlineCpus()).toEqual([0, 2]);
    expect(rt.isOnline(1)).toBe(false);
    expect(rt.stats().cpus[1]!.online).toBe(false);
    expect(rt.read(ptr, 1, 's32')).toBe(200);
    expect(rt.sum(ptr, 's32')).toBe(600);
    // The others carry on.
    await rt.runOnEach('increment', { ptr, times: 1 });
    expect(rt.sum(ptr, 's32')).toBe(602);
  });

  it('runOn an offline CPU is a CpuOfflineError; runOnEach and run skip it', async () => {
    const rt = await runtimes.start({ cpus: 3 });
    await rt.offline(0);
    const error = await rejectionOf(rt.runOn(0, 'whoAmI'));
    expect(error).toBeInstanceOf(CpuOfflineError);
    expect((error as CpuOfflineError).code).toBe('PERCPU_CPU_OFFLINE');
    expect((error as CpuOfflineError).cpu).toBe(0);
    expect([...(await rt.runOnEach('whoAmI')).keys()]).toEqual([1, 2]);
    for (let i = 0; i < 4; i++) expect((await rt.run('whoAmI')).id).not.toBe(0);
    // Taking it offline again is refused the same way.
    const again = await rejectionOf(rt.offline(0));
    expect(again).toBeInstanceOf(CpuOfflineError);
  });

  it('refuses to take the last online CPU offline', async () => {
    const rt = await runtimes.start({ cpus: 3, online: [0, 2] });
    await rt.offline(0);
    const error = await rejectionOf(rt.offline(2));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).code).toBe('PERCPU_INVALID_ARGUMENT');
    expect((error as InvalidArgumentError).argument).toBe('cpu');
    expect(rt.onlineCpus()).toEqual([2]);
    expect(await rt.runOn(2, 'whoAmI')).toEqual({ id: 2, viaImport: 2 });
  });

  it('lets the task running on the CPU finish first', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = mustAlloc(rt, 4);
    const running = rt.runOn(1, 'increment', { ptr, times: 300_000 });
    await rt.offline(1);
    await expect(running).resolves.toBe(300_000);
    expect(rt.read(ptr, 1, 's32')).toBe(300_000);
  });

  it('lets tasks queued on the CPU run too (its queued and running tasks finish)', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = mustAlloc(rt, 4);
    const first = rt.runOn(1, 'increment', { ptr, times: 100_000 });
    const queued = rt.runOn(1, 'increment', { ptr, times: 1 });
    await rt.offline(1);
    const outcomes = await Promise.allSettled([first, queued]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(rt.read(ptr, 1, 's32')).toBe(100_001);
  });
});

describe('online', () => {
  it('brings a CPU back whose tasks see their old values', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start({ cpus: 2, logger: log.logger });
    const ptr = mustAlloc(rt, 4);
    const wide = mustAlloc(rt, 8, 8);
    await rt.runOn(1, 'increment', { ptr, times: 4321 });
    await rt.runOn(1, 'applyOps', {
      ptr: wide,
      type: 'u64',
      via: 'thisCpu',
      ops: [{ op: 'write', value: 2n ** 60n + 7n }],
    });
    await rt.offline(1);
    // The coordinator may write an offline CPU's data; the CPU sees it when it is back.
    rt.write(ptr, 1, 's32', rt.read(ptr, 1, 's32') + 1);

    await rt.online(1);
    expect(rt.onlineCpus()).toEqual([0, 1]);
    expect(await rt.runOn(1, 'whoAmI')).toEqual({ id: 1, viaImport: 1 });
    expect(await rt.runOn(1, 'readLocal', { ptr, type: 's32' })).toBe(4322);
    expect(await rt.runOn(1, 'readLocal', { ptr: wide, type: 'u64' })).toBe(2n ** 60n + 7n);
    expect(await rt.runOn(1, 'increment', { ptr, times: 8 })).toBe(4330);
    expect(rt.sum(ptr, 's32')).toBe(4330);
    expect(log.count('CPU online', 1)).toBe(2);
    expect(log.count('CPU offline', 1)).toBe(1);
  });

  it('online of a CPU that is online is an argument error; a CPU that never was online can come up', async () => {
    const rt = await runtimes.start({ cpus: 3, online: 1 });
    const error = await rejectionOf(rt.online(0));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('cpu');
    const outOfRange = await rejectionOf(rt.online(3));
    expect(outOfRange).toBeInstanceOf(InvalidArgumentError);
    await rt.online(2);
    expect(rt.onlineCpus()).toEqual([0, 2]);
    expect(await rt.runOn(2, 'whoAmI')).toEqual({ id: 2, viaImport: 2 });
  });

  it('a CPU can go offline and online repeatedly without losing counts', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = mustAlloc(rt, 4);
    for (let round = 0; round < 3; round++) {
      await rt.runOn(1, 'increment', { ptr, times: 10 });
      await rt.offline(1);
      await rt.online(1);
    }
    expect(await rt.runOn(1, 'readLocal', { ptr, type: 's32' })).toBe(30);
  });
});

describe('activity across hotplug', () => {
  it('stats() and the CPU summary at close keep what a CPU did before it went offline', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start({ cpus: 2, logger: log.logger });
    const ptr = mustAlloc(rt, 4);
    await rt.runOn(1, 'increment', { ptr, times: 1 });
    await rejectionOf(rt.runOn(1, 'fail', { message: 'one failure' }));
    await rejectionOf(rt.runOn(1, 'incrementThenExit', { ptr, times: 1, code: 1 }));
    await rt.runOn(1, 'allocOnly', { size: 4, align: 4 });
    const before = rt.stats().cpus[1]!;
    expect(before).toMatchObject({ tasksFailed: 2, deaths: 1, allocs: 1 });

    await rt.offline(1);
    expect(rt.stats().cpus[1]).toMatchObject({
      online: false,
      tasksRun: before.tasksRun,
      tasksFailed: 2,
      deaths: 1,
      allocs: 1,
    });
    await rt.online(1);
    expect(rt.stats().cpus[1]).toMatchObject({ online: true, tasksFailed: 2, deaths: 1, allocs: 1 });
    await rt.offline(1);
    await rt.close();
    const summary = log.records().find((r) => r.msg === 'CPU summary' && r.cpu === 1);
    expect(summary).toMatchObject({ tasksFailed: 2, deaths: 1, allocs: 1 });
  });
});

describe('percpu_counter and hotplug', () => {
  it('a CPU going offline folds its local part into the count: read() rises by it, sum() is unchanged', async () => {
    const rt = await runtimes.start({ cpus: 3 });
    const counter = rt.counter();
    expect(counter.batch).toBe(32);
    const locals = await Promise.all([
      rt.runOn(0, 'counterAdd', { handle: counter.handle, times: 5, amount: 1 }),
      rt.runOn(1, 'counterAdd', { handle: counter.handle, times: 20, amount: 1 }),
      rt.runOn(2, 'counterAdd', { handle: counter.handle, times: 3, amount: -7 }),
    ]);
    expect(locals).toEqual([5, 20, -21]);
    expect(counter.read()).toBe(0n);
    expect(counter.sum()).toBe(4n);

    await rt.offline(1);
    expect(counter.read()).toBe(20n);
    expect(counter.sum()).toBe(4n);
    expect(rt.read(counter.handle.ptr, 1, 's32')).toBe(0);

    await rt.offline(2);
    expect(counter.read()).toBe(-1n);
    expect(counter.sum()).toBe(4n);

    // Back online, the CPU counts from a local part of 0.
    await rt.online(1);
    expect(await rt.runOn(1, 'counterAdd', { handle: counter.handle, times: 1, amount: 1 })).toBe(1);
    expect(counter.sum()).toBe(5n);
    expect(counter.read()).toBe(-1n);
  });
});
