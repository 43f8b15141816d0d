/**
 * Exit codes and option parsers shared by the subcommands. A bad flag value is a usage error
 * (exit 2) whose message names the flag, the value and what is allowed.
 */
import { InvalidArgumentError as CommanderArgumentError } from 'commander';
import { availableParallelism } from 'node:os';
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
