/**
 * Robust mode (`robust: true` or `{ verifyEveryOperation: true }`), with real CPUs:
 *
 * - freed memory is poisoned (0x6b bytes) on every possible CPU, online or not, whoever freed it,
 *   and a new allocation over it is zero again;
 * - a write after free is found when the memory is handed out again, and reported (robustReport
 *   and a `write after free` warning with code PERCPU_WRITE_AFTER_FREE) with the offset, the CPU
 *   whose copy changed and the word found — whether the coordinator or a CPU allocates next;
 * - a bad free (interior, never allocated, already freed, static) is a typed error saying what
 *   was there, and poisons nothing;
 * - leaks are listed at close with offset, size and owner, each as a PERCPU_LEAK warning;
 * - verifyEveryOperation checks after every allocation and free: a broken invariant is thrown to
 *   the coordinator's caller (VerifyError) or logged for a CPU's request, never a crash.
 */
import { describe, expect, it } from 'vitest';
import { InvalidFreeError, TaskFailedError, VerifyError } from 'percpu';
import { type LogRecord, captureLogger, mustAlloc, rejectionOf, thrownBy, trackRuntimes } from '../runtime/helpers.js';
import { startReliability } from './helpers.js';

const runtimes = trackRuntimes();

const POISON = 0x6b6b6b6b;

function words(n: number, value: number): number[] {
  return Array.from({ length: n }, () => value);
}

describe('poison', () => {
  it('freed memory is poisoned on every possible CPU, whoever freed it; handed out again it is zero', async () => {
    const rt = await startReliability(runtimes, { cpus: 3, online: [0, 1], robust: true });
    const read = (ptr: number, n: number, cpu: number): number[] =>
      Array.from({ length: n }, (_, i) => rt.read(ptr + 4 * i, cpu, 'u32'));

    // Freed by the coordinator, after every CPU (and the offline CPU 2's copy) held data.
    const a = mustAlloc(rt, 64);
    await rt.runOnEach('writeWord', { ptr: a + 4, value: 0xdead });
    rt.write(a + 60, 2, 'u32', 0xbeef);
    rt.free(a);
    for (const cpu of [0, 1, 2]) expect(read(a, 16, cpu), `CPU ${cpu}`).toEqual(words(16, POISON));
    // The CPUs see the poison in their own copies.
    for (const cpu of [0, 1]) expect(await rt.runOn(cpu, 'readWords', { ptr: a, n: 16 })).toEqual(words(16, POISON));

    // Allocated and freed by a CPU.
    const b = (await rt.runOn(1, 'allocOnly', { size: 24, align: 8 }))!;
    await rt.runOn(1, 'writeWord', { ptr: b, value: 1 });
    await rt.runOn(1, 'freePtr', { ptr: b });
    for (const cpu of [0, 1, 2]) expect(read(b, 6, cpu)).toEqual(words(6, POISON));

    // The reserved region too.
    const r = mustAlloc(rt, 16);
    const reserved = rt.alloc(16, 4, { reserved: true })!;
    rt.free(reserved);
    for (const cpu of [0, 1, 2]) expect(read(reserved, 4, cpu)).toEqual(words(4, POISON));
    rt.free(r);

    // Handed out again: zero on every CPU, and no write after free to report.
    const again = mustAlloc(rt, 64);
    expect(again).toBe(a);
    for (const cpu of [0, 1, 2]) expect(read(again, 16, cpu)).toEqual(words(16, 0));
    expect(rt.robustReport()!.writesAfterFree).toEqual([]);
    rt.verify();
  });

  it('is robust mode’s doing: off, freed memory keeps its bytes and there is no report', async () => {
    const rt = await startReliability(runtimes, { cpus: 2 });
    const a = mustAlloc(rt, 8);
    await rt.runOn(1, 'writeWord', { ptr: a, value: 0xdead });
    rt.free(a);
    expect(rt.read(a, 1, 'u32')).toBe(0xdead);
    expect(rt.robustReport()).toBeNull();
  });
});

