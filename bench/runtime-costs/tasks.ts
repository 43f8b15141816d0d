/** Tasks for the runtime-cost benchmark: a CPU's allocation requests, timed on the CPU. */
import { thisCpu } from 'percpu/cpu';

export interface RoundTrips {
  /** µs per thisCpu.alloc(16) and per thisCpu.free(ptr), each awaited before the next. */
  readonly allocUs: readonly number[];
  readonly freeUs: readonly number[];
}

export async function allocRoundTrips(arg: { readonly n: number }): Promise<RoundTrips> {
  const allocUs: number[] = [];
  const freeUs: number[] = [];
  for (let i = 0; i < arg.n; i++) {
    const start = process.hrtime.bigint();
    const ptr = await thisCpu.alloc(16);
    const mid = process.hrtime.bigint();
    if (ptr === null) throw new Error('out of per-CPU space');
    await thisCpu.free(ptr);
    const end = process.hrtime.bigint();
    allocUs.push(Number(mid - start) / 1000);
    freeUs.push(Number(end - mid) / 1000);
  }
  return { allocUs, freeUs };
}

/** Nothing: the round trip of a task itself, for comparison. */
export function noop(): number {
  return thisCpu.id;
}
