/**
 * Bad input to every thisCpu function on a CPU, table-driven through the fixture's tryCpuCall
 * (one call on CPU 1, its error reported back with code, argument and message): read / write /
 * add / sub / inc / dec / addReturn / subReturn / xchg / cmpxchg / ref / cell / array / counter /
 * staticPtr / alloc / free, and the methods of a ref and of a counter. NaN, ±Infinity, negative,
 * fractional and huge numbers, wrong types, unknown types, offsets outside the area or unaligned,
 * lengths past the area, frees of what is not a live allocation's start, bad recordAt offsets,
 * counter handles that are not one.
 *
 * Each must be a PercpuError with its stable code whose message names the argument and quotes
 * the value; afterwards the CPU's values, the counter, the allocator and verify() are as before.
 * test/runtime/this-cpu-ops.test.ts covers unaligned pointers, out-of-range writes and addends
 * per type; this table covers the rest of the surface, thisCpu.array included.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PercpuCounter, type PercpuErrorCode, type PerCpuType, Runtime } from 'percpu';
import { describeValue } from '../../src/errors.js';
import { type CpuCall, type CpuCallOutcome, RELIABILITY_STATICS } from '../fixtures/reliability-tasks.js';
import { captureLogger } from '../runtime/helpers.js';
import { RELIABILITY_TASKS, type Reliability } from './helpers.js';

const AREA = 1 << 20;

interface World {
  readonly rt: Runtime<Reliability>;
  readonly counter: PercpuCounter;
  readonly p: number;
  readonly freed: number;
}

let world: World;

beforeAll(async () => {
  const rt = await Runtime.start<Reliability>({
    cpus: 2,
    tasks: RELIABILITY_TASKS,
    statics: RELIABILITY_STATICS,
    areaSize: AREA,
    robust: { verifyEveryOperation: true },
    logger: captureLogger('info').logger,
  });
  const p = rt.alloc(64, 16)!;
  for (let i = 0; i < 16; i++) rt.write(p + 4 * i, 1, 'u32', 0x01010101 * (i + 1));
  const counter = rt.counter({ batch: 16 });
  await rt.runOn(1, 'count', { ptr: p, times: 0, handle: counter.handle, counterAdds: 5, amount: 2, u64Ptr: p + 8 });
  // Freed last: nothing allocated after it may take its place.
  const freed = rt.alloc(32)!;
  rt.free(freed);
  world = { rt, counter, p, freed };
});

afterAll(async () => {
  await world.rt.close();
});

function snapshot(w: World): unknown {
  return {
    words: Array.from({ length: 16 }, (_, i) => [w.rt.read(w.p + 4 * i, 0, 'u32'), w.rt.read(w.p + 4 * i, 1, 'u32')]),
    counter: [w.counter.read(), w.counter.sum()],
    allocator: w.rt.stats().allocator,
    robust: w.rt.robustReport(),
    deaths: w.rt.stats().cpus.map((c) => c.deaths),
  };
}

interface Expected {
  readonly code: PercpuErrorCode;
  readonly argument?: string;
  /** Text the message must contain (default: the value as describeValue renders it). */
  readonly says?: string;
}

type CallOf = (w: World) => CpuCall;

const T = (method: string, ...args: unknown[]): CpuCall => ({ on: 'thisCpu', method, args });
/** A method of a ref made first, and of a counter made first. */
const R = (ptr: number, type: PerCpuType, method: string, ...args: unknown[]): CpuCall => ({
  on: 'ref',
  ptr,
  type,
  method,
  args,
});
const C = (handle: unknown, method: string, ...args: unknown[]): CpuCall => ({ on: 'counter', handle, method, args });
const IA = 'PERCPU_INVALID_ARGUMENT' as const;
const FREE = 'PERCPU_INVALID_FREE' as const;
const BAD_NUMBERS: readonly unknown[] = [NaN, Infinity, -Infinity, 1.5, '4', null];
const BAD_PTRS: readonly unknown[] = [NaN, Infinity, -Infinity, -4, 1.5, AREA, 2 ** 40, '0', null];
const TYPED: readonly string[] = ['read', 'inc', 'dec', 'ref', 'cell'];

