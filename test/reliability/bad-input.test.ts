/**
 * Bad input to every public function of the coordinator, table-driven: Runtime.start's options,
 * rt.alloc / free / read / write / sum / staticPtr / isOnline / counter / runOn / runOnEach / run /
 * offline / online / killCpu, and a PercpuCounter's add / set / compare. Wrong types, NaN,
 * ±Infinity, negative, fractional and huge numbers, CPU ids out of range or offline, offsets never
 * allocated / already freed / interior / from another runtime, unknown task names, values out of
 * a type's range, a tasks module that fails to load.
 *
 * Each must be a PercpuError with its stable code whose message names the argument and quotes the
 * value; afterwards verify() holds and every value, counter, allocation and CPU is as it was.
 * fast-check then throws generated values of every type at the same functions.
 *
 * Neighbours: test/allocator/arguments.test.ts (the allocator alone), test/memory/validation.test.ts
 * (PerCpuMemory alone), lifecycle.test.ts (a few start options). The CPU side is in
 * bad-input-cpu.test.ts, the command line in bad-input-cli.test.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PercpuCounter,
  PercpuError,
  type PercpuErrorCode,
  type PerCpuType,
  Runtime,
  type RuntimeOptions,
} from 'percpu';
import { describeValue } from '../../src/errors.js';
import { killCpu } from 'percpu/testing';
import { BROKEN_TASKS, captureLogger, type Untyped } from '../runtime/helpers.js';
import { RELIABILITY_STATICS } from '../fixtures/reliability-tasks.js';
import { RELIABILITY_TASKS, type Reliability } from './helpers.js';

/** What a bad call must throw (or reject with). */
interface Expected {
  readonly code: PercpuErrorCode;
  /** The `argument` field of an InvalidArgumentError, which the message names in backquotes. */
  readonly argument?: string;
  /** Text the message must contain: the value as received (default: describeValue of `value`). */
  readonly says?: string | RegExp;
}

function expectTyped(error: unknown, expected: Expected, value: unknown, label: string): void {
  expect(error, label).toBeInstanceOf(PercpuError);
  const e = error as PercpuError & { argument?: string; value?: unknown };
  expect(e.code, label).toBe(expected.code);
  if (expected.argument !== undefined) {
    expect(e.argument, label).toBe(expected.argument);
    expect(Object.is(e.value, value), `${label}: error.value`).toBe(true);
    expect(e.message, label).toContain(`\`${expected.argument}\``);
  }
  const says = expected.says ?? describeValue(value);
  if (typeof says === 'string') expect(e.message, label).toContain(says);
  else expect(e.message, label).toMatch(says);
}

async function outcomeOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return new Error('returned normally');
}

