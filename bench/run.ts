/**
 * Runs the benchmark suites, prints a summary, writes machine-readable results and generates
 * docs/benchmarks.md from them.
 *
 *   node dist/bench/run.js                 full sizes (2^20 objects): bench-results/allocator.json, docs/benchmarks.md
 *   node dist/bench/run.js --quick         small sizes: bench-results/allocator.quick.json and
 *                                          bench-results/benchmarks.quick.md (docs/ is left alone)
 *   node dist/bench/run.js --seed=N        another PRNG seed (default 2005)
 *   node dist/bench/run.js --million-limit-s=N   stop the million-allocation test after N s (0: never;
 *                                          default 60 s, 10 s with --quick)
 *   node dist/bench/run.js --report-only   regenerate the markdown from the saved results, running nothing
 */
import os from 'node:os';
import { allocatorSections } from './allocator/sections.js';
import { type AllocatorResults, type Mode, SIZES, runAllocatorSuite } from './allocator/suite.js';
import { commandLine, hasFlag, intFlag, npmScript } from './lib/args.js';
import { printSection } from './lib/console.js';
import { type MachineInfo, machineInfo } from './lib/machine.js';
import { readRepoFile, writeRepoFile } from './lib/output.js';
import { DEFAULT_SEED } from '../src/util/prng.js';
import { type DocGroup, renderBenchmarksDoc } from './report.js';

/** What bench-results/allocator*.json holds. */
interface SavedRun {
  readonly machine: MachineInfo;
  readonly command: string;
  readonly npmScript: string | null;
  readonly loadAverageEnd: readonly number[];
  readonly results: AllocatorResults;
}

function paths(mode: Mode): { results: string; doc: string } {
  return mode === 'full'
    ? { results: 'bench-results/allocator.json', doc: 'docs/benchmarks.md' }
    : { results: 'bench-results/allocator.quick.json', doc: 'bench-results/benchmarks.quick.md' };
}

function loadSaved(file: string): SavedRun {
  const data: unknown = JSON.parse(readRepoFile(file));
  if (typeof data !== 'object' || data === null || !('results' in data) || !('machine' in data) || !('command' in data)) {
    throw new Error(`${file} does not hold saved benchmark results; run without --report-only first`);
  }
  return data as SavedRun;
}

function main(argv: readonly string[]): void {
  const mode: Mode = hasFlag(argv, 'quick') ? 'quick' : 'full';
  const out = paths(mode);
  let saved: SavedRun;
  if (hasFlag(argv, 'report-only')) {
    saved = loadSaved(out.results);
  } else {
    const machine = machineInfo();
    const seed = intFlag(argv, 'seed', DEFAULT_SEED);
    console.error(`percpu benchmarks, ${mode} sizes, seed ${seed}, on ${machine.cpuModel} (${machine.cores} cores), Node ${machine.nodeVersion}`);
    const defaults = SIZES[mode];
    const limitS = intFlag(argv, 'million-limit-s', defaults.millionTimeLimitMs / 1000);
    const sizes = { ...defaults, millionTimeLimitMs: limitS * 1000 };
    const results = runAllocatorSuite(mode, seed, sizes, (line) => console.error(`  ${line}`));
    saved = { machine, command: commandLine(argv), npmScript: npmScript(), loadAverageEnd: os.loadavg(), results };
    writeRepoFile(out.results, `${JSON.stringify(saved, null, 2)}\n`);
  }

  const group: DocGroup = {
    title: 'Allocator',
    machine: saved.machine,
    command: saved.command,
    npmScript: saved.npmScript,
    loadAverageEnd: saved.loadAverageEnd,
    mode: saved.results.mode,
    resultsFile: out.results,
    sections: allocatorSections(saved.results),
  };
  for (const section of group.sections) printSection(section);
  writeRepoFile(out.doc, renderBenchmarksDoc([group]));
  const missed = group.sections.flatMap((s) => s.targets).filter((t) => t.met === false).length;
  console.log(`\nresults: ${out.results}\nreport:  ${out.doc}\ntargets missed: ${missed}`);
}

main(process.argv);
