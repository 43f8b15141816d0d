/**
 * The trace benchmark: ns per event against one clock read and against log lines (same worker,
 * same run), the coordinator's drain rate against two CPUs writing flat out and paced, and what
 * tracing costs on the paths it hooks into, on and off.
 *
 *   node dist/bench/run.js --only=trace [--full] [--baseline=/tmp/percpu-base]
 *
 * --baseline: a build from before tracing (bench/trace/baseline.sh makes it), to show that the
 * hooked paths with tracing off cost what they cost without the hooks.
 *
 * Context: the benchmark's main thread (and the CPUs' workers, bench/trace/tasks.ts).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Runtime } from 'percpu';
import { median } from '../lib/timing.js';
import type * as TraceTasks from './tasks.js';
import type { PerEventRound } from './tasks.js';
import type { PathProbe } from './path-probe.js';

const TASKS = new URL('./tasks.js', import.meta.url);

export type Mode = 'full' | 'quick';

export interface TraceSizes {
  readonly rounds: number;
  readonly events: number;
  readonly lines: number;
  readonly drainMs: number;
  readonly pathRepeats: number;
}

export const TRACE_SIZES: Readonly<Record<Mode, TraceSizes>> = {
  quick: { rounds: 5, events: 1_000_000, lines: 2_000, drainMs: 300, pathRepeats: 5 },
  full: { rounds: 11, events: 5_000_000, lines: 10_000, drainMs: 1000, pathRepeats: 7 },
};

export interface DrainPoint {
  /** Events a CPU was asked to write per millisecond (0: flat out). */
  readonly perMs: number;
  /** How a paced CPU waits between events: spinning (busy) or sleeping to the next millisecond. */
  readonly pace: 'spin' | 'sleep';
  readonly ms: number;
  readonly written: number;
  readonly drained: number;
  readonly lost: number;
  /** Events per second both CPUs wrote, and the coordinator drained. */
  readonly writeRate: number;
  readonly drainRate: number;
  /** ns the coordinator spent per drained event inside drain(). */
  readonly drainNsPerEvent: number;
}

export interface PathPoint {
  readonly path: string;
  readonly unit: string;
  /** The build from before tracing (bench/trace/baseline.sh), or null when not measured. */
  readonly base: number | null;
  readonly off: number;
  readonly on: number;
}

export interface TraceResults {
  readonly mode: Mode;
  readonly sizes: TraceSizes;
  readonly rounds: readonly PerEventRound[];
  readonly medians: PerEventRound;
  readonly drain: readonly DrainPoint[];
  readonly paths: readonly PathPoint[];
}

const silent = () => pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));

async function perEventRounds(sizes: TraceSizes): Promise<PerEventRound[]> {
  const rt = await Runtime.start<typeof TraceTasks>({
    cpus: 1,
    tasks: TASKS,
    logger: silent(),
    trace: { bufferSize: 1024 * 1024 },
  });
  try {
    const drainer = setInterval(() => rt.trace.drain(), 5);
    try {
      return await rt.runOn(0, 'perEvent', { n: sizes.events, logN: sizes.lines, rounds: sizes.rounds });
    } finally {
      clearInterval(drainer);
    }
  } finally {
    await rt.close();
  }
}

