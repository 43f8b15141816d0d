/**
 * Shared helpers of the reliability tests (not a test file itself): the compiled tasks module of
 * test/fixtures/reliability-tasks.ts, a runtime started with its static variables, and readers of
 * what the CPUs' allocation tables and the allocator hold, to compare the two.
 */
import { expect } from 'vitest';
import type { Runtime } from 'percpu';
import { RELIABILITY_STATICS, SLOT_BYTES, TABLE_SLOTS } from '../fixtures/reliability-tasks.js';
import type * as ReliabilityTasks from '../fixtures/reliability-tasks.js';
import type { StartOptions, Tracker } from '../runtime/helpers.js';

export const RELIABILITY_TASKS = new URL('../../dist/test/fixtures/reliability-tasks.js', import.meta.url);

/** The tasks of reliability-tasks.ts, for typed runOn / runOnEach calls. */
export type Reliability = typeof ReliabilityTasks;

/** Starts a runtime (closed by the tracker's afterEach) with the reliability tasks and statics. */
export function startReliability(runtimes: Tracker, options: StartOptions): Promise<Runtime<Reliability>> {
  return runtimes.start<Reliability>({ statics: RELIABILITY_STATICS, ...options, tasks: RELIABILITY_TASKS });
}

/** An area as the coordinator or a CPU's table knows it. */
export interface Area {
  readonly ptr: number;
  readonly size: number;
  /** 'coordinator', 'counter' or a CPU id. */
  readonly by: string | number;
}

/** The live areas recorded in every possible CPU's allocation table (allocLoop's rel_table). */
export function tableAreas(rt: Runtime<Reliability>): Area[] {
  const base = rt.staticPtr('rel_table');
  const areas: Area[] = [];
  for (let cpu = 0; cpu < rt.cpus; cpu++) {
    for (let slot = 0; slot < TABLE_SLOTS; slot++) {
      const at = base + SLOT_BYTES * slot;
      const ptr = rt.read(at, cpu, 'u32');
      if (ptr !== 0) areas.push({ ptr, size: rt.read(at + 4, cpu, 'u32'), by: cpu });
    }
  }
  return sortAreas(areas);
}

/** The allocator's live areas with their owners, from robust mode's report. */
export function liveAreas(rt: Runtime<Reliability>): Area[] {
  const report = rt.robustReport();
  if (report === null) throw new Error('robust mode is off: the runtime does not track owners');
  return sortAreas(
    report.leaks.map((leak) => ({
      ptr: leak.ptr,
      size: leak.size,
      by: typeof leak.allocatedBy === 'string' ? leak.allocatedBy : leak.allocatedBy.cpu,
    })),
  );
}

export function sortAreas(areas: readonly Area[]): Area[] {
  return [...areas].sort((a, b) => a.ptr - b.ptr);
}

/** No two areas share a byte (sizes as allocated: rounded up to 4). */
export function expectDisjoint(areas: readonly Area[]): void {
  const sorted = sortAreas(areas);
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1]!;
    const end = before.ptr + Math.ceil(before.size / 4) * 4;
    expect(
      end,
      `area at ${before.ptr} (${before.size} bytes, by ${before.by}) overlaps the one at ${sorted[i]!.ptr}`,
    ).toBeLessThanOrEqual(sorted[i]!.ptr);
  }
}

/** Polls `condition` every 2 ms until it holds; fails after `ms`. */
export async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
}
