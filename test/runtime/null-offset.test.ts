/**
 * Offset 0 is NULL (issue 11, item 13): no allocation and no static variable ever starts at 0,
 * so 0 can mean "none" (`recordAt` stores 0 for a free; `if (!ptr)` reads 0 as none). Checked with
 * no statics (where 0 used to be handed out) on the coordinator, on a CPU (real workers), for
 * static variables, and for PercpuAllocator used alone.
 */
import { describe, expect, it } from 'vitest';
import { InvalidFreeError, PercpuAllocator, type Runtime } from 'percpu';
import * as layout from '../../src/memory/layout.js';
import type * as LifetimeTasks from '../fixtures/counter-lifetime-tasks.js';
import { thrownBy, trackRuntimes } from './helpers.js';

const runtimes = trackRuntimes();
const LIFETIME_TASKS = new URL('../../dist/test/fixtures/counter-lifetime-tasks.js', import.meta.url);
type Lifetime = typeof LifetimeTasks;

function start(options: {
  cpus: number;
  reservedSize?: number;
  statics?: Record<string, 'u8' | 'u64'>;
}): Promise<Runtime<Lifetime>> {
  return runtimes.start<Lifetime>({ ...options, tasks: LIFETIME_TASKS });
}

describe('offset 0 is never a live allocation', () => {
  it('no statics: reserved allocations on the coordinator and on a CPU never start at 0', async () => {
    const rt = await start({ cpus: 2 });
    const first = rt.alloc(64, 8, { reserved: true });
    expect(first).not.toBeNull();
    expect(first).toBeGreaterThan(0);
    const fromCpu = await rt.runOn(1, 'allocSeveral', { count: 8, size: 4, align: 4, reserved: true });
    for (const ptr of fromCpu) expect(ptr).toBeGreaterThan(0);
    // Free everything and ask again, smallest first: the lowest offset handed out is the guard's end.
    rt.free(first!);
    for (const ptr of fromCpu) rt.free(ptr!);
    expect(rt.alloc(1, 1, { reserved: true })).toBe(layout.NULL_GUARD);
    const again = await rt.runOn(0, 'allocSeveral', { count: 1, size: 1, align: 1, reserved: true });
    expect(again[0]).toBeGreaterThanOrEqual(layout.NULL_GUARD);
    rt.verify();
  });

  it('free(0) is InvalidFreeError (hidden) on the coordinator and on a CPU, changing nothing', async () => {
    const rt = await start({ cpus: 2, reservedSize: 0 });
    const ptr = rt.alloc(4, 4);
    expect(ptr).toBeGreaterThan(0);
    const before = rt.stats().allocator;
    const error = thrownBy(() => rt.free(0));
    expect(error).toBeInstanceOf(InvalidFreeError);
    expect((error as InvalidFreeError).reason).toBe('hidden');
    expect(await rt.runOn(0, 'tryFree', { ptr: 0 })).toEqual({
      ok: false,
      name: 'InvalidFreeError',
      code: 'PERCPU_INVALID_FREE',
      reason: 'hidden',
    });
    expect(rt.stats().allocator).toEqual(before);
    rt.verify();
  });

  it('static variables start after the guard', async () => {
    const rt = await start({ cpus: 2, statics: { a: 'u8', b: 'u64' } });
    expect(rt.staticPtr('a')).toBe(layout.NULL_GUARD);
    expect(rt.staticPtr('b')).toBeGreaterThan(rt.staticPtr('a'));
    expect(rt.staticPtr('b') % 8).toBe(0);
    expect(rt.alloc(4, 4, { reserved: true })).toBeGreaterThan(rt.staticPtr('b'));
  });

  it('PercpuAllocator alone: filling the first chunk never yields 0, in any region', () => {
    for (const reservedSize of [0, 64]) {
      const allocator = new PercpuAllocator({ unitSize: 8192, areaSize: 8192, reservedSize });
      const ptrs: number[] = [];
      for (
        let ptr = allocator.alloc(4, 4, { reserved: true });
        ptr !== null;
        ptr = allocator.alloc(4, 4, { reserved: true })
      )
        ptrs.push(ptr);
      for (let ptr = allocator.alloc(4); ptr !== null; ptr = allocator.alloc(4)) ptrs.push(ptr);
      expect(ptrs.length).toBe((8192 - layout.NULL_GUARD) / 4);
      expect(Math.min(...ptrs)).toBe(layout.NULL_GUARD);
      expect((thrownBy(() => allocator.free(0)) as InvalidFreeError).reason).toBe('hidden');
      allocator.verify();
    }
  });
});
