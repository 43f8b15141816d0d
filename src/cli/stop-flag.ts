/**
 * A request to stop the CLI's workload early (the first SIGINT or SIGTERM): one word in a
 * SharedArrayBuffer that the coordinator creates, passes to every CPU's task in its argument
 * (structured clone shares a SharedArrayBuffer, it does not copy it) and raises; the tasks poll it
 * between slices of their work and return early, with a true account of what they did.
 *
 * Context: both. The coordinator (main thread) creates and raises the flag; the CPU tasks (worker
 * threads, counting-tasks.ts and stress-tasks.ts) read it.
 */

/** The flag as it travels in a task's argument. */
export type StopFlag = SharedArrayBuffer;

/** Layout: one Int32 word at index 0; 0 = keep going, 1 = stop. */
const STOP_WORD = 0;
const STOP_BYTES = Int32Array.BYTES_PER_ELEMENT;

export function newStopFlag(): StopFlag {
  return new SharedArrayBuffer(STOP_BYTES);
}

/** Raises the flag (coordinator). Idempotent. */
export function raiseStop(flag: StopFlag): void {
  // Atomics.store is sequentially consistent: every CPU's next Atomics.load of the word sees 1.
  // The flag carries no data with it (the coordinator reads the tasks' results from their
  // replies, which are ordered by message passing), so nothing else depends on this ordering.
  Atomics.store(new Int32Array(flag), STOP_WORD, 1);
}

/** A CPU's view of the flag: made once per task, polled in its loop. */
export function stopView(flag: StopFlag): Int32Array {
  return new Int32Array(flag);
}

/** True once the coordinator has raised the flag. */
export function stopRaised(view: Int32Array): boolean {
  // Atomics.load (sequentially consistent) pairs with raiseStop's Atomics.store. An atomic read,
  // not a plain one, so the compiler cannot keep the word in a register across a loop: the store
  // is seen at the next poll.
  return Atomics.load(view, STOP_WORD) === 1;
}
