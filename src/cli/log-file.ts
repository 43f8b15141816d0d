/**
 * The NDJSON log file of a CLI run: one root pino logger writing synchronously to a file (so
 * nothing is lost at exit), one line per event, each CPU's lines carrying `cpu`.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Logger, pino } from 'pino';

export interface LogFile {
  readonly path: string;
  readonly logger: Logger;
  /** Flushes and closes the file. */
  close(): void;
}

/**
 * The default log path: a fresh file in the CLI's own directory under the OS temp directory,
 * which is created here if need be. (A path the user gives is never given a directory: see
 * writableFile in usage.ts.)
 */
export function defaultLogPath(command: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(tmpdir(), 'percpu');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${command}-${stamp}-${process.pid}.ndjson`);
}

/** A path as a POSIX shell reads it: as it is when that is safe, else in single quotes. */
function shellWord(path: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that prints a log readably (`percpu log`, commands/log.ts): through npx it runs in
 * a project that installed percpu and in a source checkout alike.
 */
export function logReadCommand(path: string): string {
  return `npx percpu log ${shellWord(path)}`;
}

export function openLogFile(path: string, level: string): LogFile {
  const absolute = resolve(path);
  const destination = pino.destination({ dest: absolute, sync: true, append: false });
  const logger = pino({ level }, destination);
  return {
    path: absolute,
    logger,
    close: () => {
      destination.flushSync();
      destination.end();
    },
  };
}
