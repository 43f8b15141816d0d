/**
 * One measurement of the paths tracing hooks into, in a fresh process:
 *   node dist/bench/trace/path-probe.js on|off
 * prints { taskUs, allocNs, foldNs } as JSON: the median round trip of an empty task, ns per
 * thisCpu.alloc + free pair, ns per percpu_counter add that folds. It imports percpu by a relative
 * path, so the same file measures a checkout from before tracing too (bench/trace/baseline.sh);
 * there, 'on' is refused.
 *
 * Context: a child process's main thread.
 */
import { pino } from 'pino';
import { Runtime } from '../../src/index.js';
import type * as PathTasks from './path-tasks.js';

export interface PathProbe {
  readonly taskUs: number;
  readonly allocNs: number;
  readonly foldNs: number;
}

const trace = process.argv[2] === 'on';
const rt = await Runtime.start<typeof PathTasks>({
  cpus: 1,
  tasks: new URL('./path-tasks.js', import.meta.url),
  logger: pino({ level: 'silent' }),
  ...(trace ? ({ trace: {} } as object) : {}),
});
// Every variant runs the same 5 ms timer (draining when tracing is on): a timer keeps the
// coordinator's event loop awake, which changes how fast it answers, so all must have it.
const traced = (rt as unknown as { trace?: { drain(): unknown[] } }).trace;
let ticks = 0;
const drainer = setInterval(() => {
  if (trace && traced !== undefined) traced.drain();
  else ticks++;
}, 5);
const tasks: number[] = [];
for (let i = 0; i < 2500; i++) {
  const start = process.hrtime.bigint();
  await rt.runOn(0, 'noop');
  if (i >= 500) tasks.push(Number(process.hrtime.bigint() - start) / 1000);
}
tasks.sort((a, b) => a - b);
const counter = rt.counter({ batch: 1 });
await rt.runOn(0, 'allocFreePairs', { n: 500 });
const allocNs = await rt.runOn(0, 'allocFreePairs', { n: 2000 });
await rt.runOn(0, 'foldEveryAdd', { handle: counter.handle, n: 200_000 });
const foldNs = await rt.runOn(0, 'foldEveryAdd', { handle: counter.handle, n: 2_000_000 });
clearInterval(drainer);
if (ticks < 0) console.log(ticks);
await rt.close();
const result: PathProbe = { taskUs: tasks[tasks.length >> 1]!, allocNs, foldNs };
console.log(JSON.stringify(result));
