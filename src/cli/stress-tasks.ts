/**
 * The CPU side of `percpu stress`: allocation correctness under real concurrency. Every CPU
 * allocates through the coordinator, checks the area is zero in its own unit, stamps every word
 * of it with (cpu, id, word), re-checks the stamp before freeing, and frees. An area handed out
 * twice, or not zeroed, shows up as a broken stamp or a non-zero word.
 *
 * Everything that must survive a crash lives in this CPU's unit, in static variables: the table
 * of live areas, the operation count and the tallies. A replacement worker resumes from them.
 *
 * Counting: every task counts a burst of COUNT_PER_TASK increments (a per-CPU u64 through the fast
 * path and a percpu_counter) once, right before it ends — before returning, before an injected
 * fault, before asking to be killed from outside. The coordinator knows how many tasks ended, so
 * it knows what the sums must be: a count a dying worker made and the sums miss is a lost count.
 */
import type { CounterHandle } from '../counter/handle.js';
import { InvalidFreeError, thisCpu } from '../cpu/index.js';
import { Prng } from '../util/prng.js';
import { type StopFlag, stopRaised, stopView } from './stop-flag.js';

/** Most live areas one CPU holds at once. */
export const TABLE_CAPACITY = 256;
/** Bytes per table slot: ptr, id, size, stamped (u32 each). ptr 0 = an empty slot. */
const SLOT = 16;

/** Static variables of the stress workload (declared by the coordinator). */
export const STRESS_STATICS = {
  /** The table of this CPU's live areas: TABLE_CAPACITY slots. */
  stress_table: { size: SLOT * TABLE_CAPACITY, align: 16 },
  stress_ops: 'u32',
  stress_bytes: 'u64',
  stress_violations: 'u32',
  stress_failed: 'u32',
  stress_next_id: 'u32',
  /** Set to 1 when the CPU reaches a planned kill from outside (the coordinator watches it). */
  stress_kill_me: 'u32',
  /** Increments of the tasks' counting bursts, through thisCpu.ref. */
  stress_counted: 'u64',
} as const;

/**
 * Increments per task's counting burst. Not a multiple of a percpu_counter's batch, so a dying
 * worker leaves an unfolded local part behind, which must still count.
 */
export const COUNT_PER_TASK = 1009;

export type FaultKind = 'exit' | 'throw' | 'oom';

export interface StressArg {
  readonly ops: number;
  readonly seed: number;
  readonly maxSize: number;
  /** Die this way when the operation count reaches `faultAt` (null: no fault in this run). */
  readonly faultAt: number | null;
  readonly faultKind: FaultKind | null;
  /**
   * A kill from outside is planned at this operation count: raise stress_kill_me there, keep
   * working, and if the work ends first, wait to be killed.
   */
  readonly killAt: number | null;
  /** The run's percpu_counter (rt.counter().handle). */
  readonly counter: CounterHandle;
  /** Raised by the coordinator on SIGINT/SIGTERM: stop between two operations (stop-flag.ts). */
  readonly stop: StopFlag;
}

export interface StressResult {
  readonly cpu: number;
  readonly opsDone: number;
}

/** The stamp of word `word` of area `id` on CPU `cpu`: never 0, different per area and word. */
export function stampOf(cpu: number, id: number, word: number): number {
  return (Math.imul(id + 1, 0x9e3779b1) ^ Math.imul(word + 1, 0x85ebca6b) ^ (cpu << 24) ^ 0x5bd1e995) >>> 0 || 1;
}

/**
 * The table of live areas, in this CPU's unit. The coordinator fills a slot's ptr when it
 * allocates (recordAt) and zeroes it when it frees, as part of serving the request, so the table
 * is right even if this worker dies at any moment: no area is lost or freed twice.
 */
class StressState {
  readonly table: number;
  readonly ops: number;
  readonly bytes: number;
  readonly violations: number;
  readonly failed: number;
  readonly nextId: number;

  constructor() {
    this.table = thisCpu.staticPtr('stress_table');
    this.ops = thisCpu.staticPtr('stress_ops');
    this.bytes = thisCpu.staticPtr('stress_bytes');
    this.violations = thisCpu.staticPtr('stress_violations');
    this.failed = thisCpu.staticPtr('stress_failed');
    this.nextId = thisCpu.staticPtr('stress_next_id');
  }

  slotAt(i: number): number {
    return this.table + SLOT * i;
  }

  /** Indexes of the slots holding a live area. */
  liveSlots(): number[] {
    const live: number[] = [];
    for (let i = 0; i < TABLE_CAPACITY; i++) if (thisCpu.read(this.slotAt(i), 'u32') !== 0) live.push(i);
    return live;
  }

  emptySlot(): number {
    for (let i = 0; i < TABLE_CAPACITY; i++) if (thisCpu.read(this.slotAt(i), 'u32') === 0) return i;
    return -1;
  }
}

/** Words of an area of `size` bytes (areas are rounded up to 4 bytes). */
function wordsOf(size: number): number {
  return Math.ceil(size / 4);
}

function checkStamp(cpu: number, ptr: number, id: number, size: number): boolean {
  const { array, index } = thisCpu.cell(ptr, 'u32');
  const words = wordsOf(size);
  for (let w = 0; w < words; w++) if (array[index + w] !== stampOf(cpu, id, w)) return false;
  return true;
}

