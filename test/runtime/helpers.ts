/**
 * Shared helpers of the runtime tests (not a test file itself): the fixtures' compiled URLs, a
 * pino logger that keeps its lines in memory, and a tracker that closes every runtime a test
 * opened (an afterEach, like tinypool's tests).
 */
import { type Logger, pino } from 'pino';
import { afterEach } from 'vitest';
import { Runtime, type RuntimeOptions, type TaskModule } from 'percpu';
import type * as CountingTasks from '../fixtures/counting-tasks.js';

/** The compiled tasks modules (`npx tsc -p tsconfig.json` builds them from test/fixtures/). */
export const COUNTING_TASKS = new URL('../../dist/test/fixtures/counting-tasks.js', import.meta.url);
export const BROKEN_TASKS = new URL('../../dist/test/fixtures/broken-tasks.js', import.meta.url);
export const START_THEN_EXIT = new URL('../../dist/test/fixtures/start-then-exit.js', import.meta.url);

/** The tasks of counting-tasks.ts, for typed runOn / runOnEach / run calls. */
export type Counting = typeof CountingTasks;

/** A tasks module type under which any name and any argument type-check (for bad names). */
export type Untyped = Record<string, (arg: unknown) => unknown>;

/** One parsed log line. */
export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly cpu?: number;
  readonly [field: string]: unknown;
}

export interface CapturedLog {
  readonly logger: Logger;
  /** Every line written, as written. */
  readonly lines: string[];
  records(): LogRecord[];
  /** Lines with message `msg` (and field cpu === `cpu` when given). */
  count(msg: string, cpu?: number): number;
}

/** A pino logger at `level` whose lines are kept in memory, never written to a stream. */
export function captureLogger(level = 'info'): CapturedLog {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(line) });
  const records = (): LogRecord[] => lines.map((line) => JSON.parse(line) as LogRecord);
  return {
    logger,
    lines,
    records,
    count: (msg, cpu) => records().filter((r) => r.msg === msg && (cpu === undefined || r.cpu === cpu)).length,
  };
}

/** Options of `start`: the runtime's, with tasks and logger defaulted. */
export type StartOptions = Omit<RuntimeOptions, 'tasks' | 'logger'> & {
  readonly tasks?: string | URL;
  readonly logger?: Logger;
};

export interface Tracker {
  /** Starts a runtime (tasks: counting-tasks, logger: a fresh capturing one) that afterEach closes. */
  start<T extends TaskModule = Counting>(options: StartOptions): Promise<Runtime<T>>;
}

/** Registers an afterEach that closes every runtime started through the returned tracker. */
export function trackRuntimes(): Tracker {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    const runtimes = open.splice(0);
    await Promise.all(runtimes.map((rt) => rt.close()));
  });
  return {
    async start<T extends TaskModule = Counting>(options: StartOptions): Promise<Runtime<T>> {
      const rt = await Runtime.start<T>({
        ...options,
        tasks: options.tasks ?? COUNTING_TASKS,
        logger: options.logger ?? captureLogger('info').logger,
      });
      open.push(rt);
      return rt;
    },
  };
}

/** The same runtime, typed so that any task name compiles (to test names it does not have). */
export function untyped<T extends TaskModule>(rt: Runtime<T>): Runtime<Untyped> {
  return rt;
}

/** What `fn` threw; fails the test when it returns normally. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, it returned normally');
}

/** What `promise` rejected with; fails the test when it fulfils. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, it fulfilled');
}

/** An allocation that must succeed. */
export function mustAlloc(rt: { alloc(size: number, align?: number): number | null }, size: number, align = 4): number {
  const ptr = rt.alloc(size, align);
  if (ptr === null) throw new Error(`rt.alloc(${size}, ${align}) returned null`);
  return ptr;
}
