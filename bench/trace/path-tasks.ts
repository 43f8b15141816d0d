/**
 * Tasks of the hooked-path probe (path-probe.ts): only APIs that exist with and without tracing,
 * so the same file also builds in a checkout from before tracing (bench/trace/baseline.sh).
 *
 * Context: a CPU's worker thread.
 */
import { thisCpu } from 'percpu/cpu';

/** Nothing: the round trip of a task itself. */
export function noop(): number {
  return thisCpu.id;
}

/** The median ns of an alloc + free pair from the CPU, each awaited (a mean would be the wake-ups'). */
export async function allocFreePairs(arg: { readonly n: number }): Promise<number> {
  const pairs: number[] = [];
  for (let i = 0; i < arg.n; i++) {
    const start = process.hrtime.bigint();
    const ptr = await thisCpu.alloc(16);
    if (ptr === null) throw new Error('out of per-CPU space');
    await thisCpu.free(ptr);
    pairs.push(Number(process.hrtime.bigint() - start));
  }
  pairs.sort((a, b) => a - b);
  return pairs[pairs.length >> 1]!;
}

/** ns per percpu_counter add with batch 1: every add folds. */
export function foldEveryAdd(arg: { readonly handle: unknown; readonly n: number }): number {
  const counter = thisCpu.counter(arg.handle);
  const start = process.hrtime.bigint();
  for (let i = 0; i < arg.n; i++) counter.add(1);
  return Number(process.hrtime.bigint() - start) / arg.n;
}
