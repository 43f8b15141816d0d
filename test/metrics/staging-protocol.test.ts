/**
 * The staging protocol, white-box: slots written into a CPU's unit as a worker would leave them
 * when it dies (PENDING, never seen by the coordinator; RESOLVED, never retired), and what the
 * coordinator and the CPU's next worker make of them: every count in its series, once.
 */
import { describe, expect, it } from 'vitest';
import { encodeKey } from '../../src/metrics/labels.js';
import {
  H_EVENTS,
  KEY_BYTES,
  SLOT_FREE,
  SLOT_KEY_BYTE,
  SLOT_PENDING,
  SLOT_RECORD_BYTE,
  SLOT_RESOLVED,
  S_KEY_BYTES,
  S_STATE,
  slotByte,
} from '../../src/metrics/layout.js';
import { trackRuntimes } from '../runtime/helpers.js';
import { METRIC_TASKS, type MetricTaskModule } from './helpers.js';

const tracker = trackRuntimes();

/** Writes a staged slot into CPU `cpu`'s unit as its worker would, with `count` in its record. */
function stage(
  rt: { memory: { views: readonly { u8: Uint8Array; u32: Uint32Array; s32: Int32Array; u64: BigUint64Array }[] } },
  staging: number,
  cpu: number,
  slot: number,
  key: string,
  count: bigint,
  ring: boolean,
): number {
  const v = rt.memory.views[cpu]!;
  const start = staging + slotByte(8, slot);
  v.u32[start / 4 + S_KEY_BYTES] = encodeKey(
    key,
    v.u8.subarray(start + SLOT_KEY_BYTE, start + SLOT_KEY_BYTE + KEY_BYTES),
  );
  v.u64[(start + SLOT_RECORD_BYTE) / 8] = count;
  Atomics.store(v.s32, start / 4 + S_STATE, SLOT_PENDING);
  if (ring) Atomics.add(v.s32, staging / 4 + H_EVENTS, 1);
  return start / 4 + S_STATE;
}

describe('staging slots a dead worker left', () => {
  it('counts a PENDING slot the coordinator never saw, and a RESOLVED one never retired, once each', async () => {
    const rt = await tracker.start<MetricTaskModule>({ cpus: 2, online: [0], tasks: METRIC_TASKS });
    const c = rt.metrics().counter({ name: 'hits_total', help: 'hits', labelNames: ['route'] });
    const { staging } = c.handle;
    // CPU 1 (offline: no worker writes its unit) "left" two slots.
    const resolved = stage(rt, staging, 1, 0, '/resolved', 5n, true);
    // A scrape resolves what the events word announced, and shows it at once.
    expect(c.get('/resolved')).toBe(5n);
    expect(Atomics.load(rt.memory.views[1]!.s32, resolved)).toBe(SLOT_RESOLVED);
    const pending = stage(rt, staging, 1, 1, '/pending', 7n, false);
    expect(c.get('/resolved')).toBe(5n);
    expect(Atomics.load(rt.memory.views[1]!.s32, pending)).toBe(SLOT_PENDING); // not announced: not seen
    expect(c.size).toBe(1);
    // CPU 1's next worker attaches the metric: it retires both slots (nobody writes them), the
    // coordinator folds them, resolving the PENDING one's key first.
    await rt.online(1);
    await rt.runOn(1, 'countRoutes', { handle: c.handle, routes: ['/resolved', '/pending'], times: 10 });
    await rt.runOn(1, 'idle', { ms: 30 });
    expect(c.get('/resolved')).toBe(15n);
    expect(c.get('/pending')).toBe(17n);
    expect(c.size).toBe(2);
    const text = await rt.metrics().text();
    expect(text.split('\n').filter((l) => l.startsWith('hits_total{route="/pending"}'))).toEqual([
      'hits_total{route="/pending"} 17',
    ]);
    // Both slots are free again.
    expect(Atomics.load(rt.memory.views[1]!.s32, resolved)).toBe(SLOT_FREE);
    expect(Atomics.load(rt.memory.views[1]!.s32, pending)).toBe(SLOT_FREE);
  });

  it('folds the slots of a CPU taken offline while they were pending', async () => {
    const rt = await tracker.start<MetricTaskModule>({ cpus: 2, tasks: METRIC_TASKS });
    const c = rt.metrics().counter({ name: 'hits_total', help: 'hits', labelNames: ['route'] });
    await rt.runOn(1, 'countRoutes', { handle: c.handle, routes: ['/a'], times: 3 });
    await rt.offline(1);
    // Written after CPU 1 went offline, as a worker killed mid-update would have left it.
    stage(rt, c.handle.staging, 1, 3, '/late', 4n, false);
    await rt.online(1);
    await rt.offline(1); // the runtime's hook folds CPU 1's slots as its worker goes
    expect(c.get('/late')).toBe(4n);
    expect(c.get('/a')).toBe(3n);
  });
});
