/**
 * The mailbox protocol's one encode/decode and its one table between reply status and error
 * (src/mailbox/request.ts, reply.ts), without threads: every error the coordinator can turn into a
 * reply comes back on the CPU side as the class docs/api.md names, with the same argument, value
 * or reason; ClosedError names the operation; a status that is no request's fault is VerifyError.
 * The same exchange between real threads is covered by test/runtime/worker-alloc.test.ts and
 * test/errors/across-workers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ClosedError, InvalidArgumentError, InvalidFreeError, VerifyError } from '../../src/errors.js';
import { CONTROL_LINE, mailboxIndex } from '../../src/memory/control-layout.js';
import {
  FLAG_RECORD,
  FLAG_RESERVED,
  FREE_REASONS,
  MB_ALIGN,
  MB_FLAGS,
  MB_RECORD_AT,
  MB_SIZE_OR_PTR,
  OP_ALLOC,
  OP_FREE,
  REQUEST_ARGUMENTS,
  STATUS_CLOSED,
  STATUS_FAILED,
  STATUS_OK,
  STATUS_OUT_OF_SPACE,
} from '../../src/mailbox/layout.js';
import { readReply, replyError, replyOfError, writeReply } from '../../src/mailbox/reply.js';
import {
  type MailboxRequest,
  NO_RECORD,
  checkRecordAt,
  isRecordAt,
  readRequest,
  writeRequest,
} from '../../src/mailbox/request.js';

const LIMITS = { unitSize: 65536, areaSize: 65536 * 4 };
const alloc = (size: number, align = 8, recordAt = NO_RECORD): MailboxRequest => ({
  op: OP_ALLOC,
  sizeOrPtr: size,
  align,
  flags: FLAG_RESERVED | (recordAt === NO_RECORD ? 0 : FLAG_RECORD),
  recordAt,
});
const free = (ptr: number): MailboxRequest => ({
  op: OP_FREE,
  sizeOrPtr: ptr,
  align: 0,
  flags: 0,
  recordAt: NO_RECORD,
});

/** A reply through the mailbox's words, as the coordinator writes it and a CPU reads it. */
function throughWords(reply: { status: number; result: number }): { status: number; result: number } {
  const control = new Int32Array(CONTROL_LINE);
  writeReply(control, mailboxIndex(0), reply);
  return readReply(control, mailboxIndex(0));
}

describe('mailbox requests', () => {
  it('are read back word for word, offsets above 2^31 unsigned, in their named words', () => {
    const control = new Int32Array((CONTROL_LINE * 3) / 4);
    const request: MailboxRequest = { op: OP_FREE, sizeOrPtr: 0xfffffff0, align: 0, flags: FLAG_RECORD, recordAt: 64 };
    writeRequest(control, mailboxIndex(1), request);
    expect(readRequest(control, mailboxIndex(1))).toEqual(request);
    expect(control[mailboxIndex(1) + MB_SIZE_OR_PTR]! >>> 0).toBe(0xfffffff0);
    expect(control[mailboxIndex(1) + MB_RECORD_AT]).toBe(64);
    writeRequest(control, mailboxIndex(0), alloc(24, 16));
    expect([control[mailboxIndex(0) + MB_ALIGN], control[mailboxIndex(0) + MB_FLAGS]]).toEqual([16, FLAG_RESERVED]);
    // CPU 0's words are apart from CPU 1's.
    expect(readRequest(control, mailboxIndex(1))).toEqual(request);
  });

  it('recordAt: the same check on both sides', () => {
    for (const ok of [0, 4, LIMITS.areaSize - 4]) {
      expect(isRecordAt(ok, LIMITS.areaSize)).toBe(true);
      expect(checkRecordAt(ok, LIMITS.areaSize)).toBe(ok);
    }
    expect(checkRecordAt(undefined, LIMITS.areaSize)).toBe(NO_RECORD);
    for (const bad of [-4, 2, LIMITS.areaSize, 1.5, Number.NaN, '4']) {
      expect(isRecordAt(bad, LIMITS.areaSize)).toBe(false);
      expect(() => checkRecordAt(bad, LIMITS.areaSize)).toThrow(InvalidArgumentError);
    }
  });
});

describe('the table between reply status and error', () => {
  it('OK and an alloc out of space are no error; the offset comes back unsigned', () => {
    expect(replyError(throughWords({ status: STATUS_OK, result: 0x80000008 }), alloc(8), LIMITS)).toBeNull();
    expect(throughWords({ status: STATUS_OK, result: 0x80000008 }).result).toBe(0x80000008);
    expect(replyError(throughWords({ status: STATUS_OUT_OF_SPACE, result: 0 }), alloc(8), LIMITS)).toBeNull();
  });

  it.each(FREE_REASONS)(
    'a free rejected with reason %s is InvalidFreeError with that reason and the offset',
    (reason) => {
      const reply = throughWords(replyOfError(new InvalidFreeError(4096, reason, 'detail')));
      const error = replyError(reply, free(4096), LIMITS);
      expect(error).toBeInstanceOf(InvalidFreeError);
      expect(error).toMatchObject({ code: 'PERCPU_INVALID_FREE', name: 'InvalidFreeError', offset: 4096, reason });
    },
  );

  it.each(REQUEST_ARGUMENTS)(
    'a request rejected for `%s` is InvalidArgumentError naming it and the value sent',
    (argument) => {
      const request = alloc(70000, 3, 2);
      const reply = throughWords(replyOfError(new InvalidArgumentError(argument, 0, 'whatever')));
      const error = replyError(reply, request, LIMITS);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      const value = { size: request.sizeOrPtr, align: request.align, recordAt: request.recordAt }[argument];
      expect(error).toMatchObject({ code: 'PERCPU_INVALID_ARGUMENT', name: 'InvalidArgumentError', argument, value });
    },
  );

  it('a closed runtime is ClosedError naming the operation', () => {
    const closed = { status: STATUS_CLOSED, result: 0 };
    expect(replyError(closed, alloc(8), LIMITS)).toBeInstanceOf(ClosedError);
    expect(replyError(closed, alloc(8), LIMITS)?.message).toBe('Cannot allocate: the runtime is closed');
    expect(replyError(closed, free(8), LIMITS)?.message).toBe('Cannot free: the runtime is closed');
  });

  it("anything that is not the request's fault, and any status the table does not know, is VerifyError", () => {
    expect(replyOfError(new Error('boom'))).toEqual({ status: STATUS_FAILED, result: 0 });
    expect(replyOfError(new InvalidArgumentError('options', 1, 'x')).status).toBe(STATUS_FAILED);
    for (const reply of [
      { status: STATUS_FAILED, result: 0 },
      { status: 99, result: 0 },
      { status: STATUS_OUT_OF_SPACE, result: 0 },
    ]) {
      const error = replyError(reply, reply.status === STATUS_OUT_OF_SPACE ? free(8) : alloc(8), LIMITS);
      expect(error).toBeInstanceOf(VerifyError);
      expect(error).toMatchObject({ code: 'PERCPU_VERIFY_FAILED', name: 'VerifyError' });
    }
  });
});
