/**
 * The control buffer: one SharedArrayBuffer shared by the coordinator and every CPU, for what is
 * not per-CPU data: the allocation mailboxes and the global counts of percpu_counters. Per-CPU
 * data never lives here, and nothing here is touched on the thisCpu update path.
 *
 *   | header (128) | mailbox cpu 0 (128) | mailbox cpu 1 | ... | counter slot 0 (16) | slot 1 | ...
 *     ... | slot maxCounters-1 | (to a CONTROL_LINE boundary) | generation 0 (4) | generation 1 | ...
 *
 * This file is the whole picture: the header's words and where each region starts. What is
 * inside a region belongs to the code that uses it:
 *   - a mailbox's words (request, reply, state): src/mailbox/layout.ts;
 *   - a counter slot's words (count, fold lock, reader waiting) and the generation words:
 *     src/counter/slot-layout.ts.
 *
 * The generation words (one s32 per counter slot) are apart from the slots, on lines of their
 * own: a CPU reads its counter's generation on every add, and the slots' lines are written by
 * every fold; generations are written only when a counter is destroyed, so their lines stay
 * shared in every CPU's cache.
 *
 * All indexes below are Int32Array indexes (4-byte words) unless the name says otherwise.
 */

/** Bytes per mailbox and for the header: two 64-byte cache lines, so CPUs never share one. */
export const CONTROL_LINE = 128;
export const CONTROL_LINE_WORDS = CONTROL_LINE / 4;

/**
 * Header word 0: the doorbell. A CPU that posts a request increments it (Atomics.add) and
 * notifies; the coordinator waits on it with Atomics.waitAsync, so no request is missed between
 * two waits.
 */
export const DOORBELL = 0;
/** Header word 1: set to 1 when the runtime closes, so CPUs stop posting requests. */
export const CLOSING = 1;
/**
 * Header word 2: the number of counter slots (option maxCounters), written once by the
 * coordinator before any worker starts (starting a worker orders it before the worker's reads).
 */
export const MAX_COUNTERS = 2;

/** Words per mailbox: one CONTROL_LINE (its words: src/mailbox/layout.ts). */
export const MAILBOX_WORDS = CONTROL_LINE_WORDS;

/** Word index of CPU `cpu`'s mailbox: after the header, one CONTROL_LINE per CPU. */
export function mailboxIndex(cpu: number): number {
  return CONTROL_LINE_WORDS + MAILBOX_WORDS * cpu;
}

/** Bytes per percpu_counter slot (its words: src/counter/slot-layout.ts). */
export const COUNTER_SLOT = 16;

/** Byte offset of the first counter slot: after the header and `cpus` mailboxes. */
export function counterSlotsByte(cpus: number): number {
  return CONTROL_LINE * (1 + cpus);
}

/** Int32 index of the first generation word: after the counter slots, on a CONTROL_LINE boundary. */
export function generationsIndex(cpus: number, maxCounters: number): number {
  const start = Math.ceil((counterSlotsByte(cpus) + COUNTER_SLOT * maxCounters) / CONTROL_LINE) * CONTROL_LINE;
  return start / 4;
}

/** Bytes of the control buffer: up to a CONTROL_LINE boundary (a multiple of 8 for the s64 view). */
export function controlBufferSize(cpus: number, maxCounters: number): number {
  return Math.ceil(((generationsIndex(cpus, maxCounters) + maxCounters) * 4) / CONTROL_LINE) * CONTROL_LINE;
}
