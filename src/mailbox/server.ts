/**
 * The coordinator's side of the CPUs' mailboxes (the words: layout.ts; a CPU's side: client.ts):
 * it sleeps on the doorbell with Atomics.waitAsync (the main thread must never block), wakes when
 * a CPU rings, serves every mailbox holding a request (serve.ts), and sleeps again.
 *
 * Waking costs: waitAsync resolves through the event loop, so a ring wakes a helper thread and
 * then the main thread, and on a virtual machine each wake-up can take tens of microseconds. So
 * after a request the service keeps polling the mailboxes for `pollMs` (setImmediate: the event
 * loop still runs everything else between two polls) before it sleeps again. Requests that come
 * in bursts, as a task's allocations do, are then served within a poll, not a wake-up.
 *
 * Context: the coordinator's event loop. `handle` (serve.ts) runs there, so allocation stays
 * single-threaded.
 */
import { CLOSING, DOORBELL, mailboxIndex } from '../memory/control-layout.js';
import { FLAG_RECORD, MB_STATE, OP_ALLOC, STATE_IDLE, STATE_REQUESTED, STATE_RESPONDED, STATUS_OK } from './layout.js';
import { type MailboxReply, readReply, writeReply } from './reply.js';
import { type MailboxRequest, readRequest } from './request.js';

/** What happened to a request that its CPU's worker can no longer collect. */
export type AbandonedRequest =
  | { readonly kind: 'none' }
  | { readonly kind: 'dropped'; readonly op: number }
  | {
      readonly kind: 'answered';
      readonly op: number;
      readonly status: number;
      readonly result: number;
      readonly recorded: boolean;
    };

export class MailboxServer {
  private readonly control: Int32Array;
  private readonly cpus: number;
  private readonly handle: (cpu: number, request: MailboxRequest) => MailboxReply;
  /** How long to keep polling after the last ring, in milliseconds (0: never poll). */
  private readonly pollMs: number;
  private stopped = false;
  /** The doorbell's value when the loop last saw it change, and until when to poll after it. */
  private lastRing = 0;
  private pollUntil = 0;

  constructor(
    control: Int32Array,
    cpus: number,
    handle: (cpu: number, request: MailboxRequest) => MailboxReply,
    pollMs = 0,
  ) {
    this.control = control;
    this.cpus = cpus;
    this.handle = handle;
    this.pollMs = pollMs;
  }

  start(): void {
    this.lastRing = Atomics.load(this.control, DOORBELL);
    this.loop();
  }

  /** Stops serving; CPUs that ask afterwards get STATUS_CLOSED. */
  stop(): void {
    if (this.stopped) return;
    this.serveAll();
    this.stopped = true;
    // Atomics.store: CPUs read CLOSING before posting. Atomics.notify wakes our own waitAsync.
    Atomics.store(this.control, CLOSING, 1);
    Atomics.notify(this.control, DOORBELL);
  }

  /**
   * Clears CPU `cpu`'s mailbox after its worker died. A request not yet served is dropped; one
   * served but not collected is returned, so the caller can undo it (free an allocation).
   */
  abandon(cpu: number): AbandonedRequest {
    const c = this.control;
    const mb = mailboxIndex(cpu);
    // Atomics.load: the dead worker's last stores are visible (it can no longer write).
    const state = Atomics.load(c, mb + MB_STATE);
    const request = readRequest(c, mb);
    Atomics.store(c, mb + MB_STATE, STATE_IDLE);
    if (state === STATE_REQUESTED) return { kind: 'dropped', op: request.op };
    if (state === STATE_RESPONDED) {
      const { status, result } = readReply(c, mb);
      return { kind: 'answered', op: request.op, status, result, recorded: (request.flags & FLAG_RECORD) !== 0 };
    }
    return { kind: 'none' };
  }

  private readonly loop = (): void => {
    if (this.stopped) return;
    // Read the doorbell before scanning: a ring after this load changes it, so the waitAsync
    // below returns at once instead of sleeping through the request.
    const seen = Atomics.load(this.control, DOORBELL);
    this.serveAll();
    if (this.pollMs > 0) {
      const now = performance.now();
      if (seen !== this.lastRing) {
        this.lastRing = seen;
        this.pollUntil = now + this.pollMs;
      }
      if (now < this.pollUntil) {
        setImmediate(this.loop);
        return;
      }
    }
    const wait = Atomics.waitAsync(this.control, DOORBELL, seen);
    if (wait.async) void wait.value.then(this.loop);
    else setImmediate(this.loop);
  };

  private serveAll(): void {
    const c = this.control;
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const mb = mailboxIndex(cpu);
      // Atomics.load synchronizes with the CPU's Atomics.store of STATE_REQUESTED: the request
      // words it wrote before are visible.
      if (Atomics.load(c, mb + MB_STATE) !== STATE_REQUESTED) continue;
      const reply = this.handle(cpu, readRequest(c, mb));
      writeReply(c, mb, reply);
      // Atomics.store publishes the reply words; notify wakes the CPU's waitAsync.
      Atomics.store(c, mb + MB_STATE, STATE_RESPONDED);
      Atomics.notify(c, mb + MB_STATE);
    }
  }
}

/**
 * True when an abandoned request was an allocation that succeeded and reached nobody (and so
 * must be undone). One recorded in the CPU's unit (FLAG_RECORD) reached the CPU's memory: it stays.
 */
export function isOrphanedAllocation(
  abandoned: AbandonedRequest,
): abandoned is Extract<AbandonedRequest, { kind: 'answered' }> {
  return (
    abandoned.kind === 'answered' && abandoned.op === OP_ALLOC && abandoned.status === STATUS_OK && !abandoned.recorded
  );
}
