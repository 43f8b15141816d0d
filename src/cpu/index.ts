/**
 * percpu/cpu: what a task uses on the CPU it runs on.
 *
 *   import { thisCpu } from 'percpu/cpu';
 *   export function count(ptr: number) { const hits = thisCpu.ref(ptr, 's32'); hits.inc(); }
 *
 * Every name is listed on purpose (test/package/exports.test.ts holds the list).
 */
export { thisCpu, ThisCpu } from './this-cpu.js';
export type { CpuAllocOptions, CpuFreeOptions } from './this-cpu.js';
export type { CpuCell, CpuRef } from './ref.js';
export type { CpuCounter } from './cpu-counter.js';
export type { TraceValue } from './trace-writer.js';
export type { CounterHandle } from '../counter/handle.js';
export type {
  CpuCounter as CpuCounterMetric,
  CpuGauge as CpuGaugeMetric,
  CpuHistogram as CpuHistogramMetric,
  CpuMetricOf,
} from './metric.js';
export type { CpuCounterChild, CpuGaugeChild, CpuHistogramChild } from './metric-child.js';
export type { MetricHandle, MetricKind } from '../metrics/handle.js';
export type { PerCpuType, ValueOf } from '../memory/types.js';
export type { StaticDeclaration, StaticDeclarations } from '../runtime/statics.js';
export {
  PercpuError,
  InvalidArgumentError,
  InvalidFreeError,
  UnalignedAccessError,
  OutOfSpaceError,
  VerifyError,
  TaskFailedError,
  CpuDiedError,
  CpuOfflineError,
  ClosedError,
  NotOnCpuError,
  TasksLoadError,
  CpuFailedError,
  InsufficientMemoryError,
  CounterDestroyedError,
  TaskAbortedError,
  TaskTimeoutError,
  QueueFullError,
  TracingOffError,
  TooManySeriesError,
  ListenError,
} from '../errors.js';
export type { PercpuErrorCode, InvalidFreeReason, RemoteErrorInfo } from '../errors.js';
