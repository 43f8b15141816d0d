/**
 * The trace ring's writer and reader against a model, with fast-check: random sequences of
 * events (0-4 values, numbers and bigints), drains, stats and worker replacements (a new writer
 * resuming from the header) on small rings, in both modes. After every step, stats() must equal
 * the model's counts exactly and written = drained + lost + inRing; every drain must return
 * exactly the events the model says are still readable, with their seq, name and values.
 *
 * Writer and reader run on this one thread here (what each sees is then exact); the same code
 * with real workers writing flat out is test/trace/flat-out.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TraceWriter } from '../../src/cpu/trace-writer.js';
import { createCpuViews } from '../../src/memory/percpu-memory.js';
import { bufferSizeFor } from '../../src/memory/percpu-memory.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { EVENT_INSTANT, SLOTS_OFFSET, SLOT_BYTES } from '../../src/trace/ring-layout.js';
import { TraceRingReader } from '../../src/trace/ring-reader.js';

type Value = number | bigint;
type Step =
  | { readonly op: 'write'; readonly name: string; readonly values: readonly Value[] }
  | { readonly op: 'drain' }
  | { readonly op: 'stats' }
  | { readonly op: 'replace' };

const value = fc.oneof(fc.double({ noNaN: true }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), fc.integer());
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      name: fc.constantFrom('a', 'b', 'ünï', 'long name of an event'),
      values: fc.array(value, { maxLength: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'drain' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'stats' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'replace' as const }) },
);

class Model {
  written = 0;
  drained = 0;
  dropped = 0;
  overwritten = 0;
  /** Seqs of the stored events, in order; `read` of them consumed. */
  readonly stored: number[] = [];
  read = 0;
  readonly events = new Map<number, { name: string; values: readonly Value[] }>();

  constructor(
    private readonly slots: number,
    private readonly discard: boolean,
  ) {}

  write(name: string, values: readonly Value[]): void {
    const seq = this.written++;
    this.events.set(seq, { name, values });
    if (this.discard && this.stored.length - this.read >= this.slots) this.dropped++;
    else this.stored.push(seq);
  }

  /** What a drain returns: overwrite mode keeps the newest slots − 1 (the slot the CPU writes next is unsound). */
  drain(): number[] {
    const end = this.stored.length;
    let from = this.read;
    if (!this.discard) from = Math.max(from, end - this.slots + 1);
    this.overwritten += from - this.read;
    const seqs = this.stored.slice(from, end);
    this.read = end;
    this.drained += seqs.length;
    return seqs;
  }

  stats(): { written: number; drained: number; lost: number; inRing: number } {
    const behind = this.stored.length - this.read;
    const inRing = this.discard ? behind : Math.min(behind, this.slots);
    const overwritten = this.overwritten + behind - inRing;
    return { written: this.written, drained: this.drained, lost: this.dropped + overwritten, inRing };
  }
}

function ring(slots: number, discard: boolean) {
  const areaSize = SLOTS_OFFSET + slots * SLOT_BYTES;
  const views = createCpuViews(new SharedArrayBuffer(bufferSizeFor(areaSize)), areaSize);
  const reader = new TraceRingReader(0, views, {
    mode: discard ? 'discard' : 'overwrite',
    bufferSize: slots * SLOT_BYTES,
    slots,
    regionStart: 0,
    regionSize: areaSize,
  });
  const writer = (): TraceWriter =>
    new TraceWriter(views, { regionStart: 0, slots, discard, coordinatorOrigin: performance.timeOrigin });
  return { reader, writer };
}

function checkDrained(got: readonly TraceEvent[], seqs: readonly number[], model: Model): void {
  expect(got.map((e) => e.seq)).toEqual(seqs);
  for (const e of got) {
    const want = model.events.get(e.seq!)!;
    expect(e.name).toBe(want.name);
    expect(e.kind).toBe('event');
    // Numbers come back as the f64 they were, bigints as the s64/u64 they were (-0 stays -0).
    expect(e.args).toEqual(want.values);
  }
  for (let i = 1; i < got.length; i++) expect(got[i]!.ts).toBeGreaterThanOrEqual(got[i - 1]!.ts);
}

describe.each([
  ['overwrite', false],
  ['discard', true],
] as const)('%s mode, against the model', (_mode, discard) => {
  it('drains exactly what the model holds, and stats() equal its counts after every step', () => {
    fc.assert(
      fc.property(fc.constantFrom(2, 4, 8, 16), fc.array(step, { maxLength: 120 }), (slots, steps) => {
        const { reader, writer } = ring(slots, discard);
        const model = new Model(slots, discard);
        let w = writer();
        for (const s of [...steps, { op: 'drain' } as const]) {
          if (s.op === 'write') {
            w.user(EVENT_INSTANT, s.values.length, s.name, s.values[0], s.values[1], s.values[2], s.values[3]);
            model.write(s.name, s.values);
          } else if (s.op === 'drain') {
            const got: TraceEvent[] = [];
            reader.drainInto(got);
            checkDrained(got, model.drain(), model);
          } else if (s.op === 'replace') {
            w = writer(); // a new worker of the same CPU: resumes from the header
          }
          const stats = reader.stats();
          expect(stats).toMatchObject(model.stats());
          expect(stats.written).toBe(stats.drained + stats.lost + stats.inRing);
          expect(stats.lost).toBe(stats.dropped + stats.overwritten);
        }
        const end = reader.stats();
        expect(end.inRing).toBe(0);
        expect(end.written).toBe(end.drained + end.lost);
      }),
      { numRuns: 300 },
    );
  });
});

it('a full ring never throws: each event over it is counted lost', () => {
  for (const discard of [false, true]) {
    const { reader, writer } = ring(4, discard);
    const w = writer();
    for (let i = 0; i < 1000; i++) w.user(EVENT_INSTANT, 1, 'x', i, undefined, undefined, undefined);
    const got: TraceEvent[] = [];
    reader.drainInto(got);
    const stats = reader.stats();
    expect(stats.written).toBe(1000);
    // Discard keeps the first 4 (seq 0-3); overwrite the newest 3 (the 4th slot is the next to go).
    expect(got.map((e) => e.seq)).toEqual(discard ? [0, 1, 2, 3] : [997, 998, 999]);
    expect(stats.lost).toBe(discard ? 996 : 997);
    expect(discard ? stats.dropped : stats.overwritten).toBe(stats.lost);
  }
});