describe('a write after free', () => {
  it('is reported with the offset, the CPU and the word when the coordinator allocates over it', async () => {
    const log = captureLogger('info');
    const rt = await startReliability(runtimes, { cpus: 2, robust: true, logger: log.logger });
    const a = mustAlloc(rt, 32);
    rt.free(a);
    await rt.runOn(1, 'writeWord', { ptr: a + 12, value: 0x1234 });
    await rt.runOn(0, 'writeWord', { ptr: a + 28, value: 0x77 });
    const b = mustAlloc(rt, 32);
    expect(b).toBe(a);
    const expected = [
      { code: 'PERCPU_WRITE_AFTER_FREE', offset: a + 28, cpu: 0, found: 0x77 },
      { code: 'PERCPU_WRITE_AFTER_FREE', offset: a + 12, cpu: 1, found: 0x1234 },
    ];
    expect(rt.robustReport()!.writesAfterFree).toEqual(expected);
    const warnings = log.records().filter((r) => r.msg === 'write after free');
    expect(warnings.map(({ level, code, offset, cpu, found }) => ({ level, code, offset, cpu, found }))).toEqual(
      expected.map((e) => ({ level: 40, ...e })),
    );
    // Each line carries its `cpu` key once (it came twice when logged through the CPU's child).
    for (const line of log.lines.filter((l) => l.includes('"write after free"')))
      expect(line.match(/"cpu":/g)).toHaveLength(1);
    // The new allocation is zero on every CPU all the same.
    for (const cpu of [0, 1]) expect(await rt.runOn(cpu, 'readWords', { ptr: b, n: 8 })).toEqual(words(8, 0));
    rt.verify();
  });

  it('is reported when a CPU’s allocation gets the memory, and the coordinator keeps serving', async () => {
    const log = captureLogger('info');
    const rt = await startReliability(runtimes, { cpus: 2, robust: true, logger: log.logger });
    const a = mustAlloc(rt, 16);
    rt.free(a);
    await rt.runOn(0, 'writeWord', { ptr: a + 8, value: 7 });
    const b = await rt.runOn(1, 'allocOnly', { size: 16, align: 4 });
    expect(b).toBe(a);
    expect(rt.robustReport()!.writesAfterFree).toEqual([
      { code: 'PERCPU_WRITE_AFTER_FREE', offset: a + 8, cpu: 0, found: 7 },
    ]);
    expect(log.records().filter((r) => r.msg === 'write after free')).toMatchObject([
      { level: 40, cpu: 0, offset: a + 8, code: 'PERCPU_WRITE_AFTER_FREE' },
    ]);
    expect(await rt.runOn(0, 'readWords', { ptr: b!, n: 4 })).toEqual(words(4, 0));
    expect(await rt.runOnEach('whoAmI')).toEqual(
      new Map([
        [0, 0],
        [1, 1],
      ]),
    );
    expect(log.count('CPU worker died')).toBe(0);
    rt.verify();
  });
});

describe('a bad free', () => {
  it('is a typed error saying what was there, and poisons nothing and forgets no owner', async () => {
    const rt = await startReliability(runtimes, { cpus: 2, robust: true });
    const a = mustAlloc(rt, 64);
    await rt.runOnEach('writeWord', { ptr: a + 8, value: 0x5555 });
    const freed = mustAlloc(rt, 8);
    rt.free(freed);
    const never = a + 4096; // free space of the first chunk's dynamic region
    const before = rt.robustReport()!;
    const cases: readonly (readonly [string, number, string, RegExp])[] = [
      ['a non-start offset', a + 8, 'interior', new RegExp(`inside the allocation that starts at ${a}`)],
      ['a never-allocated offset', never, 'not-allocated', /free space: never allocated, or already freed/],
      ['an already freed offset', freed, 'not-allocated', /already freed \(a double free\)/],
      ['a static variable', rt.staticPtr('rel_ops'), 'hidden', /static region/],
    ];
    for (const [label, offset, reason, detail] of cases) {
      const error = thrownBy(() => rt.free(offset));
      expect(error, label).toBeInstanceOf(InvalidFreeError);
      expect(error).toMatchObject({ code: 'PERCPU_INVALID_FREE', offset, reason });
      expect((error as Error).message).toContain(`offset ${offset}`);
      expect((error as Error).message).toMatch(detail);
      // From a CPU: the same reason, as the task's failure.
      const remote = await rejectionOf(rt.runOn(1, 'freePtr', { ptr: offset }));
      expect(remote).toBeInstanceOf(TaskFailedError);
      expect((remote as TaskFailedError).remote).toMatchObject({
        code: 'PERCPU_INVALID_FREE',
        name: 'InvalidFreeError',
      });
      expect((remote as TaskFailedError).remote.message).toContain(reason);
    }
    // Nothing was poisoned, nothing forgotten.
    for (const cpu of [0, 1]) expect(rt.read(a + 8, cpu, 'u32')).toBe(0x5555);
    expect(rt.robustReport()).toEqual(before);
    rt.free(a);
    rt.verify();
  });
});

