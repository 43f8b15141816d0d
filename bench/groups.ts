/**
 * Turns saved runs into the report's groups, in the order the report shows them: counters,
 * scaling on 16 cores (when bench/scaling-16.sh's results exist), the generic path (one group
 * per Node version in bench-results/generic-path/), runtime costs, the allocator,
 * memory per possible CPU. Writes the charts the groups link to.
 */
import { allocatorSections } from './allocator/sections.js';
import type { AllocatorResults } from './allocator/suite.js';
import { counterChartSvg } from './counters/chart.js';
import {
  type GenericPathResults,
  genericPathFile,
  genericPathSections,
  loadGenericPathRuns,
} from './counters/generic-path-results.js';
import { scalingSections } from './counters/scaling-section.js';
import { readSections } from './counters/sections-reads.js';
import { updateSections } from './counters/sections-updates.js';
import type { CounterResults } from './counters/suite.js';
import { writeRepoFile } from './lib/output.js';
import { type SavedRun, loadRun } from './lib/saved.js';
import { type Paths, SCALING_RESULTS } from './paths.js';
import type { DocGroup, DocSection } from './report.js';
import { costSections, memorySections } from './runtime-costs/sections.js';
import type { CostResults } from './runtime-costs/suite.js';

export interface SavedRuns {
  readonly counters: SavedRun<CounterResults> | null;
  readonly costs: SavedRun<CostResults> | null;
  readonly allocator: SavedRun<AllocatorResults> | null;
  readonly scaling: SavedRun<CounterResults> | null;
  /** bench/counters/generic-path.ts's runs, one per Node version, whatever the mode. */
  readonly genericPath: readonly SavedRun<GenericPathResults>[];
}

/** The saved results of one mode (a suite not run yet: null), and bench/scaling-16.sh's if present. */
export function loadSavedRuns(out: Paths): SavedRuns {
  return {
    counters: loadRun<CounterResults>(out.results.counters),
    costs: loadRun<CostResults>(out.results.costs),
    allocator: loadRun<AllocatorResults>(out.results.allocator),
    scaling: loadRun<CounterResults>(SCALING_RESULTS),
    genericPath: loadGenericPathRuns(),
  };
}

function group(
  title: string,
  run: SavedRun<{ readonly mode: 'full' | 'quick' }>,
  resultsFile: string,
  sections: DocSection[],
): DocGroup {
  return { title, run, resultsFile, sections };
}

export function buildGroups(runs: SavedRuns, out: Paths): DocGroup[] {
  const groups: DocGroup[] = [];
  if (runs.counters !== null) {
    writeRepoFile(
      out.counterChart.file,
      counterChartSvg(
        runs.counters.results,
        runs.counters.machine,
        'percpu and its peers: counter updates on worker threads',
      ),
    );
    groups.push(
      group('Counters: percpu against its peers', runs.counters, out.results.counters, [
        ...updateSections(runs.counters.results, out.counterChart.link),
        ...readSections(runs.counters.results.read),
      ]),
    );
  }
  if (runs.scaling !== null) {
    const m = runs.scaling.machine;
    writeRepoFile(
      out.scalingChart.file,
      counterChartSvg(runs.scaling.results, m, `Counters at ${runs.scaling.results.cpuCounts.join(', ')} CPUs`),
    );
    groups.push(
      group(
        `Scaling on ${m.cores} cores (${m.cpuModel})`,
        runs.scaling,
        SCALING_RESULTS,
        scalingSections(runs.scaling.results, out.scalingChart.link),
      ),
    );
  }
  for (const run of runs.genericPath) {
    groups.push(
      group(
        `The generic path on Node ${run.machine.nodeVersion}`,
        run,
        genericPathFile(run.machine.nodeVersion),
        genericPathSections(run),
      ),
    );
  }
  if (runs.costs !== null)
    groups.push(group('Costs of the runtime', runs.costs, out.results.costs, costSections(runs.costs.results)));
  if (runs.allocator !== null)
    groups.push(group('Allocator', runs.allocator, out.results.allocator, allocatorSections(runs.allocator.results)));
  if (runs.costs !== null)
    groups.push(group('Memory per possible CPU', runs.costs, out.results.costs, memorySections(runs.costs.results)));
  return groups;
}