async function freeSlot(state: StressState, slot: number): Promise<void> {
  const at = state.slotAt(slot);
  const ptr = thisCpu.read(at, 'u32');
  const id = thisCpu.read(at + 4, 'u32');
  const size = thisCpu.read(at + 8, 'u32');
  // A slot whose worker died while stamping has no complete stamp to check.
  const stamped = thisCpu.read(at + 12, 'u32') === 1;
  if (stamped && !checkStamp(thisCpu.id, ptr, id, size)) thisCpu.inc(state.violations, 'u32');
  try {
    // The coordinator zeroes the slot's ptr as it frees.
    await thisCpu.free(ptr, { recordAt: at });
  } catch (error) {
    // The coordinator says the area was not live: it was handed to someone else or freed twice.
    if (error instanceof InvalidFreeError) {
      thisCpu.inc(state.violations, 'u32');
      thisCpu.write(at, 'u32', 0);
    } else throw error;
  }
}

async function allocSlot(state: StressState, slot: number, size: number, align: number): Promise<void> {
  const cpu = thisCpu.id;
  const at = state.slotAt(slot);
  const id = thisCpu.read(state.nextId, 'u32');
  thisCpu.write(state.nextId, 'u32', id + 1);
  thisCpu.write(at + 4, 'u32', id);
  thisCpu.write(at + 8, 'u32', size);
  thisCpu.write(at + 12, 'u32', 0);
  // The coordinator records the new offset in the slot's ptr before it replies.
  const ptr = await thisCpu.alloc(size, align, { recordAt: at });
  if (ptr === null) {
    thisCpu.inc(state.failed, 'u32');
    return;
  }
  const { array, index } = thisCpu.cell(ptr, 'u32');
  const words = wordsOf(size);
  let dirty = ptr % Math.max(align, 4) !== 0 || thisCpu.read(at, 'u32') !== ptr;
  for (let w = 0; w < words; w++) if (array[index + w] !== 0) dirty = true;
  if (dirty) thisCpu.inc(state.violations, 'u32');
  for (let w = 0; w < words; w++) array[index + w] = stampOf(cpu, id, w);
  thisCpu.write(at + 12, 'u32', 1);
  thisCpu.add(state.bytes, 'u64', BigInt(size));
}

function die(kind: FaultKind): Promise<never> {
  thisCpu.log.warn({ kind }, 'injected fault');
  if (kind === 'exit') process.exit(70);
  if (kind === 'throw') {
    setTimeout(() => {
      throw new Error('injected fault: exception in a timer');
    }, 0);
    return new Promise<never>(() => {});
  }
  // Out of heap: grow a list of arrays until the worker's resource limit kills it.
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array<number>(1 << 16).fill(hoard.length));
}

export async function stress(arg: StressArg): Promise<StressResult> {
  const cpu = thisCpu.id;
  const state = new StressState();
  // The stream of choices resumes where a dead worker stopped: seed it with the op count.
  let done = thisCpu.read(state.ops, 'u32');
  const killMe = thisCpu.staticPtr('stress_kill_me');
  thisCpu.write(killMe, 'u32', 0);
  const prng = new Prng((arg.seed ^ Math.imul(cpu + 1, 0x2545f491) ^ Math.imul(done + 1, 0x61c88647)) >>> 0);
  const countOnce = countingBurst(arg.counter);
  const stop = stopView(arg.stop);
  let killRequested = false;
  // A planned fault strikes as soon as the operation count reaches it, even when this task starts
  // with every operation done (its worker's predecessor finished them before it died): so every
  // planned fault is injected. A stop, checked first, ends the task between two operations.
  for (;;) {
    if (stopRaised(stop)) break;
    if (arg.faultAt !== null && arg.faultKind !== null && done >= arg.faultAt) {
      countOnce();
      await die(arg.faultKind);
    }
    if (arg.killAt !== null && done >= arg.killAt) {
      countOnce();
      thisCpu.write(killMe, 'u32', 1);
      killRequested = true;
    }
    if (done >= arg.ops) break;
    const live = state.liveSlots();
    const empty = state.emptySlot();
    if (empty >= 0 && (live.length === 0 || prng.next() < 0.55)) {
      const size = prng.next() < 0.8 ? prng.int(1, Math.min(256, arg.maxSize)) : prng.int(1, arg.maxSize);
      await allocSlot(state, empty, size, 2 ** prng.int(0, 8));
    } else {
      await freeSlot(state, live[prng.int(0, live.length - 1)]!);
    }
    done++;
    thisCpu.write(state.ops, 'u32', done);
  }
  countOnce();
  if (killRequested) {
    // The coordinator kills this worker within milliseconds; wait for it. (Stopped before the
    // planned kill, the task returns instead: no kill was asked for.)
    for (;;) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { cpu, opsDone: done };
}

/** The task's counting burst, made at most once however often it is called. */
function countingBurst(handle: CounterHandle): () => void {
  let counted = false;
  return () => {
    if (counted) return;
    counted = true;
    const local = thisCpu.ref(thisCpu.staticPtr('stress_counted'), 'u64');
    const counter = thisCpu.counter(handle);
    for (let i = 0; i < COUNT_PER_TASK; i++) {
      local.inc();
      counter.add(1);
    }
  };
}

/** Frees every area this CPU still holds, checking each stamp one last time. */
export async function release(): Promise<number> {
  const state = new StressState();
  const live = state.liveSlots();
  for (const slot of live) await freeSlot(state, slot);
  return live.length;
}
