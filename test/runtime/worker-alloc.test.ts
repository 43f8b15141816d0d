/**
 * Allocation from a CPU (thisCpu.alloc / thisCpu.free through the CPU's mailbox): an offset a
 * task gets is zero on every possible CPU even where the space was dirty, and usable on every CPU;
 * bad frees reject with PERCPU_INVALID_FREE; many allocations from all CPUs at once never overlap,
 * verify() passes and stats() counts them per CPU.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, type Runtime, TaskFailedError } from 'percpu';
import * as layout from '../../src/memory/layout.js';
import { type Counting, mustAlloc, rejectionOf, trackRuntimes } from './helpers.js';

const runtimes = trackRuntimes();

/** Every byte of [ptr, ptr + size) on CPU `cpu`. */
function bytesOf(rt: Runtime<Counting>, ptr: number, size: number, cpu: number): number[] {
  return Array.from({ length: size }, (_, i) => rt.read(ptr + i, cpu, 'u8'));
}

function overlaps(a: number, aSize: number, b: number, bSize: number): boolean {
  return a < b + bSize && b < a + aSize;
}

async function allocOn(rt: Runtime<Counting>, cpu: number, size: number, align: number): Promise<number> {
  const ptr = await rt.runOn(cpu, 'allocOnly', { size, align });
  if (ptr === null) throw new Error(`allocOnly(${size}, ${align}) on CPU ${cpu} returned null`);
  return ptr;
}

