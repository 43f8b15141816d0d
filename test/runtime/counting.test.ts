/**
 * Counting on CPUs and summing on the coordinator: N CPUs × M increments through
 * thisCpu.ref(ptr, 's32').inc() sum exactly; each CPU's copy holds its own count; a CPU's writes
 * never show on another CPU; offline CPUs count in the sum; sum(..., { wrap: true }) wraps.
 */
import { describe, expect, it } from 'vitest';
import { mustAlloc, trackRuntimes } from './helpers.js';

const runtimes = trackRuntimes();

/** The byte writeBytes writes at index i for `seed`. */
function patternByte(seed: number, i: number): number {
  return (seed + 13 * i) % 256;
}

describe('N CPUs × M increments', () => {
  it('sum is exact and every CPU holds exactly its own M', async () => {
    const cpus = 3;
    const m = 250_000;
    const rt = await runtimes.start({ cpus });
    const ptr = mustAlloc(rt, 4);
    // Neighbours on both sides, so a stray write next to the counter would show.
    const before = mustAlloc(rt, 4);
    const after = mustAlloc(rt, 4);
    const results = await rt.runOnEach('increment', { ptr, times: m });
    expect([...results.values()]).toEqual([m, m, m]);
    expect(rt.sum(ptr, 's32')).toBe(cpus * m);
    for (let cpu = 0; cpu < cpus; cpu++) {
      expect(rt.read(ptr, cpu, 's32')).toBe(m);
      expect(rt.read(before, cpu, 's32')).toBe(0);
      expect(rt.read(after, cpu, 's32')).toBe(0);
    }
  });

  it('the same through thisCpu.cell(): exact, and mixing both paths on one variable adds up', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = mustAlloc(rt, 4);
    const viaCell = await rt.runOnEach('incrementCell', { ptr, times: 100_000 });
    expect([...viaCell.values()]).toEqual([100_000, 100_000]);
    await rt.runOnEach('increment', { ptr, times: 1 });
    expect(rt.sum(ptr, 's32')).toBe(200_002);
    expect(rt.read(ptr, 1, 's32')).toBe(100_001);
  });

  it('a structure through thisCpu.array(): each CPU counts into its own copy of every field, neighbours untouched', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const fields = 32;
    const rounds = 10_000;
    const ptr = mustAlloc(rt, fields * 4);
    const after = mustAlloc(rt, 4);
    const results = await rt.runOnEach('countStruct', { ptr, fields, rounds });
    for (const got of results.values()) expect(got).toEqual({ length: fields, first: rounds });
    for (let k = 0; k < fields; k++) {
      expect(rt.read(ptr + 4 * k, 1, 'u32')).toBe(rounds * (k + 1));
      expect(rt.sum(ptr + 4 * k, 'u32')).toBe(2 * rounds * (k + 1));
    }
    expect(rt.sum(after, 'u32')).toBe(0);
  });

  it('thisCpu.array() refuses a length that is not a whole number of elements inside the area', async () => {
    const rt = await runtimes.start({ cpus: 1 });
    const ptr = mustAlloc(rt, 16);
    const elementsToEnd = (rt.memory.areaSize - ptr) / 4;
    for (const length of [0, -1, 1.5, Number.NaN, Infinity, '4', elementsToEnd + 1]) {
      expect(await rt.runOn(0, 'arrayLengthError', { ptr, length }), `length ${String(length)}`).toEqual({
        code: 'PERCPU_INVALID_ARGUMENT',
        argument: 'length',
      });
    }
    expect(await rt.runOn(0, 'arrayLengthError', { ptr, length: elementsToEnd })).toBeNull();
  });

  it('many tasks queued on the same CPUs at once add up exactly', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = mustAlloc(rt, 4);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) calls.push(rt.runOn(i % 2, 'increment', { ptr, times: 1000 + i }));
    for (let i = 0; i < 5; i++) calls.push(rt.run('increment', { ptr, times: 10 }));
    await Promise.all(calls);
    let expected = 50;
    for (let i = 0; i < 20; i++) expected += 1000 + i;
    expect(rt.sum(ptr, 's32')).toBe(expected);
    expect(rt.read(ptr, 0, 's32') + rt.read(ptr, 1, 's32')).toBe(expected);
  });
});

