/**
 * What `run` and `stress` share: open the NDJSON log, watch for SIGINT and SIGTERM, run the
 * workload with a progress bar, close the log, print the report (JSON or text, with where the log
 * is and its line count) and turn the verdict into an exit code.
 *
 * Interrupted (signals.ts): the workload gets the stop flag the first signal raises, its tasks
 * return early, and it verifies, closes and reports what ran as at the end of a full run; the
 * report is marked `interrupted` and the exit code is 128 + the signal's number whatever the
 * verdict (the verdict is in the report).
 *
 * Context: main thread.
 */
import type { Logger } from 'pino';
import { countLines } from './log-lines.js';
import { openLogFile } from './log-file.js';
import type { Progress } from './progress.js';
import { type StopSignal, exitCodeOf, watchSignals } from './signals.js';
import type { StopFlag } from './stop-flag.js';
import { EXIT_OK, EXIT_VERIFY_FAILED } from './usage.js';

export interface LoggedWorkload<R> {
  readonly logPath: string;
  readonly logLevel: string;
  readonly json: boolean;
  readonly progress: Progress;
  run(logger: Logger, stop: StopFlag): Promise<R>;
  /** `interrupted`: the signal that stopped the workload early, or null. */
  print(report: R, logPath: string, logLines: number, interrupted: StopSignal | null): void;
  /** True when everything verified. */
  ok(report: R): boolean;
}

export async function runLoggedWorkload<R extends object>(workload: LoggedWorkload<R>): Promise<number> {
  const log = openLogFile(workload.logPath, workload.logLevel);
  const signals = watchSignals(log.logger, () => workload.progress.stop());
  let report: R;
  try {
    report = await workload.run(log.logger, signals.stop);
  } finally {
    workload.progress.stop();
    log.close();
    // From here on a signal ends the process at once, as Node does by default: the log is closed
    // and the report is about to be printed.
    signals.dispose();
  }
  const interrupted = signals.received();
  const logLines = countLines(log.path);
  if (workload.json) console.log(JSON.stringify({ ...report, interrupted, log: log.path, logLines }, null, 2));
  else workload.print(report, log.path, logLines, interrupted);
  if (interrupted !== null) return exitCodeOf(interrupted);
  return workload.ok(report) ? EXIT_OK : EXIT_VERIFY_FAILED;
}
