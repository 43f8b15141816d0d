/**
 * The control buffer: one SharedArrayBuffer shared by the coordinator and every CPU, for what is
 * not per-CPU data: the allocation mailboxes and the global counts of percpu_counters. Per-CPU
 * data never lives here, and nothing here is touched on the thisCpu update path.
 *
 *   | header (128) | mailbox cpu 0 (128) | mailbox cpu 1 | ... | counter slot 0 (16) | slot 1 | ...
 *     ... | slot maxCounters-1 | (to a CONTROL_LINE boundary) | generation 0 (4) | generation 1 | ...
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

/** Word index of CPU `cpu`'s mailbox. */
export function mailboxIndex(cpu: number): number {
  return CONTROL_LINE_WORDS * (1 + cpu);
}

/** Mailbox words, relative to mailboxIndex(cpu). */
export const MB_STATE = 0;
export const MB_OP = 1;
/** Request: size or ptr. */
export const MB_ARG0 = 2;
/** Request: align. */
export const MB_ARG1 = 3;
/** Request: flags, FLAG_RESERVED | FLAG_RECORD. */
export const MB_ARG2 = 4;
/** Response: a MailboxStatus. */
export const MB_STATUS = 5;
/** Response: the offset (as an unsigned 32-bit value), or a reason index for a bad free. */
export const MB_RESULT = 6;
/**
 * Request: with FLAG_RECORD, an offset in the requesting CPU's own unit where the coordinator
 * records the outcome before it replies: the new offset (u32) for an alloc, 0 for a free. So the
 * outcome is in the CPU's memory even if its worker dies before reading the reply.
 */
export const MB_RECORD_AT = 8;

/** MB_ARG2 flag bits. */
export const FLAG_RESERVED = 1;
export const FLAG_RECORD = 2;

/** MB_STATE values. Only the CPU moves IDLE→REQUESTED and RESPONDED→IDLE; only the coordinator moves REQUESTED→RESPONDED. */
export const STATE_IDLE = 0;
export const STATE_REQUESTED = 1;
export const STATE_RESPONDED = 2;

/** MB_OP values. */
export const OP_ALLOC = 1;
export const OP_FREE = 2;

/** MB_STATUS values. */
export const STATUS_OK = 0;
export const STATUS_OUT_OF_SPACE = 1;
export const STATUS_INVALID_FREE = 2;
export const STATUS_INVALID_ARGUMENT = 3;
export const STATUS_CLOSED = 4;

/**
 * Bytes per percpu_counter slot:
 *   [0, 8)   the global count, s64 (Atomics.add by folding CPUs, Atomics.load by readers)
 *   [8, 12)  the fold lock, s32: 0 free, cpu + 1 held by that CPU, FOLD_LOCK_COORDINATOR held by
 *            the coordinator (for an exact sum). Linux's fbc->lock, taken only on the fold path.
 *   [12, 16) s32, 1 while the coordinator waits for the lock: CPUs let it go first.
 */
export const COUNTER_SLOT = 16;
export const SLOT_LOCK_BYTE = 8;
export const SLOT_READER_WAITING_BYTE = 12;
export const FOLD_LOCK_FREE = 0;
export const FOLD_LOCK_COORDINATOR = -1;

/** Byte offset of counter slot `slot` in a control buffer for `cpus` CPUs. */
export function counterSlotByte(cpus: number, slot: number): number {
  return CONTROL_LINE * (1 + cpus) + COUNTER_SLOT * slot;
}

/**
 * Int32 index of counter slot `slot`'s generation word. The word starts at 0 and moves on by one
 * (Atomics.add, wrapping at 2^32) each time the slot's counter is destroyed; a handle carries the
 * generation its counter was made in, so a CPU can tell a handle of a destroyed counter from the
 * slot's current one.
 */
export function generationIndex(cpus: number, maxCounters: number, slot: number): number {
  const start = Math.ceil(counterSlotByte(cpus, maxCounters) / CONTROL_LINE) * CONTROL_LINE;
  return start / 4 + slot;
}

/** Bytes of the control buffer: up to a CONTROL_LINE boundary (a multiple of 8 for the s64 view). */
export function controlBufferSize(cpus: number, maxCounters: number): number {
  return Math.ceil((generationIndex(cpus, maxCounters, maxCounters) * 4) / CONTROL_LINE) * CONTROL_LINE;
}
