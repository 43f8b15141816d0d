/** `percpu map`: run a workload, then print the percpu_stats report and write the chunk picture. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { PercpuAllocator } from '../../allocator/allocator.js';
import { type ChunkPicture, snapshotChunks } from '../../allocator/snapshot.js';
import type { AllocatorStats } from '../../allocator/stats.js';
import { VerifyError } from '../../errors.js';
import { DEFAULT_UNIT_SIZE } from '../../memory/layout.js';
import { bytes, counted, int } from '../../util/format.js';
import { renderConsoleTable } from '../../util/table.js';
import { openLogFile, defaultLogPath } from '../log-file.js';
import { runStress } from '../stress-workload.js';
import { runWorkload } from '../run-workload.js';
import { renderChunkMap } from '../svg-map.js';
import { EXIT_OK, EXIT_VERIFY_FAILED, cpusFlag, integerIn, writableFile } from '../usage.js';

export interface MapFlags {
  readonly after: 'stress' | 'run';
  readonly out: string;
  readonly cpus: number;
  readonly ops?: number;
  readonly seed: number;
  readonly maxSize: number;
  readonly counters: number;
  readonly json?: boolean;
}

export function addMapOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--after <workload>', 'the workload to run first').choices(['stress', 'run']).default('stress'),
    )
    .option('--out <file>', 'where to write the SVG picture', writableFile, 'percpu-map.svg')
    .option('--cpus <n>', 'CPUs of the workload', cpusFlag, 2)
    .option('--ops <n>', 'operations per CPU (default: 2000 for stress, 2,000,000 for run)', integerIn(1, 1e12))
    .option('--seed <n>', 'seed of the workload', integerIn(0, 2 ** 32 - 1), 1)
    .option('--max-size <bytes>', 'stress: largest allocation', integerIn(1, DEFAULT_UNIT_SIZE), 4096)
    .option('--counters <n>', 'run: counter objects', integerIn(1, 100_000), 64)
    .option('--json', 'print one JSON document instead of tables');
}

interface MapReport {
  readonly after: 'stress' | 'run';
  readonly svg: string;
  readonly workloadOk: boolean;
  readonly allocator: AllocatorStats;
  readonly chunks: readonly ChunkPicture['stats'][];
}

export async function mapCommand(flags: MapFlags): Promise<number> {
  let pictures: ChunkPicture[] = [];
  let allocator: AllocatorStats | null = null;
  const capture = (a: PercpuAllocator): void => {
    pictures = snapshotChunks(a);
    allocator = a.stats();
  };
  const log = openLogFile(defaultLogPath('map'), 'warn');
  let workloadOk: boolean;
  try {
    if (flags.after === 'stress') {
      const report = await runStress({
        cpus: flags.cpus,
        ops: flags.ops ?? 2000,
        seed: flags.seed,
        maxSize: flags.maxSize,
        faults: 0,
        logger: log.logger,
        beforeCleanup: capture,
      });
      workloadOk = report.ok;
    } else {
      const report = await runWorkload({
        cpus: flags.cpus,
        online: flags.cpus,
        counters: flags.counters,
        ops: flags.ops ?? 2_000_000,
        seconds: 0,
        seed: flags.seed,
        logger: log.logger,
        beforeCleanup: capture,
      });
      workloadOk = report.exact && report.leaks === 0;
    }
  } finally {
    log.close();
  }
  if (allocator === null)
    throw new VerifyError([`the ${flags.after} workload ended without calling beforeCleanup: no snapshot to draw`]);
  const svgPath = resolve(flags.out);
  writeFileSync(
    svgPath,
    renderChunkMap(pictures, `percpu map after ${flags.after}: ${counted(pictures.length, 'chunk')}`),
  );
  const report: MapReport = {
    after: flags.after,
    svg: svgPath,
    workloadOk,
    allocator,
    chunks: pictures.map((p) => p.stats),
  };
  if (flags.json === true) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const a: AllocatorStats = allocator;
    console.log(`percpu_stats after ${flags.after} (before the workload freed its areas)\n`);
    console.log(
      renderConsoleTable({
        title: 'Global',
        headers: [
          'nr_alloc',
          'nr_dealloc',
          'nr_cur_alloc',
          'nr_max_alloc',
          'nr_chunks',
          'nr_max_chunks',
          'min_alloc',
          'max_alloc',
          'populated',
          'empty_pop_pages',
        ],
        rows: [
          [
            int(a.nrAlloc),
            int(a.nrDealloc),
            int(a.nrCurAlloc),
            int(a.nrMaxAlloc),
            String(a.nrChunks),
            String(a.nrMaxChunks),
            bytes(a.minAllocSize),
            bytes(a.maxAllocSize),
            counted(a.populatedPages, 'page'),
            String(a.emptyPopPages),
          ],
        ],
      }),
    );
    console.log('');
    console.log(
      renderConsoleTable({
        title: 'Per chunk',
        headers: [
          'chunk',
          'areas',
          'free',
          'contig',
          'sum_frag',
          'max_frag',
          'first_free',
          'populated',
          'min/med/max alloc',
        ],
        rows: pictures.map(({ stats: s }) => [
          String(s.index),
          int(s.nrAreas),
          bytes(s.freeBytes),
          bytes(s.contigBytes),
          bytes(s.sumFragBytes),
          bytes(s.maxFragBytes),
          String(s.firstFreeByte),
          `${s.populatedPages}/${s.nrPages}`,
          `${s.curMinAlloc}/${s.curMedAlloc}/${s.curMaxAlloc}`,
        ]),
      }),
    );
    console.log(`\npicture: ${svgPath}`);
  }
  return workloadOk ? EXIT_OK : EXIT_VERIFY_FAILED;
}
