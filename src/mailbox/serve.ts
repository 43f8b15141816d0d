/**
 * What the coordinator does with a CPU's allocation request, once MailboxServer (server.ts)
 * has taken it from the CPU's mailbox: allocate or free, store the outcome in the CPU's own unit
 * when the request asks (MB_RECORD_AT), count it in the CPU's activity and run robust mode's
 * checks. And, after a CPU died, settle the request it left: undo an allocation it never received,
 * so that nothing leaks.
 *
 * Context: the coordinator's thread. Nothing here throws at the event loop: a bad request is a
 * status in the reply, a broken invariant in robust mode is logged.
 */
import type { Logger } from 'pino';
import type { PercpuAllocator } from '../allocator/allocator.js';
import { InvalidFreeError } from '../errors.js';
import type { PerCpuMemory } from '../memory/percpu-memory.js';
import type { AllocationOwner } from '../runtime/robust.js';
import {
  FLAG_RECORD,
  FLAG_RESERVED,
  OP_ALLOC,
  OP_FREE,
  REQUEST_ARGUMENTS,
  STATUS_INVALID_ARGUMENT,
  STATUS_OK,
  STATUS_OUT_OF_SPACE,
} from './layout.js';
import { type MailboxReply, replyOfError } from './reply.js';
import { type MailboxRequest, isRecordAt } from './request.js';
import { type AbandonedRequest, isOrphanedAllocation } from './server.js';

/** A CPU's allocation counts, kept by the runtime across worker deaths. */
export interface CpuRequestCounts {
  allocs: number;
  frees: number;
}

/** What serving needs from the runtime. */
export interface CpuRequestHost {
  readonly allocator: PercpuAllocator;
  readonly memory: PerCpuMemory;
  readonly areaSize: number;
  loggerOf(cpu: number): Logger;
  countsOf(cpu: number): CpuRequestCounts;
  /** Robust mode's bookkeeping and checks after an allocator operation (may throw VerifyError). */
  afterAllocatorOp(ptr: number | null, size: number, by: AllocationOwner): void;
  /** Throws InvalidFreeError for memory no free() may release (a counter's local part). */
  checkFree(ptr: number): void;
}

/** Serves one request of CPU `cpu` and returns the reply for its mailbox. */
export function serveCpuRequest(host: CpuRequestHost, cpu: number, request: MailboxRequest): MailboxReply {
  const log = host.loggerOf(cpu);
  const record = (request.flags & FLAG_RECORD) !== 0;
  if (record && !isRecordAt(request.recordAt, host.areaSize)) {
    return { status: STATUS_INVALID_ARGUMENT, result: REQUEST_ARGUMENTS.indexOf('recordAt') };
  }
  // The outcome goes into the requesting CPU's own unit before the reply (see MB_RECORD_AT).
  const recordOutcome = (value: number): void => {
    if (record) host.memory.views[cpu]!.u32[request.recordAt >>> 2] = value;
  };
  try {
    if (request.op === OP_ALLOC) {
      const ptr = host.allocator.alloc(request.sizeOrPtr, request.align, {
        reserved: (request.flags & FLAG_RESERVED) !== 0,
      });
      log.debug({ size: request.sizeOrPtr, align: request.align, ptr }, 'alloc requested by CPU');
      if (ptr === null) return { status: STATUS_OUT_OF_SPACE, result: 0 };
      host.countsOf(cpu).allocs++;
      recordOutcome(ptr);
      checkAfterServedOp(host, cpu, ptr, request.sizeOrPtr);
      return { status: STATUS_OK, result: ptr };
    }
    if (request.op === OP_FREE) {
      host.checkFree(request.sizeOrPtr);
      host.allocator.free(request.sizeOrPtr);
      log.debug({ ptr: request.sizeOrPtr }, 'free requested by CPU');
      host.countsOf(cpu).frees++;
      recordOutcome(0);
      checkAfterServedOp(host, cpu, null, 0);
      return { status: STATUS_OK, result: 0 };
    }
  } catch (error) {
    const reply = replyOfError(error);
    if (error instanceof InvalidFreeError) {
      log.debug({ ptr: request.sizeOrPtr, reason: error.reason }, 'free by CPU rejected');
    } else if (reply.status === STATUS_INVALID_ARGUMENT) {
      log.debug({ err: error }, 'request by CPU rejected');
    } else {
      // Not the request's fault: a bug in percpu, reported to the CPU as VerifyError (reply.ts).
      log.error({ code: 'PERCPU_VERIFY_FAILED', err: error }, 'request by CPU failed');
    }
    return reply;
  }
  // An op that is neither: only a broken client writes one.
  log.error({ code: 'PERCPU_VERIFY_FAILED', op: request.op }, 'request by CPU failed');
  return replyOfError(null);
}

/** After CPU `cpu`'s worker stopped or died: settle the request its mailbox held, if any. */
export function settleAbandonedRequest(host: CpuRequestHost, cpu: number, abandoned: AbandonedRequest): void {
  const log = host.loggerOf(cpu);
  if (isOrphanedAllocation(abandoned)) {
    // The allocation was made but never reached the task: undo it, so nothing leaks.
    host.allocator.free(abandoned.result);
    host.countsOf(cpu).frees++;
    log.warn({ ptr: abandoned.result }, 'allocation undone: the CPU died before receiving it');
    checkAfterServedOp(host, cpu, null, 0);
  } else if (abandoned.kind === 'dropped') {
    log.warn(
      { op: abandoned.op === OP_ALLOC ? 'alloc' : 'free' },
      'request dropped: the CPU died before it was served',
    );
  }
}

/** afterAllocatorOp for a CPU's request: a broken invariant is logged, never thrown at the loop. */
function checkAfterServedOp(host: CpuRequestHost, cpu: number, ptr: number | null, size: number): void {
  try {
    host.afterAllocatorOp(ptr, size, { cpu });
  } catch (error) {
    host.loggerOf(cpu).error({ code: 'PERCPU_VERIFY_FAILED', err: error }, 'allocator invariants broken');
  }
}
