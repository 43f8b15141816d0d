/**
 * What rt.trace.drain() returns: one record per event, from a CPU's ring or from the coordinator
 * (a CPU's deaths, replacements, online and offline happen there and cannot be written into a
 * ring the CPU is writing).
 *
 * Context: types, used on the coordinator.
 */
import {
  EVENT_ALLOC,
  EVENT_COUNTER,
  EVENT_FOLD,
  EVENT_FREE,
  EVENT_INSTANT,
  EVENT_TASK_BEGIN,
  EVENT_TASK_END,
} from './ring-layout.js';

/**
 * - 'event': thisCpu.trace(name, ...values)
 * - 'counter': thisCpu.traceCounter(name, value)
 * - 'task-begin' (args []), 'task-end' (args [durationMs, ok 1 | 0]): name is the task's
 * - 'alloc' (args [size, align, offset or -1 when out of space, waitMs]), 'free' (args [offset,
 *   waitMs, ok 1 | 0]): a CPU's requests to the coordinator
 * - 'fold' (args [counter slot, amount folded, global count after]): a percpu_counter fold
 * - 'online', 'offline', 'died', 'replaced' (args [threadId]): the coordinator's, seq null
 */
export type TraceEventKind =
  | 'event'
  | 'counter'
  | 'task-begin'
  | 'task-end'
  | 'alloc'
  | 'free'
  | 'fold'
  | 'online'
  | 'offline'
  | 'died'
  | 'replaced';

export interface TraceEvent {
  readonly cpu: number;
  /** The event's number among every event this CPU wrote (a gap: lost events); null for the coordinator's. */
  readonly seq: number | null;
  /** Milliseconds on the coordinator's performance.now() clock, the same for every CPU. */
  readonly ts: number;
  readonly name: string;
  readonly kind: TraceEventKind;
  readonly args: readonly (number | bigint)[];
}

export interface TraceCpuStats {
  readonly cpu: number;
  /** Events the CPU wrote (published), dropped ones included: written = drained + lost + inRing. */
  readonly written: number;
  /** Events returned by drain(). */
  readonly drained: number;
  /** dropped + overwritten. */
  readonly lost: number;
  /** Discard mode: the newest events, not stored because the ring was full. */
  readonly dropped: number;
  /** Overwrite mode: the oldest events, overwritten before they were drained. */
  readonly overwritten: number;
  /** Stored and not yet drained. */
  readonly inRing: number;
}

/** The kind of each ring event type (index: EVENT_*). */
export const KIND_OF_TYPE: Readonly<Record<number, TraceEventKind>> = {
  [EVENT_INSTANT]: 'event',
  [EVENT_COUNTER]: 'counter',
  [EVENT_TASK_BEGIN]: 'task-begin',
  [EVENT_TASK_END]: 'task-end',
  [EVENT_ALLOC]: 'alloc',
  [EVENT_FREE]: 'free',
  [EVENT_FOLD]: 'fold',
};

/** The coordinator's lifecycle events and their names. */
export const LIFECYCLE_NAMES = {
  online: 'CPU online',
  offline: 'CPU offline',
  died: 'CPU worker died',
  replaced: 'CPU worker replaced',
} as const;
export type LifecycleKind = keyof typeof LIFECYCLE_NAMES;
