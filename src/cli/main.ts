#!/usr/bin/env node
/**
 * The `percpu` command. Exit codes: 0 when everything verified, 1 when a verification failed,
 * 2 for a usage error (the message names the flag and the value).
 */
import { Command, CommanderError } from 'commander';
import { type BenchFlags, addBenchOptions, benchCommand } from './commands/bench.js';
import { type LogFlags, addLogOptions, logCommand } from './commands/log.js';
import { type MapFlags, addMapOptions, mapCommand } from './commands/map.js';
import { type RunFlags, addRunOptions, runCommand } from './commands/run.js';
import { type StressFlags, addStressOptions, stressCommand } from './commands/stress.js';
import { type TraceFlags, addTraceOptions, traceCommand } from './commands/trace.js';
import { EXIT_OK, EXIT_USAGE } from './usage.js';
import { packageVersion } from './version.js';

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('percpu')
    .description("Linux's per-CPU allocator on Node.js worker threads: counter workloads, allocator stress, pictures")
    .version(packageVersion(), '-V, --version', 'print the version of percpu')
    .exitOverride()
    .showHelpAfterError('(add --help for the options)');
  addRunOptions(
    program.command('run').description('a concurrent counter workload: every CPU counts, the totals must be exact'),
  )
    .exitOverride()
    .action(async (flags: RunFlags) => setExit(await runCommand(flags)));
  addStressOptions(
    program.command('stress').description('allocator correctness under parallelism, optionally with worker deaths'),
  )
    .exitOverride()
    .action(async (flags: StressFlags) => setExit(await stressCommand(flags)));
  addMapOptions(
    program.command('map').description('run a workload, then print percpu_stats and draw every chunk as SVG'),
  )
    .exitOverride()
    .action(async (flags: MapFlags) => setExit(await mapCommand(flags)));
  addTraceOptions(
    program
      .command('trace')
      .description('run a workload with tracing on: Perfetto JSON, an SVG timeline, per-CPU event counts'),
  )
    .exitOverride()
    .action(async (flags: TraceFlags, command: Command) => setExit(await traceCommand(flags, command.args)));
  addBenchOptions(
    program
      .command('bench')
      .description('the benchmark suite (a source checkout): percpu against its peers, runtime costs, the allocator'),
  )
    .exitOverride()
    .action((flags: BenchFlags) => setExit(benchCommand(flags)));
  addLogOptions(
    program
      .command('log')
      .description('print a log file of run or stress readably, optionally one CPU or one level and above'),
  )
    .exitOverride()
    .action(async (file: string, flags: LogFlags) => setExit(await logCommand(file, flags)));
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; every other commander error is a usage error.
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
        ? EXIT_OK
        : EXIT_USAGE;
    }
    throw error;
  }
  return code;
}

process.exitCode = await main(process.argv);
