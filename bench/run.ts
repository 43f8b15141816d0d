/**
 * Runs the benchmark suites, prints their tables and the targets, writes machine-readable
 * results and generates the report from them. Context: main thread.
 *
 *   node dist/bench/run.js            quick sizes (what `npm run bench` runs; under 5 minutes on 2 cores):
 *                                     bench-results/*.quick.json, bench-results/benchmarks.quick.md and its chart
 *   node dist/bench/run.js --full     full sizes (`npm run bench -- --full`): bench-results/{counters,
 *                                     runtime-costs,allocator}.json, docs/benchmarks.md, docs/benchmarks-*.svg
 *                                     and the headline figures in README.md
 *   --only=counters,costs,allocator   run only these suites; the others' saved results of the same mode, if
 *                                     any, still go into the report
 *   --only=trace                      the trace benchmark alone (bench/trace/): bench-results/trace(.quick).json
 *   --cpus=N                          the counter section at 1, 2, 4, ... N CPUs (default 2)
 *   --seed=N                          another PRNG seed (default 2005)
 *   --million-limit-s=N               stop the million-allocation test after N s (0: never; default 10, 60 with --full)
 *   --report-only                     regenerate the report from the saved results, running nothing:
 *                                     `npm run bench -- --full --report-only` rewrites docs/benchmarks.md, its
 *                                     charts and README.md's headline from the committed bench-results/*.json
 *
 * The report includes "scaling on 16 cores" when bench-results/scaling-16.json exists (written by
 * bench/scaling-16.sh).
 */
import os from 'node:os';
import { SIZES, runAllocatorSuite } from './allocator/suite.js';
import { COUNTER_SIZES, cpuCountsUpTo, runCounterSuite } from './counters/suite.js';
import { type SavedRuns, buildGroups, loadSavedRuns } from './groups.js';
import { commandLine, hasFlag, intFlag, listFlag, npmScript } from './lib/args.js';
import { printSection, printTargets } from './lib/console.js';
import { machineInfo } from './lib/machine.js';
import { readRepoFile, writeRepoFile } from './lib/output.js';
import { renderHeadline, replaceHeadline } from './headline.js';
import { type SavedRun, saveRun } from './lib/saved.js';
import { type Mode, SUITE_NAMES, type SuiteName, paths } from './paths.js';
import { renderBenchmarksDoc } from './report.js';
import { COST_SIZES, runCostSuite } from './runtime-costs/suite.js';
import { DEFAULT_SEED } from './lib/prng.js';
import { runTraceBenchmarks } from './trace/main.js';
import { runMetricsBench } from './metrics/suite.js';

async function main(argv: readonly string[]): Promise<void> {
  if (listFlag(argv, 'only')?.includes('trace')) return runTraceBenchmarks(argv); // bench/trace/: its own results and figures
  const mode: Mode = hasFlag(argv, 'full') ? 'full' : 'quick';
  const out = paths(mode);
  const reportOnly = hasFlag(argv, 'report-only');
  const only = listFlag(argv, 'only') ?? [...SUITE_NAMES];
  for (const name of only)
    if (!SUITE_NAMES.includes(name as SuiteName))
      throw new Error(`--only: unknown suite '${name}' (one of ${SUITE_NAMES.join(', ')})`);
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
  if (!reportOnly)
    console.error(
      `percpu benchmarks, ${mode} sizes, seed ${seed}, on ${machine.cpuModel} (${machine.cores} cores), Node ${machine.nodeVersion}`,
    );

  const loaded = loadSavedRuns(out);
  let counters = loaded.counters;
  if (runs('counters')) {
    const cpuCounts = cpuCountsUpTo(intFlag(argv, 'cpus', 2));
    log(`counters: ${cpuCounts.join(', ')} CPUs`);
    counters = save(
      out.results.counters,
      await runCounterSuite({ mode, seed, cpuCounts, sizes: COUNTER_SIZES[mode], log }),
    );
  }
  let costs = loaded.costs;
  if (runs('costs')) costs = save(out.results.costs, await runCostSuite(mode, seed, COST_SIZES[mode], log));
  let allocator = loaded.allocator;
  if (runs('allocator')) {
    const defaults = SIZES[mode];
    const limitS = intFlag(argv, 'million-limit-s', defaults.millionTimeLimitMs / 1000);
    allocator = save(
      out.results.allocator,
      runAllocatorSuite(mode, seed, { ...defaults, millionTimeLimitMs: limitS * 1000 }, log),
    );
  }

  const saved: SavedRuns = { counters, costs, allocator, scaling: loaded.scaling, genericPath: loaded.genericPath };
  const groups = buildGroups(saved, out);
  if (groups.length === 0) throw new Error(`no saved results for ${mode} sizes; run without --report-only first`);
  for (const group of groups) for (const section of group.sections) printSection(section);
  writeRepoFile(out.doc, renderBenchmarksDoc(saved, groups));
  // Only a full run speaks for the project: the README quotes its headline figures.
  if (mode === 'full') writeRepoFile('README.md', replaceHeadline(readRepoFile('README.md'), renderHeadline(saved)));
  printTargets(saved);
  if (hasFlag(argv, 'metrics')) await runMetricsBench(mode, command, log);
  console.log(
    `\nresults: ${SUITE_NAMES.map((s) => out.results[s]).join(', ')}\nreport:  ${out.doc} (chart ${out.counterChart.file})`,
  );
}

await main(process.argv);
