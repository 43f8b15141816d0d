/**
 * An adversarial review of the metrics (issue #12), with real workers: label sets first used on
 * several CPUs while scrapes run, remove()/reset() racing CPUs, a worker killed at each step of
 * the staging protocol, caps reached on several CPUs, histogram edge values, gauges' aggregates,
 * label values that need escaping, a scrape during close(), prom-client's registry beside ours.
 * Counts must be exact, counters never go backwards, and promtool must accept the exposition.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { killCpu } from 'percpu/testing';
import { CpuDiedError, InvalidArgumentError, TooManySeriesError } from 'percpu';
import { rejectionOf, trackRuntimes } from '../runtime/helpers.js';
import type * as Tasks from '../fixtures/adversarial-metric-tasks.js';
import { sampleKeys, sampleValue } from './helpers.js';

const TASKS = new URL('../../dist/test/fixtures/adversarial-metric-tasks.js', import.meta.url);
type TaskModule = typeof Tasks;
const tracker = trackRuntimes();
const start = (cpus = 2) => tracker.start<TaskModule>({ cpus, tasks: TASKS });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** promtool check metrics on `text`: its exit status and output (0: no finding). */
function promtool(text: string): { status: number; output: string } {
  try {
    return { status: 0, output: execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' }) };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

describe('maxChildren', () => {
  it('lets a second CPU use a label set that already exists when the metric is at its cap', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'capped_total', help: 'c', labelNames: ['k'], maxChildren: 3 });
    const first = await rt.runOn(0, 'incEach', { handle: c.handle, label: 'k', values: ['a', 'b', 'c'] });
    expect(first.name).toBe('none');
    await rt.runOn(0, 'idle', { ms: 30 });
    expect(c.size).toBe(3);
    // CPU 1 counts into the same three label sets: none is new, so the cap does not apply.
    const second = await rt.runOn(1, 'incEach', { handle: c.handle, label: 'k', values: ['a', 'b', 'c'] });
    expect(second).toEqual({ done: 3, name: 'none', code: undefined });
    // A fourth label set is refused, on the CPU as on the coordinator.
    const fourth = await rt.runOn(1, 'incEach', { handle: c.handle, label: 'k', values: ['d'] });
    expect(fourth).toMatchObject({ done: 0, name: 'TooManySeriesError' });
    expect(() => c.inc({ k: 'd' })).toThrow(TooManySeriesError);
    for (const k of ['a', 'b', 'c']) expect(c.get(k)).toBe(2n);
    expect(c.size).toBe(3);
  });
});

describe('label values', () => {
  it('refuses a lone surrogate (it cannot be written as UTF-8): no two series with one label set', async () => {
    const rt = await start();
    const c = rt.metrics().counter({ name: 'u_total', help: 'u', labelNames: ['k'] });
    expect(() => c.inc({ k: 'x\uD800' })).toThrow(InvalidArgumentError);
    const onCpu = await rt.runOn(0, 'incEach', { handle: c.handle, label: 'k', values: ['x\uD800'] });
    expect(onCpu).toMatchObject({ done: 0, name: 'InvalidArgumentError' });
    expect(c.size).toBe(0);
    const keys = sampleKeys(await rt.metrics().text());
    expect(new Set(keys).size).toBe(keys.length);
  });
});
