/**
 * prom-client's Counters in each worker (see prom-registry.ts): `counter.inc()` and
 * `counter.inc(d)`, the same loops as every other variant.
 */
import { type LoopArg, type LoopResult } from './model.js';
import { type PromSet, promSets, promTotal } from './prom-registry.js';
import { timed } from './timed.js';

const UNKNOWN = (): number => NaN;

/** Times the loop; the set's total (or one counter's) before and after is read outside the clock. */
async function timedProm(arg: LoopArg, set: PromSet, loop: () => void, only?: number): Promise<LoopResult> {
  const before = await promTotal(set, only);
  const result = timed(arg, UNKNOWN, loop);
  const after = await promTotal(set, only);
  return { ...result, counted: (after - before) | 0 };
}

export function promHot(arg: LoopArg): Promise<LoopResult> {
  const set = promSets().hot;
  const hits = set.counters[0]!;
  const n = arg.n;
  return timedProm(arg, set, () => {
    for (let i = 0; i < n; i++) hits.inc();
  });
}

export function promRandom(arg: LoopArg): Promise<LoopResult> {
  const set = promSets().random;
  const counters = set.counters;
  const n = arg.n;
  const seed = arg.seed;
  return timedProm(arg, set, () => {
    let x = seed;
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      counters[((x >>> 16) * 1000) >>> 16]!.inc();
    }
  });
}

export function promMib(arg: LoopArg): Promise<LoopResult> {
  const set = promSets().mib;
  const f = set.counters;
  const packets = f[0]!;
  const octets = f[1]!;
  const n = arg.n;
  const seed = arg.seed;
  return timedProm(
    arg,
    set,
    () => {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        packets.inc();
        octets.inc(64 + (x & 1023));
        f[2 + ((x >>> 10) & 15)]!.inc();
        f[18 + ((x >>> 14) & 7)]!.inc();
        f[26 + ((x >>> 17) & 3)]!.inc();
        f[30 + ((x >>> 19) & 1)]!.inc();
      }
    },
    0,
  );
}
