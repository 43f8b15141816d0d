/**
 * The CPU side of `percpu stress`: allocation correctness under real concurrency. Every CPU
 * allocates through the coordinator, checks the area is zero in its own unit, stamps every word
 * of it with (cpu, id, word), re-checks the stamp before freeing, and frees. An area handed out
 * twice, or not zeroed, shows up as a broken stamp or a non-zero word.
 *
 * Everything that must survive a crash lives in this CPU's unit, in static variables: the table
 * of live areas, the operation count and the tallies. A replacement worker resumes from them.
 */
import { InvalidFreeError, thisCpu } from '../cpu/index.js';
import { Prng } from '../util/prng.js';

/** Static variables of the stress workload (declared by the coordinator). */
export const STRESS_STATICS = {
  /** Table of live areas: u32 count, then (ptr, id, size) u32 triples. */
  stress_table: { size: 4 + 12 * 256, align: 8 },
  stress_ops: 'u32',
  stress_bytes: 'u64',
  stress_violations: 'u32',
  stress_failed: 'u32',
  stress_next_id: 'u32',
} as const;

/** Most live areas one CPU holds at once. */
export const TABLE_CAPACITY = 256;

export type FaultKind = 'exit' | 'throw' | 'oom';

export interface StressArg {
  readonly ops: number;
  readonly seed: number;
  readonly maxSize: number;
  /** Die this way when the operation count reaches `faultAt` (null: no fault in this run). */
  readonly faultAt: number | null;
  readonly faultKind: FaultKind | null;
}

export interface StressResult {
  readonly cpu: number;
  readonly opsDone: number;
}

/** The stamp of word `word` of area `id` on CPU `cpu`: never 0, different per area and word. */
export function stampOf(cpu: number, id: number, word: number): number {
  return (Math.imul(id + 1, 0x9e3779b1) ^ Math.imul(word + 1, 0x85ebca6b) ^ (cpu << 24) ^ 0x5bd1e995) >>> 0 || 1;
}

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

  get live(): number {
    return thisCpu.read(this.table, 'u32');
  }

  entry(i: number): { ptr: number; id: number; size: number } {
    const at = this.table + 4 + 12 * i;
    return { ptr: thisCpu.read(at, 'u32'), id: thisCpu.read(at + 4, 'u32'), size: thisCpu.read(at + 8, 'u32') };
  }

  push(ptr: number, id: number, size: number): void {
    const i = this.live;
    const at = this.table + 4 + 12 * i;
    thisCpu.write(at, 'u32', ptr);
    thisCpu.write(at + 4, 'u32', id);
    thisCpu.write(at + 8, 'u32', size);
    thisCpu.write(this.table, 'u32', i + 1);
  }

  /** Removes entry i by moving the last entry into its place. */
  remove(i: number): void {
    const last = this.live - 1;
    const moved = this.entry(last);
    const at = this.table + 4 + 12 * i;
    thisCpu.write(at, 'u32', moved.ptr);
    thisCpu.write(at + 4, 'u32', moved.id);
    thisCpu.write(at + 8, 'u32', moved.size);
    thisCpu.write(this.table, 'u32', last);
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

async function freeEntry(state: StressState, i: number): Promise<void> {
  const cpu = thisCpu.id;
  const { ptr, id, size } = state.entry(i);
  if (!checkStamp(cpu, ptr, id, size)) thisCpu.inc(state.violations, 'u32');
  // Remove first, then free: if the worker dies between the two, the area is still live but
  // known to nobody (a leak the run reports), never freed twice.
  state.remove(i);
  try {
    await thisCpu.free(ptr);
  } catch (error) {
    // The coordinator says the area was not live: it was handed to someone else or freed twice.
    if (error instanceof InvalidFreeError) thisCpu.inc(state.violations, 'u32');
    else throw error;
  }
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
  const prng = new Prng((arg.seed ^ Math.imul(cpu + 1, 0x2545f491) ^ Math.imul(done + 1, 0x61c88647)) >>> 0);
  while (done < arg.ops) {
    if (arg.faultAt !== null && arg.faultKind !== null && done >= arg.faultAt) await die(arg.faultKind);
    const live = state.live;
    if (live < TABLE_CAPACITY && (live === 0 || prng.next() < 0.55)) {
      const size = prng.next() < 0.8 ? prng.int(1, Math.min(256, arg.maxSize)) : prng.int(1, arg.maxSize);
      const align = 2 ** prng.int(0, 8);
      const ptr = await thisCpu.alloc(size, align);
      if (ptr === null) {
        thisCpu.inc(state.failed, 'u32');
        if (live > 0) await freeEntry(state, prng.int(0, live - 1));
      } else {
        const id = thisCpu.read(state.nextId, 'u32');
        thisCpu.write(state.nextId, 'u32', id + 1);
        const { array, index } = thisCpu.cell(ptr, 'u32');
        const words = wordsOf(size);
        let dirty = ptr % Math.max(align, 4) !== 0;
        for (let w = 0; w < words; w++) if (array[index + w] !== 0) dirty = true;
        if (dirty) thisCpu.inc(state.violations, 'u32');
        for (let w = 0; w < words; w++) array[index + w] = stampOf(cpu, id, w);
        state.push(ptr, id, size);
        thisCpu.add(state.bytes, 'u64', BigInt(size));
      }
    } else {
      await freeEntry(state, prng.int(0, live - 1));
    }
    done++;
    thisCpu.write(state.ops, 'u32', done);
  }
  return { cpu, opsDone: done };
}

/** Frees every area this CPU still holds, checking each stamp one last time. */
export async function release(): Promise<number> {
  const state = new StressState();
  let freed = 0;
  while (state.live > 0) {
    await freeEntry(state, state.live - 1);
    freed++;
  }
  return freed;
}
