/**
 * Robust mode (like librseq's robust pools and the kernel's slab poisoning): freed memory is
 * poisoned on every CPU, and checked when it is handed out again, so a write after free is
 * reported with the offset and the CPU that wrote it; every allocation's owner is remembered, so
 * leaks can be listed at close. Off by default: then none of this code runs.
 *
 * Context: the coordinator (the allocator's zeroer and free hook).
 */
import type { Logger } from 'pino';
import type { PerCpuMemory } from '../memory/percpu-memory.js';

/** The poison of freed memory: Linux's POISON_FREE byte, 0x6b, in every byte of a word. */
export const POISON_WORD = 0x6b6b6b6b;

export interface RobustOptions {
  /** Check every allocator invariant after every allocation and free (slow: for tests). Default false. */
  readonly verifyEveryOperation?: boolean;
}

/** Who allocated an area: the coordinator, a CPU, or a percpu_counter. */
export type AllocationOwner = 'coordinator' | 'counter' | { readonly cpu: number };

/**
 * An owner of areas that are no one's to free: the metrics registry's staging areas and label
 * sets' records live as long as the runtime, so they are remembered (a free of one is still
 * poisoned) but never listed as leaks.
 */
export type InternalOwner = 'metrics';

export interface WriteAfterFree {
  readonly code: 'PERCPU_WRITE_AFTER_FREE';
  /** The first offset found changed, and the CPU whose copy it is. */
  readonly offset: number;
  readonly cpu: number;
  /** The 32-bit word found there instead of the poison. */
  readonly found: number;
}

export interface Leak {
  readonly code: 'PERCPU_LEAK';
  readonly ptr: number;
  readonly size: number;
  readonly allocatedBy: AllocationOwner;
}

export class RobustChecker {
  readonly writesAfterFree: WriteAfterFree[] = [];
  readonly verifyEveryOperation: boolean;
  private readonly memory: PerCpuMemory;
  private readonly logger: Logger;
  private readonly owners = new Map<number, { size: number; by: AllocationOwner | InternalOwner }>();

  constructor(memory: PerCpuMemory, logger: Logger, options: RobustOptions) {
    this.memory = memory;
    this.logger = logger;
    this.verifyEveryOperation = options.verifyEveryOperation === true;
  }

  /**
   * The allocator's zeroer in robust mode: before zeroing memory that is handed out again, check
   * that every CPU's copy still holds the poison (or zero: bytes never allocated). Anything else
   * was written after it was freed.
   */
  zero(offset: number, size: number): void {
    const first = offset >>> 2;
    const end = (offset + size) >>> 2;
    for (let cpu = 0; cpu < this.memory.cpus; cpu++) {
      const words = this.memory.views[cpu]!.u32;
      for (let i = first; i < end; i++) {
        const word = words[i]!;
        if (word !== POISON_WORD && word !== 0) {
          const report: WriteAfterFree = { code: 'PERCPU_WRITE_AFTER_FREE', offset: i * 4, cpu, found: word };
          this.writesAfterFree.push(report);
          // The root logger, not a CPU's child: the report already carries `cpu` (once).
          this.logger.warn(report, 'write after free');
          break;
        }
      }
    }
    this.memory.zero(offset, size);
  }

  /** After a free: fill the area with poison on every CPU. */
  poison(offset: number, size: number): void {
    for (const views of this.memory.views) views.u32.fill(POISON_WORD, offset >>> 2, (offset + size) >>> 2);
    this.owners.delete(offset);
  }

  allocated(ptr: number, size: number, by: AllocationOwner | InternalOwner): void {
    this.owners.set(ptr, { size, by });
  }

  /** Live allocations, with who made them (the runtime's own, the metrics', are none). */
  leaks(): Leak[] {
    const leaks: Leak[] = [];
    for (const [ptr, { size, by }] of this.owners) {
      if (by !== 'metrics') leaks.push({ code: 'PERCPU_LEAK', ptr, size, allocatedBy: by });
    }
    return leaks;
  }
}
