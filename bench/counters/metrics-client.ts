/**
 * The coordinator's side of prom-client's "ask every worker, merge": a request broadcast to every
 * worker, one reply channel per CPU, and the merge of their getMetricsAsJSON() snapshots.
 */
import { BroadcastChannel } from 'node:worker_threads';
import type { Workload } from './model.js';
import {
  type MetricsJson,
  type MetricsReply,
  type MetricsRequest,
  REQUEST_CHANNEL,
  replyChannelName,
} from './prom-registry.js';

const TIMEOUT_MS = 30_000;

export class MetricsClient {
  private readonly requests = new BroadcastChannel(REQUEST_CHANNEL);
  private readonly replies: BroadcastChannel[];
  private readonly cpus: number;
  private nextId = 1;
  private pending: { id: number; got: MetricsReply[]; resolve: (replies: MetricsReply[]) => void } | null = null;

  constructor(cpus: number) {
    this.cpus = cpus;
    this.replies = Array.from({ length: cpus }, (_, cpu) => {
      const channel = new BroadcastChannel(replyChannelName(cpu));
      channel.onmessage = (event: unknown): void => this.onReply((event as { data: MetricsReply }).data);
      return channel;
    });
  }

  private onReply(reply: MetricsReply): void {
    const pending = this.pending;
    if (pending === null || reply.id !== pending.id) return;
    pending.got.push(reply);
    if (pending.got.length === this.cpus) {
      this.pending = null;
      pending.resolve(pending.got);
    }
  }

  /** Asks every worker for its snapshot of one workload's registry; resolves with all replies. */
  ask(workload: Workload): Promise<MetricsReply[]> {
    if (this.pending !== null) return Promise.reject(new Error('one metrics request at a time'));
    const id = this.nextId++;
    return new Promise<MetricsReply[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        const answered = this.pending?.got.length ?? 0;
        this.pending = null;
        reject(new Error(`metrics request ${id}: ${answered} of ${this.cpus} workers answered in ${TIMEOUT_MS} ms`));
      }, TIMEOUT_MS);
      this.pending = {
        id,
        got: [],
        resolve: (replies) => {
          clearTimeout(timer);
          resolve(replies);
        },
      };
      const request: MetricsRequest = { id, workload };
      this.requests.postMessage(request);
    });
  }

  close(): void {
    this.requests.close();
    for (const channel of this.replies) channel.close();
  }
}

/** Merges workers' snapshots by hand: every metric's values summed over the workers, by name. */
export function mergeSnapshots(snapshots: readonly MetricsJson[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const snapshot of snapshots) {
    for (const metric of snapshot) {
      let value = 0;
      for (const v of metric.values) value += v.value;
      totals.set(metric.name, (totals.get(metric.name) ?? 0) + value);
    }
  }
  return totals;
}

export function grandTotal(totals: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const value of totals.values()) total += value;
  return total;
}
