/**
 * How far apart the host put CPU 0's and CPU 1's threads, measured as the one-way latency of a
 * cache line between them (ping-pong.ts). On a virtual machine the host may move its virtual CPUs
 * between cores that share a cache and cores that do not, and back, while a benchmark runs. A
 * shared counter's Atomics.add pays this latency on nearly every update when two CPUs update it;
 * percpu's counters (each CPU writes only its own memory) never do. The counter suite measures it
 * just before and just after every round of the shared peer at two or more CPUs (shared-peer.ts
 * sorts those rounds by it). Context: main thread (the coordinator).
 */
import { type CounterRuntime, allArrived } from './measure.js';
import { BARRIER_RELEASE } from './model.js';
import { PING_BUFFER_BYTES } from './ping-pong.js';

/** The probe's result around one measurement, in ns one way. */
export interface CoreLatency {
  readonly beforeNs: number;
  readonly afterNs: number;
}

/** One-way ns for a cache line between CPU 0 and CPU 1, over `trips` round trips. */
export async function coreLatencyNs(rt: CounterRuntime, trips: number): Promise<number> {
  const barrier = new SharedArrayBuffer(8);
  const line = new SharedArrayBuffer(PING_BUFFER_BYTES);
  const sides = [0, 1] as const;
  const runs = Promise.all(sides.map((side) => rt.runOn(side, 'pingPong', { barrier, line, side, trips })));
  await allArrived(new Int32Array(barrier), sides.length, runs);
  // Atomics.store: releases both CPUs spinning on Atomics.load of this word.
  Atomics.store(new Int32Array(barrier), BARRIER_RELEASE, 1);
  const elapsedNs = (await runs)[0]!; // side 0 times the trips
  return elapsedNs / (2 * trips);
}
