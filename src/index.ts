/**
 * percpu: the coordinator's entry point (main thread). Every name is listed on purpose: the
 * public surface is a promise, and test/package/exports.test.ts holds the list.
 */
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
} from './errors.js';
export type { PercpuErrorCode, InvalidFreeReason, RemoteErrorInfo } from './errors.js';
export { PercpuAllocator } from './allocator/allocator.js';
export type { AllocatorOptions, AllocOptions, AllocFailure } from './allocator/allocator.js';
export type { AllocatorStats, ChunkStats } from './allocator/stats.js';
export { PerCpuMemory } from './memory/percpu-memory.js';
export type { CpuViews } from './memory/percpu-memory.js';
export { PERCPU_TYPES, TYPE_WIDTH } from './memory/types.js';
export type { PerCpuType, ValueOf } from './memory/types.js';
// The layout constants a user sizes things with (docs/api.md, "Sizes"); the rest of
// src/memory/layout.ts is internal.
export { PAGE_SIZE, NULL_GUARD, AREA_GUARD, DEFAULT_UNIT_SIZE, DEFAULT_AREA_SIZE } from './memory/layout.js';
export { Runtime } from './runtime/runtime.js';
export type {
  TaskModule,
  TaskName,
  TaskArg,
  TaskArgs,
  TaskOptions,
  TaskResult,
  CounterOptions,
  SumOptions,
  CpuActivity,
  RuntimeStats,
} from './runtime/runtime.js';
export type { RuntimeOptions, LogLevel } from './runtime/options.js';
export type { CpuState } from './runtime/cpu-state.js';
export type { TaskTimes } from './runtime/cpu-controller.js';
export { MAX_CPUS } from './runtime/options.js';
export type { StaticDeclaration, StaticDeclarations } from './runtime/statics.js';
export { PercpuCounter } from './counter/percpu-counter.js';
export type { CounterHandle } from './counter/handle.js';
export type { RuntimeTrace, TraceWriteOptions, TraceFileFormat } from './trace/runtime-trace.js';
export type { TraceEvent, TraceEventKind, TraceCpuStats } from './trace/events.js';
export type { TraceOptions, TraceMode, TraceToLoggerOptions } from './trace/options.js';
export { MetricsRegistry } from './metrics/registry.js';
export type { TextOptions } from './metrics/registry.js';
export type {
  Counter as MetricCounter,
  CounterChild,
  CounterOptions as MetricCounterOptions,
} from './metrics/counter.js';
export type { Gauge as MetricGauge, GaugeChild, GaugeOptions, GaugeAggregate } from './metrics/gauge.js';
export type { Histogram as MetricHistogram, HistogramChild, HistogramOptions } from './metrics/histogram.js';
export { DEFAULT_BUCKETS } from './metrics/histogram.js';
export { DEFAULT_MAX_CHILDREN } from './metrics/metric.js';
export type { MetricOptions } from './metrics/metric.js';
export type { MetricHandle, MetricKind } from './metrics/handle.js';
export type { ServeOptions, MetricsServer } from './metrics/server.js';
export type { PromRegistryLike } from './metrics/prom-client-bridge.js';
