/**
 * An allocator wired to real per-CPU memory for a benchmark, with a zeroer that counts what it
 * zeroes, so a report can say how much zeroing a measurement included.
 */
import { DEFAULT_UNIT_SIZE, PerCpuMemory, PercpuAllocator } from 'percpu';

export interface Rig {
  readonly allocator: PercpuAllocator;
  readonly memory: PerCpuMemory;
  /** Bytes zeroed per CPU (calls to the zeroer) since the rig was made or last reset. */
  readonly zeroed: { bytes: number; calls: number };
  /** How the allocator was set up, in words, for the report. */
  readonly description: string;
  /** The process's resident memory just before the rig's per-CPU memory was reserved. */
  readonly rssBefore: number;
}

/** Memory per possible CPU at one moment of a test: reserved, counted populated, resident. */
export interface RigMemory {
  readonly cpus: number;
  /** When it was measured, in words (the test's state then). */
  readonly when: string;
  /** The area reserved per CPU (SharedArrayBuffer size, virtual). */
  readonly reservedPerCpu: number;
  /** Pages the allocator counts as populated (handed out at least once), in bytes, per CPU. */
  readonly populatedPerCpu: number;
  /** The process's resident memory growth since the rig was made, divided by its CPUs. */
  readonly residentPerCpu: number;
}

export interface RigOptions {
  readonly cpus: number;
  readonly areaSize: number;
  readonly unitSize?: number;
}

export function makeRig(options: RigOptions): Rig {
  const unitSize = options.unitSize ?? DEFAULT_UNIT_SIZE;
  const rssBefore = process.memoryUsage.rss();
  const memory = new PerCpuMemory(options.cpus, options.areaSize);
  const zeroed = { bytes: 0, calls: 0 };
  const allocator = new PercpuAllocator({
    unitSize,
    areaSize: options.areaSize,
    zeroer: {
      zero(offset: number, size: number): void {
        zeroed.bytes += size;
        zeroed.calls++;
        memory.zero(offset, size);
      },
    },
  });
  const description =
    `unit ${unitSize / 1024} KiB, area ${(options.areaSize / (1024 * 1024)).toFixed(2).replace(/\.00$/, '')} MiB per CPU, ` +
    `no static/reserved region, zeroer: PerCpuMemory of ${options.cpus} CPU${options.cpus === 1 ? '' : 's'}`;
  return { allocator, memory, zeroed, description, rssBefore };
}

/** The smallest area (a whole number of units, plus `spareUnits`) that holds `bytes`. */
export function areaFor(bytes: number, spareUnits: number, unitSize: number = DEFAULT_UNIT_SIZE): number {
  return (Math.ceil(bytes / unitSize) + spareUnits) * unitSize;
}

/** alloc() that treats null (out of space) as a bug in the benchmark's sizing. */
export function mustAlloc(allocator: PercpuAllocator, size: number, align?: number): number {
  const offset = allocator.alloc(size, align);
  if (offset === null) throw new Error(`benchmark area too small: alloc(${size}, ${align ?? 4}) returned null`);
  return offset;
}

/**
 * Memory per possible CPU now. Resident growth includes the allocator's own metadata and
 * anything else the process grew by, so it bounds what the per-CPU areas cost from above.
 */
export function rigMemory(rig: Rig, when: string): RigMemory {
  const cpus = rig.memory.cpus;
  return {
    cpus,
    when,
    reservedPerCpu: rig.memory.areaSize,
    populatedPerCpu: rig.allocator.stats().populatedBytes,
    residentPerCpu: Math.max(0, process.memoryUsage.rss() - rig.rssBefore) / cpus,
  };
}