describe('leaks at close', () => {
  it('are listed with offset, size and who allocated them, each logged as a PERCPU_LEAK warning', async () => {
    const log = captureLogger('info');
    const rt = await startReliability(runtimes, { cpus: 2, robust: true, logger: log.logger });
    const x = mustAlloc(rt, 24);
    rt.free(mustAlloc(rt, 8));
    const counter = rt.counter();
    rt.counter().destroy();
    // The metrics' areas (staging, label sets' records) live as long as the runtime: no leak.
    const metric = rt.metrics().counter({ name: 'requests_total', help: 'r', labelNames: ['route'] });
    metric.inc({ route: '/a' });
    metric.inc({ route: '/b' });
    metric.remove('/b');
    expect(rt.metrics().allocations).toBeGreaterThan(0);
    const p0 = (await rt.runOn(0, 'allocOnly', { size: 40, align: 8 }))!;
    const p1 = (await rt.runOn(1, 'allocOnly', { size: 12, align: 4, reserved: true }))!;
    const gone = (await rt.runOn(1, 'allocOnly', { size: 16, align: 4 }))!;
    rt.free(gone); // a CPU's allocation freed by the coordinator is no longer a leak
    await rt.close();

    const expected = [
      { code: 'PERCPU_LEAK', ptr: x, size: 24, allocatedBy: 'coordinator' },
      { code: 'PERCPU_LEAK', ptr: counter.handle.ptr, size: 4, allocatedBy: 'counter' },
      { code: 'PERCPU_LEAK', ptr: p0, size: 40, allocatedBy: { cpu: 0 } },
      { code: 'PERCPU_LEAK', ptr: p1, size: 12, allocatedBy: { cpu: 1 } },
    ].sort((a, b) => a.ptr - b.ptr);
    const byPtr = (a: { ptr: number }, b: { ptr: number }): number => a.ptr - b.ptr;
    expect([...rt.robustReport()!.leaks].sort(byPtr)).toEqual(expected);
    const lines = log.records().filter((r) => r.msg === 'leak at close') as (LogRecord & { ptr: number })[];
    expect(
      lines.sort(byPtr).map(({ level, code, ptr, size, allocatedBy }) => ({ level, code, ptr, size, allocatedBy })),
    ).toEqual(expected.map((e) => ({ level: 40, ...e })));
    // Logged before the runtime's last line.
    const msgs = log.records().map((r) => r.msg);
    expect(msgs.lastIndexOf('leak at close')).toBeLessThan(msgs.indexOf('runtime closed'));
  });

  it('none when everything was freed', async () => {
    const log = captureLogger('info');
    const rt = await startReliability(runtimes, { cpus: 2, robust: true, logger: log.logger });
    const ptr = (await rt.runOn(1, 'allocOnly', { size: 40, align: 8 }))!;
    await rt.runOn(0, 'freePtr', { ptr });
    rt.counter().destroy();
    await rt.close();
    expect(rt.robustReport()!.leaks).toEqual([]);
    expect(log.count('leak at close')).toBe(0);
  });
});

describe('verifyEveryOperation', () => {
  /** Breaks an invariant verify() checks (a chunk's area count) without changing what alloc and free do. */
  function breakInvariant(rt: { allocator: { firstChunk: { nrAreas: number } } }, by: number): void {
    rt.allocator.firstChunk.nrAreas += by;
  }

  it('catches a broken invariant at the next allocation or free of every kind, thrown or logged, never a crash', async () => {
    const log = captureLogger('info');
    const rt = await startReliability(runtimes, {
      cpus: 2,
      robust: { verifyEveryOperation: true },
      logger: log.logger,
    });
    const x = mustAlloc(rt, 8);
    const counter = rt.counter();
    breakInvariant(rt, 1000);

    const coordinatorOps: readonly (readonly [string, () => unknown])[] = [
      ['alloc', () => rt.alloc(16)],
      ['free', () => rt.free(x)],
      ['counter', () => rt.counter()],
      ['counter.destroy', () => counter.destroy()],
    ];
    for (const [label, op] of coordinatorOps) {
      const error = thrownBy(op);
      expect(error, label).toBeInstanceOf(VerifyError);
      expect(error).toMatchObject({ code: 'PERCPU_VERIFY_FAILED' });
      expect((error as VerifyError).problems.some((p) => p.includes('nrAreas'))).toBe(true);
    }
    // A CPU's requests are served (the task gets its memory) and the failure is logged with the CPU.
    const ptr = await rt.runOn(1, 'allocOnly', { size: 8, align: 4 });
    expect(ptr).not.toBeNull();
    await rt.runOn(1, 'freePtr', { ptr: ptr! });
    const logged = log.records().filter((r) => r.msg === 'allocator invariants broken');
    expect(logged).toMatchObject([
      { level: 50, cpu: 1, code: 'PERCPU_VERIFY_FAILED' },
      { level: 50, cpu: 1, code: 'PERCPU_VERIFY_FAILED' },
    ]);
    expect(await rt.runOnEach('whoAmI')).toEqual(
      new Map([
        [0, 0],
        [1, 1],
      ]),
    );

    breakInvariant(rt, -1000);
    rt.verify();
  });

  it('is what makes the check run: with robust mode alone the same break shows only at verify()', async () => {
    const rt = await startReliability(runtimes, { cpus: 2, robust: true });
    breakInvariant(rt, 1000);
    const ptr = mustAlloc(rt, 16);
    rt.free(ptr);
    rt.counter().destroy();
    expect(thrownBy(() => rt.verify())).toBeInstanceOf(VerifyError);
    breakInvariant(rt, -1000);
    rt.verify();
  });
});
