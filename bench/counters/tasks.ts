/**
 * The tasks module of the counter benchmark: every CPU of the runtime loads it. percpu's
 * variants use the CPU's own memory through thisCpu; the peers use the same worker threads as
 * plain threads (their buffers are passed in, prom-client's registries live in the worker).
 */
import { thisCpu } from 'percpu/cpu';
import {
  arrayHot,
  arrayMib,
  arrayRandom,
  cellHot,
  cellMib,
  cellRandom,
  genericHot,
  genericMib,
  genericRandom,
  refHot,
  refMib,
  refRandom,
} from './loops-percpu.js';
import { limitHot, limitMib, limitRandom } from './loops-limit.js';
import { sharedHot, sharedMib, sharedRandom, stripedHot, stripedMib, stripedRandom } from './loops-atomics.js';
import { promHot, promMib, promRandom } from './loops-prom.js';
import type { LoopArg, LoopResult, Variant, Workload } from './model.js';
import { type MetricsJson, listenForMetricsRequests, promSets } from './prom-registry.js';

export { percpuServe, promServe } from './serve.js';
export { pingPong } from './ping-pong.js';

type Loop = (arg: LoopArg) => LoopResult | Promise<LoopResult>;

const LOOPS: Readonly<Record<Variant, Readonly<Record<Workload, Loop>>>> = {
  limit: { hot: limitHot, random: limitRandom, mib: limitMib },
  sharedAtomic: { hot: sharedHot, random: sharedRandom, mib: sharedMib },
  striped: { hot: stripedHot, random: stripedRandom, mib: stripedMib },
  promClient: { hot: promHot, random: promRandom, mib: promMib },
  percpuRef: { hot: refHot, random: refRandom, mib: refMib },
  percpuCell: { hot: cellHot, random: cellRandom, mib: cellMib },
  percpuArray: { hot: arrayHot, random: arrayRandom, mib: arrayMib },
  percpuGeneric: { hot: genericHot, random: genericRandom, mib: genericMib },
};

/** One measurement of one variant on one workload, on this CPU. */
export function runLoop(arg: LoopArg): LoopResult | Promise<LoopResult> {
  return LOOPS[arg.variant][arg.workload](arg);
}

/** Makes this worker's prom-client registries and starts answering broadcast metrics requests. */
export function promSetUp(): number {
  promSets();
  listenForMetricsRequests(thisCpu.id);
  return thisCpu.id;
}

/** "Ask every worker": this worker's metrics of one workload, as prom-client gives them. */
export function promSnapshot(arg: { readonly workload: Workload }): Promise<MetricsJson> {
  return promSets()[arg.workload].registry.getMetricsAsJSON();
}
