/** `percpu stress`: options, the report on a terminal, and --json. */
import { type Command, Option } from 'commander';
import { DEFAULT_UNIT_SIZE } from '../../memory/layout.js';
import { bytes, counted, int } from '../../util/format.js';
import { defaultLogPath, logReadCommand } from '../log-file.js';
import { runLoggedWorkload } from '../logged-workload.js';
import { startProgress } from '../progress.js';
import type { StopSignal } from '../signals.js';
import { TraceSession, formatTraceSummary } from '../trace-session.js';
import { type StressReport, runStress } from '../stress-workload.js';
import { cpusFlag, defaultCpus, integerIn, logLevel, writableFile } from '../usage.js';

export interface StressFlags {
  readonly cpus: number;
  readonly ops: number;
  readonly seed: number;
  readonly maxSize: number;
  readonly faults: number;
  readonly log?: string;
  readonly logLevel: string;
  readonly json?: boolean;
  readonly trace?: string;
  readonly metricsPort?: number;
}

export function addStressOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--cpus <n>', 'CPUs, all online')
        .argParser(cpusFlag)
        .default(defaultCpus(), `the machine's parallelism, at least 2: ${defaultCpus()} here`),
    )
    .option('--ops <n>', 'allocations and frees per CPU', integerIn(1, 1e9), 5000)
    .option('--seed <n>', 'seed of the pseudo-random choices (runs are reproducible)', integerIn(0, 2 ** 32 - 1), 1)
    .option(
      '--max-size <bytes>',
      `largest allocation, 1 to ${DEFAULT_UNIT_SIZE} (the unit size)`,
      integerIn(1, DEFAULT_UNIT_SIZE),
      4096,
    )
    .option(
      '--faults <n>',
      'worker deaths to inject (process.exit, exception in a timer, out of heap, terminate)',
      integerIn(0, 1e6),
      0,
    )
    .option('--log <file>', 'NDJSON log file (default: a new file under the temp directory)', writableFile)
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent', logLevel, 'info')
    .option('--trace <file>', 'trace the workload: Perfetto JSON to this file, an SVG timeline beside it', writableFile)
    .option(
      '--metrics-port <port>',
      "serve the run's metrics on 127.0.0.1:<port>/metrics while it runs (0: any free port)",
      integerIn(0, 65535),
    )
    .option('--json', 'print one JSON document instead of text');
}

function printStressReport(r: StressReport, logPath: string, logLines: number, interrupted: StopSignal | null): void {
  const kinds = Object.entries(r.faultsInjected)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  console.log(
    `percpu stress: ${counted(r.cpus, 'CPU')} × ${counted(r.opsPerCpu, 'operation')}, ` +
      `max size ${bytes(r.maxSize)}, seed ${r.seed}\n`,
  );
  if (interrupted !== null) {
    console.log(
      `INTERRUPTED by ${interrupted}: the CPUs stopped early; ` +
        `this partial report covers the operations that ran, verified as in a full run\n`,
    );
  }
  console.log(`operations         ${int(r.opsDone)} of ${int(r.opsPerCpu * r.cpus)}`);
  // The CPUs' and the coordinator's (the percpu_counter's) add up to the allocator's own counts.
  const a = r.allocator;
  console.log(
    `allocations        ${int(r.allocations)} for the CPUs + ${int(r.coordinatorAllocations)} ` +
      `by the coordinator (the percpu_counter${r.coordinatorAllocations > 1 ? ', the served metrics' : ''})` +
      ` = ${int(a.nrAlloc)}, the allocator's nr_alloc`,
  );
  console.log(
    `frees              ${int(r.frees)} for the CPUs + ${int(r.coordinatorFrees)} ` +
      `by the coordinator (the percpu_counter)` +
      ` = ${int(a.nrDealloc)}, the allocator's nr_dealloc`,
  );
  console.log(`bytes allocated    ${bytes(Number(r.bytes))}`);
  console.log(`peak live          ${int(r.peakLive)}`);
  console.log(`out of space       ${int(r.failedAllocations)}`);
  const short = r.faultsInjectedTotal < r.faultsRequested && !r.stopped ? '  <- fewer than requested' : '';
  console.log(
    `faults             requested ${r.faultsRequested}, injected ${r.faultsInjectedTotal} (${kinds}), ` +
      `worker deaths ${r.deaths}${short}`,
  );
  console.log(
    `violations         ${r.violations}${r.violations === 0 ? '' : '  <- areas overlapped or were not zeroed'}`,
  );
  console.log(`leaks              ${r.leaks}`);
  const c = r.counts;
  console.log(
    `counts             expected ${int(Number(c.expected))}, per-CPU u64 ${int(Number(c.perCpu))}, ` +
      `percpu_counter ${int(Number(c.counter))}, lost ${c.lost}`,
  );
  console.log(`verify()           ${r.verified ? 'OK' : `FAILED: ${r.verifyError ?? ''}`}`);
  console.log(`duration           ${r.seconds.toFixed(2)} s`);
  const verdict = r.ok ? 'OK' : `FAILED: ${r.problems.join('; ')}`;
  console.log(
    `result             ${interrupted === null ? verdict : `INTERRUPTED by ${interrupted}; what ran: ${verdict}`}`,
  );
  console.log(`log: ${logPath} (${counted(logLines, 'line')}; read it with: ${logReadCommand(logPath)})`);
}

export async function stressCommand(flags: StressFlags): Promise<number> {
  const progress = startProgress(flags.ops * flags.cpus, 'ops', flags.json !== true);
  const trace = flags.trace === undefined ? undefined : new TraceSession(flags.trace);
  const code = await runLoggedWorkload<StressReport>({
    logPath: flags.log ?? defaultLogPath('stress'),
    logLevel: flags.logLevel,
    json: flags.json === true,
    progress,
    run: (logger, stop) =>
      runStress({
        cpus: flags.cpus,
        ops: flags.ops,
        seed: flags.seed,
        maxSize: flags.maxSize,
        faults: flags.faults,
        logger,
        stop,
        ...(flags.metricsPort !== undefined ? { metricsPort: flags.metricsPort } : {}),
        onProgress: (done) => progress.update(done),
        ...(trace !== undefined ? { trace } : {}),
      }),
    print: printStressReport,
    ok: (report) => report.ok,
  });
  // With --json, stdout holds the one JSON document: the trace summary goes to stderr.
  if (trace?.summary) (flags.json === true ? console.error : console.log)(formatTraceSummary(trace.summary));
  return code;
}
