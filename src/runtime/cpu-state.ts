/**
 * The states of one CPU, and what every call does in each. This is the one place the CPU's life
 * cycle is defined; cpu-controller.ts implements it and docs/api.md ("CPU states") repeats it.
 *
 *                 online()                      hello answered
 *   offline ───────────────────▶ coming-online ───────────────▶ online ◀──────────┐
 *     ▲  ▲   start failed / timed out  │                          │  │ death      │ replacement
 *     │  └─────────────────────────────┘               offline()  │  ▼            │ answered hello
 *     │                                                           │ replacing ────┘
 *     │        queue drained, worker stopped                      ▼    │ maxStartFailures failed
 *     └───────────────────────────────────────────────────── going-offline   starts / idle deaths
 *                                                                      ▼
 *   failed ◀──────────────────────────────────────────────────────────┘ (online() tries again)
 *
 * - Hotplug calls of one CPU (online, offline, killCpu) run one after another, in call order. A
 *   call is checked against the state the CPU will be in when it runs (its *target*, after the
 *   calls queued before it): online() needs a CPU whose target is offline, offline() and killCpu()
 *   one whose target is online. So online() while an offline() is pending waits for it and then
 *   starts a new worker; a second online() is refused. A worker is only ever started when the
 *   previous one of the CPU has exited: never two workers on one unit.
 * - Tasks are accepted while the CPU is coming online, online or being replaced and no offline()
 *   is pending; they wait in the CPU's queue (never in piscina's) and run one at a time, so a
 *   task queued behind a worker that dies runs on the next worker.
 * - A death while a task runs (the task rejects with CpuDiedError) or by killCpu is replaced at
 *   once. A failed start of a replacement, or a death with no task running, is a *start failure*:
 *   the next start waits restartBackoffMs × 2^(failures − 1) (at most MAX_RESTART_BACKOFF_MS); a
 *   task that completes resets the count; at maxStartFailures the CPU is failed.
 */

/** What a CPU is doing, as stats() and cpuState() report it. */
export type CpuState = 'offline' | 'coming-online' | 'online' | 'replacing' | 'going-offline' | 'failed';

/** The state a CPU will be in once the hotplug calls queued for it have run. */
export type CpuTarget = 'online' | 'offline';

/** Longest wait between two restarts of a CPU whose workers keep failing to start. */
export const MAX_RESTART_BACKOFF_MS = 5_000;

/** Delay before the next start after `failures` start failures in a row (0: at once). */
export function restartDelayMs(failures: number, backoffMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(backoffMs * 2 ** (failures - 1), MAX_RESTART_BACKOFF_MS);
}
