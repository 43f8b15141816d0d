/**
 * A CPU asking the coordinator to allocate or free, through its mailbox in the control buffer
 * (control-layout.ts). One request at a time per CPU: calls queue behind each other.
 *
 * Ordering: the request's words are plain stores followed by an Atomics.store of MB_STATE; the
 * coordinator's Atomics.load of MB_STATE synchronizes with it, so it sees the words. The reply
 * goes the other way the same way.
 */
import { InvalidArgumentError, InvalidFreeError, type InvalidFreeReason, PercpuError } from '../errors.js';
import {
  CLOSING,
  DOORBELL,
  MB_ARG0,
  MB_ARG1,
  MB_ARG2,
  MB_OP,
  MB_RECORD_AT,
  FLAG_RECORD,
  FLAG_RESERVED,
  MB_RESULT,
  MB_STATE,
  MB_STATUS,
  OP_ALLOC,
  OP_FREE,
  STATE_IDLE,
  STATE_REQUESTED,
  STATUS_CLOSED,
  STATUS_INVALID_FREE,
  STATUS_OK,
  STATUS_OUT_OF_SPACE,
  mailboxIndex,
} from '../memory/control-layout.js';
import { MAX_ALIGN, isPowerOfTwo } from '../memory/layout.js';
import type { CpuBinding } from './binding.js';

/**
 * Loads of the mailbox state before a CPU sleeps on it: about 25 µs of spinning (13 ns a load,
 * measured). A reply usually comes within 3 µs when the CPU spins, against 20-50 µs when it
 * sleeps and must be woken (see the runtime-cost benchmark); a coordinator busy for longer costs
 * the CPU at most this spin before it sleeps.
 */
const REPLY_SPINS = 2000;

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

export interface Reply {
  readonly status: number;
  readonly result: number;
}

export class AllocClient {
  private readonly control: Int32Array;
  private readonly mailbox: number;
  private readonly unitSize: number;
  private readonly areaSize: number;
  /** The tail of the queue of requests of this CPU. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(binding: CpuBinding) {
    this.control = binding.control32;
    this.mailbox = mailboxIndex(binding.cpu);
    this.unitSize = binding.unitSize;
    this.areaSize = binding.areaSize;
  }

  async alloc(size: number, align: number, reserved: boolean, recordAt: number | undefined): Promise<number | null> {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > this.unitSize) {
      throw new InvalidArgumentError('size', size, `an integer from 1 to ${this.unitSize} (the unit size)`);
    }
    if (typeof align !== 'number' || !isPowerOfTwo(align) || align > MAX_ALIGN) {
      throw new InvalidArgumentError('align', align, `a power of two from 1 to ${MAX_ALIGN}`);
    }
    const record = this.checkRecordAt(recordAt);
    const flags = (reserved ? FLAG_RESERVED : 0) | (record >= 0 ? FLAG_RECORD : 0);
    const reply = await this.request(OP_ALLOC, size, align, flags, record);
    if (reply.status === STATUS_OK) return reply.result >>> 0;
    if (reply.status === STATUS_OUT_OF_SPACE) return null;
    throw this.replyError(reply, -1);
  }

  async free(ptr: number, recordAt: number | undefined): Promise<void> {
    if (typeof ptr !== 'number' || !Number.isInteger(ptr) || ptr < 0 || ptr > 0xffffffff) {
      throw new InvalidFreeError(ptr, 'outside-area', 'expected an integer offset returned by alloc()');
    }
    const record = this.checkRecordAt(recordAt);
    const reply = await this.request(OP_FREE, ptr, 0, record >= 0 ? FLAG_RECORD : 0, record);
    if (reply.status !== STATUS_OK) throw this.replyError(reply, ptr);
  }

  private replyError(reply: Reply, ptr: number): PercpuError {
    if (reply.status === STATUS_INVALID_FREE) {
      const reason = FREE_REASONS[reply.result] ?? 'not-allocated';
      return new InvalidFreeError(ptr, reason, `the coordinator rejected it (${reason})`);
    }
    if (reply.status === STATUS_CLOSED) return new PercpuError('PERCPU_CLOSED', 'Cannot allocate: the runtime is closing');
    return new PercpuError('PERCPU_INVALID_ARGUMENT', `The coordinator rejected the request (status ${reply.status})`);
  }

  /** -1 for none, else a u32-aligned offset inside this CPU's area. */
  private checkRecordAt(recordAt: number | undefined): number {
    if (recordAt === undefined) return -1;
    if (typeof recordAt !== 'number' || !Number.isInteger(recordAt) || recordAt < 0 || recordAt % 4 !== 0 || recordAt + 4 > this.areaSize) {
      throw new InvalidArgumentError('recordAt', recordAt, `a multiple of 4 from 0 to ${this.areaSize - 4} (a u32 in this CPU's area)`);
    }
    return recordAt;
  }

  private request(op: number, arg0: number, arg1: number, arg2: number, recordAt: number): Promise<Reply> {
    const next = this.queue.then(() => this.exchange(op, arg0, arg1, arg2, recordAt));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async exchange(op: number, arg0: number, arg1: number, arg2: number, recordAt: number): Promise<Reply> {
    const c = this.control;
    const mb = this.mailbox;
    // Atomics.load: a CLOSING store by the coordinator is seen here (seq-cst).
    if (Atomics.load(c, CLOSING) !== 0) return { status: STATUS_CLOSED, result: 0 };
    c[mb + MB_OP] = op;
    c[mb + MB_ARG0] = arg0 | 0;
    c[mb + MB_ARG1] = arg1;
    c[mb + MB_ARG2] = arg2;
    c[mb + MB_RECORD_AT] = recordAt;
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
    const reply: Reply = { status: c[mb + MB_STATUS]!, result: c[mb + MB_RESULT]! };
    // Atomics.store: hand the mailbox back; the coordinator reads IDLE as "reply taken".
    Atomics.store(c, mb + MB_STATE, STATE_IDLE);
    return reply;
  }
}

