/**
 * Per update, in one worker: percpu's bound child inc() against the limit (a plain Int32Array
 * ++) and prom-client's child inc(); inc({ route }) against prom-client's; a histogram child's
 * observe() against prom-client's. Then aggregate updates at 2 CPUs against 1.
 *
 * Context: the coordinator (the loops run on CPUs, tasks.ts).
 */
import { Runtime } from 'percpu';
import { median } from '../lib/timing.js';
import { BARRIER_ARRIVED, BARRIER_RELEASE } from '../counters/model.js';
import type * as Tasks from './tasks.js';
import type { UpdateVariant } from './tasks.js';

const TASKS = new URL('./tasks.js', import.meta.url);

export interface UpdateSizes {
  readonly rounds: number;
  readonly n: number;
  readonly slowN: number;
  readonly scalingN: number;
  readonly scalingRounds: number;
}

export interface UpdateResults {
  /** Median ns per update over the rounds, and every round's. */
  readonly nsPerOp: Record<UpdateVariant, number>;
  readonly rounds: Record<UpdateVariant, number[]>;
  /**
   * Aggregate updates per second of a bound child's inc() at 1 and 2 CPUs (medians of the rounds)
   * and their ratio; `rounds` has every round's pair (other jobs on the host slow some).
   */
  readonly scaling: {
    readonly oneCpu: number;
    readonly twoCpus: number;
    readonly ratio: number;
    readonly rounds: readonly (readonly [number, number])[];
    /** The same rounds of the control loop (an unshared Int32Array in the same workers): what the host gave. */
    readonly control: readonly (readonly [number, number])[];
  };
}

export async function runUpdates(sizes: UpdateSizes, log: (line: string) => void): Promise<UpdateResults> {
  const rt = await Runtime.start<typeof Tasks>({ cpus: 2, tasks: TASKS });
  try {
    const m = rt.metrics();
    const counter = m.counter({ name: 'upd_plain_total', help: 'plain' });
    const labelled = m.counter({ name: 'upd_requests_total', help: 'requests', labelNames: ['route'] });
    const histogram = m.histogram({ name: 'upd_latency_seconds', help: 'latency', labelNames: ['route'] });
    const rounds = {} as Record<UpdateVariant, number[]>;
    let promOps = 0;
    for (let r = 0; r < sizes.rounds; r++) {
      const round = await rt.runOn(0, 'updateRound', {
        counter: counter.handle,
        labelled: labelled.handle,
        histogram: histogram.handle,
        n: sizes.n,
        slowN: sizes.slowN,
      });
      for (const [variant, { ns }] of Object.entries(round) as [UpdateVariant, { ns: number }][])
        (rounds[variant] ??= []).push(ns);
      promOps += sizes.slowN;
      log(
        `metrics updates: round ${r + 1}/${sizes.rounds}: child ${round.percpuChild.ns.toFixed(2)} ns, limit ${round.limit.ns.toFixed(2)} ns`,
      );
    }
    // Every update counted, percpu's and prom-client's alike.
    const check = (what: string, got: bigint | number, want: number): void => {
      if (BigInt(got) !== BigInt(want)) throw new Error(`metrics updates: ${what} counted ${got}, expected ${want}`);
    };
    check('percpu child', counter.get(), sizes.rounds * sizes.n);
    let labelledTotal = 0n;
    for (let i = 0; i < 8; i++) labelledTotal += labelled.get(`/${'abcdefgh'[i]}`);
    check('percpu inc({ route })', labelledTotal, sizes.rounds * sizes.slowN);
    const prom = await rt.runOn(0, 'promUpdateTotals');
    check('prom-client child + inc({ route })', prom.counter, 2 * promOps);
    check('prom-client observe', prom.histogramCount, promOps);
    const nsPerOp = Object.fromEntries(Object.entries(rounds).map(([v, list]) => [v, median(list)])) as Record<
      UpdateVariant,
      number
    >;

    const scalingCounter = m.counter({ name: 'upd_scaling_total', help: 'scaling' });
    const rate = async (cpus: number[], control = false): Promise<number> => {
      const barrier = new SharedArrayBuffer(8);
      const words = new Int32Array(barrier);
      const results = Promise.all(
        cpus.map((cpu) =>
          control
            ? rt.runOn(cpu, 'scalingControl', { n: sizes.scalingN, barrier })
            : rt.runOn(cpu, 'scalingLoop', { handle: scalingCounter.handle, n: sizes.scalingN, barrier }),
        ),
      );
      // Atomics.load / store: release every CPU at once when all have arrived.
      while (Atomics.load(words, BARRIER_ARRIVED) < cpus.length) await new Promise((resolve) => setImmediate(resolve));
      Atomics.store(words, BARRIER_RELEASE, 1);
      const spans = await results;
      const start = spans.reduce((min, s) => (s.startNs < min ? s.startNs : min), spans[0]!.startNs);
      const end = spans.reduce((max, s) => (s.endNs > max ? s.endNs : max), spans[0]!.endNs);
      return (cpus.length * sizes.scalingN) / (Number(end - start) / 1e9);
    };
    const one: number[] = [];
    const two: number[] = [];
    const control: [number, number][] = [];
    for (let r = 0; r < sizes.scalingRounds; r++) {
      one.push(await rate([0]));
      two.push(await rate([0, 1]));
      control.push([await rate([0], true), await rate([0, 1], true)]);
    }
    check('percpu scaling', scalingCounter.get(), sizes.scalingRounds * 3 * sizes.scalingN);
    const oneCpu = median(one);
    const twoCpus = median(two);
    return {
      nsPerOp,
      rounds,
      scaling: { oneCpu, twoCpus, ratio: twoCpus / oneCpu, rounds: one.map((o, i) => [o, two[i]!] as const), control },
    };
  } finally {
    await rt.close();
  }
}
