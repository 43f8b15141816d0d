/**
 * Nothing lost, nothing handed out twice, when a CPU dies with an allocation or a free in flight.
 *
 * CPU 1 allocates and frees through the coordinator (allocLoop: every outcome recorded by the
 * coordinator in CPU 1's own table through recordAt) and dies, each way a worker can die, with a
 * request of each kind in flight: 'served' (the coordinator has served and recorded it, the reply
 * was never read) or 'posted' (the worker dies right after posting it; the coordinator may serve
 * it before it learns of the death, or drop it). CPU 0 keeps allocating meanwhile. After the death:
 *
 * - verify() holds, and robust mode's verify after every operation never failed;
 * - no leak, nothing lost: the allocator's live areas (with their owners) are exactly the areas in
 *   the CPUs' tables plus the coordinator's own, and stats() agrees;
 * - no double allocation: no two live areas overlap;
 * - the request in flight either completed (recorded in the table and counted as served) or was
 *   cleanly not done (dropped, logged, not counted);
 * - the replacement worker resumes from the table, and at the end every area is freed: 0 live,
 *   no stamp broken.
 *
 * crashes.test.ts covers the undo of an allocation a dying CPU never received without recordAt.
 */
import { describe, expect, it } from 'vitest';
import { CpuDiedError } from 'percpu';
import { killCpu } from 'percpu/testing';
import type { DeathWay } from '../fixtures/reliability-tasks.js';
import { captureLogger, mustAlloc, rejectionOf, trackRuntimes } from '../runtime/helpers.js';
import { type Area, expectDisjoint, liveAreas, sortAreas, startReliability, tableAreas, waitFor } from './helpers.js';

const runtimes = trackRuntimes();

const WAYS: readonly DeathWay[] = ['exit', 'uncaught', 'timer', 'rejection', 'oom', 'kill'];
const CASES = [
  ['alloc', 'served'],
  ['alloc', 'posted'],
  ['free', 'served'],
  ['free', 'posted'],
] as const;

const OPS = 160;
const DIE_AT = 40;
const MAX_SIZE = 600;

describe.each(WAYS)('a CPU that dies by %s while allocating', (way) => {
  it.each(CASES)('with a request to %s in flight (%s): completed or cleanly not done', async (op, inFlight) => {
    const log = captureLogger('debug');
    const rt = await startReliability(runtimes, {
      cpus: 2,
      logger: log.logger,
      robust: { verifyEveryOperation: true },
      workerResourceLimits: { maxOldGenerationSizeMb: 32 },
    });
    const markerPtr = rt.staticPtr('rel_dying');
    const opsPtr = rt.staticPtr('rel_ops');
    const own = mustAlloc(rt, 100);
    const ownArea: Area = { ptr: own, size: 100, by: 'coordinator' };

    const survivor = rt.runOn(0, 'allocLoop', { ops: OPS, seed: 11, maxSize: MAX_SIZE, die: null });
    const dying = rejectionOf(
      rt.runOn(1, 'allocLoop', { ops: OPS, seed: 29, maxSize: MAX_SIZE, die: { at: DIE_AT, way, inFlight, op } }),
    );
    if (way === 'kill') {
      await waitFor(() => rt.read(markerPtr, 1, 'u32') === 1, 'CPU 1 to ask to be killed');
      await killCpu(rt, 1);
    }
    const error = await dying;
    expect(error).toBeInstanceOf(CpuDiedError);
    expect(error).toMatchObject({ cpu: 1, task: 'allocLoop' });

    // The request in flight: completed (served, recorded, counted) or cleanly not done (dropped).
    const opsAtDeath = rt.read(opsPtr, 1, 'u32');
    expect(opsAtDeath).toBeGreaterThanOrEqual(DIE_AT);
    const served = rt.stats().cpus[1]!.allocs + rt.stats().cpus[1]!.frees;
    const dropped = log.count('request dropped: the CPU died before it was served', 1);
    expect(log.count('allocation undone: the CPU died before receiving it', 1)).toBe(0); // recorded: never undone
    if (inFlight === 'served') expect(dropped).toBe(0);
    expect(served).toBe(opsAtDeath + 1 - dropped);
    if (dropped === 0) {
      const requests = log.records().filter((r) => r.cpu === 1 && /^(alloc|free) requested by CPU$/.test(r.msg));
      const last = requests[requests.length - 1]!;
      expect(last.msg).toBe(`${op} requested by CPU`);
      const inTable = tableAreas(rt).some((area) => area.by === 1 && area.ptr === last.ptr);
      // A served allocation is in CPU 1's table; a served free took its area out of it.
      expect(inTable).toBe(op === 'alloc');
    }

    // Right after the death, and again once CPU 0 is done: the tables and the allocator agree.
    const check = (): void => {
      rt.verify();
      const tables = tableAreas(rt);
      expect(liveAreas(rt)).toEqual(sortAreas([...tables, ownArea]));
      expect(rt.stats().allocator.nrCurAlloc).toBe(tables.length + 1);
      expectDisjoint([...tables, ownArea]);
    };
    check();
    expect(await survivor).toMatchObject({ opsDone: OPS });
    check();
    expect(log.count('allocator invariants broken')).toBe(0);
    expect(rt.robustReport()!.writesAfterFree).toEqual([]);

    // The replacement worker resumes from the table and finishes; then everything is freed.
    expect(await rt.runOn(1, 'allocLoop', { ops: OPS, seed: 29, maxSize: MAX_SIZE, die: null })).toMatchObject({
      opsDone: OPS,
    });
    check();
    await rt.runOnEach('releaseTable');
    rt.free(own);
    expect(rt.sum(rt.staticPtr('rel_violations'), 'u32')).toBe(0);
    expect(rt.stats().allocator.nrCurAlloc).toBe(0);
    expect(rt.robustReport()!.leaks).toEqual([]);
    rt.verify();
  });
});
