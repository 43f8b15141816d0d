export * from './errors.js';
export { PercpuAllocator, MAX_UNSURE_TRIES, MAX_FAILURE_WARNINGS } from './allocator/allocator.js';
export type { AllocatorOptions, AllocOptions, AllocFailure } from './allocator/allocator.js';
export type { AllocatorStats, ChunkStats } from './allocator/stats.js';
export { PerCpuMemory, createCpuViews } from './memory/percpu-memory.js';
export type { CpuViews } from './memory/percpu-memory.js';
export { PERCPU_TYPES, TYPE_WIDTH } from './memory/types.js';
export type { PerCpuType, ValueOf } from './memory/types.js';
export * as layout from './memory/layout.js';
