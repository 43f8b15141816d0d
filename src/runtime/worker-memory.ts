/**
 * How many CPU workers this process can afford, checked before any is started: `cpus: 1024` with
 * every CPU online would otherwise start a thousand threads and take the machine's memory down
 * before anything failed.
 *
 * Each worker costs about WORKER_RSS_BYTES of resident memory once it has loaded (its isolate,
 * piscina, pino and percpu's CPU side), measured by `node dist/bench/worker-start.js`. The
 * workers a runtime runs may take at most WORKER_MEMORY_SHARE of the memory available when a
 * worker is started: the smaller of what the system reports available and what a cgroup limit
 * leaves this process.
 *
 * Context: the coordinator.
 */
import { freemem } from 'node:os';
import { InsufficientMemoryError } from '../errors.js';

/**
 * Resident memory of one idle CPU worker, rounded up: 11.1-12.9 MiB per worker were measured with
 * 1, 8 and 32 workers on Node 20 (`node dist/bench/worker-start.js`).
 */
export const WORKER_RSS_BYTES = 16 * 1024 * 1024;

/** The share of the available memory a runtime's workers may take. */
export const WORKER_MEMORY_SHARE = 0.5;

/** Bytes this process may still take: the system's available memory, or less under a cgroup limit. */
export function availableMemory(): number {
  const available = freemem();
  // process.constrainedMemory(): the cgroup limit, 0 (or a huge number) when there is none.
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  if (constrained > 0 && constrained < Number.MAX_SAFE_INTEGER) {
    return Math.min(available, Math.max(0, constrained - process.memoryUsage.rss()));
  }
  return available;
}

/**
 * Throws InsufficientMemoryError when `workers` more workers (beside `running` already running)
 * would pass the share of the available memory. `what` says what was asked, for the message.
 */
export function checkWorkerMemory(what: string, workers: number, running: number, available = availableMemory()): void {
  const needed = workers * WORKER_RSS_BYTES;
  const budget = Math.floor(available * WORKER_MEMORY_SHARE);
  if (needed <= budget) return;
  const mib = (n: number): string => `${Math.round(n / (1024 * 1024))} MiB`;
  const most = Math.floor(budget / WORKER_RSS_BYTES);
  throw new InsufficientMemoryError(
    what,
    needed,
    available,
    `${workers} more CPU worker${workers === 1 ? '' : 's'} (beside ${running} running) ` +
      `would need about ${mib(needed)} (${mib(WORKER_RSS_BYTES)} each), ` +
      `and a runtime's workers may take at most half of the ${mib(available)} available ` +
      `now: at most ${most} more can start`,
  );
}
