/**
 * The per-CPU memory: one SharedArrayBuffer per possible CPU, reserved once at `areaSize` bytes
 * (plus guards) and committed by the OS only where written. Memory exists for possible CPUs only.
 *
 * Views are made once, here, and never change, so a hot path can hold them as constants. Every
 * view starts at AREA_BASE, so the element holding offset `ptr` is view[ptr >> log2(width)]: a
 * per-CPU dereference is base + offset, with no table lookup.
 *
 * Context: the coordinator. A CPU's own worker gets only its own buffer (see the CPU side).
 */
import { InvalidArgumentError } from '../errors.js';
import { elementIndex } from './pointer.js';
import { AREA_BASE, AREA_GUARD, MAX_AREA_SIZE, MAX_CPUS } from './layout.js';
import { type PerCpuType, type ValueOf, checkType, checkValue } from './types.js';

/** Typed views over one CPU's area, all starting at AREA_BASE. */
export interface CpuViews {
  readonly u8: Uint8Array;
  readonly s8: Int8Array;
  readonly u16: Uint16Array;
  readonly s16: Int16Array;
  readonly u32: Uint32Array;
  readonly s32: Int32Array;
  readonly u64: BigUint64Array;
  readonly s64: BigInt64Array;
  readonly f64: Float64Array;
}

/** Creates the views of one CPU's buffer (also used by the worker that owns it). */
export function createCpuViews(buffer: SharedArrayBuffer, areaSize: number): CpuViews {
  return {
    u8: new Uint8Array(buffer, AREA_BASE, areaSize),
    s8: new Int8Array(buffer, AREA_BASE, areaSize),
    u16: new Uint16Array(buffer, AREA_BASE, areaSize / 2),
    s16: new Int16Array(buffer, AREA_BASE, areaSize / 2),
    u32: new Uint32Array(buffer, AREA_BASE, areaSize / 4),
    s32: new Int32Array(buffer, AREA_BASE, areaSize / 4),
    u64: new BigUint64Array(buffer, AREA_BASE, areaSize / 8),
    s64: new BigInt64Array(buffer, AREA_BASE, areaSize / 8),
    f64: new Float64Array(buffer, AREA_BASE, areaSize / 8),
  };
}

/** Bytes of the SharedArrayBuffer that holds one CPU's area. */
export function bufferSizeFor(areaSize: number): number {
  return AREA_GUARD + areaSize + AREA_GUARD;
}

export class PerCpuMemory {
  readonly cpus: number;
  readonly areaSize: number;
  readonly buffers: readonly SharedArrayBuffer[];
  readonly views: readonly CpuViews[];

  constructor(cpus: number, areaSize: number) {
    if (typeof cpus !== 'number' || !Number.isInteger(cpus) || cpus < 1 || cpus > MAX_CPUS) {
      throw new InvalidArgumentError('cpus', cpus, `an integer from 1 to ${MAX_CPUS}`);
    }
    // A multiple of 8, so that every typed view (u64, f64 included) covers the whole area.
    if (
      typeof areaSize !== 'number' ||
      !Number.isInteger(areaSize) ||
      areaSize < 8 ||
      areaSize > MAX_AREA_SIZE ||
      areaSize % 8 !== 0
    ) {
      throw new InvalidArgumentError('areaSize', areaSize, `a multiple of 8 from 8 to ${MAX_AREA_SIZE}`);
    }
    this.cpus = cpus;
    this.areaSize = areaSize;
    this.buffers = Array.from({ length: cpus }, () => new SharedArrayBuffer(bufferSizeFor(areaSize)));
    this.views = this.buffers.map((buffer) => createCpuViews(buffer, areaSize));
  }

  /**
   * Makes [offset, offset + size) zero in every CPU's area (the allocator's AreaZeroer). Words
   * are written only from the first non-zero one on: memory no CPU wrote since it was last zero
   * is only read, so a page the operating system never backed stays unbacked (reading it maps
   * the shared zero page; writing it would commit a page of RAM per CPU for nothing).
   */
  zero(offset: number, size: number): void {
    const wordAligned = (offset & 3) === 0 && (size & 3) === 0;
    for (const view of this.views) {
      if (wordAligned) {
        const words = view.u32;
        const end = (offset + size) >>> 2;
        let w = offset >>> 2;
        while (w < end && words[w] === 0) w++;
        if (w < end) words.fill(0, w, end);
      } else view.u8.fill(0, offset, offset + size);
    }
  }

  /**
   * CPU `cpu`'s value at `ptr`. 64-bit integers are read with Atomics.load: a plain 64-bit read
   * of memory another thread writes may tear. Narrower integers are tear-free as plain reads. An
   * f64 read may tear while its owner writes it (JS has no atomic f64 access).
   */
  read<T extends PerCpuType>(ptr: number, cpu: number, type: T): ValueOf<T> {
    const views = this.viewsOf(cpu);
    const index = this.indexOf(ptr, checkType('type', type));
    switch (type) {
      case 'u64':
        // Atomics.load: a single 64-bit load, sequentially consistent, so it cannot tear.
        return Atomics.load(views.u64, index) as ValueOf<T>;
      case 's64':
        // Atomics.load: as above.
        return Atomics.load(views.s64, index) as ValueOf<T>;
      default:
        return views[type][index] as ValueOf<T>;
    }
  }

  /** Sets CPU `cpu`'s value at `ptr`; `value` must fit the type as it is (no wrapping). */
  write<T extends PerCpuType>(ptr: number, cpu: number, type: T, value: ValueOf<T>): void {
    const views = this.viewsOf(cpu);
    const index = this.indexOf(ptr, checkType('type', type));
    const checked = checkValue('value', type, value);
    switch (type) {
      case 'u64':
        // Atomics.store: one untearable 64-bit store, visible to the owner's next read.
        Atomics.store(views.u64, index, checked as bigint);
        return;
      case 's64':
        // Atomics.store: as above.
        Atomics.store(views.s64, index, checked as bigint);
        return;
      default:
        (views[type] as Float64Array)[index] = checked as number;
    }
  }

  /** The views of CPU `cpu`, after checking it is a possible CPU. */
  viewsOf(cpu: number): CpuViews {
    if (typeof cpu !== 'number' || !Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus) {
      throw new InvalidArgumentError('cpu', cpu, `an integer from 0 to ${this.cpus - 1} (a possible CPU)`);
    }
    return this.views[cpu]!;
  }

  /** The element index of `ptr` in the views of `type`, after checking bounds and alignment. */
  indexOf(ptr: number, type: PerCpuType): number {
    return elementIndex(ptr, type, this.areaSize);
  }
}
