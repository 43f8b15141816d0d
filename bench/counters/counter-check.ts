/**
 * What the destroyed-counter check costs on the percpu_counter add path: inc() and add(3) with
 * the check (thisCpu.counter) and without it (the path as it was before, counter-check-tasks.ts),
 * on one CPU (one worker), same counter, same run, variants interleaved round by round; the
 * median of the rounds in ns per operation. Two batches: the default (32 at one CPU: a fold every
 * 32 incs, 11 adds of 3) and 2^30 (no fold: the add path alone).
 *
 *   npm run build && node dist/bench/counters/counter-check.js [--n=20000000] [--rounds=9]
 *
 * Context: the coordinator (main thread); the loops run on CPU 0's worker.
 */
import { Runtime } from 'percpu';
import { intFlag } from '../lib/args.js';
import { median } from '../lib/timing.js';
import type * as Tasks from './counter-check-tasks.js';

const TASKS = new URL('./counter-check-tasks.js', import.meta.url);
const VARIANTS = ['uncheckedInc', 'checkedInc', 'uncheckedAdd', 'checkedAdd'] as const;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const n = intFlag(argv, 'n', 20_000_000);
  const rounds = intFlag(argv, 'rounds', 9);
  const rt = await Runtime.start<typeof Tasks>({ cpus: 1, tasks: TASKS });
  try {
    console.log(
      `percpu_counter add path, 1 CPU, ${n.toLocaleString('en-US')} ops a round, median of ${rounds} rounds (ns/op)`,
    );
    console.log(`node ${process.version}`);
    console.log('batch        op      unchecked  checked  difference');
    for (const batch of [32, 2 ** 30]) {
      const counter = rt.counter({ batch });
      const ns: Record<(typeof VARIANTS)[number], number[]> = {
        uncheckedInc: [],
        checkedInc: [],
        uncheckedAdd: [],
        checkedAdd: [],
      };
      // One warm-up round per variant, not counted.
      for (const variant of VARIANTS) await rt.runOn(0, variant, { handle: counter.handle, n });
      for (let round = 0; round < rounds; round++) {
        for (const variant of VARIANTS)
          ns[variant].push((await rt.runOn(0, variant, { handle: counter.handle, n })) / n);
      }
      const expected = BigInt((1 + rounds) * n * 2 + (1 + rounds) * n * 2 * 3);
      if (counter.sum() !== expected) throw new Error(`lost counts: sum ${counter.sum()}, expected ${expected}`);
      for (const op of ['Inc', 'Add'] as const) {
        const before = median(ns[`unchecked${op}`]);
        const after = median(ns[`checked${op}`]);
        const name = op === 'Inc' ? 'inc()' : 'add(3)';
        console.log(
          `${String(batch).padEnd(12)} ${name.padEnd(7)} ${before.toFixed(2).padStart(9)}  ${after.toFixed(2).padStart(7)}  ${(after - before >= 0 ? '+' : '') + (after - before).toFixed(2)}`,
        );
      }
      counter.destroy();
    }
  } finally {
    await rt.close();
  }
}

await main();
