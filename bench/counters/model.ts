/**
 * What the counter benchmark compares: the variants (percpu and the peers Node users have today),
 * the workloads, and the layouts of the peers' shared buffers. Used on both sides: the
 * coordinator (suite, report) and the CPUs (tasks).
 */

/** The variants, in the order the report lists them. */
export const VARIANTS = [
  'limit',
  'sharedAtomic',
  'striped',
  'promClient',
  'percpuRef',
  'percpuCell',
  'percpuArray',
  'percpuGeneric',
] as const;
export type Variant = (typeof VARIANTS)[number];

/** The peers of percpu (everything but percpu's own paths). */
export const PEERS: readonly Variant[] = ['limit', 'sharedAtomic', 'striped', 'promClient'];

/** percpu's paths. */
export const PERCPU_PATHS: readonly Variant[] = ['percpuRef', 'percpuCell', 'percpuArray', 'percpuGeneric'];

/** percpu's fast paths (checked once, then plain typed-array updates): the ones the targets judge. */
export const FAST_PATHS: readonly Variant[] = ['percpuRef', 'percpuCell', 'percpuArray'];

export const VARIANT_LABEL: Readonly<Record<Variant, string>> = {
  limit: 'limit: plain Int32Array, unshared',
  sharedAtomic: 'one shared array, Atomics.add',
  striped: 'striped (LongAdder), Atomics.add',
  promClient: 'prom-client Counters per worker',
  percpuRef: 'percpu ref().inc()',
  percpuCell: 'percpu cell()',
  percpuArray: 'percpu array()',
  percpuGeneric: 'percpu thisCpu.inc() (generic)',
};

/** Short names for charts and narrow tables. */
export const VARIANT_SHORT: Readonly<Record<Variant, string>> = {
  limit: 'limit (plain)',
  sharedAtomic: 'shared Atomics.add',
  striped: 'striped Atomics.add',
  promClient: 'prom-client',
  percpuRef: 'percpu ref',
  percpuCell: 'percpu cell',
  percpuArray: 'percpu array',
  percpuGeneric: 'percpu generic',
};

export const WORKLOADS = ['hot', 'random', 'mib'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Counters behind a random draw (the "random counter out of 1000" workload). */
export const RANDOM_COUNTERS = 1000;

/** Fields of the MIB-like structure. */
export const MIB_FIELDS = 32;

/** Field updates per MIB op (see the loops): packets, octets, and one field in each of four groups. */
export const MIB_UPDATES_PER_OP = 6;

export const WORKLOAD_LABEL: Readonly<Record<Workload, string>> = {
  hot: 'one hot counter',
  random: `a random counter of ${RANDOM_COUNTERS.toLocaleString('en-US')}`,
  mib: `a MIB of ${MIB_FIELDS} counters (${MIB_UPDATES_PER_OP} updates per op)`,
};

/** Number of 32-bit counters a workload updates. */
export function counterCount(workload: Workload): number {
  switch (workload) {
    case 'hot':
      return 1;
    case 'random':
      return RANDOM_COUNTERS;
    case 'mib':
      return MIB_FIELDS;
  }
}

/** Padding between workers' stripes (and before the first): two 64-byte lines. */
export const PAD_BYTES = 128;

/**
 * The striped peer's layout: worker w's counters are Int32 words starting at `stripeStart(w)`,
 * and stripes are a multiple of 128 bytes apart with at least 128 bytes of gap, so no two
 * workers' counters share a cache line (or an adjacent-line pair) wherever the buffer starts.
 */
export function stripeStrideWords(workload: Workload): number {
  const bytes = Math.ceil((counterCount(workload) * 4) / PAD_BYTES) * PAD_BYTES + PAD_BYTES;
  return bytes / 4;
}

export function stripeStart(workload: Workload, worker: number): number {
  return PAD_BYTES / 4 + worker * stripeStrideWords(workload);
}

export function stripedBufferBytes(workload: Workload, workers: number): number {
  return PAD_BYTES + workers * stripeStrideWords(workload) * 4;
}

/** The shared-atomic peer: all workers' counters in one array, from word SHARED_START. */
export const SHARED_START = PAD_BYTES / 4;

export function sharedBufferBytes(workload: Workload): number {
  return PAD_BYTES + counterCount(workload) * 4 + PAD_BYTES;
}

/** Word 0 releases the CPUs; word 1 counts the CPUs waiting at the barrier. */
export const BARRIER_RELEASE = 0;
export const BARRIER_ARRIVED = 1;

/** What a loop task is given. */
export interface LoopArg {
  readonly variant: Variant;
  readonly workload: Workload;
  /** Ops to run (one op: one increment, or one MIB update of several fields). */
  readonly n: number;
  /** The xorshift seed (non-zero); each CPU's differs. */
  readonly seed: number;
  readonly barrier: SharedArrayBuffer;
  /** percpu offset of the workload's counters. */
  readonly ptr: number;
  /** The shared-atomic peer's buffer for this workload. */
  readonly shared: SharedArrayBuffer;
  /** The striped peer's buffer for this workload (a stripe per CPU id). */
  readonly striped: SharedArrayBuffer;
}

/** What a loop task returns. */
export interface LoopResult {
  readonly cpu: number;
  readonly n: number;
  /** process.hrtime.bigint() at the start and end of the loop (one clock for all threads). */
  readonly startNs: bigint;
  readonly endNs: bigint;
  /**
   * How much this CPU's own counters grew (the sum of the random counters, field 0 of the MIB),
   * wrapped to 32 bits; the coordinator checks it equals n. NaN for the shared-atomic peer,
   * whose total the coordinator checks instead.
   */
  readonly counted: number;
}
