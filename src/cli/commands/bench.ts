/**
 * `percpu bench`: the benchmark suite of a source checkout (bench/, built to dist/bench/), run in
 * a child process with the same flags as `npm run bench`. An installed package has no benchmarks:
 * that is a usage error that says where to get them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, Option } from 'commander';
import { EXIT_USAGE, cpusFlag, integerIn } from '../usage.js';

export interface BenchFlags {
  readonly full?: boolean;
  readonly only?: string;
  readonly cpus?: number;
  readonly seed?: number;
  readonly reportOnly?: boolean;
}

/** dist/bench/run.js, next to dist/src/cli/commands/ in a built checkout. */
const BENCH_ENTRY = fileURLToPath(new URL('../../../bench/run.js', import.meta.url));

export function addBenchOptions(command: Command): Command {
  return command
    .option('--full', 'full sizes: regenerates docs/benchmarks.md (default: quick sizes into bench-results/)')
    .addOption(
      new Option(
        '--only <suites>',
        'comma-separated suites to run: counters, costs, allocator; or trace alone (bench/trace/)',
      ),
    )
    .option('--cpus <n>', 'the counter section at 1, 2, 4, ... n CPUs', cpusFlag)
    .option('--seed <n>', 'seed of the pseudo-random choices', integerIn(0, 2 ** 32 - 1))
    .option('--report-only', 'regenerate the report from saved results, running nothing');
}

export function benchCommand(flags: BenchFlags): number {
  if (!existsSync(BENCH_ENTRY)) {
    console.error(
      `percpu bench: no benchmark suite at ${BENCH_ENTRY}; ` +
        `it ships with the source checkout (git clone, npm install, npm run build)`,
    );
    return EXIT_USAGE;
  }
  const args = [BENCH_ENTRY];
  if (flags.full === true) args.push('--full');
  if (flags.only !== undefined) args.push(`--only=${flags.only}`);
  if (flags.cpus !== undefined) args.push(`--cpus=${flags.cpus}`);
  if (flags.seed !== undefined) args.push(`--seed=${flags.seed}`);
  if (flags.reportOnly === true) args.push('--report-only');
  const child = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (child.error !== undefined) throw child.error;
  return child.status ?? 1;
}
