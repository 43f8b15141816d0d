/**
 * `npm start`: Ravikiran Thirumalai's two 2005 tests (the same code as the benchmark suite runs),
 * printed as tables of chunks, populated pages and utilization per step, then the allocator's
 * stats() at the end of each test. Takes well under a second.
 *
 *   node dist/bench/utilization.js [--seed=N]
 */
import type { AllocatorStats } from 'percpu';
import { type KiranResult, runKiranCounters, runKiranObjects } from './allocator/kiran.js';
import { kiranCountersTable, kiranObjectsTable } from './allocator/sections.js';
import { intFlag } from './lib/args.js';
import * as fmt from './lib/format.js';
import { type Table, renderConsoleTable } from './lib/table.js';
import { DEFAULT_SEED } from './lib/prng.js';

function statsTable(title: string, stats: AllocatorStats): Table {
  return {
    title,
    headers: ['stat', 'value'],
    rows: Object.entries(stats).map(([name, value]) => [name, typeof value === 'number' ? fmt.int(value) : String(value)]),
  };
}

function show(table: Table, result: KiranResult): void {
  console.log(`\n${renderConsoleTable(table)}`);
  console.log(`(seed ${result.seed}; ${result.setup}; verify() passed after every step)`);
  console.log(`\n${renderConsoleTable(statsTable('stats() at the end', result.finalStats))}`);
}

const seed = intFlag(process.argv, 'seed', DEFAULT_SEED);
const counters = runKiranCounters(seed);
show(kiranCountersTable(counters), counters);
const objects = runKiranObjects(seed);
show(kiranObjectsTable(objects), objects);
