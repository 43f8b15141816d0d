/** Prints report sections to the terminal, with the same tables the markdown shows. */
import type { DocSection } from '../report.js';
import * as fmt from './format.js';
import { renderConsoleTable } from './table.js';

export function printSection(section: DocSection, print: (text: string) => void = console.log): void {
  print(`\n== ${section.title} ==`);
  for (const table of section.tables) print(`\n${renderConsoleTable(table)}`);
  if (section.targets.length > 0) {
    print('');
    for (const t of section.targets) print(`target: ${t.what}: ${t.target}; result ${t.actual}: ${fmt.verdict(t.met)}`);
  }
}
