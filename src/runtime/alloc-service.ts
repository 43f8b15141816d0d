/**
 * The coordinator's side of the CPUs' allocation mailboxes (control-layout.ts): it sleeps on the
 * doorbell with Atomics.waitAsync (the main thread must never block), wakes when a CPU rings,
 * serves every mailbox holding a request, and sleeps again.
 *
 * Waking costs: waitAsync resolves through the event loop, so a ring wakes a helper thread and
 * then the main thread, and on a virtual machine each wake-up can take tens of microseconds. So
 * after a request the service keeps polling the mailboxes for `pollMs` (setImmediate: the event
 * loop still runs everything else between two polls) before it sleeps again. Requests that come
 * in bursts, as a task's allocations do, are then served within a poll, not a wake-up.
 *
 * Context: the coordinator's event loop. `handle` runs there, so allocation stays single-threaded.
 */
import {
  CLOSING,
  DOORBELL,
  MB_ARG0,
  MB_ARG1,
  MB_ARG2,
  MB_OP,
  MB_RECORD_AT,
  FLAG_RECORD,
  MB_RESULT,
  MB_STATE,
  MB_STATUS,
  OP_ALLOC,
  STATE_IDLE,
  STATE_REQUESTED,
  STATE_RESPONDED,
  STATUS_OK,
  mailboxIndex,
} from '../memory/control-layout.js';

export interface MailboxRequest {
  readonly op: number;
  /** size (alloc) or ptr (free), as an unsigned value. */
  readonly arg0: number;
  readonly align: number;
  readonly flags: number;
  /** With FLAG_RECORD: where to record the outcome in the requesting CPU's unit. */
  readonly recordAt: number;
}

export interface MailboxReply {
  readonly status: number;
  readonly result: number;
}

/** What happened to a request that its CPU's worker can no longer collect. */
export type AbandonedRequest =
  | { readonly kind: 'none' }
  | { readonly kind: 'dropped'; readonly op: number }
  | { readonly kind: 'answered'; readonly op: number; readonly status: number; readonly result: number; readonly recorded: boolean };

export class AllocService {
  private readonly control: Int32Array;
  private readonly cpus: number;
  private readonly handle: (cpu: number, request: MailboxRequest) => MailboxReply;
  /** How long to keep polling after the last ring, in milliseconds (0: never poll). */
  private readonly pollMs: number;
  private stopped = false;
  /** The doorbell's value when the loop last saw it change, and until when to poll after it. */
  private lastRing = 0;
  private pollUntil = 0;

  constructor(control: Int32Array, cpus: number, handle: (cpu: number, request: MailboxRequest) => MailboxReply, pollMs = 0) {
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
    const op = c[mb + MB_OP]!;
    Atomics.store(c, mb + MB_STATE, STATE_IDLE);
    if (state === STATE_REQUESTED) return { kind: 'dropped', op };
    if (state === STATE_RESPONDED) {
      const recorded = (c[mb + MB_ARG2]! & FLAG_RECORD) !== 0;
      return { kind: 'answered', op, status: c[mb + MB_STATUS]!, result: c[mb + MB_RESULT]! >>> 0, recorded };
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
      const request: MailboxRequest = {
        op: c[mb + MB_OP]!,
        arg0: c[mb + MB_ARG0]! >>> 0,
        align: c[mb + MB_ARG1]!,
        flags: c[mb + MB_ARG2]!,
        recordAt: c[mb + MB_RECORD_AT]!,
      };
      const reply = this.handle(cpu, request);
      c[mb + MB_STATUS] = reply.status;
      c[mb + MB_RESULT] = reply.result | 0;
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
export function isOrphanedAllocation(abandoned: AbandonedRequest): abandoned is Extract<AbandonedRequest, { kind: 'answered' }> {
  return abandoned.kind === 'answered' && abandoned.op === OP_ALLOC && abandoned.status === STATUS_OK && !abandoned.recorded;
}
