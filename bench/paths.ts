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

export function paths(mode: Mode): Paths {
  if (mode === 'full') {
    return {
      results: { counters: 'bench-results/counters.json', costs: 'bench-results/runtime-costs.json', allocator: 'bench-results/allocator.json' },
      doc: 'docs/benchmarks.md',
      counterChart: { file: 'docs/benchmarks-counters.svg', link: 'benchmarks-counters.svg' },
      scalingChart: { file: 'docs/benchmarks-scaling-16.svg', link: 'benchmarks-scaling-16.svg' },
    };
  }
  return {
    results: { counters: 'bench-results/counters.quick.json', costs: 'bench-results/runtime-costs.quick.json', allocator: 'bench-results/allocator.quick.json' },
    doc: 'bench-results/benchmarks.quick.md',
    counterChart: { file: 'bench-results/benchmarks-counters.quick.svg', link: 'benchmarks-counters.quick.svg' },
    scalingChart: { file: 'bench-results/benchmarks-scaling-16.quick.svg', link: 'benchmarks-scaling-16.quick.svg' },
  };
}
