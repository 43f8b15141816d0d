/**
 * The generic thisCpu path after V8 has optimized it: its fast case has no branch for a bad
 * argument (a bad one makes the element index no index; see src/cpu/this-cpu.ts), so these tests
 * run each call in a loop first and only then pass every kind of bad pointer, delta and value at
 * the same call sites, on real CPU workers. Each must be rejected with its typed error, and the
 * counts around the rejections must be exact. test/reliability/bad-input-cpu.test.ts checks the
 * same errors on calls that were never optimized.
 */
import { describe, expect, it } from 'vitest';
import { NotOnCpuError, type Runtime } from 'percpu';
import { thisCpu } from 'percpu/cpu';
import type * as GenericTasks from '../fixtures/generic-path-tasks.js';
import { thrownBy, trackRuntimes } from './helpers.js';

const TASKS = new URL('../../dist/test/fixtures/generic-path-tasks.js', import.meta.url);
const AREA = 1 << 16;
const runtimes = trackRuntimes();

async function start(): Promise<Runtime<typeof GenericTasks>> {
  return runtimes.start<typeof GenericTasks>({ cpus: 2, tasks: TASKS, areaSize: AREA });
}

describe('the generic path, optimized', () => {
  it('rejects every bad pointer, delta and value at call sites optimized for good ones, and loses no count', async () => {
    const rt = await start();
    const ptr = rt.alloc(32, 8)!;
    const n = 200_000;
    const result = await rt.runOn(1, 'hotThenBad', { ptr, n, areaSize: AREA });
    expect(result.accepted).toEqual([]);
    // 13 pointers × 6 calls, 6 deltas × 3 calls, 2 × 2 bigint-type calls, 4 values, 1 type.
    expect(result.rejections).toHaveLength(13 * 6 + 6 * 3 + 2 * 2 + 4 + 1);
    for (const r of result.rejections) {
      if (r.call.includes('unaligned')) {
        expect([r.call, r.code]).toEqual([r.call, 'PERCPU_UNALIGNED_ACCESS']);
        continue;
      }
      const argument = / (delta|value) /.exec(r.call)?.[1] ?? (r.call.includes('type') ? 'type' : 'ptr');
      expect([r.call, r.code, r.argument]).toEqual([r.call, 'PERCPU_INVALID_ARGUMENT', argument]);
    }
    // Two rounds of loops, each +2n on every counter (u32: inc, add 1, dec, sub -1; the others:
    // inc and add 1); the write loop leaves n - 1.
    expect(rt.read(ptr, 1, 'u32')).toBe(4 * n);
    expect(rt.read(ptr + 4, 1, 's32')).toBe(4 * n);
    expect(rt.read(ptr + 8, 1, 'u64')).toBe(BigInt(4 * n));
    expect(rt.read(ptr + 16, 1, 's64')).toBe(BigInt(4 * n));
    expect(rt.read(ptr + 24, 1, 'u32')).toBe(n - 1);
    // CPU 0 was never touched.
    expect(rt.sum(ptr, 'u32')).toBe(4 * n);
  });

  it('takes -0 as offset 0, as the coordinator does', async () => {
    const rt = await start();
    const ptr = rt.alloc(4)!;
    rt.write(ptr, 0, 'u32', 7);
    const [viaPtr, viaPtrMinusZero, viaZero, viaNegativeZero] = await rt.runOn(0, 'negativeZero', { ptr });
    expect([viaPtr, viaPtrMinusZero]).toEqual([7, 7]);
    expect(viaNegativeZero).toBe(viaZero);
    expect(viaZero).toBe(rt.read(0, 0, 'u32'));
  });

  it('the eight calls work taken off thisCpu (no receiver), like before the generic path was rewritten', async () => {
    const rt = await start();
    const ptr = rt.alloc(24, 8)!;
    const result = await rt.runOn(1, 'detached', { ptr });
    // 10 + 5 - 2 + 1 - 1 = 13; +1 = 14; -3 = 11.
    expect(result.u32).toEqual([14, 11, 11]);
    // 13n + 1n = 14n; 14n - 20n wraps to 2^64 - 6.
    expect(result.u64).toEqual([14n, 2n ** 64n - 6n, 2n ** 64n - 6n]);
    // 250 + 5 - 2 + 1 - 1 = 253; +10 wraps to 7; -1 = 6.
    expect(result.u8).toEqual([7, 6, 6]);
    expect(result.badDelta).toEqual({ call: 'add u32 delta 1.5', code: 'PERCPU_INVALID_ARGUMENT', argument: 'delta' });
    expect(rt.read(ptr, 1, 'u32')).toBe(11);
  });
});

describe('the generic path off a CPU', () => {
  it('every generic call throws NotOnCpuError naming the call', () => {
    const calls: readonly (readonly [string, () => unknown])[] = [
      ['inc', () => thisCpu.inc(0, 'u32')],
      ['dec', () => thisCpu.dec(8, 'u64')],
      ['add', () => thisCpu.add(0, 's32', 1)],
      ['sub', () => thisCpu.sub(8, 's64', 1n)],
      ['addReturn', () => thisCpu.addReturn(0, 'u8', 1)],
      ['read', () => thisCpu.read(0, 'f64')],
      ['write', () => thisCpu.write(0, 'u32', 1)],
    ];
    for (const [what, call] of calls) {
      const error = thrownBy(call);
      expect(error).toBeInstanceOf(NotOnCpuError);
      expect((error as Error).message).toContain(`Cannot ${what}:`);
    }
  });

  it('a call taken off thisCpu (no receiver) throws NotOnCpuError naming the call too', () => {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- what this test checks: they work unbound
    const { read, write, add, sub, inc, dec, addReturn, subReturn } = thisCpu;
    const calls: readonly (readonly [string, () => unknown])[] = [
      ['read', () => read(0, 'u32')],
      ['write', () => write(0, 'u32', 1)],
      ['add', () => add(0, 'u32', 1)],
      ['sub', () => sub(8, 'u64', 1n)],
      ['inc', () => inc(0, 's32')],
      ['dec', () => dec(0, 'u8')],
      ['addReturn', () => addReturn(0, 'f64', 1)],
      ['subReturn', () => subReturn(8, 's64', 1n)],
    ];
    for (const [what, call] of calls) {
      const error = thrownBy(call);
      expect([what, error]).toEqual([what, expect.any(NotOnCpuError)]);
      expect((error as Error).message).toContain(`Cannot ${what}:`);
    }
  });
});
