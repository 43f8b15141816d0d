/**
 * Logging through one root pino logger with a child per CPU: with a logger that keeps its lines,
 * the number of lines is exactly the number of logged events — `CPU online` once per online CPU,
 * a task's n lines (carrying its cpu), a line logged just before process.exit, `CPU summary` once
 * per possible CPU at close — and, at level debug, one line per allocation or free a CPU asks for.
 */
import { describe, expect, it, vi } from 'vitest';
import { CpuDiedError } from 'percpu';
import { captureLogger, mustAlloc, rejectionOf, trackRuntimes } from './helpers.js';

const runtimes = trackRuntimes();

describe('at level info', () => {
  it('logs exactly one line per event, each CPU’s lines carrying its cpu', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start({ cpus: 3, online: 2, logger: log.logger });
    expect(log.count('CPU online')).toBe(2);
    expect(log.count('CPU online', 0)).toBe(1);
    expect(log.count('CPU online', 1)).toBe(1);
    expect(log.count('runtime started')).toBe(1);
    expect(log.lines).toHaveLength(3);

    await rt.runOn(1, 'logSomething', { n: 5 });
    // Lines travel on their own port, beside the task's result: they may land just after it.
    await vi.waitFor(() => expect(log.count('task line')).toBe(5), { timeout: 2000, interval: 10 });
    const taskLines = log.records().filter((r) => r.msg === 'task line');
    expect(taskLines.map((r) => [r.cpu, r.i, r.level])).toEqual([0, 1, 2, 3, 4].map((i) => [1, i, 30]));
    expect(log.lines).toHaveLength(3 + 5);

    // Both CPUs at once: every line arrives once, tagged with its own CPU.
    await rt.runOnEach('logSomething', { n: 40 });
    await vi.waitFor(() => expect(log.count('task line')).toBe(85), { timeout: 2000, interval: 10 });
    expect(log.count('task line', 0)).toBe(40);
    expect(log.count('task line', 1)).toBe(45);
    expect(log.lines).toHaveLength(3 + 5 + 80);
    for (const cpu of [0, 1]) {
      const indexes = log
        .records()
        .filter((r) => r.msg === 'task line' && r.cpu === cpu)
        .map((r) => r.i);
      expect(indexes.slice(-40)).toEqual(Array.from({ length: 40 }, (_, i) => i)); // in order
    }

    await rt.close();
    expect(log.count('CPU offline')).toBe(2);
    expect(log.count('CPU summary')).toBe(3);
    for (const cpu of [0, 1, 2]) expect(log.count('CPU summary', cpu)).toBe(1);
    expect(log.count('runtime closed')).toBe(1);
    expect(log.lines).toHaveLength(3 + 5 + 80 + 2 + 3 + 1);
    const summary2 = log.records().find((r) => r.msg === 'CPU summary' && r.cpu === 2);
    expect(summary2).toMatchObject({ tasksRun: 0, deaths: 0, allocs: 0, frees: 0 });
  });

  it('a line logged right before process.exit still arrives, once', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start({ cpus: 2, logger: log.logger });
    const ptr = mustAlloc(rt, 4);
    const error = await rejectionOf(rt.runOn(1, 'incrementThenExit', { ptr, times: 3, code: 2 }));
    expect(error).toBeInstanceOf(CpuDiedError);
    await vi.waitFor(() => expect(log.count('about to exit', 1)).toBe(1), { timeout: 3000, interval: 20 });
    const line = log.records().find((r) => r.msg === 'about to exit');
    expect(line).toMatchObject({ cpu: 1, times: 3, level: 40 });

    expect(await rt.runOn(1, 'whoAmI')).toEqual({ id: 1, viaImport: 1 });
    // 2 × CPU online, runtime started, about to exit, CPU worker died, CPU worker replaced.
    expect(log.count('CPU worker died', 1)).toBe(1);
    expect(log.count('CPU worker replaced', 1)).toBe(1);
    expect(log.lines).toHaveLength(6);
  });

  it('a task failure is one debug line carrying the CPU and the task (the caller gets the error)', async () => {
    const log = captureLogger('debug');
    const rt = await runtimes.start({ cpus: 2, logger: log.logger });
    await rejectionOf(rt.runOn(0, 'fail', { message: 'logged once' }));
    const failures = log.records().filter((r) => r.msg === 'task failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ cpu: 0, task: 'fail', level: 20 });
  });
});

describe('at close', () => {
  it('every line a task logged has been written when close() resolves, before `runtime closed`', async () => {
    const log = captureLogger('info');
    const rt = await runtimes.start({ cpus: 2, logger: log.logger });
    await rt.runOnEach('logSomething', { n: 200 });
    await rt.close();
    expect(log.count('task line', 0)).toBe(200);
    expect(log.count('task line', 1)).toBe(200);
    const messages = log.records().map((r) => r.msg);
    expect(messages.lastIndexOf('task line')).toBeLessThan(messages.indexOf('runtime closed'));
    expect(messages.at(-1)).toBe('runtime closed');
  });
});

describe('levels', () => {
  it('a root logger at warn drops info lines, from the coordinator and from tasks alike', async () => {
    const log = captureLogger('warn');
    const rt = await runtimes.start({ cpus: 2, logger: log.logger });
    await rt.runOnEach('logSomething', { n: 10 });
    expect(log.lines).toHaveLength(0);
    // A task failure is the caller's to report: debug, so not written at warn.
    await rejectionOf(rt.runOn(0, 'fail', { message: 'x' }));
    expect(log.lines).toHaveLength(0);
    await rt.close();
    expect(log.lines).toHaveLength(0);
  });

  it('at debug, each allocation or free a CPU asks for logs exactly one line', async () => {
    const log = captureLogger('debug');
    const rt = await runtimes.start({ cpus: 2, logger: log.logger });
    const ptrs = await rt.runOn(0, 'allocMany', { count: 5, size: 8, align: 4 });
    const allocLines = log.records().filter((r) => r.msg === 'alloc requested by CPU');
    expect(allocLines.map((r) => [r.cpu, r.ptr, r.size])).toEqual(ptrs.map((ptr) => [0, ptr, 8]));

    mustAlloc(rt, 8); // the coordinator's own allocations are not requests by a CPU
    expect(log.count('alloc requested by CPU')).toBe(5);

    await rt.runOn(1, 'freeMany', { ptrs: ptrs.slice(0, 3) });
    expect(log.count('free requested by CPU', 1)).toBe(3);
    expect(log.count('free requested by CPU')).toBe(3);

    // A rejected free is logged as rejected, not as a free.
    expect(await rt.runOn(1, 'tryFree', { ptr: ptrs[0]! })).toMatchObject({ ok: false, code: 'PERCPU_INVALID_FREE' });
    expect(log.count('free requested by CPU')).toBe(3);
    expect(log.count('free by CPU rejected', 1)).toBe(1);
    expect(rt.stats().cpus.map((c) => [c.allocs, c.frees])).toEqual([
      [5, 0],
      [0, 3],
    ]);
  });
});