/** [label, call, expected, the bad value] */
const CASES: readonly (readonly [string, CallOf, Expected, unknown])[] = [
  // ptr and type of every typed operation
  ...TYPED.flatMap((m) =>
    BAD_PTRS.map((v) => [`${m}(ptr ${String(v)})`, () => T(m, v, 'u32'), { code: IA, argument: 'ptr' }, v] as const),
  ),
  ...TYPED.map(
    (m) => [`${m}(type 'i32')`, (w: World) => T(m, w.p, 'i32'), { code: IA, argument: 'type' }, 'i32'] as const,
  ),
  ...['write', 'add', 'sub', 'addReturn', 'subReturn', 'xchg'].map(
    (m) => [`${m}(type 'u128')`, (w: World) => T(m, w.p, 'u128', 1), { code: IA, argument: 'type' }, 'u128'] as const,
  ),
  ['cmpxchg(type 8)', (w) => T('cmpxchg', w.p, 8, 0, 1), { code: IA, argument: 'type' }, 8],
  ...['read', 'write', 'ref', 'array'].map(
    (m) =>
      [
        `${m}(unaligned)`,
        (w: World) => T(m, w.p + 2, 'u32', 1),
        { code: 'PERCPU_UNALIGNED_ACCESS', says: '`ptr`' },
        undefined,
      ] as const,
  ),
  // values and deltas
  ...BAD_NUMBERS.map(
    (v) =>
      [
        `write(u32, ${String(v)})`,
        (w: World) => T('write', w.p, 'u32', v),
        { code: IA, argument: 'value' },
        v,
      ] as const,
  ),
  ...[2 ** 64, 1, -1n, 2n ** 64n].map(
    (v) =>
      [
        `write(u64, ${String(v)})`,
        (w: World) => T('write', w.p, 'u64', v),
        { code: IA, argument: 'value' },
        v,
      ] as const,
  ),
  ...[NaN, Infinity, 2 ** 53, '1', 1n].map(
    (v) =>
      [`add(s32, ${String(v)})`, (w: World) => T('add', w.p, 's32', v), { code: IA, argument: 'delta' }, v] as const,
  ),
  ...['sub', 'addReturn', 'subReturn'].map(
    (m) =>
      [
        `${m}(u16, Infinity)`,
        (w: World) => T(m, w.p, 'u16', Infinity),
        { code: IA, argument: 'delta' },
        Infinity,
      ] as const,
  ),
  ['add(u64, 1)', (w) => T('add', w.p, 'u64', 1), { code: IA, argument: 'delta' }, 1],
  ['add(f64, 1n)', (w) => T('add', w.p, 'f64', 1n), { code: IA, argument: 'delta' }, 1n],
  ['xchg(u8, 256)', (w) => T('xchg', w.p, 'u8', 256), { code: IA, argument: 'value' }, 256],
  ['cmpxchg(s8, expected -129)', (w) => T('cmpxchg', w.p, 's8', -129, 0), { code: IA, argument: 'expected' }, -129],
  ['cmpxchg(s8, value NaN)', (w) => T('cmpxchg', w.p, 's8', 0, NaN), { code: IA, argument: 'value' }, NaN],
  // thisCpu.array(ptr, type, length)
  ...[NaN, Infinity, -Infinity, 0, -1, 1.5, AREA, 2 ** 40, '4', null, 4n].map(
    (v) =>
      [
        `array(p, 's32', length ${String(v)})`,
        (w: World) => T('array', w.p, 's32', v),
        { code: IA, argument: 'length' },
        v,
      ] as const,
  ),
  [
    'array(last u64, length 2: past the area)',
    () => T('array', AREA - 8, 'u64', 2),
    { code: IA, argument: 'length', says: 'from 1 to 1' },
    2,
  ],
  ...BAD_PTRS.map(
    (v) => [`array(ptr ${String(v)})`, () => T('array', v, 's32', 1), { code: IA, argument: 'ptr' }, v] as const,
  ),
  ['array(type "s33")', (w) => T('array', w.p, 's33', 1), { code: IA, argument: 'type' }, 's33'],
  // ref and its methods
  ['ref(s32).add(NaN)', (w) => R(w.p, 's32', 'add', NaN), { code: IA, argument: 'delta' }, NaN],
  ['ref(u8).write(300)', (w) => R(w.p, 'u8', 'write', 300), { code: IA, argument: 'value' }, 300],
  ['ref(s64).add(1)', (w) => R(w.p, 's64', 'add', 1), { code: IA, argument: 'delta' }, 1],
  // staticPtr
  ...['nope', 'toString', 3, undefined].map(
    (v) => [`staticPtr(${String(v)})`, () => T('staticPtr', v), { code: IA, argument: 'name' }, v] as const,
  ),
  // counters
  ...[null, 5, {}, { ptr: 1, slot: 0 }, { ptr: 0, slot: 0.5, batch: 8 }].map(
    (v) =>
      [
        `counter(${JSON.stringify(v)})`,
        () => T('counter', v),
        { code: IA, argument: 'counter', says: 'counter handle' },
        v,
      ] as const,
  ),
  [
    'counter(slot 1e9)',
    (w) => T('counter', { ...w.counter.handle, slot: 1e9 }),
    { code: IA, argument: 'counter', says: 'slot from 0 to' },
    undefined,
  ],
  [
    'counter(batch 2^31)',
    (w) => T('counter', { ...w.counter.handle, batch: 2 ** 31 }),
    { code: IA, argument: 'counter', says: 'batch from 1 to' },
    undefined,
  ],
  ...[NaN, Infinity, -Infinity, 0.5, 2 ** 53, 1n, '1'].map(
    (v) =>
      [
        `counter.add(${String(v)})`,
        (w: World) => C(w.counter.handle, 'add', v),
        { code: IA, argument: 'amount' },
        v,
      ] as const,
  ),
  // alloc and free through the coordinator
  ...[NaN, Infinity, -Infinity, 0, -8, 1.5, 65537, 2 ** 40, '8', null].map(
    (v) => [`alloc(${String(v)})`, () => T('alloc', v), { code: IA, argument: 'size' }, v] as const,
  ),
  ...[NaN, Infinity, 3, 0, -4, 8192, 0.5, '8'].map(
    (v) => [`alloc(8, ${String(v)})`, () => T('alloc', 8, v), { code: IA, argument: 'align' }, v] as const,
  ),
  ['alloc(8, 4, "x")', () => T('alloc', 8, 4, 'x'), { code: IA, argument: 'options' }, 'x'],
  [
    "alloc(8, 4, { reserved: 'yes' })",
    () => T('alloc', 8, 4, { reserved: 'yes' }),
    { code: IA, argument: 'reserved' },
    'yes',
  ],
  ...[NaN, Infinity, -4, 2, 1.5, AREA, '0'].map(
    (v) =>
      [
        `alloc(8, 4, { recordAt: ${String(v)} })`,
        () => T('alloc', 8, 4, { recordAt: v }),
        { code: IA, argument: 'recordAt' },
        v,
      ] as const,
  ),
  ...[NaN, Infinity, -Infinity, -4, 1.5, 2 ** 33].map(
    (v) => [`free(${String(v)})`, () => T('free', v), { code: FREE, says: `offset ${String(v)}` }, v] as const,
  ),
  ['free("8")', () => T('free', '8'), { code: FREE, says: 'offset `"8"` (string)' }, '8'],
  ['free(already freed)', (w) => T('free', w.freed), { code: FREE, says: 'not-allocated' }, undefined],
  ['free(interior)', (w) => T('free', w.p + 4), { code: FREE, says: 'interior' }, undefined],
  ['free(static)', () => T('free', 0), { code: FREE, says: 'hidden' }, undefined],
  ['free(unaligned)', (w) => T('free', w.p + 1), { code: FREE, says: 'unaligned' }, undefined],
  ['free(past the chunks)', () => T('free', AREA - 64), { code: FREE, says: 'no-chunk' }, undefined],
  ['free(p, { recordAt: 3 })', (w) => T('free', w.p, { recordAt: 3 }), { code: IA, argument: 'recordAt' }, 3],
  ['free(p, 7)', (w) => T('free', w.p, 7), { code: IA, argument: 'options' }, 7],
];

