/**
 * The CPU's side of its mailbox: a CPU asking the coordinator to allocate or free, through its
 * mailbox in the control buffer (the words: layout.ts; the coordinator's side: server.ts). One
 * request at a time per CPU: calls queue behind each other.
 *
 * Ordering: the request's words are plain stores followed by an Atomics.store of MB_STATE; the
 * coordinator's Atomics.load of MB_STATE synchronizes with it, so it sees the words. The reply
 * goes the other way the same way.
 *
 * Context: a CPU's worker thread (thisCpu.alloc / thisCpu.free).
 */
import { checkAllocArgs } from '../allocator/alloc-args.js';
import type { CpuBinding } from '../cpu/binding.js';
import { InvalidFreeError } from '../errors.js';
import { CLOSING, DOORBELL, mailboxIndex } from '../memory/control-layout.js';
import {
  FLAG_RECORD,
  FLAG_RESERVED,
  MB_STATE,
  OP_ALLOC,
  OP_FREE,
  STATE_IDLE,
  STATE_REQUESTED,
  STATUS_CLOSED,
  STATUS_OK,
} from './layout.js';
import { type MailboxReply, type RequestLimits, readReply, replyError } from './reply.js';
import { type MailboxRequest, NO_RECORD, checkRecordAt, writeRequest } from './request.js';
import { traceClock, traceRequest } from '../cpu/trace.js';

/**
 * Loads of the mailbox state before a CPU sleeps on it: about 25 µs of spinning (13 ns a load,
 * measured). A reply usually comes within 3 µs when the CPU spins, against 20-50 µs when it
 * sleeps and must be woken (see the runtime-cost benchmark); a coordinator busy for longer costs
 * the CPU at most this spin before it sleeps.
 */
const REPLY_SPINS = 2000;

export class MailboxClient {
  private readonly control: Int32Array;
  private readonly mailbox: number;
  /** The unit and area sizes, which bound a request's size and recordAt. */
  private readonly limits: RequestLimits;
  /** The tail of the queue of requests of this CPU. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(binding: CpuBinding) {
    this.control = binding.control32;
    this.mailbox = mailboxIndex(binding.cpu);
    this.limits = { unitSize: binding.unitSize, areaSize: binding.areaSize };
  }

  async alloc(size: number, align: number, reserved: boolean, recordAt: number | undefined): Promise<number | null> {
    checkAllocArgs(size, align, this.limits.unitSize);
    const record = checkRecordAt(recordAt, this.limits.areaSize);
    const flags = (reserved ? FLAG_RESERVED : 0) | (record !== NO_RECORD ? FLAG_RECORD : 0);
    const request: MailboxRequest = { op: OP_ALLOC, sizeOrPtr: size, align, flags, recordAt: record };
    const reply = await this.request(request);
    const error = replyError(reply, request, this.limits);
    if (error !== null) throw error;
    return reply.status === STATUS_OK ? reply.result : null;
  }

  async free(ptr: number, recordAt: number | undefined): Promise<void> {
    if (typeof ptr !== 'number' || !Number.isInteger(ptr) || ptr < 0 || ptr > 0xffffffff) {
      throw new InvalidFreeError(ptr, 'outside-area', 'expected an integer offset returned by alloc()');
    }
    const record = checkRecordAt(recordAt, this.limits.areaSize);
    const flags = record !== NO_RECORD ? FLAG_RECORD : 0;
    const request: MailboxRequest = { op: OP_FREE, sizeOrPtr: ptr, align: 0, flags, recordAt: record };
    const error = replyError(await this.request(request), request, this.limits);
    if (error !== null) throw error;
  }

  private request(request: MailboxRequest): Promise<MailboxReply> {
    const next = this.queue.then(() => this.exchange(request));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async exchange(request: MailboxRequest): Promise<MailboxReply> {
    const c = this.control;
    const mb = this.mailbox;
    // Atomics.load: a CLOSING store by the coordinator is seen here (seq-cst).
    if (Atomics.load(c, CLOSING) !== 0) return { status: STATUS_CLOSED, result: 0 };
    const started = traceClock();
    writeRequest(c, mb, request);
    // Atomics.store publishes the words above to the coordinator's Atomics.load of MB_STATE.
    Atomics.store(c, mb + MB_STATE, STATE_REQUESTED);
    // Atomics.add + notify: ring the doorbell; the coordinator waits on its value, so a ring
    // between its scan and its next wait is never lost.
    Atomics.add(c, DOORBELL, 1);
    Atomics.notify(c, DOORBELL);
    // Atomics.load / waitAsync: wait until the coordinator stores STATE_RESPONDED (seq-cst, so
    // its MB_STATUS / MB_RESULT stores are visible after). Spin a little first: a reply that
    // comes within the spin is taken without this thread sleeping and being woken.
    for (let i = 0; i < REPLY_SPINS && Atomics.load(c, mb + MB_STATE) === STATE_REQUESTED; i++);
    while (Atomics.load(c, mb + MB_STATE) === STATE_REQUESTED) {
      const wait = Atomics.waitAsync(c, mb + MB_STATE, STATE_REQUESTED);
      if (wait.async) await wait.value;
    }
    const reply = readReply(c, mb);
    // Atomics.store: hand the mailbox back; the coordinator reads IDLE as "reply taken".
    Atomics.store(c, mb + MB_STATE, STATE_IDLE);
    traceRequest(request.op, request.sizeOrPtr, request.align, reply.status, reply.result, started);
    return reply;
  }
}
