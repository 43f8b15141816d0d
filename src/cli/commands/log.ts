/**
 * `percpu log <file>`: prints an NDJSON log of `run` or `stress` readably (pino-pretty does the
 * formatting), optionally only one CPU's lines or only lines at a level and above. The file is
 * read line by line, so a log of any size streams through.
 *
 * Context: main thread.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Command, Option } from 'commander';
import { type MessageFormatFunc, isColorSupported, prettyFactory } from 'pino-pretty';
import { MAX_CPUS } from '../../runtime/options.js';
import { counted } from '../../util/format.js';
import { EXIT_OK, integerIn, readableFile } from '../usage.js';

export interface LogFlags {
  readonly cpu?: number;
  readonly level?: LogLineLevel;
}

/** pino's levels and their numbers, as its lines carry them in `level`. */
const LEVEL_NUMBERS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LogLineLevel = keyof typeof LEVEL_NUMBERS;

export function addLogOptions(command: Command): Command {
  return command
    .argument('<file>', 'an NDJSON log written by percpu run or percpu stress', readableFile)
    .option('--cpu <n>', "only this CPU's lines (those that carry cpu: n)", integerIn(0, MAX_CPUS - 1))
    .addOption(new Option('--level <level>', 'only lines at this level and above').choices(Object.keys(LEVEL_NUMBERS)));
}

/** "[cpu 1] CPU online": the CPU first, so one CPU's lines are easy to follow. */
const messageWithCpu: MessageFormatFunc = (log, messageKey) => {
  const value = log[messageKey];
  const message = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  return typeof log['cpu'] === 'number' ? `[cpu ${log['cpu']}] ${message}` : message;
};

function parsed(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export async function logCommand(file: string, flags: LogFlags): Promise<number> {
  const pretty = prettyFactory({
    colorize: isColorSupported,
    ignore: 'pid,hostname,cpu',
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    messageFormat: messageWithCpu,
  });
  const minLevel = flags.level === undefined ? null : LEVEL_NUMBERS[flags.level];
  const filtered = flags.cpu !== undefined || minLevel !== null;
  // Reading stops quietly when the reader of stdout goes away (`percpu log x | head`).
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  let lines = 0;
  let shown = 0;
  const input = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of input) {
    if (closed) break;
    if (line.trim() === '') continue;
    lines++;
    const entry = parsed(line);
    if (filtered) {
      // A line that is not a pino line has no CPU and no level: it matches no filter.
      if (entry === null) continue;
      if (flags.cpu !== undefined && entry['cpu'] !== flags.cpu) continue;
      if (minLevel !== null && !(typeof entry['level'] === 'number' && entry['level'] >= minLevel)) continue;
    }
    shown++;
    // pino-pretty prints a line that is not JSON as it is.
    process.stdout.write(entry === null ? `${line}\n` : pretty(entry));
  }
  input.close();
  if (shown === 0 && lines > 0) {
    const filters = [
      flags.cpu !== undefined ? `--cpu ${flags.cpu}` : '',
      flags.level !== undefined ? `--level ${flags.level}` : '',
    ].filter((f) => f !== '');
    console.error(`percpu log: no line matched ${filters.join(' ')} (${counted(lines, 'line')} in the file)`);
  }
  return EXIT_OK;
}