describe('thisCpu.alloc', () => {
  // Two ways space gets reused: a small area whose page stays in use by a neighbour, and a
  // multi-page area whose pages are given back when it is freed.
  it.each([
    { label: 'a small area beside a live neighbour', size: 96, neighbour: true },
    { label: 'a multi-page area', size: 3 * 4096 + 100, neighbour: false },
  ])(
    'returns space that is zero on every possible CPU, even where a freed area was dirty: $label',
    async ({ size, neighbour }) => {
      const cpus = 3;
      const rt = await runtimes.start({ cpus, online: 2 }); // CPU 2 is possible but offline
      const before = neighbour ? await allocOn(rt, 0, 8, 4) : null;

      // Dirty: an area allocated by CPU 0, written on every CPU (the offline one by the coordinator).
      const dirty = await allocOn(rt, 0, size, 8);
      await Promise.all([0, 1].map((cpu) => rt.runOn(cpu, 'writeBytes', { ptr: dirty, size, seed: 1 + cpu })));
      for (let i = 0; i < size; i++) rt.write(dirty + i, 2, 'u8', 0xa5);
      for (let cpu = 0; cpu < cpus; cpu++) expect(bytesOf(rt, dirty, size, cpu).some((b) => b !== 0)).toBe(true);
      const after = neighbour ? await allocOn(rt, 1, 8, 4) : null;
      if (before !== null && after !== null) {
        await rt.runOnEach('writeBytes', { ptr: before, size: 8, seed: 77 });
        await rt.runOnEach('writeBytes', { ptr: after, size: 8, seed: 99 });
      }

      // Freed by a task on the other CPU, then allocated again by a task.
      await rt.runOn(1, 'freePtr', { ptr: dirty });
      const fresh = await allocOn(rt, 1, size, 8);
      expect(overlaps(fresh, size, dirty, size), 'the new area reuses the dirty space').toBe(true);
      for (let cpu = 0; cpu < cpus; cpu++) {
        expect(bytesOf(rt, fresh, size, cpu), `CPU ${cpu}`).toEqual(new Array<number>(size).fill(0));
      }
      // Zeroing stayed inside the new area: the neighbours keep their bytes.
      if (before !== null && after !== null) {
        for (const cpu of [0, 1]) {
          expect(bytesOf(rt, before, 8, cpu)).toEqual(Array.from({ length: 8 }, (_, i) => (77 + 13 * i) % 256));
          expect(bytesOf(rt, after, 8, cpu)).toEqual(Array.from({ length: 8 }, (_, i) => (99 + 13 * i) % 256));
        }
      }

      // Usable on every CPU, each with its own copy.
      await Promise.all([0, 1].map((cpu) => rt.runOn(cpu, 'writeBytes', { ptr: fresh, size, seed: 10 * (cpu + 1) })));
      for (const cpu of [0, 1]) {
        expect(bytesOf(rt, fresh, size, cpu)).toEqual(
          Array.from({ length: size }, (_, i) => (10 * (cpu + 1) + 13 * i) % 256),
        );
      }
      expect(bytesOf(rt, fresh, size, 2)).toEqual(new Array<number>(size).fill(0));
      rt.verify();
    },
  );

  it('an offset from one CPU is usable by every CPU and the coordinator', async () => {
    const rt = await runtimes.start({ cpus: 3 });
    const ptr = await allocOn(rt, 2, 4, 4);
    await rt.runOnEach('increment', { ptr, times: 1234 });
    expect(rt.sum(ptr, 's32')).toBe(3 * 1234);
    expect(rt.read(ptr, 2, 's32')).toBe(1234);
    rt.free(ptr); // the coordinator can free what a CPU allocated
    rt.verify();
    expect(rt.stats().allocator.nrCurAlloc).toBe(0);
  });

  it('{ reserved: true } allocates from the first chunk’s reserved region', async () => {
    const reservedSize = 8192;
    const rt = await runtimes.start({ cpus: 2, reservedSize });
    const dynamic = await allocOn(rt, 0, 16, 4);
    const reserved = await rt.runOn(1, 'allocOnly', { size: 16, align: 4, reserved: true });
    expect(dynamic).toBeGreaterThanOrEqual(reservedSize);
    if (reserved === null) throw new Error('the reserved allocation returned null');
    expect(reserved).toBeLessThan(reservedSize);
    expect(rt.read(reserved, 0, 'u32')).toBe(0);
    rt.verify();
    await rt.runOn(0, 'freePtr', { ptr: reserved });
    expect(rt.stats().allocator.nrCurAlloc).toBe(1);
  });

  it('returns null when the per-CPU area is full, and a bad size rejects', async () => {
    const rt = await runtimes.start({ cpus: 2, unitSize: 8192, areaSize: 2 * 8192, reservedSize: 0 });
    // Chunk 0 holds a unit less its NULL guard (offset 0 is never handed out); chunk 1 a whole one.
    const first = await rt.runOn(0, 'allocOnly', { size: 8192 - layout.NULL_GUARD, align: 4 });
    const second = await rt.runOn(1, 'allocOnly', { size: 8192, align: 4 });
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(first).not.toBe(second);
    expect(await rt.runOn(0, 'allocOnly', { size: 4, align: 4 })).toBeNull();
    // Larger than a unit: refused on the CPU, before any request is made.
    const error = await rejectionOf(rt.runOn(1, 'allocOnly', { size: 8193, align: 4 }));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).remote.code).toBe('PERCPU_INVALID_ARGUMENT');
    expect((error as TaskFailedError).remote.message).toContain('`size`');
    expect(rt.stats().cpus.map((c) => c.allocs)).toEqual([1, 1]);
  });
});

describe('thisCpu.free', () => {
  it('frees from a task, and a bad free rejects with PERCPU_INVALID_FREE and its reason', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = await allocOn(rt, 0, 16, 4);
    const live = await allocOn(rt, 0, 16, 4);
    expect(await rt.runOn(1, 'tryFree', { ptr })).toEqual({ ok: true });

    const bad: [number, string][] = [
      [ptr, 'not-allocated'], // a double free
      [live + 4, 'interior'],
      [live + 2, 'unaligned'],
      [64 * 1024 * 1024, 'outside-area'],
    ];
    for (const [offset, reason] of bad) {
      expect(await rt.runOn(1, 'tryFree', { ptr: offset }), `free(${offset})`).toEqual({
        ok: false,
        name: 'InvalidFreeError',
        code: 'PERCPU_INVALID_FREE',
        reason,
      });
    }
    // Unhandled in a task, it fails the task with the same code.
    const error = await rejectionOf(rt.runOn(0, 'freePtr', { ptr }));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).remote.code).toBe('PERCPU_INVALID_FREE');

    // Nothing changed: `live` is still live, and the CPUs' mailboxes still work.
    expect(() => rt.verify()).not.toThrow();
    expect(rt.stats().allocator.nrCurAlloc).toBe(1);
    expect(await rt.runOn(1, 'tryFree', { ptr: live })).toEqual({ ok: true });
    expect(rt.stats().allocator.nrCurAlloc).toBe(0);
    expect(rt.stats().cpus.map((c) => [c.allocs, c.frees])).toEqual([
      [2, 0],
      [0, 2],
    ]);
  });
});

