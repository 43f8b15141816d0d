/** The counter benchmark's targets (issues 3 and 5), judged on ratios measured in the same run. */
export const COUNTER_TARGETS = {
  /** percpu's fast paths per CPU, as a share of the limit's per-CPU ops/s, at every CPU count. */
  perCpuVsLimit: 0.9,
  /** Two CPUs' aggregate ops/s over one CPU's (issue 3), for percpu's fast paths. */
  twoCpusVsOne: 1.8,
  /** percpu's fast paths' aggregate ops/s over the shared Atomics.add peer's, at `atCpus`. */
  vsSharedAtomic: 10,
  /** ... over the striped (LongAdder) peer's, at `atCpus`. */
  vsStriped: 4,
  /** Reading a total of 1,000 counters over all CPUs: prom-client's round trip over percpu's sum. */
  readSpeedup: 100,
  atCpus: 2,
} as const;
