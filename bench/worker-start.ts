/**
 * What a CPU worker costs to start, and the smallest resource limits it starts with: the figures
 * behind src/runtime/worker-memory.ts (WORKER_RSS_BYTES) and src/runtime/options.ts
 * (RESOURCE_LIMIT_MINIMUMS).
 *
 *   npm run build && node dist/bench/worker-start.js
 *
 * Resident memory: a runtime with 1, 8 and 32 CPUs online, the process's RSS before and after
 * start, per worker. Limits: each candidate value is tried in a child process of its own (a stack
 * that is too small aborts the whole process, so it cannot be tried in this one), starting a bare
 * worker that loads percpu's CPU side, as a CPU's worker does.
 *
 * Context: a benchmark script (main thread).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Runtime } from 'percpu';
import { pino } from 'pino';

const TASKS = fileURLToPath(new URL('./runtime-costs/tasks.js', import.meta.url));
const CPU_SIDE = new URL('../src/cpu/index.js', import.meta.url).href;

async function residentPerWorker(online: number): Promise<{ online: number; startMs: number; perWorkerMiB: number }> {
  const before = process.memoryUsage.rss();
  const started = performance.now();
  const rt = await Runtime.start({ cpus: online, tasks: TASKS, logger: pino({ level: 'silent' }) });
  const startMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 300));
  const perWorkerMiB = (process.memoryUsage.rss() - before) / online / 2 ** 20;
  await rt.close();
  return { online, startMs, perWorkerMiB };
}

/** Starts one worker with `limits` in a child process; what happened. */
function tryLimits(limits: Record<string, number>): string {
  const program = `
    const { Worker } = require('node:worker_threads');
    const w = new Worker(${JSON.stringify(`import(${JSON.stringify(CPU_SIDE)}).then(() => require('node:worker_threads').parentPort.postMessage('loaded'))`)},
      { eval: true, resourceLimits: ${JSON.stringify(limits)} });
    w.on('message', () => { console.log('starts'); w.terminate(); });
    w.on('error', (e) => console.log('fails: ' + (e.code || e.name) + ' ' + e.message.split('\\n')[0]));
  `;
  const child = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8', timeout: 20_000 });
  if (child.signal !== null) return `aborts the process (${child.signal})`;
  if (child.status !== 0) return `aborts the process (exit ${child.status ?? '?'})`;
  return child.stdout.trim() || 'no answer';
}

console.log(`node ${process.version}`);
for (const online of [1, 8, 32]) {
  const r = await residentPerWorker(online);
  console.log(
    `${online} CPUs online: started in ${r.startMs.toFixed(0)} ms, ${r.perWorkerMiB.toFixed(1)} MiB of RSS per worker`,
  );
}
const candidates: Record<string, readonly number[]> = {
  maxOldGenerationSizeMb: [2, 4, 6, 8, 16],
  maxYoungGenerationSizeMb: [0.25, 0.5, 1],
  codeRangeSizeMb: [0.25, 0.5, 1],
  stackSizeMb: [0.1, 0.2, 0.25, 0.3, 0.5, 1],
};
for (const [limit, values] of Object.entries(candidates)) {
  for (const value of values) console.log(`${limit} ${value}: ${tryLimits({ [limit]: value })}`);
}