describe('CPUs never see each other’s writes', () => {
  it('a distinct pattern per CPU over an allocation stays in that CPU’s copy', async () => {
    const cpus = 3;
    const size = 200;
    const rt = await runtimes.start({ cpus });
    const ptr = mustAlloc(rt, size);
    const seeds = [1, 51, 101];

    // CPU 0 first, alone: nobody else's copy changes.
    await rt.runOn(0, 'writeBytes', { ptr, size, seed: seeds[0]! });
    for (let i = 0; i < size; i++) {
      expect(rt.read(ptr + i, 0, 'u8')).toBe(patternByte(seeds[0]!, i));
      expect(rt.read(ptr + i, 1, 'u8')).toBe(0);
      expect(rt.read(ptr + i, 2, 'u8')).toBe(0);
    }

    // Then every CPU at once.
    await Promise.all([0, 1, 2].map((cpu) => rt.runOn(cpu, 'writeBytes', { ptr, size, seed: seeds[cpu]! })));
    for (let cpu = 0; cpu < cpus; cpu++) {
      const copy = Array.from({ length: size }, (_, i) => rt.read(ptr + i, cpu, 'u8'));
      expect(copy).toEqual(Array.from({ length: size }, (_, i) => patternByte(seeds[cpu]!, i)));
    }
    // And each CPU reads back its own pattern, not another's.
    const seen = await rt.runOnEach('readBytes', { ptr, size });
    for (let cpu = 0; cpu < cpus; cpu++) {
      expect(seen.get(cpu)).toEqual(Array.from({ length: size }, (_, i) => patternByte(seeds[cpu]!, i)));
    }
  });

  it('a coordinator write to one CPU shows on that CPU only', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = mustAlloc(rt, 8, 8);
    rt.write(ptr, 1, 'u64', 0xfedcba9876543210n);
    expect(await rt.runOn(1, 'readLocal', { ptr, type: 'u64' })).toBe(0xfedcba9876543210n);
    expect(await rt.runOn(0, 'readLocal', { ptr, type: 'u64' })).toBe(0n);
  });
});

describe('sum', () => {
  it('includes CPUs that are offline, and those that were never online', async () => {
    const rt = await runtimes.start({ cpus: 4, online: 3 });
    const ptr = mustAlloc(rt, 4);
    await rt.runOnEach('increment', { ptr, times: 100 });
    await rt.offline(2);
    rt.write(ptr, 3, 's32', 5); // CPU 3 was never online
    expect(rt.onlineCpus()).toEqual([0, 1]);
    expect(rt.sum(ptr, 's32')).toBe(305);
  });

  it('wraps at the type’s width with { wrap: true } and is exact without it', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const u32 = mustAlloc(rt, 4);
    const s8 = mustAlloc(rt, 1, 1);
    const u64 = mustAlloc(rt, 8, 8);
    const s64 = mustAlloc(rt, 8, 8);

    rt.write(u32, 0, 'u32', 2 ** 32 - 1);
    await rt.runOn(1, 'applyOps', { ptr: u32, type: 'u32', via: 'ref', ops: [{ op: 'inc' }] });
    expect(rt.sum(u32, 'u32')).toBe(2 ** 32);
    expect(rt.sum(u32, 'u32', { wrap: true })).toBe(0);
    expect(rt.sum(u32, 'u32', { wrap: false })).toBe(2 ** 32);

    rt.write(s8, 0, 's8', 127);
    rt.write(s8, 1, 's8', 1);
    expect(rt.sum(s8, 's8')).toBe(128);
    expect(rt.sum(s8, 's8', { wrap: true })).toBe(128 - 256);

    rt.write(u64, 0, 'u64', 2n ** 64n - 1n);
    rt.write(u64, 1, 'u64', 2n);
    expect(rt.sum(u64, 'u64')).toBe(2n ** 64n + 1n);
    expect(rt.sum(u64, 'u64', { wrap: true })).toBe(1n);

    rt.write(s64, 0, 's64', -(2n ** 63n));
    rt.write(s64, 1, 's64', -1n);
    expect(rt.sum(s64, 's64')).toBe(-(2n ** 63n) - 1n);
    expect(rt.sum(s64, 's64', { wrap: true })).toBe(2n ** 63n - 1n);
  });

  it('a per-CPU count that wraps per CPU still sums exactly modulo 2^32 (percpu_ref style)', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const ptr = mustAlloc(rt, 4);
    // CPU 0 takes 3 references, CPU 1 drops them: CPU 1's part wraps below zero.
    await rt.runOn(0, 'applyOps', { ptr, type: 'u32', via: 'thisCpu', ops: [{ op: 'add', value: 3 }] });
    await rt.runOn(1, 'applyOps', { ptr, type: 'u32', via: 'thisCpu', ops: [{ op: 'sub', value: 3 }] });
    expect(rt.read(ptr, 1, 'u32')).toBe(2 ** 32 - 3);
    expect(rt.sum(ptr, 'u32', { wrap: true })).toBe(0);
  });
});

describe('static per-CPU variables', () => {
  it('have the same offset on the coordinator and every CPU, and count per CPU like any other', async () => {
    const rt = await runtimes.start({
      cpus: 2,
      statics: { hits: 's32', total: 'u64', table: { size: 64, align: 16 } },
    });
    const hits = rt.staticPtr('hits');
    for (const name of ['hits', 'total', 'table']) {
      const seen = await rt.runOnEach('staticPtrOf', { name });
      expect([...seen.values()]).toEqual([rt.staticPtr(name), rt.staticPtr(name)]);
    }
    expect(rt.staticPtr('table') % 16).toBe(0);
    expect(rt.sum(hits, 's32')).toBe(0);
    await rt.runOnEach('increment', { ptr: hits, times: 10 });
    expect(rt.sum(hits, 's32')).toBe(20);
    expect(rt.sum(rt.staticPtr('total'), 'u64')).toBe(0n);
    // Dynamic allocations never overlap the statics.
    const ptr = mustAlloc(rt, 4);
    expect(ptr).toBeGreaterThanOrEqual(rt.staticPtr('table') + 64);
  });
});
