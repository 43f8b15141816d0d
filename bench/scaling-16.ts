/**
 * The counter section at 1, 2, 4, 8 and 16 CPUs, for a machine with at least 16 cores: every
 * variant and workload of the counter suite at quick sizes (about 3 minutes on 16 cores), saved
 * where every later report picks it up (bench-results/scaling-16.json, or --out=FILE).
 *
 *   node dist/bench/scaling-16.js [--cpus=16] [--out=FILE]     (bench/scaling-16.sh runs it)
 */
import os from 'node:os';
import { COUNTER_SIZES, cpuCountsUpTo, runCounterSuite } from './counters/suite.js';
import { commandLine, flagValue, intFlag, npmScript } from './lib/args.js';
import { machineInfo } from './lib/machine.js';
import { saveRun } from './lib/saved.js';
import { SCALING_RESULTS } from './paths.js';
import { DEFAULT_SEED } from './lib/prng.js';

const argv = process.argv;
const maxCpus = intFlag(argv, 'cpus', 16);
const out = flagValue(argv, 'out') ?? SCALING_RESULTS;
const machine = machineInfo();
if (machine.cores < maxCpus) {
  console.error(
    `warning: ${maxCpus} CPUs on ${machine.cores} cores: CPUs will share cores, and the figures will show it`,
  );
}
const log = (line: string): void => console.error(`  ${line}`);
log(
  `scaling: counters at ${cpuCountsUpTo(maxCpus).join(', ')} CPUs on ${machine.cpuModel} (${machine.cores} cores), Node ${machine.nodeVersion}`,
);
const results = await runCounterSuite({
  mode: 'quick',
  seed: intFlag(argv, 'seed', DEFAULT_SEED),
  cpuCounts: cpuCountsUpTo(maxCpus),
  sizes: COUNTER_SIZES.quick,
  log,
});
saveRun(out, { machine, command: commandLine(argv), npmScript: npmScript(), loadAverageEnd: os.loadavg(), results });
console.log(
  `results: ${out} (${(results.elapsedMs / 1000).toFixed(0)} s); \`npm run bench -- --full --report-only\` puts them in docs/benchmarks.md`,
);