function expectTyped(outcome: CpuCallOutcome, expected: Expected, value: unknown, label: string): void {
  expect(outcome.threw, `${label}: ${JSON.stringify(outcome)}`).toBe(true);
  if (!outcome.threw) return;
  expect(outcome.percpu, label).toBe(true);
  expect(outcome.code, label).toBe(expected.code);
  if (expected.argument !== undefined) {
    expect(outcome.argument, label).toBe(expected.argument);
    expect(outcome.message, label).toContain(`\`${expected.argument}\``);
  }
  expect(outcome.message, label).toContain(expected.says ?? describeValue(value));
}

describe('bad thisCpu calls on a CPU', () => {
  it.each(CASES)(
    '%s → a typed error naming the argument and the value; nothing changes',
    async (label, call, expected, value) => {
      const before = snapshot(world);
      const outcome = await world.rt.runOn(1, 'tryCpuCall', call(world));
      expectTyped(outcome, expected, value, label);
      world.rt.verify();
      expect(snapshot(world)).toEqual(before);
    },
  );

  it('the CPU and its mailbox still serve: a good allocation and free after all of them', async () => {
    const ptr = await world.rt.runOn(1, 'allocOnly', { size: 8, align: 4 });
    expect(ptr).not.toBeNull();
    await world.rt.runOn(1, 'freePtr', { ptr: ptr! });
    expect(world.rt.stats().cpus.map((c) => c.deaths)).toEqual([0, 0]);
    world.rt.verify();
  });
});

