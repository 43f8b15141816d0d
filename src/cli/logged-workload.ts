/**
 * What `run` and `stress` share: open the NDJSON log, run the workload with a progress bar, close
 * the log, print the report (JSON or text, with where the log is and its line count) and turn
 * the verdict into an exit code.
 */
import type { Logger } from 'pino';
import { countLines } from './log-lines.js';
import { openLogFile } from './log-file.js';
import type { Progress } from './progress.js';
import { EXIT_OK, EXIT_VERIFY_FAILED } from './usage.js';

export interface LoggedWorkload<R> {
  readonly logPath: string;
  readonly logLevel: string;
  readonly json: boolean;
  readonly progress: Progress;
  run(logger: Logger): Promise<R>;
  print(report: R, logPath: string, logLines: number): void;
  /** True when everything verified. */
  ok(report: R): boolean;
}

export async function runLoggedWorkload<R extends object>(workload: LoggedWorkload<R>): Promise<number> {
  const log = openLogFile(workload.logPath, workload.logLevel);
  let report: R;
  try {
    report = await workload.run(log.logger);
  } finally {
    workload.progress.stop();
    log.close();
  }
  const logLines = countLines(log.path);
  if (workload.json) console.log(JSON.stringify({ ...report, log: log.path, logLines }, null, 2));
  else workload.print(report, log.path, logLines);
  return workload.ok(report) ? EXIT_OK : EXIT_VERIFY_FAILED;
}
