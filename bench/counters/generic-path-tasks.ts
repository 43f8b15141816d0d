/**
 * Tasks of bench/counters/generic-path.ts: one hot counter incremented n times through the
 * generic path (`thisCpu.inc(ptr, type)`, checked on every call), through a ref made once
 * (`thisCpu.ref(ptr, type).inc()`), and on the limit (a plain unshared Int32Array), for u32, s32
 * and u64, and through the unchecked method of imported-floor.ts (the floor of any call through an
 * imported binding). Each variant is its own function, so each has its own call site. Each
 * returns the loop's nanoseconds.
 *
 * Context: a CPU's worker thread (one CPU: the runtime of generic-path.ts has one).
 */
import { thisCpu } from 'percpu/cpu';
import { unchecked } from './imported-floor.js';

export interface GenericPathArg {
  /** The allocation: a u32 at ptr, an s32 at ptr + 8, a u64 at ptr + 16. */
  readonly ptr: number;
  readonly n: number;
}

function elapsed(loop: () => void): number {
  const start = process.hrtime.bigint();
  loop();
  return Number(process.hrtime.bigint() - start);
}

export function limit(arg: GenericPathArg): number {
  const cells = new Int32Array(1024);
  // An index held in a const (not a literal), as a counter table is indexed.
  const index = (arg.ptr >>> 2) & 1023;
  const n = arg.n;
  const ns = elapsed(() => {
    for (let i = 0; i < n; i++) cells[index]!++;
  });
  if (cells[index] !== (n | 0)) throw new Error('the limit loop lost counts');
  return ns;
}

/** The 64-bit limit: a plain unshared BigUint64Array, `cells[index] += 1n`. */
export function limitU64(arg: GenericPathArg): number {
  const cells = new BigUint64Array(512);
  const index = (arg.ptr >>> 3) & 511;
  const n = arg.n;
  const ns = elapsed(() => {
    for (let i = 0; i < n; i++) cells[index]! += 1n;
  });
  if (cells[index] !== BigInt(n)) throw new Error('the u64 limit loop lost counts');
  return ns;
}

export function genericU32(arg: GenericPathArg): number {
  const ptr = arg.ptr;
  const n = arg.n;
  return elapsed(() => {
    for (let i = 0; i < n; i++) thisCpu.inc(ptr, 'u32');
  });
}

export function genericS32(arg: GenericPathArg): number {
  const ptr = arg.ptr + 8;
  const n = arg.n;
  return elapsed(() => {
    for (let i = 0; i < n; i++) thisCpu.inc(ptr, 's32');
  });
}

export function genericU64(arg: GenericPathArg): number {
  const ptr = arg.ptr + 16;
  const n = arg.n;
  return elapsed(() => {
    for (let i = 0; i < n; i++) thisCpu.inc(ptr, 'u64');
  });
}

export function refU32(arg: GenericPathArg): number {
  const c = thisCpu.ref(arg.ptr, 'u32');
  const n = arg.n;
  return elapsed(() => {
    for (let i = 0; i < n; i++) c.inc();
  });
}

export function refS32(arg: GenericPathArg): number {
  const c = thisCpu.ref(arg.ptr + 8, 's32');
  const n = arg.n;
  return elapsed(() => {
    for (let i = 0; i < n; i++) c.inc();
  });
}

export function refU64(arg: GenericPathArg): number {
  const c = thisCpu.ref(arg.ptr + 16, 'u64');
  const n = arg.n;
  return elapsed(() => {
    for (let i = 0; i < n; i++) c.inc();
  });
}

export function importedFloor(arg: GenericPathArg): number {
  // This CPU's whole u32 view: the u32 at arg.ptr is element arg.ptr / 4 of it.
  unchecked.attach(thisCpu.cell(0, 'u32').array);
  const ptr = arg.ptr;
  const n = arg.n;
  return elapsed(() => {
    for (let i = 0; i < n; i++) unchecked.inc(ptr);
  });
}
