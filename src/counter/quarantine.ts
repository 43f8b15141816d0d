/**
 * The quarantine of destroyed percpu_counters: an RCU-like grace period over tasks.
 *
 * A task given a counter's handle may still be adding to it when the coordinator destroys the
 * counter, and it may not have seen the slot's new generation yet (cpu-counter.ts). So the
 * destroyed counter's slot and local part are not handed to anyone until every task that was
 * dispatched (queued or running, on any CPU) when destroy() ran has ended. A task dispatched later
 * gets the handle only after the generation moved on, and is refused at thisCpu.counter() or at its
 * first add. An offline CPU runs no task and a dead CPU's task has ended (rejected): both are
 * quiescent. Something a task left behind when it ended (a timer adding to a kept CPU-side
 * counter) is stopped by the generation check alone.
 *
 * Context: the coordinator.
 */

interface Held {
  /** Tasks still running of those that were in flight at destroy(). */
  readonly waitingFor: Set<number>;
  readonly release: () => void;
}

export class CounterQuarantine {
  private nextTask = 0;
  private readonly inFlight = new Set<number>();
  private readonly held: Held[] = [];
  private readonly onReleaseError: (error: unknown) => void;

  /** `onReleaseError`: what to do when a release that had to wait throws (log it). */
  constructor(onReleaseError: (error: unknown) => void) {
    this.onReleaseError = onReleaseError;
  }

  /** A task is being dispatched; returns its id for taskEnded(). */
  taskStarted(): number {
    const id = this.nextTask++;
    this.inFlight.add(id);
    return id;
  }

  /** The task has ended (resolved, failed, or its worker died); runs every release now due. */
  taskEnded(id: number): void {
    this.inFlight.delete(id);
    for (let i = 0; i < this.held.length;) {
      const held = this.held[i]!;
      held.waitingFor.delete(id);
      if (held.waitingFor.size > 0) {
        i++;
        continue;
      }
      this.held.splice(i, 1);
      try {
        held.release();
      } catch (error) {
        this.onReleaseError(error);
      }
    }
  }

  /** Runs `release` once every task in flight now has ended: at once when none is. */
  hold(release: () => void): void {
    if (this.inFlight.size === 0) {
      release();
      return;
    }
    this.held.push({ waitingFor: new Set(this.inFlight), release });
  }

  /** Destroyed counters whose slot and memory are still held. */
  get size(): number {
    return this.held.length;
  }
}
