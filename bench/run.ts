/**
 * Runs the benchmark suites, prints their tables and a short summary, writes machine-readable
 * results and generates the report from them.
 *
 *   node dist/bench/run.js            quick sizes (what `npm run bench` runs; under 5 minutes on 2 cores):
 *                                     bench-results/*.quick.json, bench-results/benchmarks.quick.md and its chart
 *   node dist/bench/run.js --full     full sizes (`npm run bench -- --full`): bench-results/{counters,
 *                                     runtime-costs,allocator}.json, docs/benchmarks.md, docs/benchmarks-*.svg
 *                                     and the headline figures in README.md
 *   --only=counters,costs,allocator   run only these suites; the others' saved results of the same mode, if
 *                                     any, still go into the report
 *   --cpus=N                          the counter section at 1, 2, 4, ... N CPUs (default 2)
 *   --seed=N                          another PRNG seed (default 2005)
 *   --million-limit-s=N               stop the million-allocation test after N s (0: never; default 10, 60 with --full)
 *   --report-only                     regenerate the report from the saved results, running nothing
 *
 * The report includes "scaling on 16 cores" when bench-results/scaling-16.json exists (written by
 * bench/scaling-16.sh).
 */
import os from 'node:os';
import { type AllocatorResults, SIZES, runAllocatorSuite } from './allocator/suite.js';
import { COUNTER_SIZES, type CounterResults, cpuCountsUpTo, runCounterSuite } from './counters/suite.js';
import { type SavedRuns, buildGroups } from './groups.js';
import { commandLine, hasFlag, intFlag, listFlag, npmScript } from './lib/args.js';
import { printSection } from './lib/console.js';
import { machineInfo } from './lib/machine.js';
import { readRepoFile, writeRepoFile } from './lib/output.js';
import { renderHeadline, replaceHeadline } from './headline.js';
import { type SavedRun, loadRun, saveRun } from './lib/saved.js';
import { type Mode, SCALING_RESULTS, SUITE_NAMES, type SuiteName, paths } from './paths.js';
import { renderBenchmarksDoc } from './report.js';
import { COST_SIZES, type CostResults, runCostSuite } from './runtime-costs/suite.js';
import { printSummary } from './summary.js';
import { DEFAULT_SEED } from '../src/util/prng.js';
import { runMetricsBench } from './metrics/suite.js';

const DOC_INTRO = [
  'How to run: `npm run bench -- --full` builds, runs everything at full sizes and regenerates this page and its charts from ' +
    'the results it saves in `bench-results/*.json` (`--report-only` regenerates the page from them without running anything). ' +
    '`npm run bench` alone runs quick sizes (under 5 minutes on 2 cores) into `bench-results/benchmarks.quick.md`; ' +
    '`--only=counters,costs,allocator` runs some suites only. `bench/scaling-16.sh` runs ' +
    'the counter section at 1, 2, 4, 8 and 16 CPUs on a 16-core machine; its results appear below when ' +
    '`bench-results/scaling-16.json` exists.',
];

async function main(argv: readonly string[]): Promise<void> {
  const mode: Mode = hasFlag(argv, 'full') ? 'full' : 'quick';
  const out = paths(mode);
  const reportOnly = hasFlag(argv, 'report-only');
  const only = listFlag(argv, 'only') ?? [...SUITE_NAMES];
  for (const name of only) if (!SUITE_NAMES.includes(name as SuiteName)) throw new Error(`--only: unknown suite '${name}' (one of ${SUITE_NAMES.join(', ')})`);
  const runs = (name: SuiteName): boolean => !reportOnly && only.includes(name);

  const machine = machineInfo();
  const seed = intFlag(argv, 'seed', DEFAULT_SEED);
  const command = commandLine(argv);
  const log = (line: string): void => console.error(`  ${line}`);
  const save = <T>(file: string, results: T): SavedRun<T> => {
    const run: SavedRun<T> = { machine, command, npmScript: npmScript(), loadAverageEnd: os.loadavg(), results };
    saveRun(file, run);
    return run;
  };
  if (!reportOnly) console.error(`percpu benchmarks, ${mode} sizes, seed ${seed}, on ${machine.cpuModel} (${machine.cores} cores), Node ${machine.nodeVersion}`);

  let counters = loadRun<CounterResults>(out.results.counters);
  if (runs('counters')) {
    const cpuCounts = cpuCountsUpTo(intFlag(argv, 'cpus', 2));
    log(`counters: ${cpuCounts.join(', ')} CPUs`);
    counters = save(out.results.counters, await runCounterSuite({ mode, seed, cpuCounts, sizes: COUNTER_SIZES[mode], log }));
  }
  let costs = loadRun<CostResults>(out.results.costs);
  if (runs('costs')) costs = save(out.results.costs, await runCostSuite(mode, seed, COST_SIZES[mode], log));
  let allocator = loadRun<AllocatorResults>(out.results.allocator);
  if (runs('allocator')) {
    const defaults = SIZES[mode];
    const limitS = intFlag(argv, 'million-limit-s', defaults.millionTimeLimitMs / 1000);
    allocator = save(out.results.allocator, runAllocatorSuite(mode, seed, { ...defaults, millionTimeLimitMs: limitS * 1000 }, log));
  }

  const saved: SavedRuns = { counters, costs, allocator, scaling: loadRun<CounterResults>(SCALING_RESULTS) };
  const groups = buildGroups(saved, out, SCALING_RESULTS);
  if (groups.length === 0) throw new Error(`no saved results for ${mode} sizes; run without --report-only first`);
  for (const group of groups) for (const section of group.sections) printSection(section);
  writeRepoFile(out.doc, renderBenchmarksDoc(groups, DOC_INTRO));
  // Only a full run speaks for the project: the README quotes its headline figures.
  if (mode === 'full') writeRepoFile('README.md', replaceHeadline(readRepoFile('README.md'), renderHeadline(saved)));
  printSummary(saved, groups);
  if (hasFlag(argv, 'metrics')) await runMetricsBench(mode, command, log);
  console.log(`\nresults: ${SUITE_NAMES.map((s) => out.results[s]).join(', ')}\nreport:  ${out.doc} (chart ${out.counterChart.file})`);
}

await main(process.argv);
