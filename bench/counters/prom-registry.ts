/**
 * prom-client inside a worker, as Node users run it today: each worker has its own Registry of
 * Counters (prom-client's released versions aggregate only across cluster processes, not worker
 * threads), and a reader asks every worker for `registry.getMetricsAsJSON()` and merges.
 *
 * A workload's counters are plain unlabeled Counters (1, 1,000 or 32 of them), each in the
 * worker's registry for that workload, so a snapshot holds exactly that workload's counters.
 * Unlabeled counters are prom-client's fastest update: `inc()` on a labeled child hashes its
 * labels on every call.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { Counter, Registry } from 'prom-client';
import { type Workload, WORKLOADS, counterCount } from './model.js';

export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export interface PromSet {
  readonly registry: Registry;
  readonly counters: readonly Counter[];
}

let sets: Readonly<Record<Workload, PromSet>> | null = null;

function makeSet(workload: Workload): PromSet {
  const registry = new Registry();
  const counters = Array.from(
    { length: counterCount(workload) },
    (_, k) =>
      new Counter({
        name: `bench_${workload}_${k}_total`,
        help: `counter ${k} of the ${workload} workload`,
        registers: [registry],
      }),
  );
  return { registry, counters };
}

/** This worker's registries, made on first use. */
export function promSets(): Readonly<Record<Workload, PromSet>> {
  if (sets === null) {
    const made: Partial<Record<Workload, PromSet>> = {};
    for (const workload of WORKLOADS) made[workload] = makeSet(workload);
    sets = made as Record<Workload, PromSet>;
  }
  return sets;
}

/** The sum of a set's counters as this worker sees them. */
export async function promTotal(set: PromSet, only?: number): Promise<number> {
  let total = 0;
  const counters = only === undefined ? set.counters : set.counters.slice(only, only + 1);
  for (const counter of counters) {
    for (const v of (await counter.get()).values) total += v.value;
  }
  return total;
}

/** A metrics request on the broadcast channel. */
export interface MetricsRequest {
  readonly id: number;
  readonly workload: Workload;
}

/** A worker's answer on its own reply channel. */
export interface MetricsReply {
  readonly id: number;
  readonly cpu: number;
  /** process.hrtime.bigint() when the worker took its snapshot. */
  readonly atNs: bigint;
  /** Ops this worker had done in the serving loop when it took the snapshot (0 when idle). */
  readonly done: number;
  readonly metrics: MetricsJson;
}

export const REQUEST_CHANNEL = 'percpu-bench:metrics-request';
export const replyChannelName = (cpu: number): string => `percpu-bench:metrics-reply-${cpu}`;

let listening: { readonly requests: BroadcastChannel; readonly replies: BroadcastChannel } | null = null;

/** What a serving loop reports as done; idle workers report 0. */
let doneSoFar: () => number = () => 0;

export function setDoneReporter(reporter: (() => number) | null): void {
  doneSoFar = reporter ?? (() => 0);
}

/**
 * Starts answering metrics requests broadcast by the coordinator: a competent user's way to
 * reach every worker of a pool (piscina has no broadcast). A request is answered whenever this
 * worker's event loop turns: between tasks, or when a task yields.
 */
export function listenForMetricsRequests(cpu: number): void {
  if (listening !== null) return;
  const requests = new BroadcastChannel(REQUEST_CHANNEL);
  const replies = new BroadcastChannel(replyChannelName(cpu));
  requests.unref();
  replies.unref();
  requests.onmessage = (event: unknown): void => {
    const request = (event as { data: MetricsRequest }).data;
    const done = doneSoFar();
    const atNs = process.hrtime.bigint();
    // getMetricsAsJSON reads every counter before any other macrotask of this worker runs, so
    // the snapshot holds exactly `done` ops of a serving loop.
    const { registry } = promSets()[request.workload];
    void registry.getMetricsAsJSON().then((metrics) => {
      const reply: MetricsReply = { id: request.id, cpu, atNs, done, metrics };
      replies.postMessage(reply);
    });
  };
  listening = { requests, replies };
}