describe('Runtime.start with bad options', () => {
  const MB = /a number of megabytes from \d+ to \d+ \(a CPU's worker cannot start with less\)/;
  /** [label, options, expected, the bad value] */
  const cases: readonly (readonly [string, unknown, Expected, unknown])[] = [
    ['options null', null, { code: 'PERCPU_INVALID_ARGUMENT', argument: 'options' }, null],
    ...[NaN, Infinity, -Infinity, -1, 0, 1.5, 1025, 1e9, '2', 2n, null].map(
      (v) => [`cpus ${String(v)}`, { cpus: v }, { code: 'PERCPU_INVALID_ARGUMENT', argument: 'cpus' }, v] as const,
    ),
    ...[NaN, Infinity, 0, 3, 1.5, '2'].map(
      (v) =>
        [
          `online ${String(v)}`,
          { cpus: 2, online: v },
          { code: 'PERCPU_INVALID_ARGUMENT', argument: 'online' },
          v,
        ] as const,
    ),
    ['online [0, NaN]', { cpus: 2, online: [0, NaN] }, { code: 'PERCPU_INVALID_ARGUMENT', argument: 'online[1]' }, NaN],
    ['online [0.5]', { cpus: 2, online: [0.5] }, { code: 'PERCPU_INVALID_ARGUMENT', argument: 'online[0]' }, 0.5],
    [
      'online [-Infinity]',
      { cpus: 2, online: [-Infinity] },
      { code: 'PERCPU_INVALID_ARGUMENT', argument: 'online[0]' },
      -Infinity,
    ],
    ...[NaN, Infinity, -65536, 24576, 4096, 2 ** 27, '65536'].map(
      (v) =>
        [
          `unitSize ${String(v)}`,
          { cpus: 1, unitSize: v },
          { code: 'PERCPU_INVALID_ARGUMENT', argument: 'unitSize' },
          v,
        ] as const,
    ),
    ...[NaN, -Infinity, 65536.5, 0, 2 ** 33, 3 * 32768, '65536'].map(
      (v) =>
        [
          `areaSize ${String(v)}`,
          { cpus: 1, areaSize: v },
          { code: 'PERCPU_INVALID_ARGUMENT', argument: 'areaSize' },
          v,
        ] as const,
    ),
    ...[NaN, -4, 1.5, 61444, 2 ** 40, Infinity, '8'].map(
      (v) =>
        [
          `reservedSize ${String(v)}`,
          { cpus: 1, reservedSize: v },
          { code: 'PERCPU_INVALID_ARGUMENT', argument: 'reservedSize' },
          v,
        ] as const,
    ),
    ...[NaN, Infinity, 0, -1, 0.5, 2 ** 21, '8'].map(
      (v) =>
        [
          `maxCounters ${String(v)}`,
          { cpus: 1, maxCounters: v },
          { code: 'PERCPU_INVALID_ARGUMENT', argument: 'maxCounters' },
          v,
        ] as const,
    ),
    ...[NaN, Infinity, -1, 0.5, 1_000_001, '200'].map(
      (v) =>
        [
          `requestPollUs ${String(v)}`,
          { cpus: 1, requestPollUs: v },
          { code: 'PERCPU_INVALID_ARGUMENT', argument: 'requestPollUs' },
          v,
        ] as const,
    ),
    [
      'workerResourceLimits "big"',
      { cpus: 1, workerResourceLimits: 'big' },
      { code: 'PERCPU_INVALID_ARGUMENT', argument: 'workerResourceLimits' },
      'big',
    ],
    ...(
      [
        ['maxOldGenerationSizeMb', NaN],
        ['maxYoungGenerationSizeMb', Infinity],
        ['codeRangeSizeMb', 0],
        ['stackSizeMb', -1],
        ['maxOldGenerationSizeMb', '64'],
      ] as const
    ).map(
      ([limit, v]) =>
        [
          `workerResourceLimits.${limit} ${String(v)}`,
          { cpus: 1, workerResourceLimits: { [limit]: v } },
          { code: 'PERCPU_INVALID_ARGUMENT', argument: `workerResourceLimits.${limit}`, says: MB },
          v,
        ] as const,
    ),
    ...['yes', null, 0, 1].map(
      (v) =>
        [
          `robust ${String(v)}`,
          { cpus: 1, robust: v },
          { code: 'PERCPU_INVALID_ARGUMENT', argument: 'robust' },
          v,
        ] as const,
    ),
    [
      'robust.verifyEveryOperation 1',
      { cpus: 1, robust: { verifyEveryOperation: 1 } },
      { code: 'PERCPU_INVALID_ARGUMENT', argument: 'robust.verifyEveryOperation' },
      1,
    ],
    ['logger "pino"', { cpus: 1, logger: 'pino' }, { code: 'PERCPU_INVALID_ARGUMENT', argument: 'logger' }, 'pino'],
    ['statics 5', { cpus: 1, statics: 5 }, { code: 'PERCPU_INVALID_ARGUMENT', argument: 'statics' }, 5],
    [
      "statics { a: 'u128' }",
      { cpus: 1, statics: { a: 'u128' } },
      { code: 'PERCPU_INVALID_ARGUMENT', argument: 'statics.a' },
      'u128',
    ],
    [
      'statics { a: { size: NaN } }',
      { cpus: 1, statics: { a: { size: NaN } } },
      { code: 'PERCPU_INVALID_ARGUMENT', argument: 'statics.a.size' },
      NaN,
    ],
    [
      'statics { a: { size: -1 } }',
      { cpus: 1, statics: { a: { size: -1 } } },
      { code: 'PERCPU_INVALID_ARGUMENT', argument: 'statics.a.size' },
      -1,
    ],
    [
      'statics { a: { size: 4, align: 3 } }',
      { cpus: 1, statics: { a: { size: 4, align: 3 } } },
      { code: 'PERCPU_INVALID_ARGUMENT', argument: 'statics.a.align' },
      3,
    ],
    ['tasks 5', { cpus: 1, tasks: 5 }, { code: 'PERCPU_INVALID_ARGUMENT', argument: 'tasks' }, 5],
    [
      'tasks http:',
      { cpus: 1, tasks: 'http://example.com/tasks.js' },
      { code: 'PERCPU_INVALID_ARGUMENT', argument: 'tasks' },
      'http://example.com/tasks.js',
    ],
  ];

  it.each(cases)(
    '%s → a typed error naming the option and the value; no CPU started',
    async (label, options, expected, value) => {
      const log = captureLogger('info');
      const withLogger =
        options !== null && typeof options === 'object' && !('logger' in options)
          ? { ...options, logger: log.logger }
          : options;
      const error = await outcomeOf(() => Runtime.start(withLogger as RuntimeOptions));
      expectTyped(error, expected, value, label);
      expect(log.count('CPU online')).toBe(0);
    },
  );

  it('statics larger than the first chunk allows are rejected naming `statics`, not an internal name', async () => {
    const statics = { big: { size: 2 ** 20 } };
    const error = await outcomeOf(() => Runtime.start({ cpus: 1, statics }));
    expectTyped(
      error,
      { code: 'PERCPU_INVALID_ARGUMENT', argument: 'statics', says: /at most 61432 bytes.*these take 1048576/ },
      statics,
      'statics',
    );
  });

  it('a tasks module that fails to load is PERCPU_TASKS_LOAD_FAILED naming the module and its error', async () => {
    const log = captureLogger('info');
    const error = await outcomeOf(() => Runtime.start({ cpus: 2, tasks: BROKEN_TASKS, logger: log.logger }));
    expectTyped(error, { code: 'PERCPU_TASKS_LOAD_FAILED', says: 'broken-tasks.js' }, undefined, 'broken tasks');
    expect((error as Error).message).toContain('broken-tasks: this module fails at import');
    expect(log.count('CPU online')).toBe(log.count('CPU offline')); // every CPU started was stopped
  });

  it('any cpus that is not an integer from 1 to 1024 is rejected before a thread starts (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.anything().filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1024)),
        async (cpus) => {
          const error = await outcomeOf(() => Runtime.start({ cpus } as unknown as RuntimeOptions));
          expectTyped(error, { code: 'PERCPU_INVALID_ARGUMENT', argument: 'cpus' }, cpus, 'cpus');
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** The runtime the calls below are thrown at: 3 possible CPUs, 0 and 1 online. */
interface World {
  readonly rt: Runtime<Reliability>;
  readonly loose: Runtime<Untyped>;
  readonly other: Runtime<Reliability>;
  readonly counter: PercpuCounter;
  /** An s32 holding 10 + cpu on each CPU, a u64 holding 2^40 + cpu, a 64-byte area, a reserved one. */
  readonly s32: number;
  readonly u64: number;
  readonly area: number;
  readonly reserved: number;
  /** Freed before the tests; never allocated; live in `other` only. */
  readonly freed: number;
  readonly never: number;
  readonly foreign: number;
  /** Written by the fast-check write property; not part of the snapshot. */
  readonly scratch: number;
}

let world: World;

beforeAll(async () => {
  const logger = captureLogger('info').logger;
  const rt = await Runtime.start<Reliability>({
    cpus: 3,
    online: [0, 1],
    tasks: RELIABILITY_TASKS,
    statics: RELIABILITY_STATICS,
    robust: { verifyEveryOperation: true },
    logger,
  });
  const other = await Runtime.start<Reliability>({ cpus: 1, tasks: RELIABILITY_TASKS, logger });
  const must = (ptr: number | null): number => {
    if (ptr === null) throw new Error('allocation failed');
    return ptr;
  };
  const s32 = must(rt.alloc(4));
  const u64 = must(rt.alloc(8, 8));
  const area = must(rt.alloc(64, 16));
  const reserved = must(rt.alloc(32, 4, { reserved: true }));
  const scratch = must(rt.alloc(8, 8));
  const freed = must(rt.alloc(16));
  rt.free(freed);
  for (let cpu = 0; cpu < 3; cpu++) {
    rt.write(s32, cpu, 's32', 10 + cpu);
    rt.write(u64, cpu, 'u64', 2n ** 40n + BigInt(cpu));
  }
  const counter = rt.counter({ batch: 8 });
  counter.add(-5);
  await rt.runOn(1, 'count', { ptr: s32, times: 0, handle: counter.handle, counterAdds: 3, amount: 2, u64Ptr: u64 });
  // A live area in `other` at an offset where `rt` has nothing.
  must(other.alloc(4096));
  const foreign = must(other.alloc(64));
  world = { rt, loose: rt, other, counter, s32, u64, area, reserved, freed, never: area + 4096, foreign, scratch };
});

afterAll(async () => {
  await Promise.all([world.rt.close(), world.other.close()]);
});

/** Everything a rejected call must leave as it was. */
function snapshot(w: World): unknown {
  const { rt } = w;
  const perCpu = (ptr: number, type: PerCpuType): unknown[] => [0, 1, 2].map((cpu) => rt.read(ptr, cpu, type));
  return {
    s32: perCpu(w.s32, 's32'),
    u64: perCpu(w.u64, 'u64'),
    area: perCpu(w.area, 'u32'),
    counter: [w.counter.read(), w.counter.sum()],
    allocator: rt.stats().allocator,
    cpus: rt.stats().cpus,
    chunks: rt.chunkStats(),
    online: rt.onlineCpus(),
    robust: rt.robustReport(),
  };
}

type Call = (w: World) => unknown;

const CPU_IDS: readonly unknown[] = [NaN, Infinity, -Infinity, -1, 3, 0.5, 2 ** 40, '0', null];
const BAD_SIZES: readonly unknown[] = [NaN, Infinity, -Infinity, -1, 0, 1.5, 65537, 2 ** 53, '8', null, 8n];
const BAD_ALIGNS: readonly unknown[] = [NaN, Infinity, 3, 0, -4, 8192, 0.5, '8'];
const BAD_AMOUNTS: readonly unknown[] = [
  NaN,
  Infinity,
  -Infinity,
  0.5,
  2 ** 53,
  '1',
  2n ** 63n,
  -(2n ** 63n) - 1n,
  null,
];
const BAD_NAMES: readonly unknown[] = ['nope', '', 5, undefined, 'constructor', 'toString'];

const IA = 'PERCPU_INVALID_ARGUMENT' as const;
const FREE = 'PERCPU_INVALID_FREE' as const;

/** [label, call, expected, the bad value] */
const CALLS: readonly (readonly [string, Call, Expected, (w: World) => unknown])[] = [
  ...BAD_SIZES.map(
    (v) =>
      [`alloc(${String(v)})`, (w: World) => w.rt.alloc(v as number), { code: IA, argument: 'size' }, () => v] as const,
  ),
  ...BAD_ALIGNS.map(
    (v) =>
      [
        `alloc(8, ${String(v)})`,
        (w: World) => w.rt.alloc(8, v as number),
        { code: IA, argument: 'align' },
        () => v,
      ] as const,
  ),
  ['alloc(8, 4, "x")', (w) => w.rt.alloc(8, 4, 'x' as never), { code: IA, argument: 'options' }, () => 'x'],
  [
    "alloc(8, 4, { reserved: 'yes' })",
    (w) => w.rt.alloc(8, 4, { reserved: 'yes' as never }),
    { code: IA, argument: 'reserved' },
    () => 'yes',
  ],
  // free: the offset and what is there.
  ...[NaN, Infinity, -Infinity, -4, 1.5, 2 ** 60].map(
    (v) =>
      [`free(${String(v)})`, (w: World) => w.rt.free(v), { code: FREE, says: `offset ${String(v)}` }, () => v] as const,
  ),
  // Not a number: quoted with its type, so that the string '8' does not read as offset 8.
  ['free("8")', (w) => w.rt.free('8' as never), { code: FREE, says: 'offset `"8"` (string)' }, () => '8'],
  [
    'free(undefined)',
    (w) => w.rt.free(undefined as never),
    { code: FREE, says: 'offset `undefined` (undefined)' },
    () => undefined,
  ],
  ['free(never allocated)', (w) => w.rt.free(w.never), { code: FREE, says: /never allocated/ }, (w) => w.never],
  ['free(already freed)', (w) => w.rt.free(w.freed), { code: FREE, says: /already freed/ }, (w) => w.freed],
  [
    'free(interior)',
    (w) => w.rt.free(w.area + 4),
    { code: FREE, says: /inside the allocation that starts at/ },
    (w) => w.area + 4,
  ],
  ['free(unaligned)', (w) => w.rt.free(w.area + 2), { code: FREE, says: /multiples of 4/ }, (w) => w.area + 2],
  [
    'free(static)',
    (w) => w.rt.free(w.rt.staticPtr('rel_ops')),
    { code: FREE, says: /static region/ },
    (w) => w.rt.staticPtr('rel_ops'),
  ],
  ['free(no chunk there)', (w) => w.rt.free(5 * 65536), { code: FREE, says: /holds no allocations/ }, () => 5 * 65536],
  [
    'free(reserved interior)',
    (w) => w.rt.free(w.reserved + 8),
    { code: FREE, says: /inside the allocation/ },
    (w) => w.reserved + 8,
  ],
  [
    'free(an offset of another runtime)',
    (w) => w.rt.free(w.foreign),
    { code: FREE, says: /never allocated/ },
    (w) => w.foreign,
  ],
  // read / write / sum
  ...CPU_IDS.map(
    (v) =>
      [
        `read(s32, cpu ${String(v)})`,
        (w: World) => w.rt.read(w.s32, v as number, 's32'),
        { code: IA, argument: 'cpu' },
        () => v,
      ] as const,
  ),
  ...CPU_IDS.map(
    (v) =>
      [
        `write(s32, cpu ${String(v)})`,
        (w: World) => w.rt.write(w.s32, v as number, 's32', 1),
        { code: IA, argument: 'cpu' },
        () => v,
      ] as const,
  ),
  ...['int', 'S32', '', undefined, 4].map(
    (v) =>
      [
        `read(type ${String(v)})`,
        (w: World) => w.rt.read(w.s32, 0, v as PerCpuType),
        { code: IA, argument: 'type' },
        () => v,
      ] as const,
  ),
  ...[NaN, -4, Infinity, 2 ** 26, '0'].map(
    (v) =>
      [
        `read(ptr ${String(v)})`,
        (w: World) => w.rt.read(v as number, 0, 'u32'),
        { code: IA, argument: 'ptr' },
        () => v,
      ] as const,
  ),
  [
    'read(unaligned)',
    (w) => w.rt.read(w.area + 2, 0, 'u32'),
    { code: 'PERCPU_UNALIGNED_ACCESS', says: /`ptr`.*multiple of 4/ },
    (w) => w.area + 2,
  ],
  ...(
    [
      ['u8', 256],
      ['u8', -1],
      ['s8', 128],
      ['u16', 1.5],
      ['s16', -32769],
      ['u32', Infinity],
      ['u32', -1],
      ['s32', NaN],
      ['s32', 2 ** 31],
      ['u64', 1],
      ['u64', 2n ** 64n],
      ['s64', -(2n ** 63n) - 1n],
      ['f64', '1'],
      ['f64', 1n],
    ] as const
  ).map(
    ([type, v]) =>
      [
        `write(${type}, ${String(v)})`,
        (w: World) => w.rt.write(w.area, 0, type, v as never),
        { code: IA, argument: 'value' },
        () => v,
      ] as const,
  ),
  ['sum(type "x")', (w) => w.rt.sum(w.s32, 'x' as PerCpuType), { code: IA, argument: 'type' }, () => 'x'],
  ['sum(ptr -8)', (w) => w.rt.sum(-8, 's32'), { code: IA, argument: 'ptr' }, () => -8],
  ['sum(s32, 5)', (w) => w.rt.sum(w.s32, 's32', 5 as never), { code: IA, argument: 'options' }, () => 5],
  [
    "sum(s32, { wrap: 'yes' })",
    (w) => w.rt.sum(w.s32, 's32', { wrap: 'yes' as never }),
    { code: IA, argument: 'wrap' },
    () => 'yes',
  ],
  ...['nope', 'toString', 5].map(
    (v) =>
      [
        `staticPtr(${String(v)})`,
        (w: World) => w.rt.staticPtr(v as string),
        { code: IA, argument: 'name' },
        () => v,
      ] as const,
  ),
  ...CPU_IDS.map(
    (v) =>
      [
        `isOnline(${String(v)})`,
        (w: World) => w.rt.isOnline(v as number),
        { code: IA, argument: 'cpu' },
        () => v,
      ] as const,
  ),
  // counters
  ...[NaN, Infinity, 0, -1, 1.5, 2 ** 31, '5'].map(
    (v) =>
      [
        `counter({ batch: ${String(v)} })`,
        (w: World) => w.rt.counter({ batch: v as number }),
        { code: IA, argument: 'batch' },
        () => v,
      ] as const,
  ),
  ['counter(5)', (w) => w.rt.counter(5 as never), { code: IA, argument: 'options' }, () => 5],
  ...BAD_AMOUNTS.map(
    (v) =>
      [
        `counter.add(${String(v)})`,
        (w: World) => w.counter.add(v as number),
        { code: IA, argument: 'amount' },
        () => v,
      ] as const,
  ),
  ...BAD_AMOUNTS.map(
    (v) =>
      [
        `counter.set(${String(v)})`,
        (w: World) => w.counter.set(v as number),
        { code: IA, argument: 'value' },
        () => v,
      ] as const,
  ),
  ...[NaN, '1', 1.5].map(
    (v) =>
      [
        `counter.compare(${String(v)})`,
        (w: World) => w.counter.compare(v as number),
        { code: IA, argument: 'rhs' },
        () => v,
      ] as const,
  ),
  // tasks and CPUs
  ...CPU_IDS.map(
    (v) =>
      [
        `runOn(cpu ${String(v)})`,
        (w: World) => w.rt.runOn(v as number, 'whoAmI'),
        { code: IA, argument: 'cpu' },
        () => v,
      ] as const,
  ),
  [
    'runOn(an offline CPU)',
    (w) => w.rt.runOn(2, 'whoAmI'),
    { code: 'PERCPU_CPU_OFFLINE', says: 'CPU 2 is offline' },
    () => 2,
  ],
  ...BAD_NAMES.map(
    (v) =>
      [
        `runOn(0, name ${String(v)})`,
        (w: World) => w.loose.runOn(0, v as string),
        { code: IA, argument: 'name', says: "'whoAmI'" },
        () => v,
      ] as const,
  ),
  ...BAD_NAMES.map(
    (v) =>
      [
        `runOnEach(name ${String(v)})`,
        (w: World) => w.loose.runOnEach(v as string),
        { code: IA, argument: 'name' },
        () => v,
      ] as const,
  ),
  ...BAD_NAMES.map(
    (v) =>
      [
        `run(name ${String(v)})`,
        (w: World) => w.loose.run(v as string),
        { code: IA, argument: 'name' },
        () => v,
      ] as const,
  ),
  [
    'runOn(0, arg: a function)',
    (w) => w.loose.runOn(0, 'whoAmI', () => 1),
    { code: IA, argument: 'arg', says: 'structured clone' },
    () => undefined,
  ],
  ...CPU_IDS.map(
    (v) =>
      [
        `offline(${String(v)})`,
        (w: World) => w.rt.offline(v as number),
        { code: IA, argument: 'cpu' },
        () => v,
      ] as const,
  ),
  ['offline(an offline CPU)', (w) => w.rt.offline(2), { code: 'PERCPU_CPU_OFFLINE', says: 'CPU 2' }, () => 2],
  ...CPU_IDS.map(
    (v) =>
      [`online(${String(v)})`, (w: World) => w.rt.online(v as number), { code: IA, argument: 'cpu' }, () => v] as const,
  ),
  ['online(an online CPU)', (w) => w.rt.online(1), { code: IA, argument: 'cpu', says: 'an offline CPU' }, () => 1],
  ...CPU_IDS.map(
    (v) =>
      [
        `killCpu(${String(v)})`,
        (w: World) => killCpu(w.rt, v as number),
        { code: IA, argument: 'cpu' },
        () => v,
      ] as const,
  ),
  ['killCpu(an offline CPU)', (w) => killCpu(w.rt, 2), { code: 'PERCPU_CPU_OFFLINE', says: 'CPU 2' }, () => 2],
];

describe('bad calls on a running runtime', () => {
  it.each(CALLS)(
    '%s → a typed error naming the argument and the value; nothing changes',
    async (label, call, expected, value) => {
      const before = snapshot(world);
      const error = await outcomeOf(() => call(world));
      if (expected.argument === 'arg') {
        // The value is a function: the message says what it is instead of quoting it.
        expect(error, label).toBeInstanceOf(PercpuError);
        expect((error as PercpuError).code).toBe(IA);
        expect((error as Error).message).toContain('`arg`');
        expect((error as Error).message).toContain('a value of type function');
      } else {
        expectTyped(error, expected, value(world), label);
      }
      world.rt.verify();
      expect(snapshot(world)).toEqual(before);
      // The CPUs still answer.
      expect(await world.rt.runOnEach('whoAmI')).toEqual(
        new Map([
          [0, 0],
          [1, 1],
        ]),
      );
    },
  );
});

describe('generated bad values (fast-check)', () => {
  const notSafeInt = fc.oneof(
    fc.double().filter((d) => !Number.isSafeInteger(d)),
    fc.string(),
    fc.constant(null),
    fc.boolean(),
    fc.constant(undefined),
  );

  it('alloc: any size that is not an integer from 1 to 65536 is rejected, naming `size`', () => {
    const before = snapshot(world);
    fc.assert(
      fc.property(
        fc
          .oneof(notSafeInt, fc.integer({ max: 0 }), fc.integer({ min: 65537 }), fc.bigInt())
          .filter((v) => v !== undefined),
        (size) => {
          expectTyped(
            outcomeSync(() => world.rt.alloc(size as number)),
            { code: IA, argument: 'size' },
            size,
            'size',
          );
        },
      ),
      { numRuns: 300 },
    );
    world.rt.verify();
    expect(snapshot(world)).toEqual(before);
  });

  it('free: any number that is not a live allocation’s start is PERCPU_INVALID_FREE quoting it', () => {
    const before = snapshot(world);
    const starts = new Set(world.rt.robustReport()!.leaks.map((l) => l.ptr));
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 2 * 65536 }), fc.integer(), fc.double()).filter((v) => !starts.has(v)),
        (offset) => {
          expectTyped(
            outcomeSync(() => world.rt.free(offset)),
            { code: FREE, says: `offset ${offset}` },
            offset,
            'offset',
          );
        },
      ),
      { numRuns: 500 },
    );
    world.rt.verify();
    expect(snapshot(world)).toEqual(before);
  });

  it('write: a value is stored exactly when it fits the type as it is; otherwise `value` is rejected', () => {
    const ranges: Record<Exclude<PerCpuType, 'u64' | 's64' | 'f64'>, readonly [number, number]> = {
      u8: [0, 255],
      s8: [-128, 127],
      u16: [0, 65535],
      s16: [-32768, 32767],
      u32: [0, 2 ** 32 - 1],
      s32: [-(2 ** 31), 2 ** 31 - 1],
    };
    const fits = (type: PerCpuType, v: unknown): boolean => {
      if (type === 'u64') return typeof v === 'bigint' && v >= 0n && v < 2n ** 64n;
      if (type === 's64') return typeof v === 'bigint' && v >= -(2n ** 63n) && v < 2n ** 63n;
      if (type === 'f64') return typeof v === 'number';
      const [min, max] = ranges[type];
      return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
    };
    const before = snapshot(world);
    fc.assert(
      fc.property(
        fc.constantFrom<PerCpuType>('u8', 's8', 'u16', 's16', 'u32', 's32', 'u64', 's64', 'f64'),
        fc.oneof(
          fc.integer({ min: -(2 ** 33), max: 2 ** 33 }),
          fc.double(),
          fc.bigInt({ min: -(2n ** 65n), max: 2n ** 65n }),
          fc.string(),
          fc.constant(null),
        ),
        (type, v) => {
          const outcome = outcomeSync(() => world.rt.write(world.scratch, 0, type, v as never));
          if (fits(type, v)) {
            expect(outcome).toBe(undefined);
            expect(
              Object.is(world.rt.read(world.scratch, 0, type), v) ||
                (v === 0 && world.rt.read(world.scratch, 0, type) === 0),
            ).toBe(true);
          } else {
            expectTyped(outcome, { code: IA, argument: 'value' }, v, `${type} ${String(v)}`);
          }
        },
      ),
      { numRuns: 500 },
    );
    world.rt.verify();
    expect(snapshot(world)).toEqual(before);
  });

  it('CPU ids: anything but an integer from 0 to 2 is rejected by read, write and isOnline, naming `cpu`', () => {
    const before = snapshot(world);
    fc.assert(
      fc.property(
        fc.anything().filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2)),
        (cpu) => {
          for (const call of [
            () => world.rt.read(world.s32, cpu as number, 's32'),
            () => world.rt.write(world.s32, cpu as number, 's32', 0),
            () => world.rt.isOnline(cpu as number),
          ]) {
            const error = outcomeSync(call);
            expect(error).toBeInstanceOf(PercpuError);
            expect(error).toMatchObject({ code: IA, argument: 'cpu' });
            expect(Object.is((error as { value: unknown }).value, cpu)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(snapshot(world)).toEqual(before);
  });

  it('counter.add / set: anything but a safe integer or an s64 bigint is rejected; the count stays', () => {
    const before = snapshot(world);
    fc.assert(
      fc.property(
        fc.oneof(
          notSafeInt,
          fc.bigInt().filter((b) => b < -(2n ** 63n) || b >= 2n ** 63n),
        ),
        (v) => {
          expectTyped(
            outcomeSync(() => world.counter.add(v as number)),
            { code: IA, argument: 'amount' },
            v,
            'amount',
          );
          expectTyped(
            outcomeSync(() => world.counter.set(v as number)),
            { code: IA, argument: 'value' },
            v,
            'value',
          );
        },
      ),
      { numRuns: 300 },
    );
    expect(snapshot(world)).toEqual(before);
  });
});

function outcomeSync(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}
