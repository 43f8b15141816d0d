/** Where each mode's results, report and charts go (paths from the repository root). */

export type Mode = 'full' | 'quick';
export type SuiteName = 'counters' | 'costs' | 'allocator';
export const SUITE_NAMES: readonly SuiteName[] = ['counters', 'costs', 'allocator'];

export interface Paths {
  readonly results: Readonly<Record<SuiteName, string>>;
  readonly doc: string;
  /** The chart files, and the links to them from the doc's folder. */
  readonly counterChart: { readonly file: string; readonly link: string };
  readonly scalingChart: { readonly file: string; readonly link: string };
}

/** What bench/scaling-16.sh writes (or what its output is copied to), read by every report. */
export const SCALING_RESULTS = 'bench-results/scaling-16.json';

/** Full runs write the committed results and docs/; quick runs write `*.quick.*` beside the results. */
export function paths(mode: Mode): Paths {
  const q = mode === 'full' ? '' : '.quick';
  const docs = mode === 'full' ? 'docs' : 'bench-results';
  const chart = (name: string): Paths['counterChart'] => ({
    file: `${docs}/benchmarks-${name}${q}.svg`,
    link: `benchmarks-${name}${q}.svg`,
  });
  return {
    results: {
      counters: `bench-results/counters${q}.json`,
      costs: `bench-results/runtime-costs${q}.json`,
      allocator: `bench-results/allocator${q}.json`,
    },
    doc: mode === 'full' ? 'docs/benchmarks.md' : 'bench-results/benchmarks.quick.md',
    counterChart: chart('counters'),
    scalingChart: chart('scaling-16'),
  };
}
