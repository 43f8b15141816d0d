/**
 * The update path, measured in one run: percpu's thisCpu increment against a plain unshared
 * Int32Array in the same worker, one CPU against two, and against two threads on one shared
 * Atomics.add counter; plus the round trip of a CPU's allocation request.
 *
 * Each variant runs `rounds` times, interleaved, and reports its median.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Runtime } from 'percpu';
import type * as UpdateTasks from './update-tasks.js';
import type { LoopResult } from './update-tasks.js';

export interface UpdatePathOptions {
  /** Updates per loop. */
  readonly n: number;
  readonly rounds: number;
  /** Allocation round trips to time. */
  readonly roundTrips: number;
}

export interface UpdatePathResult {
  readonly n: number;
  readonly rounds: number;
  /** Median ns per update, one CPU. */
  readonly plainInt32Ns: number;
  readonly refIncNs: number;
  readonly cellIncNs: number;
  readonly genericIncNs: number;
  /** Aggregate updates per second. */
  readonly refOneCpuOps: number;
  readonly refTwoCpuOps: number;
  readonly sharedAtomicTwoCpuOps: number;
  /** Ratios with their targets. */
  readonly refVsPlain: number;
  readonly cellVsPlain: number;
  readonly twoVsOneCpu: number;
  readonly refVsSharedAtomic: number;
  /** CPU allocation request round trip, microseconds. */
  readonly allocRoundTripMedianUs: number;
  readonly allocRoundTripP99Us: number;
}

const TASKS = new URL('./update-tasks.js', import.meta.url);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

type Rt = Runtime<typeof UpdateTasks>;
type LoopTask = 'plainInt32' | 'refInc' | 'cellInc' | 'genericInc' | 'sharedAtomic';

/** Runs a loop task on the given CPUs together; returns aggregate ops/s and per-CPU ns/op. */
async function together(rt: Rt, task: LoopTask, cpus: readonly number[], n: number, ptr: number, shared: SharedArrayBuffer): Promise<{ ops: number; nsPerOp: number }> {
  const barrier = new SharedArrayBuffer(4);
  const runs = cpus.map((cpu) => rt.runOn(cpu, task, { n, barrier, ptr, shared }));
  // Let every CPU reach the barrier, then release them at once.
  await new Promise((resolve) => setTimeout(resolve, 30));
  // Atomics.store: the CPUs spin on Atomics.load of this word.
  Atomics.store(new Int32Array(barrier), 0, 1);
  const results: LoopResult[] = await Promise.all(runs);
  const ops = results.reduce((sum, r) => sum + r.n / (r.ns / 1e9), 0);
  const nsPerOp = results.reduce((sum, r) => sum + r.ns / r.n, 0) / results.length;
  return { ops, nsPerOp };
}

export async function runUpdatePath(options: UpdatePathOptions): Promise<UpdatePathResult> {
  const rt: Rt = await Runtime.start<typeof UpdateTasks>({
    cpus: 2,
    tasks: fileURLToPath(TASKS),
    logger: pino({ level: 'silent' }),
  });
  try {
    const ptr = rt.alloc(4);
    if (ptr === null) throw new Error('out of space');
    const shared = new SharedArrayBuffer(64);
    const samples: Record<'plain' | 'ref' | 'cell' | 'generic' | 'refTwo' | 'atomicTwo', number[]> = {
      plain: [],
      ref: [],
      cell: [],
      generic: [],
      refTwo: [],
      atomicTwo: [],
    };
    const refOneOps: number[] = [];
    // One warm-up round (not recorded) lets V8 optimize every loop first.
    for (let round = -1; round < options.rounds; round++) {
      const plain = await together(rt, 'plainInt32', [0], options.n, ptr, shared);
      const ref = await together(rt, 'refInc', [0], options.n, ptr, shared);
      const cell = await together(rt, 'cellInc', [0], options.n, ptr, shared);
      const generic = await together(rt, 'genericInc', [0], options.n, ptr, shared);
      const refTwo = await together(rt, 'refInc', [0, 1], options.n, ptr, shared);
      const atomicTwo = await together(rt, 'sharedAtomic', [0, 1], Math.max(1, Math.floor(options.n / 10)), ptr, shared);
      if (round < 0) continue;
      samples.plain.push(plain.nsPerOp);
      samples.ref.push(ref.nsPerOp);
      samples.cell.push(cell.nsPerOp);
      samples.generic.push(generic.nsPerOp);
      refOneOps.push(ref.ops);
      samples.refTwo.push(refTwo.ops);
      samples.atomicTwo.push(atomicTwo.ops);
    }
    const trips = await rt.runOn(0, 'allocRoundTrips', { n: options.roundTrips });
    const plainInt32Ns = median(samples.plain);
    const refIncNs = median(samples.ref);
    const refOneCpuOps = median(refOneOps);
    const refTwoCpuOps = median(samples.refTwo);
    const sharedAtomicTwoCpuOps = median(samples.atomicTwo);
    return {
      n: options.n,
      rounds: options.rounds,
      plainInt32Ns,
      refIncNs,
      cellIncNs: median(samples.cell),
      genericIncNs: median(samples.generic),
      refOneCpuOps,
      refTwoCpuOps,
      sharedAtomicTwoCpuOps,
      refVsPlain: plainInt32Ns / refIncNs,
      cellVsPlain: plainInt32Ns / median(samples.cell),
      twoVsOneCpu: refTwoCpuOps / refOneCpuOps,
      refVsSharedAtomic: refTwoCpuOps / sharedAtomicTwoCpuOps,
      allocRoundTripMedianUs: median(trips.slice(10)),
      allocRoundTripP99Us: percentile(trips.slice(10), 0.99),
    };
  } finally {
    await rt.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const result = await runUpdatePath({ n: quick ? 20_000_000 : 100_000_000, rounds: quick ? 3 : 5, roundTrips: quick ? 200 : 1000 });
  console.log(JSON.stringify(result, null, 2));
}
