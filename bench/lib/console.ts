/** Prints report sections and the targets to the terminal, with the same tables the markdown shows. Context: main thread. */
import type { SavedRuns } from '../groups.js';
import type { DocSection } from '../report.js';
import { counterTargets, otherTargetsTable, targetCounts } from '../targets.js';
import { renderConsoleTable } from './table.js';

export function printSection(section: DocSection, print: (text: string) => void = console.log): void {
  print(`\n== ${section.title} ==`);
  for (const table of section.tables) print(`\n${renderConsoleTable(table)}`);
}

export function printTargets(runs: SavedRuns, print: (text: string) => void = console.log): void {
  print('\n== Targets ==');
  if (runs.counters !== null) print(`\n${renderConsoleTable(counterTargets(runs.counters.results).table)}`);
  print(`\n${renderConsoleTable(otherTargetsTable(runs))}`);
  print(`\ntargets: ${targetCounts(runs)}`);
}
