/**
 * SIGINT and SIGTERM during `percpu run` and `percpu stress`. The first signal raises the
 * workload's stop flag (the CPUs' tasks return early), and the command goes on as at the end of a
 * full run: it verifies what ran, closes the runtime (the log gets its closing lines), prints the
 * report marked interrupted, and exits with 128 + the signal's number (130 for SIGINT, 143 for
 * SIGTERM). A second signal exits at once with its own code, printing nothing more.
 *
 * Context: main thread (the CLI's coordinator).
 */
import { constants } from 'node:os';
import type { Logger } from 'pino';
import { type StopFlag, newStopFlag, raiseStop } from './stop-flag.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';
const WATCHED: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

/** The shell's convention for a process ended by a signal: 128 + the signal's number. */
export function exitCodeOf(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

export interface SignalWatch {
  /** Raised on the first signal; pass it to the workload's tasks. */
  readonly stop: StopFlag;
  /** The first signal received, or null. */
  received(): StopSignal | null;
  /** Removes the handlers (Node's default, exit at once, applies again). */
  dispose(): void;
}

/**
 * Installs the handlers. `onFirst` runs on the first signal, right after the stop flag is raised
 * (to stop a progress bar, say).
 */
export function watchSignals(logger: Logger, onFirst: () => void = () => {}): SignalWatch {
  const stop = newStopFlag();
  let first: StopSignal | null = null;
  const handler = (signal: StopSignal): void => {
    if (first === null) {
      first = signal;
      raiseStop(stop);
      onFirst();
      // The log is written synchronously: this line is on disk before anything else happens.
      logger.warn({ signal }, 'signal received: stopping the workload');
      process.stderr.write(
        `percpu: ${signal}: stopping the workload; the report of what ran follows (${signal} again to exit at once)\n`,
      );
      return;
    }
    logger.error({ signal, first }, 'second signal: exiting at once');
    process.stderr.write(`percpu: ${signal} again: exiting at once, without the report\n`);
    process.exit(exitCodeOf(signal));
  };
  for (const signal of WATCHED) process.on(signal, handler);
  return {
    stop,
    received: () => first,
    dispose: () => {
      for (const signal of WATCHED) process.off(signal, handler);
    },
  };
}
