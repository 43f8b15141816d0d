/**
 * The saved results of bench/counters/generic-path.ts, one file per Node major version
 * (bench-results/generic-path/node<major>.json: V8 optimizes the generic path differently in each),
 * and their part of the report: a section per version, and the targets, judged per version.
 * Context: main thread (the benchmark script and the report).
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import * as fmt from '../lib/format.js';
import { REPO_ROOT } from '../lib/output.js';
import { type SavedRun, loadRun, repoFileExists } from '../lib/saved.js';
import type { DocSection } from '../report.js';

export const GENERIC_PATH_DIR = 'bench-results/generic-path';

export interface GenericPathRow {
  readonly type: 'u32' | 's32' | 'u64';
  /** Medians over the rounds, ns per increment. */
  readonly genericNs: number;
  readonly refNs: number;
}

export interface GenericPathResults {
  /** Always 'full': the sizes are the script's own (n, rounds). */
  readonly mode: 'full';
  readonly n: number;
  readonly rounds: number;
  readonly limitNs: number;
  /** The same loop on a plain unshared BigUint64Array (`+= 1n`), for the 64-bit type. */
  readonly limitU64Ns: number;
  /** An unchecked method called through an imported binding (imported-floor.ts). */
  readonly floorNs: number;
  readonly rows: readonly GenericPathRow[];
}

/** Targets of the generic path: ≥ 0.9× the limit for the 32-bit types, ≥ 0.9× ref() for u64. */
export const GENERIC_TARGET = 0.9;

export const genericPathFile = (nodeVersion: string): string =>
  `${GENERIC_PATH_DIR}/node${nodeVersion.replace(/^v/, '').split('.')[0] ?? 'unknown'}.json`;

/** Every saved run, oldest Node first. */
export function loadGenericPathRuns(): SavedRun<GenericPathResults>[] {
  if (!repoFileExists(GENERIC_PATH_DIR)) return [];
  const major = (file: string): number => Number(/^node(\d+)\.json$/.exec(file)?.[1] ?? NaN);
  return readdirSync(resolve(REPO_ROOT, GENERIC_PATH_DIR))
    .filter((file) => Number.isInteger(major(file)))
    .sort((a, b) => major(a) - major(b))
    .map((file) => loadRun<GenericPathResults>(`${GENERIC_PATH_DIR}/${file}`))
    .filter((run): run is SavedRun<GenericPathResults> => run !== null);
}

/** The generic path's ratio to its target's reference: the limit for 32-bit types, ref() for u64. */
export function genericRatio(results: GenericPathResults, row: GenericPathRow): number {
  return row.type === 'u64' ? row.refNs / row.genericNs : results.limitNs / row.genericNs;
}

export function genericPathSections(run: SavedRun<GenericPathResults>): DocSection[] {
  const r = run.results;
  return [
    {
      title: `thisCpu.inc(ptr, type) on Node ${run.machine.nodeVersion}`,
      intro: [
        `One hot counter on one CPU, ${fmt.int(r.n)} increments a round, the median of ${r.rounds} rounds, variants ` +
          'interleaved round by round. The generic path checks the pointer and the type on every call; ref() checks once; ' +
          'the limit is a plain unshared `Int32Array ++`; the floor is a method that checks nothing, called through an ' +
          'imported binding as thisCpu is (bench/counters/imported-floor.ts).',
      ],
      tables: [
        {
          title: 'ns per increment',
          headers: ['type', 'generic', 'ref()', 'generic × limit', 'generic × ref()'],
          rows: r.rows.map((row) => [
            row.type,
            row.genericNs.toFixed(2),
            row.refNs.toFixed(2),
            fmt.times(r.limitNs / row.genericNs),
            fmt.times(row.refNs / row.genericNs),
          ]),
        },
      ],
      notes: [
        `The limit: ${r.limitNs.toFixed(2)} ns. The floor: ${r.floorNs.toFixed(2)} ns, ` +
          `${fmt.times(r.limitNs / r.floorNs)} the limit: no generic path called this way can be faster. ` +
          `The same loop on a plain BigUint64Array (\`+= 1n\`): ${r.limitU64Ns.toFixed(2)} ns; the u64 generic path is ` +
          `${fmt.times(r.limitU64Ns / (r.rows.find((row) => row.type === 'u64')?.genericNs ?? NaN))} that.`,
      ],
    },
  ];
}
