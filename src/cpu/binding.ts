/**
 * The state that makes a thread a CPU: set once by the CPU worker at start, before the tasks
 * module loads, and never changed afterwards. Everything on the CPU side reads it from here.
 */
import { NotOnCpuError, VerifyError } from '../errors.js';
import { type CpuViews, createCpuViews } from '../memory/percpu-memory.js';
import type { CpuWorkerData } from '../runtime/messages.js';

export interface CpuBinding {
  readonly cpu: number;
  readonly views: CpuViews;
  readonly areaSize: number;
  readonly unitSize: number;
  readonly cpus: number;
  /** The control buffer as 32-bit words and as 64-bit integers. */
  readonly control32: Int32Array;
  readonly control64: BigInt64Array;
  readonly statics: Readonly<Record<string, number>>;
}

let binding: CpuBinding | null = null;

/** Called once by the CPU worker. */
export function bindCpu(data: CpuWorkerData): CpuBinding {
  if (binding !== null)
    throw new VerifyError([`bindCpu(${data.cpu}): this thread is already bound to CPU ${binding.cpu}`]);
  binding = {
    cpu: data.cpu,
    views: createCpuViews(data.area, data.areaSize),
    areaSize: data.areaSize,
    unitSize: data.unitSize,
    cpus: data.cpus,
    control32: new Int32Array(data.control),
    control64: new BigInt64Array(data.control),
    statics: data.statics,
  };
  return binding;
}

/** The binding, or a NotOnCpuError naming what needed it. */
export function requireBinding(what: string): CpuBinding {
  if (binding === null) throw new NotOnCpuError(what);
  return binding;
}
