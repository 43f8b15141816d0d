/**
 * A request in a CPU's mailbox: what it is, how its words are written (by the CPU) and read (by
 * the coordinator), and the check of its `recordAt` offset, the same on both sides.
 *
 * Context: writeRequest on a CPU, readRequest on the coordinator; both are plain loads and stores,
 * ordered by the Atomics on MB_STATE around them (client.ts, server.ts).
 */
import { InvalidArgumentError } from '../errors.js';
import { MB_ALIGN, MB_FLAGS, MB_OP, MB_RECORD_AT, MB_SIZE_OR_PTR } from './layout.js';

export interface MailboxRequest {
  /** OP_ALLOC or OP_FREE. */
  readonly op: number;
  /** The size (alloc) or the offset (free), as an unsigned value. */
  readonly sizeOrPtr: number;
  /** The alignment (alloc); 0 for a free. */
  readonly align: number;
  /** FLAG_RESERVED | FLAG_RECORD. */
  readonly flags: number;
  /** With FLAG_RECORD: where to record the outcome in the requesting CPU's unit; else NO_RECORD. */
  readonly recordAt: number;
}

/** recordAt of a request that records nothing. */
export const NO_RECORD = -1;

/** Plain stores of the request words; the caller publishes them (Atomics.store of MB_STATE). */
export function writeRequest(control: Int32Array, mailbox: number, request: MailboxRequest): void {
  control[mailbox + MB_OP] = request.op;
  control[mailbox + MB_SIZE_OR_PTR] = request.sizeOrPtr | 0;
  control[mailbox + MB_ALIGN] = request.align;
  control[mailbox + MB_FLAGS] = request.flags;
  control[mailbox + MB_RECORD_AT] = request.recordAt;
}

/** Plain loads of the request words, after an Atomics.load of MB_STATE read STATE_REQUESTED. */
export function readRequest(control: Int32Array, mailbox: number): MailboxRequest {
  return {
    op: control[mailbox + MB_OP]!,
    sizeOrPtr: control[mailbox + MB_SIZE_OR_PTR]! >>> 0,
    align: control[mailbox + MB_ALIGN]!,
    flags: control[mailbox + MB_FLAGS]!,
    recordAt: control[mailbox + MB_RECORD_AT]!,
  };
}

/** What `recordAt` may be, for a message. */
export function recordAtAllowed(areaSize: number): string {
  return `a multiple of 4 from 0 to ${areaSize - 4} (a u32 in this CPU's area)`;
}

/** True when `recordAt` is the offset of a u32 inside an area of `areaSize` bytes. */
export function isRecordAt(recordAt: unknown, areaSize: number): recordAt is number {
  return (
    typeof recordAt === 'number' &&
    Number.isInteger(recordAt) &&
    recordAt >= 0 &&
    recordAt % 4 === 0 &&
    recordAt + 4 <= areaSize
  );
}

/** NO_RECORD for undefined, the offset when isRecordAt, else InvalidArgumentError naming `recordAt`. */
export function checkRecordAt(recordAt: unknown, areaSize: number): number {
  if (recordAt === undefined) return NO_RECORD;
  if (!isRecordAt(recordAt, areaSize)) throw new InvalidArgumentError('recordAt', recordAt, recordAtAllowed(areaSize));
  return recordAt;
}
