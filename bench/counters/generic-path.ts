/**
 * What the generic path costs: `thisCpu.inc(ptr, type)` (pointer and type checked on every call)
 * against `ref(ptr, type).inc()` (checked once) and the limit (a plain unshared `Int32Array ++`),
 * for u32, s32 and u64, one hot counter, on one CPU (one worker), variants interleaved round by
 * round, and the floor of any call through an imported binding (imported-floor.ts: no checks);
 * the median of the rounds in ns per increment. Every increment is checked to have been counted
 * (the sums at the end). `--save` writes bench-results/generic-path/node<major>.json, which the
 * report (docs/benchmarks.md) shows and judges, one section per Node version:
 *
 *   npm run bench:generic                  (the Node on the PATH; then `npm run bench -- --full --report-only`)
 *   /path/to/node dist/bench/counters/generic-path.js --save [--n=20000000] [--rounds=7]
 *
 * Context: the coordinator (main thread); the loops run on CPU 0's worker.
 */
import { Runtime } from 'percpu';
import os from 'node:os';
import { commandLine, hasFlag, intFlag, npmScript } from '../lib/args.js';
import { machineInfo } from '../lib/machine.js';
import { saveRun } from '../lib/saved.js';
import { type GenericPathResults, genericPathFile } from './generic-path-results.js';
import { median } from '../lib/timing.js';
import type * as Tasks from './generic-path-tasks.js';

const TASKS = new URL('./generic-path-tasks.js', import.meta.url);
const VARIANTS = [
  'limit',
  'limitU64',
  'genericU32',
  'genericS32',
  'genericU64',
  'refU32',
  'refS32',
  'refU64',
  'importedFloor',
] as const;
type Variant = (typeof VARIANTS)[number];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const n = intFlag(argv, 'n', 20_000_000);
  const rounds = intFlag(argv, 'rounds', 7);
  const machine = machineInfo();
  const rt = await Runtime.start<typeof Tasks>({ cpus: 1, tasks: TASKS });
  try {
    const ptr = rt.alloc(24, 8);
    if (ptr === null) throw new Error('no room for 24 bytes');
    const ns = Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]])) as Record<Variant, number[]>;
    // One warm-up round per variant, not counted.
    for (const variant of VARIANTS) await rt.runOn(0, variant, { ptr, n });
    for (let round = 0; round < rounds; round++) {
      for (const variant of VARIANTS) ns[variant].push((await rt.runOn(0, variant, { ptr, n })) / n);
    }
    // Each type's counter had its generic and its ref loops, warm-up included, and the u32 also
    // the floor's; u32 and s32 wrap at 2^32.
    const perType = 2 * (1 + rounds) * n;
    const sums = [rt.sum(ptr, 'u32'), rt.sum(ptr + 8, 's32') >>> 0, rt.sum(ptr + 16, 'u64')];
    const expected = [((3 * perType) / 2) >>> 0, perType >>> 0, BigInt(perType)];
    if (sums.some((s, i) => s !== expected[i]))
      throw new Error(`lost counts: sums ${sums.join(', ')}, expected ${expected.join(', ')}`);
    const results: GenericPathResults = {
      mode: 'full',
      n,
      rounds,
      limitNs: median(ns.limit),
      limitU64Ns: median(ns.limitU64),
      floorNs: median(ns.importedFloor),
      rows: (
        [
          ['u32', 'genericU32', 'refU32'],
          ['s32', 'genericS32', 'refS32'],
          ['u64', 'genericU64', 'refU64'],
        ] as const
      ).map(([type, generic, ref]) => ({ type, genericNs: median(ns[generic]), refNs: median(ns[ref]) })),
    };
    print(results);
    if (hasFlag(argv, 'save')) {
      const file = genericPathFile(process.version);
      saveRun(file, {
        machine,
        command: commandLine(process.argv),
        npmScript: npmScript(),
        loadAverageEnd: os.loadavg(),
        results,
      });
      console.log(`saved: ${file}`);
    }
  } finally {
    await rt.close();
  }
}

function print(r: GenericPathResults): void {
  console.log(
    `generic path, one hot counter, 1 CPU, ${r.n.toLocaleString('en-US')} incs a round, median of ${r.rounds} rounds`,
  );
  console.log(`node ${process.version}`);
  console.log(`limit (Int32Array ++): ${r.limitNs.toFixed(2)} ns/op`);
  console.log(`64-bit limit (BigUint64Array += 1n): ${r.limitU64Ns.toFixed(2)} ns/op`);
  console.log(
    `floor (an unchecked method through an imported binding): ${r.floorNs.toFixed(2)} ns/op, ${(r.limitNs / r.floorNs).toFixed(2)}× limit`,
  );
  console.log('type  generic ns/op  ref ns/op  generic × limit  generic × ref');
  for (const row of r.rows) {
    console.log(
      `${row.type.padEnd(5)} ${row.genericNs.toFixed(2).padStart(13)}  ${row.refNs.toFixed(2).padStart(9)}  ${(r.limitNs / row.genericNs).toFixed(2).padStart(15)}  ${(row.refNs / row.genericNs).toFixed(2).padStart(13)}`,
    );
  }
}

await main();
