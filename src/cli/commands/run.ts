/** `percpu run`: options, the report on a terminal, and --json. */
import { type Command, Option } from 'commander';
import { bytes, counted, int, pct } from '../../util/format.js';
import { renderConsoleTable } from '../../util/table.js';
import { renderCounterTable } from '../counter-table.js';
import { defaultLogPath, logReadCommand } from '../log-file.js';
import { runLoggedWorkload } from '../logged-workload.js';
import { startProgress } from '../progress.js';
import type { StopSignal } from '../signals.js';
import { TraceSession, formatTraceSummary } from '../trace-session.js';
import { type RunReport, runWorkload } from '../run-workload.js';
import { EXIT_USAGE, cpusFlag, defaultCpus, integerIn, logLevel, secondsUpTo, writableFile } from '../usage.js';

export interface RunFlags {
  readonly cpus: number;
  readonly online?: number;
  readonly counters: number;
  readonly ops: number;
  readonly seconds?: number;
  readonly seed: number;
  readonly log?: string;
  readonly logLevel: string;
  readonly json?: boolean;
  readonly trace?: string;
  readonly metricsPort?: number;
  readonly allCounters?: boolean;
}

/**
 * Default operations per CPU: about five seconds of counting on a 2-core machine (npm start, with its
 * build, about ten).
 */
export const DEFAULT_RUN_OPS = 120_000_000;

export function addRunOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--cpus <n>', 'possible CPUs')
        .argParser(cpusFlag)
        .default(defaultCpus(), `the machine's parallelism, at least 2: ${defaultCpus()} here`),
    )
    .option('--online <n>', 'CPUs online (default: all possible CPUs)', integerIn(1, 1024))
    .option(
      '--counters <n>',
      'counter objects the coordinator allocates (a third are 32-field MIBs)',
      integerIn(1, 100_000),
      64,
    )
    .addOption(
      new Option('--ops <n>', 'operations per CPU')
        .argParser(integerIn(1, 1e12))
        .default(DEFAULT_RUN_OPS, int(DEFAULT_RUN_OPS)),
    )
    .option('--seconds <s>', 'run for this long instead of --ops', secondsUpTo(86_400))
    .option('--seed <n>', 'seed of the pseudo-random choices', integerIn(0, 2 ** 32 - 1), 1)
    .option('--log <file>', 'NDJSON log file (default: a new file under the temp directory)', writableFile)
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent', logLevel, 'info')
    .option('--trace <file>', 'trace the workload: Perfetto JSON to this file, an SVG timeline beside it', writableFile)
    .option(
      '--metrics-port <port>',
      "serve the run's metrics on 127.0.0.1:<port>/metrics while it runs (0: any free port)",
      integerIn(0, 65535),
    )
    .option('--json', 'print one JSON document instead of tables')
    .option(
      '--all-counters',
      'list every counter object in the table (default: the 8 busiest, any mismatch, and the total)',
    )
    .hook('preAction', (command) => {
      // A usage error like commander's own: the same message form, the help hint, exit 2.
      const problem = checkRunFlags(command.opts<RunFlags>());
      if (problem !== null) command.error(problem, { exitCode: EXIT_USAGE, code: 'percpu.usage' });
    });
}

/** Checks flag combinations commander cannot; returns an error message or null. */
export function checkRunFlags(flags: RunFlags): string | null {
  if (flags.online !== undefined && flags.online > flags.cpus) {
    return (
      `error: option '--online <n>' argument '${flags.online}' is invalid. ` +
      `Expected at most --cpus (${flags.cpus}).`
    );
  }
  return null;
}