describe('many allocations from all CPUs at once', () => {
  // The coordinator serves requests woken by the doorbell (requestPollUs 0), or while it polls
  // after a request (the default, and a window that outlasts the test: close() must still end).
  it.each([
    { label: 'default polling window', options: {} },
    { label: 'no polling', options: { requestPollUs: 0 } },
    { label: 'a one-second polling window', options: { requestPollUs: 1_000_000 } },
  ])('never overlap, keep alignment, pass verify() and are counted per CPU: $label', async ({ options }) => {
    const cpus = 3;
    const count = 200;
    const rt = await runtimes.start({ cpus, ...options });
    const coordinatorPtr = mustAlloc(rt, 100); // the coordinator allocates meanwhile too
    const sizes = [4, 12, 40];
    const aligns = [4, 4, 8];
    const results = await Promise.all(
      Array.from({ length: cpus }, (_, cpu) =>
        rt.runOn(cpu, 'allocMany', { count, size: sizes[cpu]!, align: aligns[cpu]! }),
      ),
    );

    const areas: { ptr: number; size: number; cpu: number }[] = [{ ptr: coordinatorPtr, size: 100, cpu: -1 }];
    results.forEach((ptrs, cpu) => {
      expect(ptrs).toHaveLength(count);
      for (const ptr of ptrs) {
        expect(ptr % aligns[cpu]!).toBe(0);
        areas.push({ ptr, size: sizes[cpu]!, cpu });
      }
    });
    areas.sort((a, b) => a.ptr - b.ptr);
    for (let i = 1; i < areas.length; i++) {
      const prev = areas[i - 1]!;
      const cur = areas[i]!;
      expect(
        prev.ptr + prev.size,
        `areas at ${prev.ptr} (CPU ${prev.cpu}) and ${cur.ptr} (CPU ${cur.cpu})`,
      ).toBeLessThanOrEqual(cur.ptr);
    }
    rt.verify();

    // Each CPU marked its own areas in its own copy only.
    for (const { ptr, cpu } of areas) {
      if (cpu < 0) continue;
      for (let other = 0; other < cpus; other++) expect(rt.read(ptr, other, 'u8')).toBe(other === cpu ? cpu + 1 : 0);
    }

    const stats = rt.stats();
    expect(stats.cpus.map((c) => c.allocs)).toEqual([count, count, count]);
    expect(stats.allocator.nrCurAlloc).toBe(cpus * count + 1);

    // And all CPUs free them at once, each freeing another CPU's areas.
    const freed = await Promise.all(
      Array.from({ length: cpus }, (_, cpu) => rt.runOn(cpu, 'freeMany', { ptrs: results[(cpu + 1) % cpus]! })),
    );
    expect(freed).toEqual([count, count, count]);
    rt.verify();
    expect(rt.stats().cpus.map((c) => c.frees)).toEqual([count, count, count]);
    expect(rt.stats().allocator.nrCurAlloc).toBe(1);
  });
});

describe('argument checks before any request', () => {
  it('a bad align is an InvalidArgumentError on the CPU', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    for (const align of [3, 0, 8192]) {
      const error = await rejectionOf(rt.runOn(0, 'allocOnly', { size: 8, align }));
      expect(error).toBeInstanceOf(TaskFailedError);
      expect((error as TaskFailedError).remote.code).toBe('PERCPU_INVALID_ARGUMENT');
      expect((error as TaskFailedError).remote.message).toContain('`align`');
    }
    expect(rt.stats().cpus[0]!.allocs).toBe(0);
    // The coordinator's own alloc checks the same way.
    expect(() => rt.alloc(8, 3)).toThrow(InvalidArgumentError);
  });
});
