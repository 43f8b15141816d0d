/**
 * A reply in a CPU's mailbox: how its words are written (by the coordinator) and read (by the
 * CPU), and the one table between a reply's status and an error: replyOfError on the
 * coordinator turns what serving threw into a status, replyError on the CPU turns the status back
 * into the error the docs name (docs/api.md, "Errors").
 *
 * Context: writeReply and replyOfError on the coordinator, readReply and replyError on a CPU;
 * plain loads and stores, ordered by the Atomics on MB_STATE around them (server.ts, client.ts).
 */
import { ALIGN_ALLOWED, sizeAllowed } from '../allocator/alloc-args.js';
import { ClosedError, InvalidArgumentError, InvalidFreeError, type PercpuError, VerifyError } from '../errors.js';
import {
  FREE_REASONS,
  MB_RESULT,
  MB_STATUS,
  OP_ALLOC,
  REQUEST_ARGUMENTS,
  type RequestArgument,
  STATUS_CLOSED,
  STATUS_FAILED,
  STATUS_INVALID_ARGUMENT,
  STATUS_INVALID_FREE,
  STATUS_OK,
  STATUS_OUT_OF_SPACE,
} from './layout.js';
import { type MailboxRequest, recordAtAllowed } from './request.js';

export interface MailboxReply {
  /** A STATUS_* value. */
  readonly status: number;
  /** The offset (STATUS_OK of an alloc, unsigned), or a FREE_REASONS / REQUEST_ARGUMENTS index. */
  readonly result: number;
}

/** Plain stores of the reply words; the caller publishes them (Atomics.store of MB_STATE). */
export function writeReply(control: Int32Array, mailbox: number, reply: MailboxReply): void {
  control[mailbox + MB_STATUS] = reply.status;
  control[mailbox + MB_RESULT] = reply.result | 0;
}

/** Plain loads of the reply words, after an Atomics.load of MB_STATE read STATE_RESPONDED. */
export function readReply(control: Int32Array, mailbox: number): MailboxReply {
  return { status: control[mailbox + MB_STATUS]!, result: control[mailbox + MB_RESULT]! >>> 0 };
}

/** The reply to a request whose serving threw `error` (the coordinator's half of the table). */
export function replyOfError(error: unknown): MailboxReply {
  if (error instanceof InvalidFreeError)
    return { status: STATUS_INVALID_FREE, result: FREE_REASONS.indexOf(error.reason) };
  if (error instanceof InvalidArgumentError) {
    const index = REQUEST_ARGUMENTS.indexOf(error.argument as RequestArgument);
    if (index >= 0) return { status: STATUS_INVALID_ARGUMENT, result: index };
  }
  return { status: STATUS_FAILED, result: 0 };
}

/** What the requesting CPU knows to describe a rejected argument. */
export interface RequestLimits {
  readonly unitSize: number;
  readonly areaSize: number;
}

/**
 * The error a reply stands for (the CPU's half of the table); null for STATUS_OK and, for an
 * alloc, STATUS_OUT_OF_SPACE (thisCpu.alloc resolves to null, as rt.alloc returns it).
 */
export function replyError(reply: MailboxReply, request: MailboxRequest, limits: RequestLimits): PercpuError | null {
  const alloc = request.op === OP_ALLOC;
  switch (reply.status) {
    case STATUS_OK:
      return null;
    case STATUS_OUT_OF_SPACE:
      if (alloc) return null;
      break;
    case STATUS_INVALID_FREE: {
      const reason = FREE_REASONS[reply.result] ?? 'not-allocated';
      return new InvalidFreeError(request.sizeOrPtr, reason, `the coordinator rejected it (${reason})`);
    }
    case STATUS_INVALID_ARGUMENT: {
      const argument = REQUEST_ARGUMENTS[reply.result];
      if (argument === 'size') return new InvalidArgumentError('size', request.sizeOrPtr, sizeAllowed(limits.unitSize));
      if (argument === 'align') return new InvalidArgumentError('align', request.align, ALIGN_ALLOWED);
      if (argument === 'recordAt')
        return new InvalidArgumentError('recordAt', request.recordAt, recordAtAllowed(limits.areaSize));
      break;
    }
    case STATUS_CLOSED:
      return new ClosedError(alloc ? 'allocate' : 'free');
    case STATUS_FAILED:
      return new VerifyError([
        `the coordinator failed to serve this CPU's ${alloc ? 'alloc' : 'free'} request (its log says why)`,
      ]);
  }
  return new VerifyError([
    `the coordinator replied to this CPU's ${alloc ? 'alloc' : 'free'} request ` +
      `with status ${reply.status}, result ${reply.result}`,
  ]);
}
