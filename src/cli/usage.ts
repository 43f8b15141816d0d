/**
 * Exit codes and option parsers shared by the subcommands. A bad flag value is a usage error
 * (exit 2) whose message names the flag, the value and what is allowed.
 */
import { InvalidArgumentError as CommanderArgumentError } from 'commander';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { MAX_CPUS } from '../runtime/options.js';

export const EXIT_OK = 0;
export const EXIT_VERIFY_FAILED = 1;
export const EXIT_USAGE = 2;

/** A plain decimal integer: digits, with a minus sign for a negative one (no 0x2, 1e3, +2, 2.0 or spaces). */
const DECIMAL_INTEGER = /^-?[0-9]+$/;
/** A plain decimal number: digits with an optional fraction (no 0x2, 1e3, .5, Infinity or spaces). */
const DECIMAL_NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;

/**
 * A parser for an integer flag in [min, max], written in plain decimal digits; commander reports
 * its error with the flag's name.
 */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!DECIMAL_INTEGER.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new CommanderArgumentError(`Expected a decimal integer from ${min} to ${max}, got "${value}".`);
    }
    return n === 0 ? 0 : n; // "-0" is 0
  };
}

/** A parser for a number of seconds in (0, max], written in plain decimal digits. */
export function secondsUpTo(max: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!DECIMAL_NUMBER.test(value) || !Number.isFinite(n) || n <= 0 || n > max) {
      throw new CommanderArgumentError(
        `Expected a decimal number of seconds above 0 and at most ${max}, got "${value}".`,
      );
    }
    return n;
  };
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export function logLevel(value: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new CommanderArgumentError(`Expected one of ${LOG_LEVELS.join(', ')}, got "${value}".`);
  }
  return value;
}

/** Default possible CPUs: the machine's parallelism, at least 2. */
export function defaultCpus(): number {
  return Math.min(MAX_CPUS, Math.max(2, availableParallelism()));
}

export const cpusFlag = integerIn(1, MAX_CPUS);

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The parser of every flag naming a file the command writes (`--log` of run and stress, `--out`
 * of map), one rule for all: checked before the workload runs, so a path that cannot be written
 * is a usage error, not a crash at the end or a directory made behind the user's back. Not empty,
 * not a directory, not an existing file that cannot be written, and in a directory that exists
 * and can be written. The CLI creates no directory for a path it is given (it creates only its
 * own default log directory under the temp directory).
 */
export function writableFile(value: string): string {
  if (value.trim() === '') throw new CommanderArgumentError(`Expected a file path, got "${value}".`);
  const absolute = resolve(value);
  if (isDirectory(absolute)) throw new CommanderArgumentError(`Expected a file path, got the directory "${value}".`);
  const parent = dirname(absolute);
  if (!isDirectory(parent)) {
    throw new CommanderArgumentError(
      `Expected a file in an existing directory (no directory is created), got "${value}".`,
    );
  }
  if (!canWrite(parent) || (existsSync(absolute) && !canWrite(absolute))) {
    throw new CommanderArgumentError(`Expected a file this user can write, got "${value}".`);
  }
  return value;
}

/** The parser of a file the command reads (`percpu log <file>`): it exists, is a file and can be read. */
export function readableFile(value: string): string {
  const absolute = resolve(value);
  if (value.trim() === '' || !existsSync(absolute) || isDirectory(absolute)) {
    throw new CommanderArgumentError(`Expected an existing file, got "${value}".`);
  }
  try {
    accessSync(absolute, constants.R_OK);
  } catch {
    throw new CommanderArgumentError(`Expected a file this user can read, got "${value}".`);
  }
  return value;
}
