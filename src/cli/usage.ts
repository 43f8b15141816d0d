/**
 * Exit codes and option parsers shared by the subcommands. A bad flag value is a usage error
 * (exit 2) whose message names the flag, the value and what is allowed.
 */
import { InvalidArgumentError as CommanderArgumentError } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { MAX_CPUS } from '../runtime/options.js';

export const EXIT_OK = 0;
export const EXIT_VERIFY_FAILED = 1;
export const EXIT_USAGE = 2;

/** A parser for an integer flag in [min, max]; commander reports its error with the flag's name. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new CommanderArgumentError(`Expected an integer from ${min} to ${max}, got "${value}".`);
    }
    return n;
  };
}

/** A parser for a number of seconds in (0, max]. */
export function secondsUpTo(max: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) {
      throw new CommanderArgumentError(`Expected a number of seconds above 0 and at most ${max}, got "${value}".`);
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

/**
 * A parser for a file the command writes (--log, --out): checked before the workload runs, so a
 * path that cannot be written is a usage error, not a crash at the end. Not empty, not a
 * directory, and in a directory that exists (with `createDirs`, one that can be created: its
 * nearest existing ancestor is a directory).
 */
export function writableFile(createDirs: boolean): (value: string) => string {
  return (value: string): string => {
    if (value.trim() === '') throw new CommanderArgumentError(`Expected a file path, got "${value}".`);
    const absolute = resolve(value);
    if (isDirectory(absolute)) throw new CommanderArgumentError(`Expected a file path, got the directory "${value}".`);
    let parent = dirname(absolute);
    if (createDirs) while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
    if (!isDirectory(parent)) {
      throw new CommanderArgumentError(`Expected a file in ${createDirs ? 'a directory that exists or can be created' : 'an existing directory'}, got "${value}".`);
    }
    return value;
  };
}
