/**
 * `node dist/bench/run.js --only=trace [--full]` lands here: runs the trace benchmark, prints its
 * figures and saves them to bench-results/trace(.quick).json (with the machine and the command).
 *
 * Context: the benchmark's main thread.
 */
import os from 'node:os';
import { commandLine, flagValue, hasFlag, npmScript } from '../lib/args.js';
import { machineInfo } from '../lib/machine.js';
import { saveRun } from '../lib/saved.js';
import { formatTraceResults, runTraceSuite } from './suite.js';

export async function runTraceBenchmarks(argv: readonly string[]): Promise<void> {
  const mode = hasFlag(argv, 'full') ? 'full' : 'quick';
  const machine = machineInfo();
  console.error(
    `percpu trace benchmark, ${mode} sizes, on ${machine.cpuModel} (${machine.cores} cores), Node ${machine.nodeVersion}`,
  );
  const results = await runTraceSuite(mode, flagValue(argv, 'baseline') ?? null, (line) => console.error(`  ${line}`));
  const file = mode === 'full' ? 'bench-results/trace.json' : 'bench-results/trace.quick.json';
  saveRun(file, { machine, command: commandLine(argv), npmScript: npmScript(), loadAverageEnd: os.loadavg(), results });
  console.log(formatTraceResults(results));
  console.log(`\nresults: ${file}`);
}
