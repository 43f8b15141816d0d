/**
 * `percpu trace --after run|stress [their flags] --out trace.json`: runs the workload with
 * tracing on, writes the Perfetto JSON and an SVG timeline beside it, and prints per CPU the
 * events written, drained and lost and the busiest event names (what `run --trace` and
 * `stress --trace` do, as one command).
 *
 * Context: the CLI's main thread.
 */
import { Command, Option } from 'commander';
import { type RunFlags, addRunOptions, runCommand } from './run.js';
import { type StressFlags, addStressOptions, stressCommand } from './stress.js';
import { EXIT_USAGE, writableFile } from '../usage.js';

export interface TraceFlags {
  readonly after: 'run' | 'stress';
  readonly out: string;
}

export function addTraceOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--after <workload>', 'the workload to trace').choices(['run', 'stress']).makeOptionMandatory(),
    )
    .option('--out <file>', 'the Perfetto JSON (the SVG timeline goes beside it, as .svg)', writableFile, 'trace.json')
    .helpCommand(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', "\nEvery other flag is the workload's: see `percpu run --help` and `percpu stress --help`.");
}

/** `rest`: the flags that are not trace's, parsed as the workload's own. */
export async function traceCommand(flags: TraceFlags, rest: readonly string[]): Promise<number> {
  if (rest.includes('--trace')) {
    console.error("error: option '--trace' is set by `percpu trace` itself (use --out)");
    return EXIT_USAGE;
  }
  const workload = (
    flags.after === 'run' ? addRunOptions(new Command('run')) : addStressOptions(new Command('stress'))
  ).exitOverride();
  workload.parse([...rest], { from: 'user' });
  const parsed = { ...workload.opts(), trace: flags.out };
  return flags.after === 'run'
    ? runCommand(parsed as unknown as RunFlags)
    : stressCommand(parsed as unknown as StressFlags);
}
