/**
 * What the runtime costs outside the update path: start-up time and resident memory for 2, 8
 * and 32 possible CPUs, a CPU's allocation round trip, summing counters over all CPUs (section 3);
 * and resident memory per possible CPU with areas reserved but untouched vs written (section 4).
 * Memory and start-up are measured in fresh child processes (probe.ts).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Runtime } from 'percpu';
import { type Summary, summarize } from '../lib/stats.js';
import { median } from '../lib/timing.js';
import type { MemoryResult, Probe, StartupResult } from './probe.js';
import type * as CostTasks from './tasks.js';

export type Mode = 'full' | 'quick';

export interface CostSizes {
  /** Child processes per start-up configuration. */
  readonly startupRepeats: number;
  /** Allocation round trips timed (after 50 untimed). */
  readonly roundTrips: number;
}

export const COST_SIZES: Readonly<Record<Mode, CostSizes>> = {
  quick: { startupRepeats: 3, roundTrips: 500 },
  full: { startupRepeats: 7, roundTrips: 5000 },
};

/** Possible and online CPUs of each start-up configuration. */
export const STARTUP_CONFIGS: readonly { readonly cpus: number; readonly online: number }[] = [
  { cpus: 2, online: 2 },
  { cpus: 8, online: 8 },
  { cpus: 32, online: 2 },
  { cpus: 32, online: 32 },
];

/** Possible CPUs of each memory configuration, and how many of them write first. */
export const MEMORY_CONFIGS: readonly { readonly cpus: number; readonly writers: number }[] = [
  { cpus: 2, writers: 2 },
  { cpus: 8, writers: 2 },
  { cpus: 32, writers: 2 },
  { cpus: 128, writers: 2 },
];

export interface StartupPoint {
  readonly cpus: number;
  readonly online: number;
  readonly repeats: number;
  /** Medians over the child processes. */
  readonly startMs: number;
  readonly closeMs: number;
  readonly rssDelta: number;
  readonly sumOneNs: number;
  readonly sumTenThousandUs: number;
  readonly reservedPerCpu: number;
  readonly runs: readonly StartupResult[];
}

export interface MemoryPoint extends MemoryResult {
  readonly cpus: number;
  readonly writers: number;
}

export interface CostResults {
  readonly mode: Mode;
  readonly seed: number;
  readonly sizes: CostSizes;
  readonly startup: readonly StartupPoint[];
  readonly allocUs: Summary;
  readonly freeUs: Summary;
  /** A task that does nothing, run on one CPU and awaited: the price of any message round trip. */
  readonly taskUs: Summary;
  readonly memory: readonly MemoryPoint[];
  readonly elapsedMs: number;
}

const PROBE = fileURLToPath(new URL('./probe.js', import.meta.url));
const TASKS = fileURLToPath(new URL('./tasks.js', import.meta.url));

function runProbe<T>(probe: Probe): T {
  const out = execFileSync(process.execPath, ['--expose-gc', PROBE, JSON.stringify(probe)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as T;
}

async function roundTrips(n: number): Promise<{ allocUs: Summary; freeUs: Summary; taskUs: Summary }> {
  const rt = await Runtime.start<typeof CostTasks>({ cpus: 2, tasks: TASKS, logger: pino({ level: 'silent' }) });
  try {
    await rt.runOn(0, 'allocRoundTrips', { n: 50 }); // warm-up
    const trips = await rt.runOn(0, 'allocRoundTrips', { n });
    const taskUs: number[] = [];
    for (let i = -20; i < Math.min(n, 1000); i++) {
      const start = process.hrtime.bigint();
      await rt.runOn(0, 'noop');
      if (i >= 0) taskUs.push(Number(process.hrtime.bigint() - start) / 1000);
    }
    return { allocUs: summarize(trips.allocUs), freeUs: summarize(trips.freeUs), taskUs: summarize(taskUs) };
  } finally {
    await rt.close();
  }
}

export async function runCostSuite(
  mode: Mode,
  seed: number,
  sizes: CostSizes,
  log: (line: string) => void,
): Promise<CostResults> {
  const started = process.hrtime.bigint();
  const startup: StartupPoint[] = [];
  for (const config of STARTUP_CONFIGS) {
    const runs: StartupResult[] = [];
    for (let i = 0; i < sizes.startupRepeats; i++) runs.push(runProbe<StartupResult>({ kind: 'startup', ...config }));
    startup.push({
      ...config,
      repeats: runs.length,
      startMs: median(runs.map((r) => r.startMs)),
      closeMs: median(runs.map((r) => r.closeMs)),
      rssDelta: median(runs.map((r) => r.rssStarted - r.rssBefore)),
      sumOneNs: median(runs.map((r) => r.sumOneNs)),
      sumTenThousandUs: median(runs.map((r) => r.sumTenThousandUs)),
      reservedPerCpu: runs[0]?.reservedPerCpu ?? NaN,
      runs,
    });
    log(`costs: start-up of ${config.cpus} possible / ${config.online} online CPUs measured`);
  }
  const trips = await roundTrips(sizes.roundTrips);
  log('costs: allocation round trips measured');
  const memory: MemoryPoint[] = MEMORY_CONFIGS.map((config) => ({
    ...config,
    ...runProbe<MemoryResult>({ kind: 'memory', ...config, seed }),
  }));
  log('costs: memory per possible CPU measured');
  return { mode, seed, sizes, startup, ...trips, memory, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 };
}
