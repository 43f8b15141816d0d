/**
 * The CPU side of the core-to-core latency probe (core-latency.ts): two CPUs pass one shared
 * word back and forth, so every pass moves its cache line from one core to the other.
 */
import { awaitBarrier } from './timed.js';

/**
 * Word of `line` the two CPUs pass: byte 64 of a 128-byte buffer, so the 64-byte cache line that
 * holds it lies inside the buffer wherever the buffer starts, and no other data shares that line.
 */
export const PING_WORD = 16;
export const PING_BUFFER_BYTES = 128;

export interface PingPongArg {
  readonly barrier: SharedArrayBuffer;
  /** PING_BUFFER_BYTES, zeroed. */
  readonly line: SharedArrayBuffer;
  /** Side 0 writes odd values, side 1 even ones. */
  readonly side: 0 | 1;
  readonly trips: number;
}

/** A wait this long means the other side is gone: give up instead of spinning for ever. */
const MAX_SPINS = 2_000_000_000;

function waitFor(word: Int32Array, value: number): void {
  let spins = 0;
  // Atomics.load: the other CPU's Atomics.store hands the word over.
  while (Atomics.load(word, PING_WORD) !== value) {
    if (++spins > MAX_SPINS) throw new Error(`ping-pong: the other CPU never wrote ${value}`);
  }
}

/** Runs `trips` round trips; side 0 returns their elapsed ns (side 1: 0). */
export function pingPong(arg: PingPongArg): number {
  const word = new Int32Array(arg.line);
  awaitBarrier(arg.barrier);
  const start = process.hrtime.bigint();
  for (let trip = 0; trip < arg.trips; trip++) {
    const mine = 2 * trip + arg.side;
    waitFor(word, mine);
    // Atomics.store: hands the word (and its cache line) to the other CPU.
    Atomics.store(word, PING_WORD, mine + 1);
  }
  if (arg.side === 1) return 0;
  waitFor(word, 2 * arg.trips);
  return Number(process.hrtime.bigint() - start);
}