/** Two CPUs write for `ms` while the coordinator drains as fast as it can. */
async function drainPoint(perMs: number, pace: 'spin' | 'sleep', ms: number): Promise<DrainPoint> {
  const rt = await Runtime.start<typeof TraceTasks>({ cpus: 2, tasks: TASKS, logger: silent(), trace: {} });
  try {
    let done = false;
    let drained = 0;
    let drainNs = 0;
    const loop = (async () => {
      while (!done) {
        const start = process.hrtime.bigint();
        drained += rt.trace.drain().length;
        drainNs += Number(process.hrtime.bigint() - start);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const started = performance.now();
    await rt.runOnEach('writeFor', { ms, perMs, pace });
    const seconds = (performance.now() - started) / 1000;
    done = true;
    await loop;
    drained += rt.trace.drain().filter((e) => e.seq !== null).length;
    const stats = rt.trace.stats();
    const written = stats.reduce((s, c) => s + c.written, 0);
    return {
      perMs,
      pace,
      ms,
      written,
      drained: stats.reduce((s, c) => s + c.drained, 0),
      lost: stats.reduce((s, c) => s + c.lost, 0),
      writeRate: written / seconds,
      drainRate: stats.reduce((s, c) => s + c.drained, 0) / seconds,
      drainNsPerEvent: drained === 0 ? 0 : drainNs / drained,
    };
  } finally {
    await rt.close();
  }
}

/** One probe in a fresh process (path-probe.ts) of the build under `root`. */
function probe(root: string, trace: 'on' | 'off'): PathProbe {
  const out = execFileSync(process.execPath, [join(root, 'dist/bench/trace/path-probe.js'), trace], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as PathProbe;
}

function pathCosts(repeats: number, baseline: string | null): PathPoint[] {
  const here = fileURLToPath(new URL('../../..', import.meta.url));
  const runs: Record<'base' | 'off' | 'on', PathProbe[]> = { base: [], off: [], on: [] };
  // Interleaved, so drift in the machine's load hits every variant alike.
  for (let r = 0; r < repeats; r++) {
    if (baseline !== null) runs.base.push(probe(baseline, 'off'));
    runs.off.push(probe(here, 'off'));
    runs.on.push(probe(here, 'on'));
  }
  const med = (list: PathProbe[], key: keyof PathProbe): number | null =>
    list.length === 0 ? null : median(list.map((x) => x[key]));
  const point = (path: string, unit: string, key: keyof PathProbe): PathPoint => ({
    path,
    unit,
    base: med(runs.base, key),
    off: med(runs.off, key)!,
    on: med(runs.on, key)!,
  });
  return [
    point('task round trip (runOn of an empty task)', 'µs', 'taskUs'),
    point('thisCpu.alloc(16) + free, awaited', 'ns', 'allocNs'),
    point('percpu_counter add, batch 1 (a fold each)', 'ns', 'foldNs'),
  ];
}

export async function runTraceSuite(
  mode: Mode,
  baseline: string | null,
  log: (line: string) => void,
): Promise<TraceResults> {
  const sizes = TRACE_SIZES[mode];
  log(`trace: per event, ${sizes.rounds} rounds of ${sizes.events} events and ${sizes.lines} lines in one worker`);
  const rounds = await perEventRounds(sizes);
  const key = <K extends keyof PerEventRound>(k: K): number => median(rounds.map((r) => r[k]));
  const medians: PerEventRound = {
    clockNs: key('clockNs'),
    traceNs: key('traceNs'),
    trace4Ns: key('trace4Ns'),
    logNs: key('logNs'),
    logSustainedNs: key('logSustainedNs'),
    postNs: key('postNs'),
    pinoNs: key('pinoNs'),
  };
  log('trace: drain rate against two CPUs writing, flat out and paced');
  const drain: DrainPoint[] = [];
  drain.push(await drainPoint(0, 'spin', sizes.drainMs));
  for (const pace of ['sleep', 'spin'] as const)
    for (const perMs of [250, 500, 1000, 2000, 4000]) drain.push(await drainPoint(perMs, pace, sizes.drainMs));
  log(
    `trace: the hooked paths with tracing off and on${baseline !== null ? `, and before tracing (${baseline})` : ''}`,
  );
  const paths = pathCosts(sizes.pathRepeats, baseline);
  return { mode, sizes, rounds, medians, drain, paths };
}

/** The results as text (the report's lines, also printed). */
export function formatTraceResults(r: TraceResults): string {
  const m = r.medians;
  const lines = [
    `Per event (one worker, medians of ${r.rounds.length} rounds; ${r.sizes.events.toLocaleString('en-US')} events, ${r.sizes.lines.toLocaleString('en-US')} lines a round)`,
    `  performance.now()                      ${m.clockNs.toFixed(1)} ns`,
    `  thisCpu.trace(name, i)                 ${m.traceNs.toFixed(1)} ns   ${(m.traceNs / m.clockNs).toFixed(2)}x the clock read (target <= 2x)`,
    `  thisCpu.trace(name, i, i, i, i)        ${m.trace4Ns.toFixed(1)} ns   ${(m.trace4Ns / m.clockNs).toFixed(2)}x the clock read`,
    `  thisCpu.log.info, bursts in the ring   ${m.logNs.toFixed(0)} ns   an event is ${(m.logNs / m.traceNs).toFixed(1)}x cheaper (target >= 15x)`,
    `  thisCpu.log.info, sustained            ${m.logSustainedNs.toFixed(0)} ns   an event is ${(m.logSustainedNs / m.traceNs).toFixed(1)}x cheaper`,
    `  pino + postMessage (the old log path)  ${m.postNs.toFixed(0)} ns   an event is ${(m.postNs / m.traceNs).toFixed(1)}x cheaper`,
    `  pino to /dev/null in the worker        ${m.pinoNs.toFixed(0)} ns   an event is ${(m.pinoNs / m.traceNs).toFixed(1)}x cheaper`,
    '',
    'Drain: two CPUs writing into rings of the default size (1 MiB, 16,384 events each, overwrite) while the coordinator drains in a loop',
    '  asked per CPU                 written/s     drained/s     lost        drain ns/event',
    ...r.drain.map(
      (d) =>
        `  ${(d.perMs === 0 ? 'flat out' : `${(d.perMs * 1000).toLocaleString('en-US')}/s, ${d.pace === 'spin' ? 'spinning' : 'sleeping'}`).padEnd(27)} ${Math.round(d.writeRate).toLocaleString('en-US').padStart(12)}  ${Math.round(d.drainRate).toLocaleString('en-US').padStart(12)}  ${d.lost.toLocaleString('en-US').padStart(10)} (${((100 * d.lost) / Math.max(d.written, 1)).toFixed(1)}%)  ${d.drainNsPerEvent.toFixed(0)}`,
    ),
    '',
    `Hooked paths (medians of ${r.sizes.pathRepeats} fresh processes each, interleaved): before tracing, tracing off, tracing on`,
    ...r.paths.map((p) => {
      const f = (v: number): string => `${v.toFixed(p.unit === 'µs' ? 1 : 1)} ${p.unit}`;
      const vs = (v: number, ref: number): string => `${(((v - ref) / ref) * 100).toFixed(1)}%`;
      const base = p.base === null ? 'before: not measured' : `before ${f(p.base)}`;
      return `  ${p.path.padEnd(44)} ${base}, off ${f(p.off)}${p.base === null ? '' : ` (${vs(p.off, p.base)})`}, on ${f(p.on)} (${vs(p.on, p.off)} vs off)`;
    }),
  ];
  return lines.join('\n');
}
