/**
 * The floor of any method a task calls through an imported binding, as it calls
 * `thisCpu.inc(ptr, 'u32')`: an object exported by another module, whose inc(ptr) checks nothing
 * and does only `view[ptr >>> 2]++` on this CPU's Uint32Array, held in a property written once
 * (which V8 treats as a constant, the cheapest way to hold it). bench/counters/generic-path.ts
 * runs it beside thisCpu.inc: where the engine cannot move the import's loads out of the loop
 * (Node 20), no generic path, checked or not, is faster than this.
 *
 * Context: a CPU's worker thread.
 */

/** This CPU's u32 view, set once by attach. */
const held: { view?: Uint32Array } = {};

class UncheckedCounter {
  /** Holds `view` from the first call on; later calls keep it (a CPU's view never changes). */
  attach(view: Uint32Array): void {
    held.view ??= view;
  }

  inc(ptr: number): void {
    held.view![ptr >>> 2]!++;
  }
}

export const unchecked = new UncheckedCounter();