describe('generated bad values on a CPU (fast-check)', () => {
  it('array: any length that is not an integer from 1 to the end of the area is rejected, naming `length`', async () => {
    const before = snapshot(world);
    const max = (AREA - world.p) / 4;
    await fc.assert(
      fc.asyncProperty(
        fc
          .oneof(fc.double(), fc.integer(), fc.integer({ min: max + 1 }), fc.string(), fc.bigInt(), fc.constant(null))
          .filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max)),
        async (length) => {
          const outcome = await world.rt.runOn(1, 'tryCpuCall', T('array', world.p, 's32', length));
          expectTyped(outcome, { code: IA, argument: 'length' }, length, `length ${String(length)}`);
        },
      ),
      { numRuns: 60 },
    );
    expect(snapshot(world)).toEqual(before);
  });

  it('write: values that do not fit the type are rejected on the CPU as on the coordinator', async () => {
    const before = snapshot(world);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<PerCpuType>('u8', 's16', 'u32', 's32'),
        fc.oneof(
          fc.double().filter((d) => !Number.isInteger(d)),
          fc.double({ min: 2 ** 32, max: 2 ** 60, noNaN: true }).map(Math.floor),
          fc.double({ min: -(2 ** 60), max: -(2 ** 31) - 1, noNaN: true }).map(Math.floor),
          fc.bigInt(),
        ),
        async (type, value) => {
          const outcome = await world.rt.runOn(1, 'tryCpuCall', T('write', world.p, type, value));
          expectTyped(outcome, { code: IA, argument: 'value' }, value, `${type} ${String(value)}`);
        },
      ),
      { numRuns: 60 },
    );
    expect(snapshot(world)).toEqual(before);
  });
});
