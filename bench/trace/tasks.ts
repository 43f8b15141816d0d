/**
 * Tasks of the trace benchmark, timed on the CPU: the cost of one event against one clock read,
 * a thisCpu.log line, a line posted as a message (what thisCpu.log cost before the log ring) and
 * pino writing directly in the worker, all in the same worker in the same run, round after round;
 * and writers for the drain-rate test. The paths tracing hooks into: path-tasks.ts.
 *
 * Context: a CPU's worker thread.
 */
import { parentPort } from 'node:worker_threads';
import { pino } from 'pino';
import { thisCpu } from 'percpu/cpu';

export interface PerEventRound {
  /** ns per call, one figure per kind for this round. */
  readonly clockNs: number;
  readonly traceNs: number;
  readonly trace4Ns: number;
  /** thisCpu.log.info in bursts that fit the log ring (the coordinator drains between bursts). */
  readonly logNs: number;
  /** thisCpu.log.info without pause: once the ring is full, lines go as messages. */
  readonly logSustainedNs: number;
  /** pino in the worker, one postMessage per line (thisCpu.log before the log ring). */
  readonly postNs: number;
  /** pino in the worker writing synchronously to /dev/null. */
  readonly pinoNs: number;
}

let sink = 0;

function timeLoop(n: number, body: (i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body(i);
  return Number(process.hrtime.bigint() - start) / n;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function perEvent(arg: {
  readonly n: number;
  readonly logN: number;
  readonly rounds: number;
}): Promise<PerEventRound[]> {
  const posted = pino(
    { level: 'info', base: null, timestamp: false },
    { write: (line: string) => parentPort?.postMessage({ benchLine: line }) },
  );
  const direct = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));
  const rounds: PerEventRound[] = [];
  for (let r = 0; r < arg.rounds; r++) {
    const clockNs = timeLoop(arg.n, () => {
      sink += performance.now();
    });
    const traceNs = timeLoop(arg.n, (i) => thisCpu.trace('bench event', i));
    const trace4Ns = timeLoop(arg.n, (i) => thisCpu.trace('bench event 4', i, i, i, i));
    // Bursts of 100 lines (about 10 KiB, the ring holds 64 KiB); the coordinator drains every 20 ms.
    let logTotal = 0;
    for (let b = 0; b < arg.logN / 100; b++) {
      logTotal += timeLoop(100, (i) => thisCpu.log.info({ i, round: r }, 'bench line')) * 100;
      await pause(25);
    }
    const logNs = logTotal / arg.logN;
    const logSustainedNs = timeLoop(arg.logN, (i) => thisCpu.log.info({ i, round: r }, 'bench line'));
    await pause(50);
    const postNs = timeLoop(arg.logN, (i) => posted.info({ i, round: r }, 'bench line'));
    const pinoNs = timeLoop(arg.logN, (i) => direct.info({ i, round: r }, 'bench line'));
    rounds.push({ clockNs, traceNs, trace4Ns, logNs, logSustainedNs, postNs, pinoNs });
    await pause(50);
  }
  if (sink === 0.5) console.log(sink);
  return rounds;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes events flat out (perMs 0), or `perMs` events a millisecond: spinning between them
 * ('spin', the thread stays busy) or writing each millisecond's events at once and sleeping to the
 * next one ('sleep', leaving the core to others). Returns how many it wrote.
 */
export function writeFor(arg: {
  readonly ms: number;
  readonly perMs: number;
  readonly pace: 'spin' | 'sleep';
}): number {
  const start = performance.now();
  const end = start + arg.ms;
  let n = 0;
  if (arg.perMs <= 0) {
    while (performance.now() < end) for (let i = 0; i < 256; i++) thisCpu.trace('flat out', n++);
    return n;
  }
  for (let now = start; now < end; now = performance.now()) {
    const due = Math.floor((now - start) * arg.perMs);
    while (n < due) thisCpu.trace('paced', n++);
    // Atomics.wait on a private word: a sleep to the next millisecond (nothing ever notifies it).
    if (arg.pace === 'sleep') Atomics.wait(sleeper, 0, 0, Math.max(0, Math.ceil(now - start) - (now - start)) || 1);
  }
  return n;
}
