/**
 * The shapes the runtime's methods take and return (options of counter() and sum(), stats()),
 * apart from the class so a reader finds them in one place. Context: types only.
 */
import type { AllocatorStats } from '../allocator/stats.js';
import type { TaskTimes } from './cpu-controller.js';
import type { CpuState } from './cpu-state.js';

export interface CounterOptions {
  /** Fold threshold. Default max(32, 2 × online CPUs), as Linux's percpu_counter_batch. */
  readonly batch?: number;
}

export interface SumOptions {
  /** Wrap the sum at the type's width (two's complement), as a C sum of that type would. */
  readonly wrap?: boolean;
}

export interface CpuActivity {
  readonly cpu: number;
  readonly online: boolean;
  /** Where the CPU is in its life cycle (see docs/api.md, "CPU states"). */
  readonly state: CpuState;
  readonly tasksRun: number;
  readonly tasksFailed: number;
  readonly deaths: number;
  readonly allocs: number;
  readonly frees: number;
  /** Milliseconds this CPU's tasks waited in its queue before they started: total and longest. */
  readonly taskWaitMs: TaskTimes;
  /** Milliseconds this CPU's tasks ran (until they settled): total and longest. */
  readonly taskRunMs: TaskTimes;
}

export interface RuntimeStats {
  readonly allocator: AllocatorStats;
  readonly cpus: readonly CpuActivity[];
  readonly counters: number;
}
