/**
 * The public surface is a promise: the runtime export names of every entry point in
 * package.json's "exports", written out here. Adding, removing or renaming a public name fails
 * this test, so a change to the surface is a decision made in review, not an accident of an
 * `export *`. (Types are checked by tsc; this covers what exists at run time.)
 *
 * Context: the test runner's thread; imports the built package (dist/) as a user would.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The error classes, the same objects from 'percpu' and 'percpu/cpu'. */
const ERRORS = [
  'ClosedError',
  'CounterDestroyedError',
  'CpuDiedError',
  'CpuFailedError',
  'CpuOfflineError',
  'InsufficientMemoryError',
  'InvalidArgumentError',
  'InvalidFreeError',
  'ListenError',
  'NotOnCpuError',
  'OutOfSpaceError',
  'PercpuError',
  'QueueFullError',
  'TaskAbortedError',
  'TaskFailedError',
  'TaskTimeoutError',
  'TasksLoadError',
  'TooManySeriesError',
  'TracingOffError',
  'UnalignedAccessError',
  'VerifyError',
];

/** Each entry point's runtime names: the errors and the rest (compared sorted). */
const SURFACE: Record<string, readonly string[]> = {
  percpu: [
    ...ERRORS,
    'AREA_GUARD',
    'DEFAULT_AREA_SIZE',
    'DEFAULT_BUCKETS',
    'DEFAULT_MAX_CHILDREN',
    'DEFAULT_UNIT_SIZE',
    'MAX_CPUS',
    'MetricsRegistry',
    'NULL_GUARD',
    'PAGE_SIZE',
    'PERCPU_TYPES',
    'PerCpuMemory',
    'PercpuAllocator',
    'PercpuCounter',
    'Runtime',
    'TYPE_WIDTH',
  ],
  'percpu/cpu': [...ERRORS, 'ThisCpu', 'thisCpu'],
  'percpu/testing': ['killCpu'],
};

const sorted = (names: Iterable<string>): string[] => [...names].sort();

describe('the public surface', () => {
  it('package.json exports exactly these entry points (and package.json)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const entries = Object.keys(pkg.exports).map((key) => (key === '.' ? 'percpu' : `percpu${key.slice(1)}`));
    expect(sorted(entries)).toEqual(sorted([...Object.keys(SURFACE), 'percpu/package.json']));
  });

  it.each(Object.entries(SURFACE))('%s exports exactly the listed names', async (entry, names) => {
    const module = (await import(entry)) as Record<string, unknown>;
    expect(sorted(Object.keys(module))).toEqual(sorted(names));
  });

  it('the errors on a CPU are the same classes as on the coordinator', async () => {
    const main = (await import('percpu')) as Record<string, unknown>;
    const cpu = (await import('percpu/cpu')) as Record<string, unknown>;
    for (const name of ERRORS) expect(cpu[name], name).toBe(main[name]);
  });
});
