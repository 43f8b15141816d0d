/**
 * The words of a CPU's mailbox, one CONTROL_LINE of the control buffer per CPU (where the
 * mailboxes lie, and the header's DOORBELL and CLOSING words: src/memory/control-layout.ts).
 * Indexes are Int32Array indexes relative to mailboxIndex(cpu).
 *
 *   word  0 MB_STATE        STATE_IDLE → STATE_REQUESTED (the CPU) → STATE_RESPONDED (the coordinator)
 *                           → STATE_IDLE (the CPU)
 *         1 MB_OP           request: OP_ALLOC or OP_FREE
 *         2 MB_SIZE_OR_PTR  request: the size (alloc) or the offset (free), as an unsigned 32-bit value
 *         3 MB_ALIGN        request: the alignment (alloc; 0 for a free)
 *         4 MB_FLAGS        request: FLAG_RESERVED | FLAG_RECORD
 *         5 MB_STATUS       reply: a STATUS_* value
 *         6 MB_RESULT       reply: the offset (as an unsigned 32-bit value), or a reason or argument index
 *         7                 unused
 *         8 MB_RECORD_AT    request: with FLAG_RECORD, where to record the outcome (below)
 *
 * Only MB_STATE is accessed with Atomics; the other words are plain stores published by the
 * Atomics.store of MB_STATE that follows them (request.ts, reply.ts, client.ts, server.ts).
 */
import type { InvalidFreeReason } from '../errors.js';

export const MB_STATE = 0;
export const MB_OP = 1;
/** Request: the size (alloc) or the offset (free). */
export const MB_SIZE_OR_PTR = 2;
/** Request: the alignment (alloc). */
export const MB_ALIGN = 3;
/** Request: flags, FLAG_RESERVED | FLAG_RECORD. */
export const MB_FLAGS = 4;
/** Reply: a STATUS_* value. */
export const MB_STATUS = 5;
/** Reply: the offset (as an unsigned 32-bit value), or a FREE_REASONS / REQUEST_ARGUMENTS index. */
export const MB_RESULT = 6;
/**
 * Request: with FLAG_RECORD, an offset in the requesting CPU's own unit where the coordinator
 * records the outcome before it replies: the new offset (u32) for an alloc, 0 for a free. So the
 * outcome is in the CPU's memory even if its worker dies before reading the reply.
 */
export const MB_RECORD_AT = 8;

/** MB_FLAGS bits. */
export const FLAG_RESERVED = 1;
export const FLAG_RECORD = 2;

/**
 * MB_STATE values. Only the CPU moves IDLE→REQUESTED and RESPONDED→IDLE; only the coordinator moves
 * REQUESTED→RESPONDED.
 */
export const STATE_IDLE = 0;
export const STATE_REQUESTED = 1;
export const STATE_RESPONDED = 2;

/** MB_OP values. */
export const OP_ALLOC = 1;
export const OP_FREE = 2;

/** MB_STATUS values (what each means to the CPU: reply.ts, replyError). */
export const STATUS_OK = 0;
export const STATUS_OUT_OF_SPACE = 1;
/** MB_RESULT: the reason's index in FREE_REASONS. */
export const STATUS_INVALID_FREE = 2;
/** MB_RESULT: the argument's index in REQUEST_ARGUMENTS. */
export const STATUS_INVALID_ARGUMENT = 3;
export const STATUS_CLOSED = 4;
/** The coordinator failed to serve the request for a reason that is not the request's (a bug, logged there). */
export const STATUS_FAILED = 5;

/**
 * Reasons of InvalidFreeError in the order the coordinator encodes them in MB_RESULT. New reasons
 * go at the end, so the indexes of the others never change.
 */
export const FREE_REASONS: readonly InvalidFreeReason[] = [
  'outside-area',
  'unaligned',
  'no-chunk',
  'hidden',
  'not-allocated',
  'interior',
  'owned-by-counter',
];

/** Arguments of a request the coordinator may reject, in the order it encodes them in MB_RESULT. */
export const REQUEST_ARGUMENTS = ['size', 'align', 'recordAt'] as const;
export type RequestArgument = (typeof REQUEST_ARGUMENTS)[number];