function printRunReport(
  report: RunReport,
  logPath: string,
  logLines: number,
  interrupted: StopSignal | null,
  allCounters: boolean,
): void {
  const mode = report.opsPerCpu !== null ? `${counted(report.opsPerCpu, 'op')} per CPU` : `${report.seconds} s`;
  console.log(
    `percpu run: ${counted(report.cpus, 'possible CPU')}, ${report.online} online, ${mode}, seed ${report.seed}\n`,
  );
  if (interrupted !== null) {
    console.log(
      `INTERRUPTED by ${interrupted}: the CPUs stopped early; ` +
        `this partial report covers the operations that ran, verified as in a full run\n`,
    );
  }
  console.log(
    renderConsoleTable({
      title: 'Per CPU',
      headers: ['CPU', 'operations', 'seconds', 'ops/s', 'share'],
      rows: report.perCpu.map((c) => [
        String(c.cpu),
        int(c.ops),
        c.seconds.toFixed(2),
        int(c.opsPerSecond),
        pct(c.share, 1),
      ]),
    }),
  );
  console.log(
    `total: ${counted(report.totalOps, 'operation')} in ${report.wallSeconds.toFixed(2)} s` +
      ` (${int(report.totalOps / report.wallSeconds)} ops/s)\n`,
  );
  console.log(renderCounterTable(report.counters, allCounters));
  console.log(
    `\nall counters: expected ${BigInt(report.expected).toLocaleString('en-US')}, ` +
      `actual ${BigInt(report.actual).toLocaleString('en-US')}` +
      `: ${report.exact ? 'EXACT' : counted(report.mismatches, 'MISMATCH', 'MISMATCHES')}`,
  );
  const a = report.allocator;
  console.log(
    `allocator: ${counted(a.nrAlloc, 'allocation')}, ${counted(a.nrDealloc, 'free')}, ` +
      `peak ${int(a.nrMaxAlloc)} live, ${counted(a.nrMaxChunks, 'chunk')} at most,` +
      ` ${counted(a.populatedPages, 'page')} populated (${bytes(a.populatedBytes)}), ` +
      `leaks ${report.leaks}, verify ${report.verified ? 'OK' : 'FAILED'}`,
  );
  console.log(`log: ${logPath} (${counted(logLines, 'line')}; read it with: ${logReadCommand(logPath)})`);
  if (interrupted !== null) {
    const requested = report.opsPerCpu === null ? '' : ` of ${int(report.opsPerCpu * report.online)} requested`;
    const verdict = report.exact && report.leaks === 0 && report.verified ? 'verified' : 'NOT verified';
    console.log(
      `result: INTERRUPTED by ${interrupted} after ${counted(report.totalOps, 'operation')}${requested}; ` +
        `what ran ${verdict}`,
    );
  }
}

export async function runCommand(flags: RunFlags): Promise<number> {
  const online = flags.online ?? flags.cpus;
  const byTime = flags.seconds !== undefined;
  const progress = byTime
    ? startProgress(Math.round((flags.seconds ?? 0) * 10) / 10, 's', flags.json !== true)
    : startProgress(flags.ops * online, 'ops', flags.json !== true);
  const started = performance.now();
  const trace = flags.trace === undefined ? undefined : new TraceSession(flags.trace);
  const code = await runLoggedWorkload<RunReport>({
    logPath: flags.log ?? defaultLogPath('run'),
    logLevel: flags.logLevel,
    json: flags.json === true,
    progress,
    run: (logger, stop) =>
      runWorkload({
        cpus: flags.cpus,
        online,
        counters: flags.counters,
        ops: byTime ? 0 : flags.ops,
        seconds: flags.seconds ?? 0,
        seed: flags.seed,
        logger,
        stop,
        ...(flags.metricsPort !== undefined ? { metricsPort: flags.metricsPort } : {}),
        onProgress: (done) => progress.update(byTime ? Math.round((performance.now() - started) / 100) / 10 : done),
        ...(trace !== undefined ? { trace } : {}),
      }),
    print: (report, logPath, logLines, interrupted) =>
      printRunReport(report, logPath, logLines, interrupted, flags.allCounters === true),
    ok: (report) => report.exact && report.leaks === 0 && report.verified,
  });
  // With --json, stdout holds the one JSON document: the trace summary goes to stderr.
  if (trace?.summary) (flags.json === true ? console.error : console.log)(formatTraceSummary(trace.summary));
  return code;
}
